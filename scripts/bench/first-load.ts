// How long the web clients take to become usable on a poor counter link, in Chromium with the network emulated
// (DevTools' Network.emulateNetworkConditions: 400 kbps down and up, 400 ms latency): cold (a new browser profile,
// nothing cached) and warm (the same profile again: HTTP cache, and the handheld's service worker). "Usable" is
// the login form on screen with its fields enabled, drawn by the app's script (so its handlers are there).
//   npm run build:web && npx tsx scripts/bench/first-load.ts [--runs 3]
// The server runs in this process on PGlite (test/helpers/server.ts): on the emulated link it is not what is slow.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';

/** The link the issue measured on: 400 kbps each way, 400 ms round trip. */
export const POOR_LINK = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };

export const CLIENTS = {
  handheld: { path: '/handheld/', ready: '#login-form input[name="username"]:enabled' },
  console: { path: '/console/', ready: 'form#login input[name="username"]:enabled' },
} as const;
export type ClientName = keyof typeof CLIENTS;

export type Load = { ms: number; bytes: number; requests: number };

/**
 * Opens `client` in `ctx` over the emulated link and returns the time from navigation to a usable login form,
 * with the bytes that came over the network (encoded, as sent) and the requests made until then. `emulate` false: the same
 * load on the local link, which says how much of the time is this machine rather than the link.
 */
export async function timeLoad(ctx: BrowserContext, url: string, client: ClientName, emulate = true): Promise<Load> {
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  if (emulate) await cdp.send('Network.emulateNetworkConditions', POOR_LINK);
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.requestWillBeSent', () => requests++);
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
  const started = performance.now();
  await page.goto(`${url}${CLIENTS[client].path}`, { waitUntil: 'commit' });
  await page.waitForSelector(CLIENTS[client].ready, { state: 'visible', timeout: 60_000 }).catch(async (err: Error) => {
    throw new Error(`${client} not usable: ${err.message.split('\n')[0]}; the page: ${(await page.content()).slice(0, 600)}`);
  });
  const ms = performance.now() - started;
  const load = { ms, bytes, requests }; // what it took until usable, not what the app fetches afterwards
  await page.close();
  return load;
}

/**
 * A cold load in a fresh profile, then a warm one in the same profile (after the service worker settled), and
 * a cold load with no emulation: what this machine itself takes (on a busy one, most of what is left).
 */
export async function coldAndWarm(browser: Browser, url: string, client: ClientName): Promise<{ cold: Load; warm: Load; local: Load }> {
  const fresh = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'zh-CN', serviceWorkers: 'block' });
  const local = await timeLoad(fresh, url, client, false);
  await fresh.close();
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'zh-CN' });
  try {
    const cold = await timeLoad(ctx, url, client);
    // The handheld's service worker installs (precaching the shell, over the fast link now) before the warm load.
    if (client === 'handheld') {
      const page = await ctx.newPage();
      await page.goto(`${url}${CLIENTS[client].path}`);
      await page.evaluate(() => (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator.serviceWorker.ready.then(() => undefined));
      await page.close();
    }
    const warm = await timeLoad(ctx, url, client);
    return { cold, warm, local };
  } finally {
    await ctx.close();
  }
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  const { launchChromium } = await import('../../test/helpers/browser.js');
  const { startTestServer } = await import('../../test/helpers/server.js');
  const server = await startTestServer();
  const browser = await launchChromium();
  try {
    console.log(`first load over ${POOR_LINK.downloadThroughput * 8 / 1000} kbps, ${POOR_LINK.latency} ms latency; median of ${runs} runs`);
    for (const client of Object.keys(CLIENTS) as ClientName[]) {
      const results: { cold: Load; warm: Load; local: Load }[] = [];
      for (let i = 0; i < runs; i++) results.push(await coldAndWarm(browser, server.url, client));
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const line = (k: 'cold' | 'warm' | 'local') =>
        `${k} ${(median(results.map((r) => r[k].ms)) / 1000).toFixed(2)} s (${(median(results.map((r) => r[k].bytes)) / 1024).toFixed(1)} kB in ${median(results.map((r) => r[k].requests))} requests)`;
      console.log(`${client.padEnd(9)} ${line('cold')} · ${line('warm')} · unemulated ${line('local')}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
