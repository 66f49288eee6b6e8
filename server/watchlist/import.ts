// Importing suspect lists from the files a regulator's office actually has: CSV (UTF-8 with or without
// BOM, or GBK/GB18030 from Chinese Excel) and XLSX, with English or Chinese headers and type names.
// Every row is judged on its own; good rows are kept, bad ones reported with their row number.
import { isUtf8 } from 'node:buffer';
import type ExcelJS from 'exceljs';
import { parse } from 'csv-parse';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { UnsupportedMediaTypeError, ValidationError, type FieldError } from '../http/errors.js';
import type { PiiVault } from '../privacy/pii.js';
import { findInvalidText } from '../http/text.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { entryFromInput, insertEntries, MAX_VALUE_LENGTH, type PreparedEntry } from './entries.js';
import { boundedXlsxRows, importCellTooLong, importTooManyRows, type ImportLimits } from './import-limits.js';

export type ImportReport = {
  created: number;
  duplicates: number;
  rejected: { index: number; row: number; errors: FieldError[] }[];
  warnings: { code: string; message: string; messageZh: string }[];
  rows: number;
};

const IMPORT_MESSAGES = defineMessages({
  IMPORT_UNKNOWN_COLUMN: {
    en: 'The column "{column}" is not one of type, value, note, source, expiresAt; it was ignored.',
    zh: '列"{column}"不是 type、value、note、source、expiresAt（类型、值、备注、来源、过期时间）之一，已忽略。',
  },
  IMPORT_COLUMN_MISSING: {
    en: 'The header row has no "{column}" column (type,value,note,source,expiresAt; 类型,值,备注,来源,过期时间).',
    zh: '表头缺少"{column}"列（类型,值,备注,来源,过期时间；type,value,note,source,expiresAt）。',
  },
  IMPORT_ROW_MALFORMED: { en: 'The row cannot be read as CSV: {error}', zh: '该行无法按 CSV 格式读取：{error}' },
  IMPORT_FILE_MALFORMED: { en: 'The file cannot be read from here on: {error}', zh: '文件自此处起无法读取：{error}' },
  IMPORT_FORMULA_REJECTED: {
    en: 'The row holds a spreadsheet formula (a cell starting with =, @ or a sign); formulas are never imported.',
    zh: '该行含有电子表格公式（以 =、@ 或正负号开头的单元格），公式一律不导入。',
  },
  IMPORT_VALUE_TOO_LONG: { en: 'The value has {length} characters; at most {max} are accepted.', zh: '值有 {length} 个字符，最多接受 {max} 个。' },
});

type Column = 'type' | 'value' | 'note' | 'source' | 'expiresAt';
const HEADER_ALIASES: Record<string, Column> = {
  type: 'type', 类型: 'type', 名单类型: 'type',
  value: 'value', 值: 'value', 内容: 'value', 名单内容: 'value',
  note: 'note', 备注: 'note', 说明: 'note',
  source: 'source', 来源: 'source', 线索来源: 'source',
  expiresat: 'expiresAt', expires_at: 'expiresAt', expiry: 'expiresAt', 过期时间: 'expiresAt', 有效期至: 'expiresAt', 失效时间: 'expiresAt',
};
const TYPE_ALIASES: Record<string, string> = {
  身份证: 'id_number', 身份证号: 'id_number', 证件号码: 'id_number', 证件号: 'id_number',
  电话: 'phone', 手机: 'phone', 手机号: 'phone', 电话号码: 'phone',
  姓名: 'person_name', 人员: 'person_name', 寄件人: 'person_name',
  地址: 'address', 收件人: 'consignee', 境外收件人: 'consignee', 公司: 'company', 企业: 'company', 商家: 'company',
  运单号: 'waybill', 运单: 'waybill', 邮件号: 'waybill', 品牌: 'brand', 商标: 'brand',
};

