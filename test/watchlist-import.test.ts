import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { looksLikeFormula, neutralizeFormula } from '../server/watchlist/import.js';
import { aParcel } from './helpers/factories.js';
import { aZip } from '../scripts/lib/zip.js';
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
      `address,${'长'.repeat(1_000)},a value over 500 characters, in a cell under the cell limit`,
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


/** The smallest XLSX Excel and exceljs read, its one sheet given as XML rows. */
function anXlsx(sheetRows: string, declaredSheetSize?: number): Buffer {
  const xml = (body: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${body}`);
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return aZip([
    { name: '[Content_Types].xml', data: xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>') },
    { name: '_rels/.rels', data: xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
    { name: 'xl/workbook.xml', data: xml(`<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
    { name: 'xl/_rels/workbook.xml.rels', data: xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`) },
    { name: 'xl/worksheets/sheet1.xml', data: xml(`<worksheet ${ns}><sheetData>${sheetRows}</sheetData></worksheet>`), declaredSize: declaredSheetSize },
  ]);
}

const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
const xlsxRow = (n: number, type: string, value: string) => `<row r="${n}">${inline(`A${n}`, type)}${inline(`B${n}`, value)}</row>`;
const HEADER = xlsxRow(1, 'type', 'value');

describe('suspect-list import limits (413 before anything is stored)', () => {
  let s: TestServer;
  let regulator: string;
  before(async () => {
    // Small limits keep the files small; the same code paths hold the defaults (100,000 rows, 32,767 characters, 64 MB unpacked).
    s = await startTestServer({ IMPORT_MAX_ROWS: '50', IMPORT_MAX_CELL_CHARS: '1000', IMPORT_MAX_UNCOMPRESSED_BYTES: '1048576', IMPORT_MAX_BYTES: '200000' });
    regulator = await s.login('regulator1');
  });
  after(() => s?.close());

  const upload = (buf: Buffer, filename: string) =>
    s.http().post('/api/watchlist/import').set('Authorization', `Bearer ${regulator}`).attach('file', buf, { filename });
  const tooLarge = async (buf: Buffer, filename: string, code: string) => {
    const body = expectProblem(await upload(buf, filename), 413, code) as { detail: string; detailZh?: string };
    assert.match(body.detailZh ?? '', /[\u4e00-\u9fff]/, 'the reason in Chinese too');
    return body;
  };
  const companies = async () =>
    (await s.http().get('/api/watchlist/entries?type=company&limit=200').set('Authorization', `Bearer ${regulator}`).expect(200)).body.entries as { value: string }[];

  it('an XLSX bomb (a small zip that unpacks to a 20-million-character cell) is 413 IMPORT_TOO_LARGE, told by its sizes or not', async () => {
    const huge = 'A'.repeat(20_000_000);
    const honest = anXlsx(HEADER + xlsxRow(2, 'company', huge));
    assert.ok(honest.length < 100_000, `small on the wire (${honest.length} bytes)`);
    await tooLarge(honest, 'bomb.xlsx', 'IMPORT_TOO_LARGE');
    // The zip lies: it declares a 2 KB sheet, so only counting what actually inflates stops it.
    const lying = anXlsx(HEADER + xlsxRow(2, 'company', huge), 2_000);
    const body = await tooLarge(lying, 'bomb.xlsx', 'IMPORT_TOO_LARGE');
    assert.match(body.detail, /1 MB/);
    assert.deepEqual(await companies(), []);
  });

  it('an XLSX with more rows than allowed is 413 IMPORT_TOO_MANY_ROWS and stores none of them', async () => {
    const rows = Array.from({ length: 51 }, (_, i) => xlsxRow(i + 2, 'company', `Row Trading ${i}`)).join('');
    const body = await tooLarge(anXlsx(HEADER + rows), 'long.xlsx', 'IMPORT_TOO_MANY_ROWS');
    assert.match(body.detail, /more than 50 rows/);
    assert.deepEqual(await companies(), [], 'refused whole: not the first 50');
  });

  it('an XLSX with a cell over the cell limit is 413 IMPORT_CELL_TOO_LONG naming its row', async () => {
    const body = await tooLarge(anXlsx(HEADER + xlsxRow(2, 'company', 'Fine Co') + xlsxRow(3, 'company', 'x'.repeat(1001))), 'wide.xlsx', 'IMPORT_CELL_TOO_LONG');
    assert.match(body.detail, /Row 3 /);
    assert.match(body.detailZh!, /第 3 行/);
  });

  it('a CSV over the limits: too many rows, a cell too long (a broken quote swallowing the file), too many bytes', async () => {
    const lines = (n: number) => ['type,value', ...Array.from({ length: n }, (_, i) => `company,CSV Trading ${i}`)].join('\n');
    await tooLarge(Buffer.from(lines(51)), 'long.csv', 'IMPORT_TOO_MANY_ROWS');
    await tooLarge(Buffer.from(`type,value\ncompany,ok\ncompany,${'长'.repeat(1001)}\n`), 'wide.csv', 'IMPORT_CELL_TOO_LONG');
    await tooLarge(Buffer.from(`type,value\ncompany,"unclosed ${'x'.repeat(50_000)}\n`), 'quote.csv', 'IMPORT_CELL_TOO_LONG');
    await tooLarge(Buffer.from(`type,value\n${'company,Big Co\n'.repeat(15_000)}`), 'big.csv', 'IMPORT_TOO_LARGE');
    // A million unreadable lines count as rows too.
    await tooLarge(Buffer.from(`type,value\n${'a,"b"c\n'.repeat(60)}`), 'broken.csv', 'IMPORT_TOO_MANY_ROWS');
    assert.deepEqual(await companies(), []);
  });

  it('a file within the limits still imports: good rows kept, bad rows reported by row', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => xlsxRow(i + 2, 'company', `Legal Trading ${i}`)).join('');
    const xlsx = anXlsx(HEADER + rows + xlsxRow(50, 'planet', 'Mars') + xlsxRow(51, 'company', 'y'.repeat(1000)));
    const res = await upload(xlsx, 'legal.xlsx').expect(201);
    assert.equal(res.body.rows, 50);
    assert.equal(res.body.created, 48, JSON.stringify(res.body.rejected));
    assert.deepEqual(res.body.rejected.map((r: { row: number; errors: { code: string }[] }) => `${r.row}:${r.errors[0]!.code}`), ['50:INVALID_VALUE', '51:VALUE_TOO_LONG']);
    const csv = await upload(Buffer.from(['type,value', ...Array.from({ length: 49 }, (_, i) => `company,CSV Legal ${i}`), 'company,'].join('\n')), 'legal.csv').expect(201);
    assert.equal(csv.body.created, 49);
    assert.deepEqual(csv.body.rejected.map((r: { row: number }) => r.row), [51]);
  });
});
