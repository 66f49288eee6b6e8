// The customs pages of issue 17 end to end in Debian's Chromium, against the real server on PGlite: customs1
// sets a brand rule (劳力士, i.e. Rolex) at 100% in the page and the next intake through the API is selected on
// the GOODS_RULE ground; keeps the protected-brand registry (a new brand without a Latin key and an alias
// another brand holds are refused at their fields); records the seizure, tells the right holder, records the
// holder's answer (refused at the field without a note), exports the notices; records the destruction (refused
// at the field without its certificate) and exports the disposals. regulator1 reads all of it, with no action
// anywhere. The notices page is also used at a phone's width. Every test fails on any script error or CSP
// violation. SCREENSHOTS=docs/screenshots writes each page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { buildWebClients, launchChromium, openConsole as openConsoleAs, screenshot, textUntil } from './helpers/browser.js';
import { aParcel, unlinkedParties } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('console: key goods, right holders, notices and disposals (Chromium)', function () {
  this.timeout(90_000);
  let s: TestServer;
  let browser: Browser;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-console-customs-'));
  const pageErrors: string[] = [];
  /** The Rolex parcel the goods rule selects; the later tests work on it. */
  let rolexWaybill = '';

  before(async () => {
    buildWebClients();
    // Base rate 0: only the goods rule selects, so what the pages show is exactly what the test made.
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors or CSP violations in the page'));

  const openConsole = (username: string, viewport?: { width: number; height: number }) => openConsoleAs(browser, s.url, username, pageErrors, viewport);
  const rolex = () => aParcel({ ...unlinkedParties(), declared: { description: '手表', category: 'watches', quantity: 1, valueCny: 1800, brand: '劳力士' } });
  async function intake(body: object) {
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);
    return res.body;
  }
  async function download(page: Page, selector: string) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const to = path.join(tmp, file.suggestedFilename());
    await file.saveAs(to);
    return to;
  }

  it('a customs officer sets a brand rule at 100% in the page; the next intake is selected on the GOODS_RULE ground', async () => {
    const before = await intake(rolex());
    assert.equal(before.customsInspection.selected, false, 'nothing selects before the rule');

    const page = await openConsole('customs1');
    await page.click('.top nav a[href="#/routes"]');
    await page.click('.tabs a[href="#/goods-rules"]');
    await page.waitForSelector('#rules table, #rules .empty');
    assert.equal(await page.getAttribute('.top nav a[href="#/routes"]', 'class'), 'active', 'key goods sit under the routes entry');
    // The goods class of the parcel taken in is listed with its traffic.
    await page.locator('#rules tr[data-rule="brand:rolex"]').waitFor();
    await screenshot(page, 'console-goods-rules');

    // The brand as a declaration writes it: the server answers with its canonical key.
    await page.fill('#find-rule input[name="value"]', '劳力士');
    await page.click('#find-rule button[type="submit"]');
    await page.waitForSelector('#set-rate');
    assert.equal(decodeURIComponent(new URL(page.url()).hash), '#/goods-rules/brand:rolex');
    // No rate is no rate: refused at the field, not taken as 0%.
    await page.fill('#set-rate input[name="reason"]', '劳力士仿冒表集中出境，临时全查');
    await page.fill('#set-rate input[name="rate"]', '');
    await page.click('#set-rate button[type="submit"]');
    await page.waitForSelector('#set-rate input[name="rate"][aria-invalid="true"]');
    await page.fill('#set-rate input[name="rate"]', '100');
    await page.click('#set-rate button[type="submit"]');
    await textUntil(page, '#rule-rate', (x) => /100%/.test(x ?? ''));
    assert.match((await page.textContent('#rule-history')) ?? '', /0%\s*→\s*100%.*临时全查/s);
    await screenshot(page, 'console-goods-rule');

    const next = await intake(rolex());
    assert.equal(next.customsInspection.selected, true);
    assert.ok(next.customsInspection.grounds.includes('GOODS_RULE'), JSON.stringify(next.customsInspection));
    assert.equal(next.customsInspection.rateSource, 'goods');
    rolexWaybill = next.parcel.waybillNo;

    // The inspections queue says why it was selected.
    await page.click('.top nav a[href="#/inspections"]');
    const row = page.locator(`#queue tr[data-waybill="${rolexWaybill}"]`);
    await row.waitFor();
    assert.match((await row.locator('.grounds').textContent()) ?? '', /重点商品/);
    await page.context().close();
  });

  it('a customs officer keeps the protected-brand registry: field errors at the field, an edit, a new brand', async () => {
    const page = await openConsole('customs1');
    await page.click('.top nav a[href="#/notices"]');
    await page.click('.tabs a[href="#/brands"]');
    await page.locator('#brand-list tr[data-brand="rolex"]').waitFor();

    // A new brand written only in Chinese needs a Latin key: said at the key's field.
    await page.click('#new-brand');
    await page.fill('#brand-form input[name="displayName"]', '回力');
    await page.fill('#brand-form textarea[name="aliases"]', '回力鞋, warrior');
    await page.check('#brand-form input[name="categories"][value="shoes"]');
    await page.click('#brand-form button[type="submit"]');
    await page.waitForSelector('#brand-form input[name="brandKey"][aria-invalid="true"]');
    await page.fill('#brand-form input[name="brandKey"]', 'warrior');
    await page.click('#brand-form button[type="submit"]');
    await page.locator('#brand-list tr[data-brand="warrior"]').waitFor();
    assert.match((await page.textContent('#brand-list tr[data-brand="warrior"]')) ?? '', /回力.*回力鞋.*鞋类/s);

    // Rolex: its contact and recordation number; an alias Omega holds is refused at the aliases field.
    await page.click('#brand-list button[data-edit="rolex"]');
    await page.fill('#brand-form input[name="contact"]', 'ip-china@rolex.example · 021-5555 0100');
    await page.fill('#brand-form input[name="recordationNo"]', 'T2019-41235');
    await page.fill('#brand-form textarea[name="aliases"]', '劳力士\nrolex\n欧米茄');
    await page.click('#brand-form button[type="submit"]');
    await page.waitForSelector('#brand-form textarea[name="aliases"][aria-invalid="true"]');
    assert.match((await page.textContent('#brand-form .field-error')) ?? '', /欧米茄/);
    await page.fill('#brand-form textarea[name="aliases"]', '劳力士\nrolex\n劳力士表');
    await page.click('#brand-form button[type="submit"]');
    await textUntil(page, '#brand-list tr[data-brand="rolex"]', (x) => /T2019-41235/.test(x ?? '') && /劳力士表/.test(x ?? ''));
    assert.equal(await page.isHidden('#brand-editor'), true);
    await page.fill('#brand-search input[name="q"]', '劳力士');
    await page.click('#brand-search button[type="submit"]');
    await textUntil(page, '#brand-list', (x) => /Rolex SA/.test(x ?? '') && !/Nike/.test(x ?? ''));
    await page.fill('#brand-search input[name="q"]', '');
    await page.click('#brand-search button[type="submit"]');
    await page.locator('#brand-list tr[data-brand="nike"]').waitFor();
    await screenshot(page, 'console-brands', 1100);
    await page.context().close();
  });

  it('a customs officer records the seizure, tells the right holder, records the answer and the destruction, and exports both', async () => {
    assert.ok(rolexWaybill, 'the first test made the Rolex parcel');
    const page = await openConsole('customs1');
    await page.click('.top nav a[href="#/inspections"]');
    const form = page.locator(`form.outcome-form[data-waybill="${rolexWaybill}"]`);
    await form.locator('select').selectOption('seized');
    assert.equal(await form.locator('input[name="brands"]').inputValue(), '劳力士', 'the brands found default to the declared one');
    await form.locator('input[name="note"]').fill('仿冒劳力士手表 1 只');
    await form.locator('button').click();
    const done = page.locator(`tr[data-waybill="${rolexWaybill}"] .after-seizure`);
    await done.waitFor();
    assert.match((await done.textContent()) ?? '', /已生成 1 份权利人通知/);

    // The notice waits on the to-do tab; tell the holder by email.
    await done.locator('a.notices-opened').click();
    const notice = page.locator(`#notice-list tr[data-status="pending"]`, { hasText: rolexWaybill });
    await notice.waitFor();
    const said = (await notice.textContent()) ?? '';
    for (const fact of ['Rolex SA', 'ip-china@rolex.example', '海关备案号 T2019-41235', '通知后 3 个工作日']) assert.ok(said.includes(fact), `${fact} in ${said}`);
    await screenshot(page, 'console-notices');
    await notice.locator('select[name="noticeMethod"]').selectOption('email');
    await notice.locator('input[name="note"]').fill('已发函至权利人代理');
    await notice.locator('button[type="submit"]').click();
    const told = page.locator('#notice-list tr[data-status="notified"]', { hasText: rolexWaybill });
    await told.waitFor();
    assert.match((await told.textContent()) ?? '', /customs1.*电子邮件.*已发函至权利人代理/s);

    // The answer needs a note, said at the field; then it is recorded.
    await told.locator('input[value="detention_requested"]').check();
    await told.locator('button[type="submit"]').click();
    await page.waitForSelector('#notice-list form.answer-form input[name="note"][aria-invalid="true"]');
    await told.locator('input[name="note"]').fill('权利人申请扣留并已提供担保');
    await told.locator('button[type="submit"]').click();
    await page.locator('#notice-list tr[data-status="answered"]', { hasText: rolexWaybill }).waitFor();

    const csv = fs.readFileSync(await download(page, '#notices-csv'), 'utf8');
    assert.match(csv, new RegExp(`${rolexWaybill}.*Rolex SA`, 's'));

    // The disposal: destruction needs its certificate, said at the field.
    await page.click('.tabs a[href="#/disposals"]');
    const waiting = page.locator(`#pending-list tr[data-waybill="${rolexWaybill}"]`);
    await waiting.waitFor();
    assert.match((await waiting.textContent()) ?? '', /Rolex.*已答复/s);
    await waiting.locator('button[data-dispose]').click();
    await page.fill('#disposal-form input[name="party"]', '广州市环保处置有限公司');
    await page.click('#disposal-form button[type="submit"]');
    await page.waitForSelector('#disposal-form input[name="certificateNo"][aria-invalid="true"]');
    await page.fill('#disposal-form input[name="certificateNo"]', 'GZXH-2024-0815');
    await page.click('#disposal-form button[type="submit"]');
    await page.waitForSelector('#disposal-saved');
    await page.waitForSelector('#pending-list .empty');
    await textUntil(page, '#disposal-list', (x) => /无害化销毁.*广州市环保处置有限公司.*GZXH-2024-0815/s.test(x ?? ''));
    await screenshot(page, 'console-disposals');

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(await download(page, '#disposals-xlsx'));
    const cells: string[] = [];
    book.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => void cells.push(String(cell.value)))));
    assert.ok(cells.includes('GZXH-2024-0815'), 'the certificate number is in the XLSX');
    assert.ok(cells.includes(rolexWaybill));
    await page.context().close();
  });

  it('a regulator reads goods rules, brands, notices and disposals, with no action anywhere', async () => {
    const page = await openConsole('regulator1');
    await page.goto(`${s.url}/console/#/goods-rules`);
    await page.locator('#rules tr[data-rule="brand:rolex"]').waitFor();
    assert.equal(await page.locator('#find-rule').count(), 0);
    await page.click('#rules a[href="#/goods-rules/brand%3Arolex"]');
    await page.waitForSelector('#rule-history');
    assert.match((await page.textContent('#rule-rate')) ?? '', /100%/);
    assert.equal(await page.locator('#set-rate, #restore').count(), 0);

    await page.click('.top nav a[href="#/notices"]');
    await page.click('.tabs a[data-tab="all"]');
    const answered = page.locator('#notice-list tr[data-status="answered"]', { hasText: rolexWaybill });
    await answered.waitFor();
    assert.match((await answered.textContent()) ?? '', /申请扣留.*权利人申请扣留并已提供担保/s);
    assert.equal(await page.locator('#notice-list form').count(), 0);

    await page.click('.tabs a[href="#/disposals"]');
    await textUntil(page, '#disposal-list', (x) => /GZXH-2024-0815/.test(x ?? ''));
    assert.equal(await page.locator('#disposal-editor:not([hidden]), [data-dispose]').count(), 0);
    // The inspections page's hand-off link is no way in either.
    await page.goto(`${s.url}/console/#/disposals?waybill=${rolexWaybill}`);
    await textUntil(page, '#disposal-list', (x) => /GZXH-2024-0815/.test(x ?? ''));
    assert.equal(await page.isHidden('#disposal-editor'), true);

    await page.click('.tabs a[href="#/brands"]');
    await page.locator('#brand-list tr[data-brand="rolex"]').waitFor();
    assert.equal(await page.locator('#new-brand, [data-edit]').count(), 0);
    await page.context().close();
  });

  it('on a phone the notices are one card per row, in both languages, and nothing scrolls sideways', async () => {
    // A second seizure, so a pending notice with its form is on the to-do tab.
    const selected = await intake(rolex());
    await s.http().post(`/api/parcels/${selected.parcel.waybillNo}/customs-outcome`).set('Authorization', `Bearer ${await s.login('customs1')}`).send({ outcome: 'seized', note: '仿冒表' }).expect(200);
    const page = await openConsole('customs1', { width: 390, height: 844 });
    await page.goto(`${s.url}/console/#/notices`);
    const row = page.locator('#notice-list tr[data-status="pending"]').first();
    await row.waitFor();
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    const button = await row.locator('button[type="submit"]').boundingBox();
    assert.ok(button && button.height >= 44 && button.width > 300, `a large target on a phone: ${JSON.stringify(button)}`);
    await screenshot(page, 'console-notices-phone');
    await page.click('#lang');
    await textUntil(page, '#notice-list', (x) => /Record as told/.test(x ?? '') && /Not told/.test(x ?? ''));
    await page.click('#lang');
    await page.context().close();
  });
});
