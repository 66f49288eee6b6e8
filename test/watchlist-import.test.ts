import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { looksLikeFormula, neutralizeFormula } from '../server/watchlist/import.js';
import { aParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('suspect-list import (POST /api/watchlist/import)', () => {
  let s: TestServer;
  let regulator: string;
  before(async () => {
    s = await startTestServer();
    regulator = await s.login('regulator1');
  });
  after(() => s?.close());

  const upload = (buf: Buffer, filename: string) =>
    s.http().post('/api/watchlist/import').set('Authorization', `Bearer ${regulator}`).attach('file', buf, { filename });
  type Report = { created: number; duplicates: number; rows: number; rejected: { row: number; errors: { code: string }[] }[]; warnings: { code: string }[] };
  const rejectedRows = (r: Report) => r.rejected.map((x) => `${x.row}:${x.errors[0]!.code}`);

  it('a UTF-8 CSV with BOM, Chinese headers and type names, a quoted multi-line note and a GBK twin both import', async () => {
    const csv = [
      '类型,值,备注,来源,过期时间,经办人',
      '手机,13700001111,"团伙联系人，多次更换身份\n（义乌线索）",义乌市邮政管理局,2030/12/31,王科长',
      '身份证,11010519491231002X,,,,',
      '品牌,耐克,仿冒高发,,,',
      '地址,浙江省金华市义乌市稠州北路88号,集货点,,,',
      '收件人,Ivan Petrov,,,,',
    ].join('\r\n');
    const utf8 = await upload(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)]), 'list.csv').expect(201);
    const report: Report = utf8.body;
    assert.equal(report.created, 5, JSON.stringify(report));
    assert.equal(report.rows, 5);
    assert.deepEqual(report.warnings.map((w) => w.code), ['UNKNOWN_COLUMN']);
    const gbk = await upload(iconv.encode(csv.replace('13700001111', '13700002222'), 'gbk'), '名单.csv').expect(201);
    assert.equal(gbk.body.created, 1, 'only the new phone is new');
    assert.equal(gbk.body.duplicates, 4);
    const phones = await s.http().get('/api/watchlist/entries?type=phone').set('Authorization', `Bearer ${regulator}`).expect(200);
    const first = phones.body.entries.find((e: { value: string }) => e.value === '+86 137****1111');
    assert.match(first.note, /团伙联系人/);
    assert.equal(first.source, '义乌市邮政管理局');
    assert.equal(first.expiresAt, '2030-12-31T15:59:59.999Z', 'a date means the end of that day, Beijing time');
  });

  it('bad rows are reported by row number and never stop the good ones; formulas are refused', async () => {
    const csv = [
      'type,value,note',
      'phone,13800001234,ok',
      'phone,not-a-phone,',
      'person_name,"=cmd|\' /C calc\'!A0",injection',
      'company,@SUM(1+1),injection',
      'planet,Mars,',
      `address,${'长'.repeat(10_000_000)},huge cell`,
      ',,',
      'brand,Gucci,ok',
      'brand,"Prada,unclosed quote',
    ].join('\n');
    const res = await upload(Buffer.from(csv), 'mixed.csv').expect(201);
    assert.equal(res.body.created, 2, JSON.stringify(res.body.rejected));
    assert.deepEqual(rejectedRows(res.body), [
      '3:PHONE_INVALID', '4:FORMULA_REJECTED', '5:FORMULA_REJECTED', '6:INVALID_VALUE', '7:VALUE_TOO_LONG', '8:REQUIRED', '10:ROW_MALFORMED',
    ]);
  });

  it('an XLSX with a date cell imports; a formula cell is refused, never evaluated', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('名单');
    sheet.addRow(['type', 'value', 'note', 'source', 'expiresAt']);
    sheet.addRow(['consignee', 'Olga Smirnova', '境外收货人', '海关缉私', new Date('2031-01-31T00:00:00Z')]);
    sheet.addRow(['phone', 13912340000, '', '', '']);
    sheet.addRow(['company', { formula: 'HYPERLINK("http://x","y")', result: 'y' }, '', '', '']);
    const res = await upload(Buffer.from(await wb.xlsx.writeBuffer()), 'list.xlsx').expect(201);
    assert.equal(res.body.created, 2, JSON.stringify(res.body));
    assert.deepEqual(rejectedRows(res.body), ['4:FORMULA_REJECTED']);
  });

  it('a file that is not CSV or XLSX is 415; a header without type and value is 422', async () => {
    expectProblem(await upload(Buffer.from('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n'), 'list.pdf'), 415, 'UNSUPPORTED_FILE');
    expectProblem(await upload(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'list.csv'), 415, 'UNSUPPORTED_FILE');
    const body = expectProblem(await upload(Buffer.from('name,phone\n张三,13800000000\n'), 'wrong.csv'), 422, 'VALIDATION_FAILED');
    assert.deepEqual(body.errors!.map((e) => e.code), ['COLUMN_MISSING', 'COLUMN_MISSING']);
    expectProblem(await s.http().post('/api/watchlist/import').set('Authorization', `Bearer ${regulator}`).send({}), 415);
    expectProblem(await s.http().post('/api/watchlist/import').set('Authorization', `Bearer ${await s.login('courier1')}`).attach('file', Buffer.from('type,value\n'), 'a.csv'), 403);
  });

  it('a regulator imports a list and the next intake of a matching parcel is held, explained', async () => {
    await upload(Buffer.from('类型,值,备注\n姓名,李淸照,仿冒化妆品寄递\n'), 'names.csv').expect(201);
    const courier = await s.login('courier1');
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`)
      .send(aParcel({ sender: { name: '李清照' }, recipient: { name: 'Mary Jones' }, declared: { brand: 'Florasis', description: '口红' } })).expect(201);
    assert.equal(res.body.verdict, 'held');
    assert.match(res.body.reasons[0].message, /sender\.name: the same name \(李淸照\)/);
  });

  it('exports neutralise what imports refuse', () => {
    for (const v of ['=1+1', '@SUM(A1)', '+cmd|x', '-2+3', '\t=x']) assert.ok(looksLikeFormula(v), v);
    for (const v of ['+86 138 0013 8000', '-12.5', 'Nike', '张三']) assert.ok(!looksLikeFormula(v), v);
    assert.equal(neutralizeFormula('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
    assert.equal(neutralizeFormula('张三'), '张三');
  });
});
