// Interception (拦截件) in Debian's Chromium against the real server: a ring alert at its third parcel orders the first
// two stopped; the courier's handheld (360×740) shows the 拦截 button with the count, an order arriving live with a
// vibration, and answers with big buttons (未找到 needs a note; 已拦截 makes a hold). The console shows each parcel's
// state on the alert page, the list with the overdue first, and the open orders on the board.
// SCREENSHOTS=docs/screenshots writes handheld-interceptions.png, console-interceptions.png, console-alert-interceptions.png.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { buildWebClients, launchChromium, openConsole, screenshot, textUntil } from './helpers/browser.js';
import { aParcel, ringParcel, unlinkedParties } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('interception on the handheld and the console (Chromium)', function () {
  this.timeout(300_000);
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  const bearer = async (username: string) => `Bearer ${await s.login(username)}`;
  const intake = async (body: object) => {
    const res = await s.http().post('/api/parcels').set('Authorization', await bearer('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { parcel: { waybillNo: string }; verdict: string; alerts: { id: string; type: string }[] };
  };
  const ring = (phone: string) => {
    const p = ringParcel(phone);
    return { ...p, declared: { ...p.declared, description: '儿童毛绒玩具' } };
  };

  it('the courier answers on the handheld; the console shows each parcel’s state, the list and the board count', async () => {
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await intake(ring('13966660042')));
    const alertId = taken[2]!.alerts.find((a) => a.type === 'ANT_MOVING')!.id;
    const [w1, w2, w3] = taken.map((t) => t.parcel.waybillNo) as [string, string, string];

    // The handheld: the corner button counts the two orders.
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    await ctx.addInitScript('window.vibrations = []; navigator.vibrate = (p) => (window.vibrations.push(p), true);');
    // The machine may be busy (several suites at once): wait longer than playwright's 30 s for each step.
    ctx.setDefaultTimeout(90_000);
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/handheld/`);
    await page.fill('input[name="username"]', 'courier1');
    await page.fill('input[name="password"]', 'parcelguard-demo');
    await page.press('input[name="password"]', 'Enter');
    await page.waitForSelector('input[name="waybillNo"]');
    await textUntil(page, '#ic-count', (t) => t === '2');
    await page.click('#ic-button');
    await page.waitForSelector(`#ic-panel article[data-waybill="${w1}"]`);
    assert.ok(!(await page.$(`#ic-panel article[data-waybill="${w3}"]`)), 'the third parcel was held at the counter, not ordered');

    // An order made by a regulator arrives live, with a notice and a vibration.
    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '运动鞋', brand: undefined } }));
    const ordered = await s.http().post(`/api/parcels/${lone.parcel.waybillNo}/intercept`).set('Authorization', await bearer('regulator1')).send({ note: '线索核查，立即拦截' });
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
    await page.waitForSelector(`#ic-panel article[data-waybill="${lone.parcel.waybillNo}"]`);
    await textUntil(page, '#ic-notice', (t) => !!t?.includes(lone.parcel.waybillNo));
    assert.ok(((await page.evaluate('window.vibrations.length')) as number) >= 1);
    await screenshot(page, 'handheld-interceptions');

    // 未找到 without a note is refused on the device; with one it is answered.
    const card1 = `#ic-panel article[data-waybill="${w1}"]`;
    await page.click(`${card1} button[data-result="not_found"]`);
    await textUntil(page, `${card1} .error`, (t) => !!t?.includes('备注'));
    await page.fill(`${card1} textarea`, '转运中心查无此件');
    await page.click(`${card1} button[data-result="not_found"]`);
    await page.waitForSelector(card1, { state: 'detached' });
    // 已拦截: the parcel becomes a hold.
    await page.click(`#ic-panel article[data-waybill="${w2}"] button[data-result="intercepted"]`);
    await page.waitForSelector(`#ic-panel article[data-waybill="${w2}"]`, { state: 'detached' });
    await textUntil(page, '#ic-count', (t) => t === '1');
    const parcel = (await s.http().get(`/api/parcels/${w2}`).set('Authorization', await bearer('regulator1')).expect(200)).body.parcel;
    assert.equal(parcel.status, 'held');
    assert.deepEqual(parcel.hold.reasons.map((r: { code: string }) => r.code), ['INTERCEPTED']);
    assert.equal(parcel.interception.answer.by, 'courier1');
    assert.deepEqual(errors, []);
    await ctx.close();

    // The console: each parcel's state on the alert page, the list, the board's count.
    const consoleErrors: string[] = [];
    const c = await openConsole(browser, s.url, 'regulator1', consoleErrors).catch(async () => {
      // openConsole waits 30 s per step; on a busy machine, once more with the page's own longer wait.
      const ctx2 = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' });
      ctx2.setDefaultTimeout(90_000);
      const p = await ctx2.newPage();
      p.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      await p.goto(`${s.url}/console/`);
      await p.fill('input[name="username"]', 'regulator1');
      await p.fill('input[name="password"]', 'parcelguard-demo');
      await p.press('input[name="password"]', 'Enter');
      await p.waitForSelector('.live-state.live');
      return p;
    });
    c.context().setDefaultTimeout(90_000);
    await c.goto(`${s.url}/console/#/alerts/${alertId}`);
    await c.waitForSelector('#parcels td[data-col="interception"] [data-interception]');
    const states = await c.$$eval('#parcels tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('td.mono')?.textContent ?? '', r.querySelector('td[data-col="interception"]')?.textContent?.trim() ?? '']),
    );
    const stateOf = new Map(states as [string, string][]);
    assert.match(stateOf.get(w1) ?? '', /未找到/);
    assert.match(stateOf.get(w2) ?? '', /已拦截/);
    assert.equal(stateOf.get(w3), '—');
    await c.locator('#parcels').scrollIntoViewIfNeeded();
    await screenshot(c, 'console-alert-interceptions');

    await c.goto(`${s.url}/console/#/interceptions?status=all`);
    await c.waitForSelector(`#ic-rows tr[data-waybill="${lone.parcel.waybillNo}"]`);
    assert.equal(await c.$$eval('#ic-rows tr[data-waybill]', (r) => r.length), 3);
    // An order by hand from the console, live into the list.
    const more = await intake(aParcel({ ...unlinkedParties(), declared: { description: '羽毛球拍', brand: undefined } }));
    await c.click('a[data-status="open"]');
    await c.waitForSelector('#ic-order');
    await c.fill('#ic-order input[name="waybillNo"]', more.parcel.waybillNo);
    await c.fill('#ic-order input[name="note"]', '举报线索');
    await c.click('#ic-order button[type="submit"]');
    await c.waitForSelector(`#ic-rows tr[data-waybill="${more.parcel.waybillNo}"]`);
    await textUntil(c, '[data-nav="#/interceptions"] .nav-count', (t) => t === '2');
    await screenshot(c, 'console-interceptions');

    await c.goto(`${s.url}/console/#/alerts`);
    await textUntil(c, '#tile-open-interceptions b', (t) => t === '2');
    assert.deepEqual(consoleErrors, []);
  });

  it('the handheld: a tap on an order answered meanwhile shows the stored answer and who gave it; a withdrawn order leaves live; one /outlet socket', async () => {
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await intake(ring('13966660043')));
    const alertId = taken[2]!.alerts.find((a) => a.type === 'ANT_MOVING')!.id;
    const [w1, w2] = taken.map((t) => t.parcel.waybillNo) as [string, string];

    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(90_000);
    const page = await ctx.newPage();
    const errors: string[] = [];
    const sockets: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${s.url}/handheld/`);
    await page.fill('input[name="username"]', 'supervisor1');
    await page.fill('input[name="password"]', 'parcelguard-demo');
    await page.press('input[name="password"]', 'Enter');
    await page.click('#ic-button');
    await page.waitForSelector(`#ic-panel article[data-waybill="${w1}"]`);
    await page.waitForSelector(`#ic-panel article[data-waybill="${w2}"]`);

    // Answered by someone else just before this tap reaches the server: the tap gets 409 and is told what is stored.
    await page.route(`**/api/parcels/${w1}/interception`, async (route) => {
      const first = await s.http().post(`/api/parcels/${w1}/interception`).set('Authorization', await bearer('courier1')).send({ result: 'not_found', note: '查无此件' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      await route.continue();
    });
    await page.click(`#ic-panel article[data-waybill="${w1}"] button[data-result="intercepted"]`);
    await textUntil(page, '#ic-notice', (t) => !!t?.includes('courier1'));
    const notice = (await page.textContent('#ic-notice'))!;
    assert.ok(notice.includes(w1) && notice.includes('未找到'), notice);
    assert.doesNotMatch(notice, /已拦截/);
    await page.waitForSelector(`#ic-panel article[data-waybill="${w1}"]`, { state: 'detached' });

    // The alert resolved as a false positive: the order is withdrawn and leaves the list live.
    const resolved = await s.http().post(`/api/alerts/${alertId}/resolve`).set('Authorization', await bearer('regulator1')).send({ resolution: 'false_positive', note: '家庭寄件' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    await page.waitForSelector(`#ic-panel article[data-waybill="${w2}"]`, { state: 'detached' });
    assert.equal(sockets.filter((u) => u.includes('/socket.io/')).length, 1, `one live connection: ${sockets.join(' ')}`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
