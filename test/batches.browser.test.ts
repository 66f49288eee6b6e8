// Bulk intake in the clients (issue 18): the console's 批量收寄 (outlet supervisor) with a real CSV — live progress,
// counts, rows in error in Chinese, the result file — and the handheld's 批量 panel with a real XLSX.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { orgCodeCheckChar, usccCheckChar } from '../server/organisations/uscc.js';
import { aResidentId, aWaybill } from './helpers/factories.js';
import { buildWebClients, launchChromium, openConsole, screenshot, textUntil } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

function anUscc(division = '440106'): string {
  const body = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  const first17 = `91${division}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

const HEADER = ['运单号', '收件人', '收件人电话', '收件人地址', '收件国家', '内件品名', '内件类别', '数量', '申报价值', '已验视', '验视相符', '安检结果'];
const row = (n: number, over: Partial<Record<string, string>> = {}) => {
  const r: Record<string, string> = {
    运单号: aWaybill(), 收件人: `李${'一二三四五六七八九十'[n % 10]}明`, 收件人电话: `1380013${String(1000 + n)}`, 收件人地址: `广东省广州市越秀区中山五路${n}号`,
    收件国家: 'CN', 内件品名: '茶叶', 内件类别: 'tea', 数量: '1', 申报价值: '88', 已验视: '是', 验视相符: '是', 安检结果: '通过', ...over,
  };
  return HEADER.map((h) => r[h]!);
};

describe('bulk intake in the browser (console 批量收寄, handheld 批量)', function () {
  this.timeout(180_000);
  let s: TestServer;
  let browser: Browser;
  let uscc: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-batch-files-'));

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
    const admin = `Bearer ${await s.login('admin')}`;
    uscc = anUscc();
    const reg = await s.http().post('/api/organisations').set('Authorization', admin).send({
      name: '广州天河优选电子商务有限公司', uscc, address: '广东省广州市天河区天河路100号', phone: '13900139000',
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
    });
    assert.equal(reg.status, 201, reg.text);
    await s.http().post(`/api/organisations/${reg.body.id}/review`).set('Authorization', admin).send({ decision: 'approve', reason: '资质齐全' }).expect(200);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('console: a supervisor uploads a CSV, sees the bar fill live, the counts and each bad row in Chinese, and downloads the result', async () => {
    const rows = [HEADER, ...Array.from({ length: 30 }, (_, n) => row(n)), row(31, { 数量: '两箱' }), row(32, { 安检结果: '违禁' }), row(33, { 收件人电话: '12' })];
    const file = path.join(dir, 'batch.csv');
    fs.writeFileSync(file, '\uFEFF' + rows.map((r) => r.join(',')).join('\r\n'));
    const errors: string[] = [];
    const page = await openConsole(browser, s.url, 'supervisor1', errors);
    await page.click('a[data-nav="#/batches"]');
    await page.waitForSelector(`#batch-form select option[value="${uscc}"]`, { state: 'attached' });
    await page.selectOption('#batch-form select[name="uscc"]', uscc);
    await page.setInputFiles('#batch-form input[type="file"]', file);
    await page.click('#batch-form button[type="submit"]');
    await textUntil(page, '.batch-progress', (t) => !!t && /已完成/.test(t), 60_000);
    assert.equal(await page.getAttribute('#batch-bar', 'value'), '33');
    assert.match((await page.textContent('[data-count="accepted"]'))!, /准予收寄 30/);
    assert.match((await page.textContent('[data-count="rejected"]'))!, /拒收 1/);
    assert.match((await page.textContent('[data-count="invalid"]'))!, /有误未收寄 2/);
    // Rows in error are shown in Chinese at their field; accepted rows are hidden under the filter.
    const bad = await page.textContent('#batch-results tr[data-index="30"]');
    assert.match(bad!, /parcels\.30\.declared\.quantity/);
    assert.match(bad!, /[\u4e00-\u9fff]/);
    assert.equal(await page.isVisible('#batch-results tr[data-index="0"]'), false);
    await screenshot(page, 'console-batches', 1000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="format=csv"]:not([href*="template"])')]);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    assert.match(text, /准予收寄/);
    assert.equal(text.trim().split('\n').length, 34);
    assert.deepEqual(errors, []);
  });

  it('handheld: a courier uploads an XLSX from the 批量 panel and sees the bar, the counts and the row in error', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('运单');
    ws.addRow(HEADER);
    for (let n = 40; n < 52; n++) ws.addRow(row(n));
    ws.addRow(row(52, { 收件国家: '' }));
    const file = path.join(dir, 'batch.xlsx');
    await wb.xlsx.writeFile(file);

    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/handheld/`);
    await page.fill('input[name="username"]', 'courier1');
    await page.fill('input[name="password"]', 'parcelguard-demo');
    await page.press('input[name="password"]', 'Enter');
    await page.waitForSelector('#bt-button');
    await page.click('#bt-button');
    await page.waitForSelector(`#bt-form select option[value="${uscc}"]`, { state: 'attached' });
    await page.selectOption('#bt-form select[name="uscc"]', uscc);
    await page.setInputFiles('#bt-form input[type="file"]', file);
    await page.click('#bt-form button[type="submit"]');
    await textUntil(page, '#bt-progress', (t) => !!t && /已完成/.test(t), 60_000);
    assert.equal(await page.getAttribute('#bt-progress progress', 'value'), '13');
    assert.match((await page.textContent('[data-count="accepted"]'))!, /12/);
    assert.match((await page.textContent('[data-count="invalid"]'))!, /1/);
    assert.match((await page.textContent('.bt-row'))!, /第 14 行/);
    await screenshot(page, 'handheld-batch');
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
