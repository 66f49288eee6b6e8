// What a maximal legal suspect-list import costs the server in memory, and whether others still get answers
// meanwhile; then what hostile files (a zip bomb, a million rows) get back and cost.
//   npm run build && npx tsx scripts/bench/import-memory.ts [--rows 100000] [--database-url postgres://…]
// --rows defaults to IMPORT_MAX_ROWS's default (server/config.ts). Prints, per file: the answer, seconds,
// server RSS growth (sampled from /proc every 20 ms), and /healthz p50/p95/p99 polled every 20 ms.
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { aZip } from '../lib/zip.js';
import ExcelJS from 'exceljs';
import { aPerson, rng } from '../lib/traffic.js';
import { login, percentile, serverMemory, startServer, type Server } from './lib.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, 'database-url': { type: 'string' } } });
const rows = Number(values.rows);

/** Realistic, full rows: every column used, a Chinese note, an expiry. */
function* listRows(n: number, salt: string): Generator<string[]> {
  const r = rng(11);
  const types = ['id_number', 'phone', 'person_name', 'address', 'company'] as const;
  for (let i = 0; i < n; i++) {
    const p = aPerson(r);
    const kind = types[i % 5]!;
    const value = kind === 'id_number' ? p.idNumber : kind === 'phone' ? p.phone : kind === 'person_name' ? p.name : kind === 'address' ? p.address : `${salt} 义乌商贸有限公司 ${i}`;
    yield [kind, value, `${salt} 第 ${i} 条：多次以不同身份寄递同类货品，线索来自义乌市邮政管理局专项检查`, '浙江省邮政管理局', '2031-12-31'];
  }
}

const csvOf = (n: number, salt: string) =>
  Buffer.from(['type,value,note,source,expiresAt', ...Array.from(listRows(n, salt), (row) => row.map((v) => `"${v.replace(/"/g, '""')}"`).join(','))].join('\r\n'));

async function xlsxOf(n: number, salt: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (chunks.push(c as Buffer), cb()) });
  // Shared strings, as Excel writes them.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: true, useStyles: false });
  const sheet = wb.addWorksheet('名单');
  sheet.addRow(['type', 'value', 'note', 'source', 'expiresAt']).commit();
  for (const row of listRows(n, salt)) sheet.addRow(row).commit();
  sheet.commit();
  await wb.commit();
  return Buffer.concat(chunks);
}