/**
 * Spreadsheet formula injection: a cell starting with = or @ (or a sign followed by more than a number)
 * would run as a formula when the list is opened in Excel later. Such rows are refused on import;
 * exports neutralise them (neutralizeFormula).
 */
export function looksLikeFormula(value: string): boolean {
  return /^[=@\t\r]/.test(value) || (/^[+-]/.test(value) && !/^[+-][\d\s().-]*$/.test(value));
}

/** For exports: a leading apostrophe makes Excel show the text instead of evaluating it. */
export function neutralizeFormula(value: string): string {
  return looksLikeFormula(value) ? `'${value}` : value;
}

type RawRow = { row: number; cells: Partial<Record<Column, string>>; formula: boolean };

const SLICE = 64 * 1024;

/** The file as UTF-8, 64 KB at a time: never a second whole copy of it in memory. */
function* utf8Slices(buf: Buffer): Generator<Buffer> {
  if (isUtf8(buf) || (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && isUtf8(buf.subarray(3)))) {
    for (let at = 0; at < buf.length; at += SLICE) yield buf.subarray(at, at + SLICE);
    return;
  }
  // Not UTF-8: Chinese Excel saves CSV as GBK; GB18030 is its superset.
  const decoder = new TextDecoder('gb18030');
  for (let at = 0; at < buf.length; at += SLICE) yield Buffer.from(decoder.decode(buf.subarray(at, at + SLICE), { stream: true }));
  yield Buffer.from(decoder.decode());
}

function mapHeader(header: string[]): { columns: (Column | null)[]; warnings: ImportReport['warnings'] } {
  const columns = header.map((h) => HEADER_ALIASES[h.trim().replace(/^\uFEFF/, '').toLowerCase()] ?? null);
  const warnings = header
    .filter((h, i) => h.trim() && !columns[i])
    .map((h) => ({ code: 'UNKNOWN_COLUMN', ...bilingual(IMPORT_MESSAGES.IMPORT_UNKNOWN_COLUMN, { column: h.slice(0, 40) }) }));
  const missing = (['type', 'value'] as const).filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new ValidationError(
      missing.map((c) => ({ path: `file.header.${c}`, code: 'COLUMN_MISSING', ...bilingual(IMPORT_MESSAGES.IMPORT_COLUMN_MISSING, { column: c }) })),
    );
  }
  return { columns, warnings };
}

/** A row the parser itself could not read (a broken quote): reported at its line. */
type Unreadable = { row: number; code: string; message: string; messageZh: string };

async function* csvRows(buf: Buffer, warnings: ImportReport['warnings'], onUnreadable: (u: Unreadable) => void, limits: ImportLimits): AsyncGenerator<RawRow> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    // Bounds the bytes one record may hold while it is read (up to 4 bytes a character, a few cells);
    // each cell is then held to maxCellChars. Past either, the whole file is refused.
    max_record_size: limits.maxCellChars * 4 * 4,
    skip_records_with_error: true,
  });
  // Records seen, the header and unreadable ones included: a million broken lines are bounded too.
  let records = 0;
  parser.on('skip', (err: Error & { lines?: number; code?: string }) => {
    if (err.code === 'CSV_MAX_RECORD_SIZE') parser.destroy(importCellTooLong(limits, err.lines ?? 0));
    else if (++records > limits.maxRows + 1) parser.destroy(importTooManyRows(limits));
    else onUnreadable({ row: err.lines ?? 0, code: 'ROW_MALFORMED', ...bilingual(IMPORT_MESSAGES.IMPORT_ROW_MALFORMED, { error: err.message.slice(0, 200) }) });
  });
  // Fed in 64 KB slices of UTF-8 with backpressure: given the whole text at once, csv-parse reads every
  // record in one go and holds the event loop for a second on 100,000 rows.
  const closed = new Promise((r) => parser.once('close', r));
  void (async () => {
    for (const slice of utf8Slices(buf)) {
      if (parser.destroyed) return;
      if (!parser.write(slice)) await Promise.race([new Promise((r) => parser.once('drain', r)), closed]);
    }
    if (!parser.destroyed) parser.end();
  })().catch((err) => parser.destroy(err as Error));
  let columns: (Column | null)[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (++records > limits.maxRows + 1) throw importTooManyRows(limits);
    if (record.some((v) => v.length > limits.maxCellChars)) throw importCellTooLong(limits, info.lines);
    if (!columns) {
      const mapped = mapHeader(record);
      columns = mapped.columns;
      warnings.push(...mapped.warnings);
      continue;
    }
    const cells: RawRow['cells'] = {};
    record.forEach((v, i) => {
      const c = columns![i];
      if (c) cells[c] = v;
    });
    yield { row: info.lines, cells, formula: false };
  }
}

