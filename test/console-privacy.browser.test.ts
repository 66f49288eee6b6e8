// Issue 21's pages end to end in Debian's Chromium, against the real server on PGlite: regulator1 starts a look-up
// from a case, is refused at the reason field without one, then finds the 张伟 parcel taken in through the API by
// writing 張偉 (Traditional), masked, and the case's timeline says so without the query; auditor1 lands on the audit
// trail, finds the look-up, verifies the chain (intact, then broken in words after a row is changed behind the
// server's back) and cannot reach the look-up page; admin purges from the page and reads the run's counts, and
// downloads a person's own data, which the test reads back. The look-up is also used at a phone's width in English.
// Every test fails on any script error or CSP violation. SCREENSHOTS=docs/screenshots writes each page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { queryRows } from '../server/db/database.js';
import { maskIdNumber } from '../server/identity/masking.js';
import { buildWebClients, launchChromium, openConsole as openConsoleAs, screenshot, textUntil } from './helpers/browser.js';
import { aParcel, aResidentId } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;

describe('console: look-up, audit trail, retention and a person\'s own data (Chromium)', function () {
  this.timeout(90_000);
  let s: TestServer;
  let browser: Browser;
  let clock = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-console-privacy-'));
  const pageErrors: string[] = [];
  const zhangWei = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19850312', '111'), name: '张伟', phone: '13912345678', address: '广东省广州市天河区体育西路1号' };
  const parcel = aParcel({ sender: zhangWei, recipient: { name: '李四', phone: '13700001111', address: '北京市朝阳区建国路88号', country: 'CN' } });
  /** Taken in 400 days ago by the server's clock: the parcel class (365 days) purges it. */
  const aged = aParcel({
    sender: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19700101', '222'), name: '王老五', phone: '13912340000', address: '广东省广州市越秀区北京路8号' },
    recipient: { name: '赵六', phone: '13700003333', address: '北京市海淀区中关村大街1号', country: 'CN' },
  });
  let caseId = '';

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' }, {}, undefined, { clock: () => clock });
    browser = await launchChromium();
    const courier = await s.login('courier1');
    clock = new Date(Date.now() - 400 * DAY);
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(aged).expect(201);
    clock = new Date();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(parcel).expect(201);
    const kase = await s.http().post('/api/cases').set('Authorization', `Bearer ${await s.login('regulator1')}`)
      .send({ title: '张伟案线索核查', ownerUsername: 'regulator1', dueAt: new Date(Date.now() + 7 * DAY).toISOString() }).expect(201);
    caseId = kase.body.id;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors or CSP violations in the page'));

  const openConsole = (username: string, viewport?: { width: number; height: number }, ready?: string) => openConsoleAs(browser, s.url, username, pageErrors, viewport, ready);
  const lookupAudits = () => queryRows<{ action: string; actor_username: string }>(s.ctx.db, sql`select action, actor_username from audit_log where action like 'lookup.%'`);
  async function download(page: Page, selector: string) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const to = path.join(tmp, file.suggestedFilename());
    await file.saveAs(to);
    return to;
  }

  it('a regulator looks up 張偉 from a case: refused at the field without a reason, then finds the 张伟 parcel, masked; the case timeline records it without the query', async () => {
    const page = await openConsole('regulator1');
    await page.goto(`${s.url}/console/#/cases/${caseId}`);
    await page.click('#case-lookup');
    await page.waitForSelector('#lookup-form');
    // The case comes preselected, and the page says the look-up will go on its timeline.
    await textUntil(page, '#lookup-case-note', (x) => /张伟案线索核查|\d{2}-\d{4}-\d+/.test(x ?? '') || /办理记录/.test(x ?? ''));
    assert.equal(await page.inputValue('#lookup-form select[name="caseId"]'), caseId);
    assert.equal(await page.isChecked('#lookup-form input[name="criterion"][value="name"]'), true, 'by name first');
    assert.equal(await page.getAttribute('.top nav a[href="#/lookup"]', 'class'), 'active');

    // No reason: the server refuses it, and says so at the reason field, in Chinese; nothing is looked up or audited.
    await page.fill('#lookup-value', '張偉');
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForSelector('#lookup-form textarea[name="reason"][aria-invalid="true"]');
    assert.match((await page.textContent('#lookup-form .field-error')) ?? '', /事由/);
    assert.equal(await page.isVisible('#lookup-parcels'), false);
    assert.equal((await lookupAudits()).length, 0);

    await page.fill('#lookup-form textarea[name="reason"]', '协查函 粤公协〔2026〕12号');
    await page.click('#lookup-form button[type="submit"]');
    const row = page.locator(`#lookup-parcels tr[data-waybill="${parcel.waybillNo}"]`);
    await row.waitFor();
    assert.equal(await page.isHidden('#lookup-form .field-error'), true, 'the field error went with the reason');
    const text = (await row.textContent()) ?? '';
    assert.match(text, /张伟/);
    assert.ok(text.includes(maskIdNumber(zhangWei.idNumber)), 'the ID number masked');
    assert.ok(!text.includes(zhangWei.idNumber) && !text.includes(zhangWei.phone), 'neither number in full');
    assert.match(text, /繁简体写法不同的同一姓名/, 'the match reason in Chinese');
    assert.equal(await page.getAttribute('#lookup-mask', 'class'), 'mask-state masked');
    assert.match((await page.textContent('#lookup-summary')) ?? '', /1 个寄件人、1 件邮件/);
    assert.match((await page.textContent('#lookup-senders')) ?? '', new RegExp(maskIdNumber(zhangWei.idNumber).replace(/\*/g, '\\*')));
    assert.ok(await page.isVisible('#lookup-logged'));
    assert.deepEqual(await lookupAudits(), [{ action: 'lookup.masked', actor_username: 'regulator1' }]);
    await screenshot(page, 'console-lookup', 1100);

    // The case's timeline: the criterion, the reason, the counts, masked — never what was looked up.
    await page.click('#lookup-logged a');
    const entry = page.locator('#case-timeline li.lookup');
    await entry.waitFor();
    const said = (await entry.textContent()) ?? '';
    assert.match(said, /溯源查询.*寄件人姓名.*1 个寄件人、1 件邮件.*遮蔽显示/s);
    assert.match(said, /粤公协〔2026〕12号/);
    assert.ok(!said.includes('張偉') && !said.includes('张伟'), 'the query stays out of the timeline');
    await page.context().close();
  });

  it('an auditor lands on the audit trail, finds the look-up, downloads it as CSV and verifies the chain; the look-up page is out of reach', async () => {
    const page = await openConsole('auditor1', undefined, '#audit-rows table');
    assert.match(page.url(), /#\/audit$/);
    const nav = await page.locator('.top nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(nav, ['#/audit'], 'the auditor sees the audit entry only');
    assert.equal(await page.isVisible('#live-state'), false, 'no live feed for an auditor');

    await page.fill('#audit-filters input[name="actionPrefix"]', 'lookup.*');
    await page.click('#audit-filters button[type="submit"]');
    await page.waitForURL(/#\/audit\?action=lookup\.\*/);
    const row = page.locator('#audit-rows tr[data-action="lookup.masked"]');
    await row.waitFor();
    assert.equal(await page.locator('#audit-rows tbody tr').count(), 1);
    assert.match((await row.textContent()) ?? '', /regulator1.*溯源查询（遮蔽）/s);
    assert.ok(!((await row.textContent()) ?? '').includes('張偉'), 'the query appears hashed, not in plain text');
    const csv = fs.readFileSync(await download(page, '#audit-csv'), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(csv.length, 2, 'the header and the one look-up');
    assert.match(csv[1]!, /,regulator1,lookup\.masked,/);

    await page.click('#verify');
    await page.waitForSelector('#verify-state[data-intact="true"]');
    assert.match((await page.textContent('#verify-state')) ?? '', /完好/);
    assert.match((await page.textContent('#verify-result')) ?? '', /已核对 \d+ 条记录/);
    await screenshot(page, 'console-audit', 1000);

    // Changed behind the server's back (as the table's owner, triggers off for one statement): said in words; then put back.
    const [victim] = await queryRows<{ id: number; details: unknown }>(s.ctx.db, sql`select id::int as id, details from audit_log where action = 'lookup.masked'`);
    const tamper = (details: unknown) =>
      s.ctx.db.transaction(async (tx) => {
        await tx.execute(sql`alter table audit_log disable trigger user`);
        await tx.execute(sql`update audit_log set details = ${JSON.stringify(details)}::jsonb where id = ${victim!.id}`);
        await tx.execute(sql`alter table audit_log enable trigger user`);
      });
    await tamper({ ...(victim!.details as object), reason: '无' });
    try {
      await page.click('#verify');
      await page.waitForSelector('#verify-state[data-intact="false"]');
      assert.equal(await page.getAttribute('#verify-reason', 'data-reason'), 'HASH_MISMATCH');
      assert.match((await page.textContent('#verify-reason')) ?? '', /记录内容被修改/);
    } finally {
      await tamper(victim!.details);
    }
    await page.click('#verify');
    await page.waitForSelector('#verify-state[data-intact="true"]');

    // The look-up is not the auditor's: the address leads back to the trail, and the API refuses it too.
    await page.goto(`${s.url}/console/#/lookup`);
    await page.waitForSelector('#audit-filters');
    assert.match(page.url(), /#\/audit$/);
    assert.equal(await page.locator('#lookup-form').count(), 0);
    const refused = await s.http().post('/api/lookup').set('Authorization', `Bearer ${await s.login('auditor1')}`).send({ name: '张伟', reason: '试' });
    assert.equal(refused.status, 403);
    // Retention reads, without the purge button or the export.
    await page.click('.tabs a[href="#/privacy"]');
    await page.waitForSelector('#retention-table');
    assert.equal(await page.locator('#purge-now').count(), 0);
    assert.equal(await page.locator('#subject-export').count(), 0);
    await page.context().close();
  });

  it('an admin purges from the page and reads the run\'s counts per class', async () => {
    const page = await openConsole('admin');
    await page.click('.top nav a[href="#/audit"]');
    await page.click('.tabs a[href="#/privacy"]');
    await page.waitForSelector('#retention-table');
    assert.equal(await page.locator('#retention-table tbody tr').count(), 9, 'nine data classes (ring records among them)');
    assert.match((await page.textContent('#retention-table tr[data-class="parcels"]')) ?? '', /365 天.*收寄.*快递暂行条例/s);

    await page.click('#purge-now');
    await page.waitForSelector('#purge-state[data-state="done"]', { timeout: 30_000 });
    assert.match((await page.textContent('#purge-state')) ?? '', /清理完成：删除 1、/);
    const run = page.locator('#purge-table tr.followed');
    assert.equal(await run.locator('[data-count="removed"]').textContent(), '1');
    assert.match((await run.locator('.class-counts li[data-class="parcels"]').textContent()) ?? '', /邮件.*删除 1 · 匿名化 0 · 等待 0/s);
    assert.match((await run.textContent()) ?? '', /手动 · admin/);
    // What the page said is what happened: the aged parcel is gone, the new one stays.
    const left = await queryRows<{ waybill_no: string }>(s.ctx.db, sql`select waybill_no from parcels`);
    assert.deepEqual(left.map((r) => r.waybill_no), [parcel.waybillNo]);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, 'console-privacy', 1500);
    await page.context().close();
  });

  it('an admin exports a person\'s own data: refused at the field without the request, then the file, which the test reads back', async () => {
    const page = await openConsole('admin');
    await page.goto(`${s.url}/console/#/privacy`);
    await page.waitForSelector('#subject-export');
    await page.selectOption('#subject-export select[name="idType"]', 'CN_RESIDENT_ID');
    await page.fill('#subject-export input[name="idNumber"]', zhangWei.idNumber);
    await page.click('#subject-export button[type="submit"]');
    await page.waitForSelector('#subject-export textarea[name="reason"][aria-invalid="true"]');
    assert.match((await page.textContent('#subject-export .field-error')) ?? '', /必填/);

    await page.fill('#subject-export textarea[name="reason"]', '2026-03-02 窗口书面申请，编号 SQ-0087');
    // The phone the person showed is theirs: only it is shown in full.
    await page.fill('#subject-export input[name="phone"]', zhangWei.phone);
    const file = await download(page, '#subject-export button[type="submit"]');
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { subject: { idNumber: string }; archive: { name: string; phone: string }; parcelsSent: { waybillNo: string; recipient: { name: string } }[] };
    assert.equal(data.subject.idNumber, zhangWei.idNumber, 'their own number in full');
    assert.equal(data.archive.name, '张伟');
    assert.ok(data.archive.phone.replace(/\D/g, '').endsWith(zhangWei.phone) && !data.archive.phone.includes('*'), `their verified phone in full: ${data.archive.phone}`);
    assert.deepEqual(data.parcelsSent.map((x) => x.waybillNo), [parcel.waybillNo]);
    assert.equal(data.parcelsSent[0]!.recipient.name, '李*', 'the recipient masked');
    await textUntil(page, '#export-done', (x) => /已导出 subject-export-.*\.json（已记入审计）/.test(x ?? ''));
    const [audit] = await queryRows<{ actor_username: string; details: { reason: string } }>(s.ctx.db, sql`select actor_username, details from audit_log where action = 'privacy.subject_export'`);
    assert.equal(audit?.actor_username, 'admin');
    assert.match(audit!.details.reason, /SQ-0087/);
    await screenshot(page, 'console-subject-export', 1300);
    await page.context().close();
  });

  it('at 390 px in English: a look-up by waybill fits the screen, with large targets and the words in English', async () => {
    const page = await openConsole('regulator1', { width: 390, height: 844 });
    await page.goto(`${s.url}/console/#/lookup`);
    await page.waitForSelector('#lookup-form');
    await page.click('#lang');
    await page.waitForSelector('#lookup-form');
    assert.match((await page.textContent('h1')) ?? '', /Investigative look-up/);
    await page.check('#lookup-form input[name="criterion"][value="waybillNo"]');
    await page.fill('#lookup-value', parcel.waybillNo);
    await page.fill('#lookup-form textarea[name="reason"]', 'Case lead check');
    await page.click('#lookup-form button[type="submit"]');
    await page.locator(`#lookup-parcels tr[data-waybill="${parcel.waybillNo}"]`).waitFor();
    assert.match((await page.textContent('#lookup-summary')) ?? '', /1 sender\(s\), 1 parcel\(s\) found/);
    assert.match((await page.textContent('#lookup-parcels')) ?? '', /the same waybill/);
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    const button = await page.locator('#lookup-form button[type="submit"]').boundingBox();
    assert.ok(button && button.height >= 44 && button.width >= 300, `a large target (${JSON.stringify(button)})`);
    const choice = await page.locator('#lookup-criterion label').first().boundingBox();
    assert.ok(choice && choice.height >= 44, 'criteria are large targets');
    await screenshot(page, 'console-lookup-phone', 1900);
    await page.context().close();
  });
});
