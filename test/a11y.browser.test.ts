// Issue 19, "axe reports no serious or critical violation on any page": axe-core, loaded from node_modules into
// every page of the console (as the administrator, who sees every page, and the outlet supervisor) and every
// screen of the handheld, in zh-CN and in English, with data on the pages. The clients' CSP forbids inline
// scripts, so only this test's browser context bypasses it to inject axe; the pages themselves are as served.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWebClients, launchChromium } from './helpers/browser.js';
import { aHeldParcel, ringParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
type Win = { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> }; document: unknown; location: { hash: string } };

/** The serious and critical violations on the page as it is now, one line each. */
async function violations(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    return w.axe.run(w.document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

const settle = async (page: Page) => {
  await page.waitForTimeout(400);
  const until = Date.now() + 10_000;
  while (Date.now() < until && /加载中|Loading/.test((await page.textContent('body')) ?? '')) await page.waitForTimeout(150);
  // Row flashes and toasts animate in: axe reads colours, so let them finish.
  await page.waitForTimeout(300);
};
const go = (page: Page, hash: string) => page.evaluate((h) => ((globalThis as unknown as Win).location.hash = h), hash);

describe('accessibility: axe on every page (Chromium)', function () {
  this.timeout(300_000);
  let s: TestServer;
  let browser: Browser;
  const ids: { alert?: string } = {};

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
    const courier = `Bearer ${await s.login('courier1')}`;
    for (let i = 0; i < 3; i++) await s.http().post('/api/parcels').set('Authorization', courier).send(ringParcel('13912340066')).expect(201);
    await s.http().post('/api/parcels').set('Authorization', courier).send(aHeldParcel()).expect(201);
    const alerts = await s.http().get('/api/alerts').set('Authorization', `Bearer ${await s.login('regulator1')}`).expect(200);
    ids.alert = alerts.body.alerts[0]?.id;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function context(lang: 'zh' | 'en', viewport = { width: 1366, height: 860 }): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport, locale: lang === 'zh' ? 'zh-CN' : 'en-GB', bypassCSP: true, serviceWorkers: 'block' });
    await ctx.addInitScript((l) => {
      const store = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
      store.setItem('pg.console.lang', l);
      store.setItem('pg.lang', l);
    }, lang);
    return ctx;
  }

  for (const lang of ['zh', 'en'] as const) {
    for (const username of ['admin', 'supervisor1'] as const) {
      it(`the console as ${username} in ${lang}: no serious or critical violation on any page`, async () => {
        const ctx = await context(lang);
        const page = await ctx.newPage();
        const found: string[] = [];
        await page.goto(`${s.url}/console/`);
        await page.waitForSelector('form#login');
        found.push(...(await violations(page, 'login')));
        await page.fill('input[name="username"]', username);
        await page.fill('input[name="password"]', 'parcelguard-demo');
        await page.press('input[name="password"]', 'Enter');
        await page.waitForSelector('.live-state.live');
        const nav = await page.locator('.top nav a[data-nav]').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('data-nav')));
        const extra = username === 'admin' ? ['#/goods-rules', '#/disposals', '#/brands', '#/price-floors', '#/privacy', ...(ids.alert ? [`#/alerts/${ids.alert}`] : [])] : [];
        for (const hash of [...nav, ...extra]) {
          await go(page, hash);
          await settle(page);
          found.push(...(await violations(page, hash)));
        }
        await ctx.close();
        assert.deepEqual(found, []);
      });
    }

    it(`the handheld in ${lang}: no serious or critical violation on any screen`, async () => {
      const ctx = await context(lang, { width: 360, height: 640 });
      const page = await ctx.newPage();
      const found: string[] = [];
      await page.goto(`${s.url}/handheld/`);
      await page.waitForSelector('#login-form');
      found.push(...(await violations(page, 'login')));
      await page.fill('#login-form input[name="username"]', 'courier1');
      await page.fill('#login-form input[name="password"]', 'parcelguard-demo');
      await page.press('#login-form input[name="password"]', 'Enter');
      await page.waitForSelector('input[name="waybillNo"]');
      await settle(page);
      found.push(...(await violations(page, 'intake')));
      await go(page, '#holds');
      await settle(page);
      found.push(...(await violations(page, 'holds')));
      await ctx.close();
      assert.deepEqual(found, []);
    });
  }
});
