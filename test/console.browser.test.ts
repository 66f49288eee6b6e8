// The regulators' and customs officers' console end to end in Debian's Chromium (playwright-core), headless,
// against the real server on PGlite: a regulator has the board open while intakes made through the API form a
// ring — the alert appears live, survives a dropped connection without loss, is read (links, limits, audited
// unmasking) and resolved; a customs officer raises a route's rate and the next intakes are selected and
// inspected; the weekly report downloads and its XLSX opens with the numbers made here. SCREENSHOTS=docs/screenshots
// writes the board, an alert, the overview, the routes and the report there.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { queryRows } from '../server/db/database.js';
import { sql } from 'drizzle-orm';
import { buildWebClients, launchChromium, openConsole as openConsoleAs, screenshot } from './helpers/browser.js';
import { anIdentity, aParcel, ringParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { readWeeklyXlsx } from './helpers/weekly-xlsx.js';

describe('console (Chromium)', function () {
  this.timeout(60_000);
  let s: TestServer;
  let browser: Browser;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-console-'));
  /** Every intake this file makes, by verdict: what the weekly report must count. */
  const made = { total: 0, held: 0, rejected: 0, selected: 0 };
  const pageErrors: string[] = [];

  before(async () => {
    buildWebClients();
    // Base rate 0: only a raised route selects, so what the console shows is exactly what the test made.
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors or CSP violations in the page'));

  async function intake(body: object) {
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);
    made.total++;
    if (res.body.verdict === 'held') made.held++;
    if (res.body.verdict === 'rejected') made.rejected++;
    // Selection aimed at risk (issue 17): parcels of an alerted ring are selected too, whatever the rates.
    if (res.body.customsInspection?.selected) made.selected++;
    return res.body;
  }

  /** Waits until the element's text matches (evaluated in the page). */
  type Dom = { document: { querySelector(s: string): { textContent: string | null } | null } };
  const waitText = (page: Page, selector: string, pattern: RegExp, timeout = 10_000) =>
    page.waitForFunction(
      ([sel, source]) => new RegExp(source).test((globalThis as unknown as Dom).document.querySelector(sel)?.textContent ?? ''),
      [selector, pattern.source] as const,
      { timeout },
    );

  const openConsole = (username: string) => openConsoleAs(browser, s.url, username, pageErrors);

  it('a regulator sees a ring alert appear live, keeps it through a dropped connection, reads it and resolves it', async () => {
    const page = await openConsole('regulator1');
    assert.match((await page.textContent('.top nav')) ?? '', /实时预警.*线路与查验比例.*嫌疑名单.*总览.*周报/);
    assert.equal(await page.locator('.top nav a', { hasText: '查验任务' }).count(), 0, 'regulators record no inspection outcomes');
    await page.waitForSelector('#rows .empty');

    const phone = '13912340055';
    for (let i = 0; i < 3; i++) await intake(ringParcel(phone));
    const row = page.locator('#rows tr[data-id]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.first().textContent() ?? '', /蚂蚁搬家团伙.*3/s);
    await waitText(page, '.tile.open b', /^1$/);
    const alertId = await row.first().getAttribute('data-id');

    // The server refuses the socket for a while (a restart) and drops it; a fourth parcel joins the ring meanwhile.
    let refusing = true;
    s.io.of('/alerts').use((_socket, next) => (refusing ? next(new Error('restarting')) : next()));
    s.io.of('/alerts').disconnectSockets(true);
    await page.waitForSelector('.live-state.reconnecting, .live-state.offline');
    await intake(ringParcel(phone));
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await row.first().textContent() ?? '', /\b3\b/, 'nothing can arrive while disconnected');
    refusing = false;
    await page.waitForSelector('.live-state.live', { timeout: 20_000 });
    await waitText(page, '#rows tr[data-id] td.num', /^4$/);
    // The fourth parcel made it high severity: the counts follow the live events.
    await waitText(page, '.tile.high b', /^1$/);
    // High severity is announced once, with a notice that leads to it.
    assert.equal(await page.locator('.toast.high').count(), 1);
    assert.equal(await page.locator('.toast.high a').getAttribute('href'), `#/alerts/${alertId}`);
    await screenshot(page, 'console-board');

    // The alert as a ring: evidence, a phone shared by all four, each value just under the limit.
    await row.first().click();
    await page.waitForSelector('#parcels table tbody tr');
    assert.equal(await page.locator('#parcels tbody tr').count(), 4);
    assert.match(await page.textContent('#evidence') ?? '', /紧贴.*限值/);
    const phoneChip = page.locator('#links .chip.phone');
    assert.match(await phoneChip.first().textContent() ?? '', /P1.*× 4/);
    await phoneChip.first().click();
    assert.equal(await page.locator('#parcels tr.lit').count(), 4);
    assert.equal(await page.locator('.vbar.under').count(), 4);
    assert.match(await page.locator('#parcels tbody tr').first().textContent() ?? '', /139\*{4}0055/);
    await page.waitForSelector('#timeline canvas');
    await screenshot(page, 'console-alert', 1500);

    // Unmasking shows the numbers and is audited.
    await page.click('#unmask');
    await page.waitForSelector('#parcels .notice.info');
    assert.match(await page.textContent('#parcels') ?? '', /\+8613912340055/);
    const audit = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log where action = 'pii.unmask' and actor_username = 'regulator1' and subject_id = ${alertId}`);
    assert.equal(audit[0]!.n, 1);

    // Take it in hand, then a false positive without a note is refused at the field; confirmed with a note.
    await page.click('#ack');
    await page.waitForSelector('#head .status.acknowledged');
    await page.check('input[value="false_positive"]');
    await page.click('#resolve button[type="submit"]');
    await page.waitForSelector('#resolve textarea[aria-invalid="true"]');
    await page.check('input[value="confirmed"]');
    await page.fill('#resolve textarea', '同一手机号轮换 4 个身份寄往莫斯科，已移交');
    await page.click('#resolve button[type="submit"]');
    await page.waitForSelector('#head .status.resolved');
    assert.match(await page.textContent('#head') ?? '', /确认属实.*已移交/s);

    await page.click('a.back');
    await page.waitForSelector('#rows .empty');
    await waitText(page, '.tile.open b', /^0$/);
    // English on request.
    await page.click('#lang');
    await page.waitForSelector('.top nav a.active');
    assert.match(await page.textContent('.top nav') ?? '', /Live alerts/);
    await page.click('#lang');
    await page.context().close();
  });

  it('a customs officer raises a route’s rate; the next intakes are selected, and the outcome is recorded', async () => {
    const quiet = (n: number) =>
      aParcel({ sender: { ...anIdentity(), phone: `1370000010${n}`, address: `广东省广州市天河区林和西路${n}号` }, recipient: { name: `Mary Major${'abcdef'[n]}`, phone: `+1 212 555 010${n}`, address: `${n} Broadway, New York`, country: 'US' }, declared: { description: '茶叶', category: 'tea', brand: undefined, valueCny: 200 } });
    const before = await intake(quiet(1));
    assert.equal(before.customsInspection.selected, false);

    const page = await openConsole('customs1');
    await page.click('.top nav a[href="#/routes"]');
    const link = page.locator('a[href="#/routes/4401-US-postal"]');
    await link.waitFor();
    await screenshot(page, 'console-routes');
    await link.click();
    await page.fill('#set-rate input[name="rate"]', '100');
    await page.fill('#set-rate input[name="reason"]', '莫斯科团伙转向美国线路，临时全查');
    await page.click('#set-rate button[type="submit"]');
    await waitText(page, '.lead', /100%/);
    assert.match(await page.textContent('main') ?? '', /0%\s*→\s*100%.*临时全查/s);

    const next = [await intake(quiet(2)), await intake(quiet(3))];
    assert.deepEqual(next.map((r) => [r.customsInspection.selected, r.customsInspection.rate]), [[true, 1], [true, 1]]);

    await page.reload();
    const pending = page.locator('#route-queue tr[data-waybill]');
    await pending.first().waitFor();
    assert.equal(await pending.count(), 2);
    const first = page.locator(`form.outcome-form[data-waybill="${next[0].parcel.waybillNo}"]`);
    await first.locator('select').selectOption('seized');
    await first.locator('button').click();
    await page.waitForSelector(`form.outcome-form[data-waybill="${next[0].parcel.waybillNo}"] input[aria-invalid="true"]`);
    await first.locator('input[name="note"]').fill('仿冒耳机 20 副');
    await first.locator('button').click();
    await page.waitForSelector(`tr[data-waybill="${next[0].parcel.waybillNo}"] .outcome.seized`);

    await page.click('.top nav a[href="#/inspections"]');
    await page.locator('#queue tr[data-waybill]').first().waitFor();
    // The queue also holds the first test's ring parcels (selected on RING_ALERT); of this route's two, one waits.
    assert.equal(await page.locator(`#queue tr[data-waybill="${next[1].parcel.waybillNo}"]`).count(), 1, 'one still pending');
    assert.equal(await page.locator(`#queue tr[data-waybill="${next[0].parcel.waybillNo}"]`).count(), 0);
    await page.context().close();
  });

  it('a regulator keeps the suspect lists: adds an entry, imports a file and reads its row report, searches, removes', async () => {
    const page = await openConsole('regulator1');
    await page.click('.top nav a[href="#/watchlist"]');
    await page.waitForSelector('#entries .empty');

    // One entry by hand; a bad phone is refused at its field.
    await page.selectOption('#add select[name="type"]', 'phone');
    await page.fill('#add input[name="value"]', '12345');
    await page.click('#add button[type="submit"]');
    await page.waitForSelector('#add input[name="value"][aria-invalid="true"]');
    await page.fill('#add input[name="value"]', '13600001234');
    await page.fill('#add input[name="note"]', '涉嫌寄递假冒化妆品');
    await page.click('#add button[type="submit"]');
    await page.locator('#entries tr[data-id]').first().waitFor();
    assert.equal(await page.locator('#add [aria-invalid]').count(), 0, 'the corrected field is no longer marked');
    assert.equal(await page.textContent('#add-status'), '已保存');
    assert.match(await page.textContent('#entries') ?? '', /136\*{4}1234.*涉嫌寄递假冒化妆品/s, 'listed phones are shown masked');

    // A file with two good rows and one bad one: the good ones come in, the bad one is reported by its row.
    const csv = path.join(tmp, '名单.csv');
    fs.writeFileSync(csv, '类型,值,备注\n品牌,Chanel,仿冒香水\n电话,not-a-phone,坏行\n收件人,Ivan Petrov,莫斯科集货人\n');
    await page.setInputFiles('#import input[type="file"]', csv);
    await page.click('#import button[type="submit"]');
    await page.waitForSelector('#import-report table');
    assert.match(await page.textContent('#import-report') ?? '', /新增 2.*未导入的行 1/s);
    // The row's problem in Chinese; its code kept as data (issue 19: no raw codes in the Chinese interface).
    assert.match(await page.textContent('#import-report table') ?? '', /3.*不是有效的电话号码/s);
    assert.equal(await page.getAttribute('#import-report table [data-code]', 'data-code'), 'PHONE_INVALID');
    await waitText(page, '#entries', /Chanel/);
    await screenshot(page, 'console-watchlist');

    await page.selectOption('#search select[name="type"]', 'brand');
    await page.click('#search button[type="submit"]');
    await waitText(page, '#entries', /^(?!.*Ivan).*Chanel/s);
    await page.click('#entries button[data-expire]');
    await page.waitForSelector('#entries .empty');
    const live = await s.http().get('/api/watchlist/entries?type=brand').set('Authorization', `Bearer ${await s.login('regulator1')}`).expect(200);
    assert.equal(live.body.entries.length, 0, 'the removed entry no longer matches');
    await page.context().close();
  });

  it('the overview draws its charts and the weekly report downloads as an XLSX with the numbers made here', async () => {
    const page = await openConsole('regulator1');
    await page.click('.top nav a[href="#/overview"]');
    await page.waitForSelector('.charts[data-ready="true"]');
    assert.equal(await page.textContent('.tile[data-metric="intakes"] b'), String(made.total));
    assert.ok((await page.locator('.charts canvas').count()) >= 4);
    await screenshot(page, 'console-overview', 1360);

    await page.click('.top nav a[href="#/reports"]');
    await page.waitForSelector('#report .tiles');
    await screenshot(page, 'console-report');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xlsx')]);
    assert.match(download.suggestedFilename(), /^parcelguard-weekly-\d{4}-W\d{2}-44\.xlsx$/);
    const file = path.join(tmp, download.suggestedFilename());
    await download.saveAs(file);
    const { metrics, sheet } = await readWeeklyXlsx(file);
    assert.equal(metrics.get('INTAKES'), made.total);
    assert.equal(metrics.get('HELD'), made.held);
    assert.equal(metrics.get('REFUSED'), made.rejected);
    assert.equal(metrics.get('ALERTS_OPENED'), 1);
    assert.equal(metrics.get('ALERTS_CONFIRMED'), 1);
    assert.equal(metrics.get('CUSTOMS_SELECTED'), made.selected);
    assert.equal(metrics.get('SEIZURES'), 1);
    assert.equal(metrics.get('RATE_CHANGES'), 1);
    const cases = sheet('本周确认案件');
    assert.match(String(cases.getRow(2).getCell(12).value), /已移交/);
    await page.context().close();
  });

  // Last: its ring would change the weekly numbers above.
  it('another province sees who owns a ring it touches, cannot decide it, and leaves a note the owner reads', async () => {
    const phone = '13912340066';
    for (let i = 0; i < 3; i++) await intake(ringParcel(phone));
    const yiwu = await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier2')}`).send(ringParcel(phone)).expect(201);
    const alertId = yiwu.body.alerts[0].id as string;

    const page = await openConsole('regulator2');
    await page.goto(`${s.url}/console/#/alerts/${alertId}`);
    await page.waitForSelector('#not-owned');
    assert.match(await page.textContent('#not-owned') ?? '', /归属 广东 \(44\)/);
    assert.match(await page.textContent('#owner') ?? '', /广东 \(44\)/);
    assert.equal(await page.locator('#ack, #resolve').count(), 0, 'no decisions offered outside the owning province');
    await page.fill('#note-form textarea', '义乌网点：同一手机号另有寄件');
    await page.click('#note-form button[type="submit"]');
    await waitText(page, '#notes-list', /regulator2.*浙江 \(33\).*义乌网点/s);
    await page.context().close();

    const owner = await openConsole('regulator1');
    await owner.goto(`${s.url}/console/#/alerts/${alertId}`);
    await owner.waitForSelector('#ack');
    await waitText(owner, '#notes-list', /义乌网点：同一手机号另有寄件/);
    await owner.context().close();
  });
});
