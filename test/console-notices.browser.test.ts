// Issue 19: the console's notices ("notices only for high severity and never updated as the alert grows"). A new
// alert of any severity shows a notice by default; the notice follows its alert as parcels join and as its
// severity rises; an officer who wants fewer notices chooses the lowest severity that shows one, kept per browser.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildWebClients, launchChromium, openConsole, textUntil } from './helpers/browser.js';
import { aParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('console notices (Chromium)', function () {
  this.timeout(120_000);
  let s: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors in the page'));

  const as = async (user: string) => `Bearer ${await s.login(user)}`;
  /** A listed brand: its hits make a low-severity alert (server/watchlist/step.ts). */
  async function listBrand(brand: string) {
    await s.http().post('/api/watchlist/entries').set('Authorization', await as('regulator1')).send({ entries: [{ type: 'brand', value: brand }] }).expect(201);
  }
  async function sendBrand(brand: string) {
    const res = await s.http().post('/api/parcels').set('Authorization', await as('courier1')).send(aParcel({ declared: { brand } })).expect(201);
    return res.body as { alerts: { id: string; severity: string }[] };
  }
  const toast = (page: Page, alertId: string) => page.locator(`#toasts .toast:has(a[href="#/alerts/${alertId}"])`);

  it('a low-severity alert shows a notice, which follows the alert as it grows and as its severity rises', async () => {
    const page = await openConsole(browser, s.url, 'regulator1', pageErrors);
    await listBrand('Zorblaxa');
    const first = await sendBrand('Zorblaxa');
    const alert = first.alerts[0]!;
    assert.equal(alert.severity, 'low');
    const notice = toast(page, alert.id);
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-severity'), 'low');
    assert.equal(await notice.getAttribute('data-parcels'), '1');
    assert.match((await notice.textContent()) ?? '', /低.*嫌疑名单命中：品牌 Zorblaxa/s);

    // A second parcel joins the alert: the same notice says 2, and no second notice appears.
    await sendBrand('Zorblaxa');
    await textUntil(page, `#toasts .toast:has(a[href="#/alerts/${alert.id}"]) .toast-count`, (x) => x === '2');
    assert.equal(await page.locator('#toasts .toast').count(), 1);

    // Its severity rises (as a ring's does when it grows): the notice says so, and it is announced again.
    const current = (await s.http().get(`/api/alerts/${alert.id}`).set('Authorization', await as('regulator1')).expect(200)).body;
    s.io.of('/alerts').emit('alert:updated', { ...current, severity: 'high', updatedAt: new Date().toISOString() });
    await page.waitForFunction((id) => {
      const d = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document;
      return d.querySelector(`#toasts .toast:has(a[href="#/alerts/${id}"])`)?.getAttribute('data-severity') === 'high';
    }, alert.id);
    assert.equal(await page.locator('#toasts .toast').count(), 1);
    await page.context().close();
  });

  it('an officer who chooses "仅高风险" gets no notice for a low alert, and the choice is kept', async () => {
    const page = await openConsole(browser, s.url, 'regulator1', pageErrors);
    await page.selectOption('#notice-from', 'high');
    await page.reload();
    await page.waitForSelector('.live-state.live');
    assert.equal(await page.inputValue('#notice-from'), 'high', 'kept across a reload');
    await listBrand('Quexovia');
    const sent = await sendBrand('Quexovia');
    // The board shows the alert (so the event arrived), but no notice pops up for it.
    await page.waitForSelector(`#rows tr[data-id="${sent.alerts[0]!.id}"]`);
    await page.waitForTimeout(300);
    assert.equal(await toast(page, sent.alerts[0]!.id).count(), 0);
    await page.context().close();
  });
});
