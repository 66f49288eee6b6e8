// The first load on a poor counter link (issue 19): what `npm start` serves is compressed ahead of time (brotli,
// gzip) and cached by name — hashed assets for a year, the page, service worker and manifest revalidated — the
// handheld's service worker precaches exactly what was built, and over 400 kbps / 400 ms (Chromium's network
// emulation) the handheld's login is usable within 2 s of a cold start. The login pages show no empty error
// banner, and both clients open with a "跳到主要内容" skip link.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { webBuildDir } from '../server/paths.js';
import { IMMUTABLE } from '../server/web/clients.js';
import { CLIENTS, timeLoad, type ClientName } from '../scripts/bench/first-load.js';
import { buildWebClients, launchChromium } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Dom = {
  document: { activeElement: { textContent: string | null; tagName: string; blur(): void } | null };
  navigator: { serviceWorker: { ready: Promise<unknown> } };
  caches: { keys(): Promise<string[]>; open(name: string): Promise<{ keys(): Promise<{ url: string }[]> }> };
};

/** A GET whose body stays as sent (supertest would decode gzip and brotli for us). */
function getRaw(base: string, url: string, acceptEncoding: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(`${base}${url}`, { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('first load on a poor link (Chromium)', function () {
  this.timeout(120_000);
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    buildWebClients();
    s = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const built = (client: string, file: string) => fs.readFileSync(path.join(webBuildDir, client, file));
  /** What the built page loads: its stylesheet and scripts, by their hashed names. */
  const pageAssets = (client: string) => [...built(client, 'index.html').toString().matchAll(/(?:href|src)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
  const raw = async (url: string, acceptEncoding: string) => {
    const res = await getRaw(s.url, url, acceptEncoding);
    assert.equal(res.status, 200, url);
    return res;
  };

  for (const client of ['handheld', 'console'] as const) {
    it(`${client}: brotli or gzip as the browser accepts, the plain file otherwise; the same bytes once decoded`, async () => {
      for (const file of ['index.html', ...pageAssets(client)]) {
        const plain = built(client, file);
        const url = `/${client}/${file === 'index.html' ? '' : file}`;
        const br = await raw(url, 'gzip, deflate, br');
        assert.equal(br.headers['content-encoding'], 'br', `${file} as brotli`);
        assert.equal(br.headers.vary, 'Accept-Encoding');
        assert.deepEqual(brotliDecompressSync(br.body), plain);
        assert.ok(br.body.length < plain.length || plain.length < 200, `${file}: ${br.body.length} of ${plain.length} bytes`);
        // gzip where it makes the file smaller (not a 155-byte chunk, whose gzip header outweighs the gain).
        const gz = await raw(url, 'gzip');
        const hasGz = fs.existsSync(path.join(webBuildDir, client, `${file}.gz`));
        assert.ok(hasGz || plain.length < 200, `${file}.gz written`);
        assert.equal(gz.headers['content-encoding'], hasGz ? 'gzip' : undefined);
        assert.deepEqual(hasGz ? gunzipSync(gz.body) : gz.body, plain);
        for (const none of ['identity', 'br;q=0, gzip;q=0']) {
          const as = await raw(url, none);
          assert.equal(as.headers['content-encoding'], undefined, `${file} with Accept-Encoding: ${none}`);
          assert.equal(as.headers.vary, 'Accept-Encoding');
          assert.deepEqual(as.body, plain);
        }
      }
      // The type is the file's, not the coding's.
      const css = await raw(`/${client}/${pageAssets(client).find((f) => f.endsWith('.css'))}`, 'br');
      assert.match(String(css.headers['content-type']), /^text\/css/);
    });

    it(`${client}: hashed assets cached for a year, the page and everything unhashed revalidated`, async () => {
      const assets = fs.readdirSync(path.join(webBuildDir, client, 'assets')).filter((f) => !/\.(br|gz)$/.test(f));
      assert.ok(assets.length > 3);
      // Every name the builder writes under assets/ carries a hash of its content: safe to cache for a year.
      for (const f of assets) assert.match(f, /-[A-Za-z0-9]{8}\.[A-Za-z0-9.]+$/, `assets/${f} has a content hash`);
      for (const f of pageAssets(client)) {
        const res = await s.http().get(`/${client}/${f}`).expect(200);
        assert.equal(res.headers['cache-control'], IMMUTABLE, f);
      }
      const statics = ['', 'index.html', ...fs.readdirSync(path.join(webBuildDir, client)).filter((f) => /\.(js|webmanifest|svg)$/.test(f))];
      for (const f of statics) {
        const res = await s.http().get(`/${client}/${f}`).expect(200);
        assert.equal(res.headers['cache-control'], 'no-cache', `/${client}/${f}`);
        // Revalidating an unchanged page costs a 304, not the page again.
        await s.http().get(`/${client}/${f}`).set('If-None-Match', String(res.headers.etag)).expect(304);
      }
      await s.http().get(`/${client}`).expect(301).expect('Location', `/${client}/`);
      await s.http().head(`/${client}/`).expect(200).expect('Cache-Control', 'no-cache');
      // No way out of the build folder, and the stored codings are not files of their own.
      await s.http().get(`/${client}/..%2F..%2Fpackage.json`).expect(404);
      await s.http().get(`/${client}/index.html.br`).expect(404);
    });
  }

  it('the handheld decoder (.wasm) is compressed too, as application/wasm', async () => {
    const wasm = fs.readdirSync(path.join(webBuildDir, 'handheld', 'assets')).find((f) => f.endsWith('.wasm'))!;
    const res = await raw(`/handheld/assets/${wasm}`, 'br');
    assert.equal(res.headers['content-type'], 'application/wasm');
    assert.equal(res.headers['content-encoding'], 'br');
    assert.ok(res.body.length < built('handheld', `assets/${wasm}`).length * 0.6);
  });

  it("the handheld's service worker precaches exactly the built app: every script, style, decoder and static file", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/handheld/`);
    const cached = await page.evaluate(async () => {
      const { navigator, caches } = (globalThis as unknown as Dom);
      await navigator.serviceWorker.ready;
      const names = await caches.keys();
      const requests = (await Promise.all(names.map(async (n) => (await caches.open(n)).keys()))).flat();
      return { names, urls: requests.map((r) => new URL(r.url).pathname).sort() };
    });
    await ctx.close();
    const dir = path.join(webBuildDir, 'handheld');
    const expected = [
      '/handheld/',
      ...fs.readdirSync(dir).filter((f) => f !== 'index.html' && f !== 'sw.js' && fs.statSync(path.join(dir, f)).isFile() && !/\.(br|gz)$/.test(f)).map((f) => `/handheld/${f}`),
      ...fs.readdirSync(path.join(dir, 'assets')).filter((f) => /\.(js|css|wasm)$/.test(f)).map((f) => `/handheld/assets/${f}`),
    ].sort();
    assert.equal(cached.names.length, 1, `one cache: ${cached.names}`);
    assert.deepEqual(cached.urls, expected);
  });

  it('the handheld is usable within 2 s of a cold start over 400 kbps with 400 ms latency', async () => {
    // Best of three: the link is emulated exactly, the machine's other work only ever adds time. The same load
    // without emulation says how much of the figure is this machine rather than the link.
    const loads = { emulated: [] as number[], local: [] as number[] };
    let bytes = Infinity;
    for (let i = 0; i < 3; i++) {
      for (const kind of ['emulated', 'local'] as const) {
        const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'zh-CN', serviceWorkers: 'block' });
        const load = await timeLoad(ctx, s.url, 'handheld', kind === 'emulated');
        loads[kind].push(load.ms);
        if (kind === 'emulated') bytes = Math.min(bytes, load.bytes);
        await ctx.close();
      }
    }
    const best = { emulated: Math.min(...loads.emulated), local: Math.min(...loads.local) };
    console.log(`      handheld cold load over 400 kbps / 400 ms: ${(best.emulated / 1000).toFixed(2)} s, ${(bytes / 1024).toFixed(1)} kB before usable (the same load unthrottled here: ${(best.local / 1000).toFixed(2)} s)`);
    // What the link alone allows, whatever the machine: two round trips (the page, then its assets side by side:
    // 0.8 s) and 45 kB at 50 kB/s (0.9 s) leave 0.3 s to run the script. The phone metadata is not in it.
    assert.ok(bytes <= 45 * 1024, `${bytes} bytes before the login is usable`);
    // On a busy machine (the unthrottled load itself slower than a quiet machine's ~0.3 s) that excess is not the link's.
    const machineExcess = Math.max(0, best.local - 300);
    assert.ok(best.emulated - machineExcess <= 2000, `cold load ${best.emulated.toFixed(0)} ms (machine excess ${machineExcess.toFixed(0)} ms)`);
  });

  for (const client of Object.keys(CLIENTS) as ClientName[]) {
    it(`${client}: the login page shows no error banner until a login fails, and opens with a skip link`, async () => {
      const ctx = await browser.newContext({ locale: 'zh-CN', serviceWorkers: 'block' });
      const page = await ctx.newPage();
      await page.goto(`${s.url}${CLIENTS[client].path}`);
      await page.waitForSelector(CLIENTS[client].ready);
      assert.equal(await page.isVisible('#login-error'), false, 'no empty banner on load');
      // The skip link comes first in the keyboard's order (before the focused user name field); following it puts
      // the keyboard in the page's main content and leaves the address (the clients' routes) alone.
      const before = page.url();
      const focused = () => page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.textContent ?? '');
      for (let i = 0; i < 6 && (await focused()) !== '跳到主要内容'; i++) await page.keyboard.press('Shift+Tab');
      assert.equal(await focused(), '跳到主要内容');
      await page.keyboard.press('Shift+Tab');
      assert.notEqual(await focused(), '跳到主要内容');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), '跳到主要内容', 'nothing focusable before it');
      assert.equal(await page.isVisible('a.skip-link'), true);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.tagName), 'MAIN');
      assert.equal(page.url(), before);

      await page.fill('input[name="username"]', 'courier1');
      await page.fill('input[name="password"]', 'wrong-password');
      await page.press('input[name="password"]', 'Enter');
      await page.waitForSelector('#login-error', { state: 'visible' });
      assert.notEqual((await page.textContent('#login-error'))?.trim(), '');
      await ctx.close();
    });
  }
});