/** A one-sheet XLSX whose sheet is `sheetXml`, optionally declaring a smaller size than it inflates to. */
function xlsxFromSheet(sheetXml: Buffer, declaredSize?: number): Buffer {
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const files = [
    ['[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'],
    ['_rels/.rels', `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${rel}"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
  ].map(([name, xml]) => ({ name: name!, data: Buffer.from(xml!) as Buffer }));
  files.push({ name: 'xl/worksheets/sheet1.xml', data: sheetXml });
  return aZip(files.map((f) => (f.name.includes('sheet1') && declaredSize !== undefined ? { ...f, declaredSize } : f)));
}

/** A 300-million-character cell: the sheet XML around it, without holding it twice. */
function bombSheet(): Buffer {
  const open = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c><c r="B1" t="inlineStr"><is><t>value</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>company</t></is></c><c r="B2" t="inlineStr"><is><t>';
  const close = '</t></is></c></row></sheetData></worksheet>';
  return Buffer.concat([Buffer.from(open), Buffer.alloc(300_000_000, 'A'), Buffer.from(close)]);
}

type Run = { label: string; status: number; code: string; seconds: number; rssGrowthMb: number; peakMb: number; healthz: number[]; summary: string };

async function importWhileProbing(server: Server, token: string, label: string, file: Buffer, filename: string): Promise<Run> {
  const pid = server.proc.pid!;
  const before = serverMemory(pid).rssMb;
  let maxRss = before;
  let importing = true;
  const healthz: number[] = [];
  const probe = (async () => {
    while (importing) {
      const t = performance.now();
      await fetch(`${server.url}/healthz`).then((r) => r.arrayBuffer());
      healthz.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, serverMemory(pid).rssMb)), 20);
  const form = new FormData();
  form.append('file', new Blob([file]), filename);
  const t0 = performance.now();
  const res = await fetch(`${server.url}/api/watchlist/import`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as { code?: string; created?: number; duplicates?: number; rejected?: unknown[]; detail?: string };
  const seconds = (performance.now() - t0) / 1000;
  importing = false;
  await probe;
  clearInterval(sampler);
  maxRss = Math.max(maxRss, serverMemory(pid).rssMb);
  healthz.sort((a, b) => a - b);
  const summary = res.status === 201 ? `created ${body.created}, duplicates ${body.duplicates}, rejected ${body.rejected?.length}` : `${body.code}: ${body.detail}`;
  return { label, status: res.status, code: body.code ?? '', seconds, rssGrowthMb: maxRss - before, peakMb: serverMemory(pid).peakMb, healthz, summary };
}

function print(run: Run, size: number) {
  const p = (q: number) => (run.healthz.length ? percentile(run.healthz, q).toFixed(1) : '-');
  console.log(
    `${run.label} (${(size / 1e6).toFixed(1)} MB): ${run.status} in ${run.seconds.toFixed(1)} s; ${run.summary}\n` +
      `  server RSS growth ${run.rssGrowthMb} MB (peak RSS so far ${run.peakMb} MB); /healthz ×${run.healthz.length} ms p50 ${p(50)} p95 ${p(95)} p99 ${p(99)}`,
  );
}

const xlsx = await xlsxOf(rows, 'X');
const csv = csvOf(rows, 'C');
const bomb = xlsxFromSheet(bombSheet());
const lyingBomb = xlsxFromSheet(bombSheet(), 4096);
const millionRows = Buffer.concat([Buffer.from('type,value\n'), ...Array.from({ length: 1_000_000 }, (_, i) => Buffer.from(`phone,1380000${String(i).padStart(4, '0')}\n`))]);

const server = await startServer(values['database-url']);
try {
  // startServer waits 20 s for /readyz; on a loaded machine PGlite's first start can take longer.
  for (let i = 0; i < 600 && !(await fetch(`${server.url}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
  const token = await login(server.url, 'regulator1');
  console.log(`maximal legal import: ${rows} rows (IMPORT_MAX_ROWS) on ${values['database-url'] ? 'postgres' : 'pglite'}; server RSS at start ${serverMemory(server.proc.pid!).rssMb} MB`);
  const legal = [await importWhileProbing(server, token, `XLSX ${rows} rows`, xlsx, 'list.xlsx'), await importWhileProbing(server, token, `CSV ${rows} rows`, csv, 'list.csv')];
  print(legal[0]!, xlsx.length);
  print(legal[1]!, csv.length);
  console.log('hostile files:');
  for (const [label, file, name] of [
    ['XLSX bomb, 300M-character cell, sizes declared', bomb, 'bomb.xlsx'],
    ['XLSX bomb, 300M-character cell, sizes lying (4 KB declared)', lyingBomb, 'bomb.xlsx'],
    ['CSV, 1,000,000 rows', millionRows, 'million.csv'],
  ] as const) {
    print(await importWhileProbing(server, token, label, file, name), file.length);
  }
  const worst = Math.max(...legal.map((r) => r.rssGrowthMb));
  const p99 = Math.max(...legal.map((r) => percentile(r.healthz, 99)));
  console.log(`legal imports: RSS growth at most ${worst} MB (bound 300), /healthz p99 at most ${p99.toFixed(1)} ms (bound 200): ${worst < 300 && p99 < 200 ? 'within bounds' : 'OUT OF BOUNDS'}`);
} finally {
  await server.stop();
}