function cellText(v: ExcelJS.CellValue): { s: string; formula: boolean } {
  if (v === null || v === undefined) return { s: '', formula: false };
  if (v instanceof Date) return { s: v.toISOString(), formula: false };
  if (typeof v === 'object') {
    if ('formula' in v || 'sharedFormula' in v) return { s: String((v as { result?: unknown }).result ?? ''), formula: true };
    if ('richText' in v) return { s: v.richText.map((t) => t.text).join(''), formula: false };
    if ('text' in v) return { s: String(v.text), formula: false };
    return { s: '', formula: false };
  }
  return { s: String(v), formula: false };
}

async function* xlsxRows(buf: Buffer, warnings: ImportReport['warnings'], limits: ImportLimits): AsyncGenerator<RawRow> {
  // Only the header's known columns are read from each row: a cell far to the right (XFD) costs nothing.
  let columns: [number, Column][] | undefined;
  for await (const row of boundedXlsxRows(buf, limits)) {
    const defined: [number, { s: string; formula: boolean }][] = [];
    row.eachCell((cell, col) => {
      const text = cellText(cell.value);
      if (text.s.length > limits.maxCellChars) throw importCellTooLong(limits, row.number);
      defined.push([col, text]);
    });
    if (!columns) {
      const header: string[] = [];
      for (const [col, text] of defined) if (col <= 1000) header[col - 1] = text.s;
      const mapped = mapHeader(Array.from(header, (h) => h ?? ''));
      columns = mapped.columns.flatMap((c, i) => (c ? [[i + 1, c] as [number, Column]] : []));
      warnings.push(...mapped.warnings);
      continue;
    }
    const cells: RawRow['cells'] = {};
    let formula = false;
    for (const [col, text] of defined) {
      const c = columns.find(([at]) => at === col)?.[1];
      if (!c) continue;
      cells[c] = text.s;
      formula ||= text.formula;
    }
    if (Object.values(cells).every((v) => !v?.trim())) continue;
    yield { row: row.number, cells, formula };
  }
}

function fileKind(buf: Buffer): 'xlsx' | 'csv' {
  if (buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'xlsx';
  // Text has no NUL bytes; PDFs, images, old .xls (OLE2) and other binaries do (or announce themselves).
  const head = buf.subarray(0, 4096);
  if (head.includes(0) || head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])) || head.subarray(0, 5).toString() === '%PDF-') {
    throw new UnsupportedMediaTypeError('Import a CSV or XLSX file (old .xls: save it as .xlsx first).', 'UNSUPPORTED_FILE');
  }
  return 'csv';
}

const BATCH = 250;
const yieldToOthers = () => new Promise((r) => setImmediate(r));

/**
 * Reads and judges the whole file first, within `limits` (a file past them is refused with 413 and
 * nothing stored), then stores the good rows in batches of 250 (short enough that PGlite, which runs on
 * the main thread, pauses other requests briefly), each one statement, yielding to other requests between
 * batches and every 200 rows read, so a 100,000-row file holds neither the database (PGlite has one
 * connection) nor the event loop for long. A batch is atomic; an import stopped half-way can be run again:
 * what is in already counts as duplicate.
 */
export async function importList(
  db: Queryable,
  vault: PiiVault,
  buf: Buffer,
  user: AuthUser,
  limits: ImportLimits,
): Promise<ImportReport & { entryIds: string[] }> {
  const report: ImportReport & { entryIds: string[] } = { created: 0, duplicates: 0, rejected: [], warnings: [], rows: 0, entryIds: [] };
  const reject = (row: number, errors: FieldError[]) => report.rejected.push({ index: report.rows - 1, row, errors });
  const unreadable = (u: Unreadable) => {
    report.rows++;
    reject(u.row, [{ path: 'row', code: u.code, message: u.message, messageZh: u.messageZh }]);
  };
  const good: PreparedEntry[] = [];

  const rows = fileKind(buf) === 'xlsx' ? xlsxRows(buf, report.warnings, limits) : csvRows(buf, report.warnings, unreadable, limits);
  try {
    for await (const raw of rows) {
      if (++report.rows > limits.maxRows) throw importTooManyRows(limits);
      // Let other requests in regularly: awaiting the parser alone only yields to microtasks.
      if (report.rows % 200 === 0) await yieldToOthers();
      const entry = prepareRow(raw, vault, (errors) => reject(raw.row, errors));
      if (entry) good.push(entry);
    }
  } catch (err) {
    // A file broken beyond recovery (an unclosed quote at its end): keep what was read, say where it broke.
    if (!(err as { code?: string }).code?.startsWith('CSV_')) throw err;
    const e = err as Error & { lines?: number };
    unreadable({ row: e.lines ?? 0, code: 'FILE_MALFORMED', ...bilingual(IMPORT_MESSAGES.IMPORT_FILE_MALFORMED, { error: e.message.slice(0, 200) }) });
  }
  for (let at = 0; at < good.length; at += BATCH) {
    const { created, duplicates, ids } = await insertEntries(db, good.slice(at, at + BATCH), user.id);
    report.entryIds.push(...ids);
    report.created += created;
    report.duplicates += duplicates;
    await yieldToOthers();
  }
  report.rejected.sort((a, b) => a.row - b.row);
  return report;
}

/** One row as an entry to store, or its problems reported. */
function prepareRow(raw: RawRow, vault: PiiVault, reject: (errors: FieldError[]) => void): PreparedEntry | undefined {
  const cells = Object.fromEntries(
    Object.entries(raw.cells)
      .map(([k, v]) => [k, (v ?? '').trim()])
      .filter(([, v]) => v !== ''),
  ) as RawRow['cells'];
  if (raw.formula || Object.values(cells).some((v) => v && looksLikeFormula(v))) {
    reject([{ path: 'row', code: 'FORMULA_REJECTED', ...bilingual(IMPORT_MESSAGES.IMPORT_FORMULA_REJECTED) }]);
    return undefined;
  }
  // The same text guard as every JSON body: NUL, lone surrogates, controls and invisible characters.
  const badText = findInvalidText(cells, '');
  if (badText.length) {
    reject(badText);
    return undefined;
  }
  if ((cells.value?.length ?? 0) > MAX_VALUE_LENGTH) {
    reject([{ path: 'value', code: 'VALUE_TOO_LONG', ...bilingual(IMPORT_MESSAGES.IMPORT_VALUE_TOO_LONG, { length: cells.value!.length, max: MAX_VALUE_LENGTH }) }]);
    return undefined;
  }
  const input = {
    ...cells,
    type: TYPE_ALIASES[cells.type ?? ''] ?? cells.type?.toLowerCase(),
    ...(cells.expiresAt ? { expiresAt: cells.expiresAt.replace(/^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/, (_, y, m, d) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`) } : {}),
  };
  const prepared = entryFromInput(input, vault);
  if (!prepared.ok) {
    reject(prepared.errors);
    return undefined;
  }
  return prepared.entry;
}
