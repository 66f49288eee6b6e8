// Batches as files: a CSV (UTF-8 with or without BOM, or GBK/GB18030 as Chinese Excel saves it) or an XLSX,
// one parcel a row under a header row of English or Chinese column names. A row becomes the same JSON
// parcel the JSON route takes; the intake schema then judges every row alike, so a file says nothing a
// JSON batch could not. Cells are passed on as text (numbers parsed where they are numbers): what a cell
// gets wrong is reported at its parcel's field path, never as a refusal of the file.
import { isUtf8 } from 'node:buffer';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { boundedXlsxRows, type ImportLimits } from '../watchlist/import-limits.js';
import { neutralizeFormula } from '../watchlist/import.js';
import { BATCH_MESSAGES } from './messages.js';

export const MAX_BATCH_PARCELS = 10_000;

/** A 10,000-row file with long Chinese addresses stays well under these. */
export const BATCH_FILE_LIMITS: ImportLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxRows: MAX_BATCH_PARCELS,
  maxCellChars: 2000,
  maxUncompressedBytes: 96 * 1024 * 1024,
};

type Kind = 'text' | 'number' | 'boolean';
/** Each column: where it goes in the parcel, its names in a header row (any case), and how the cell is read. */
export const BATCH_COLUMNS: { key: string; path: string[]; kind: Kind; names: string[]; required: boolean; example: string }[] = [
  { key: 'waybillNo', path: ['waybillNo'], kind: 'text', names: ['waybillNo', '运单号', '邮件号'], required: true, example: 'EA123456785CN' },
  { key: 'carrier', path: ['carrier'], kind: 'text', names: ['carrier', '承运商', '寄递企业'], required: false, example: 'EMS' },
  { key: 'recipientName', path: ['recipient', 'name'], kind: 'text', names: ['recipientName', '收件人', '收件人姓名'], required: true, example: 'John Smith' },
  { key: 'recipientPhone', path: ['recipient', 'phone'], kind: 'text', names: ['recipientPhone', '收件人电话', '收件人手机'], required: false, example: '+1 415 555 0100' },
  { key: 'recipientAddress', path: ['recipient', 'address'], kind: 'text', names: ['recipientAddress', '收件人地址', '收件地址'], required: true, example: '1 Market St, San Francisco, CA' },
  { key: 'recipientCountry', path: ['recipient', 'country'], kind: 'text', names: ['recipientCountry', '收件国家', '目的国', '国家'], required: true, example: 'US' },
  { key: 'description', path: ['declared', 'description'], kind: 'text', names: ['description', '内件品名', '物品名称', '品名'], required: true, example: '运动鞋' },
  { key: 'category', path: ['declared', 'category'], kind: 'text', names: ['category', '内件类别', '类别'], required: true, example: 'shoes' },
  { key: 'quantity', path: ['declared', 'quantity'], kind: 'number', names: ['quantity', '数量', '件数'], required: true, example: '2' },
  { key: 'valueCny', path: ['declared', 'valueCny'], kind: 'number', names: ['valueCny', '申报价值', '价值', '申报价值(元)'], required: true, example: '300' },
  { key: 'brand', path: ['declared', 'brand'], kind: 'text', names: ['brand', '品牌'], required: false, example: 'Nike' },
  { key: 'inspectionPerformed', path: ['inspection', 'performed'], kind: 'boolean', names: ['inspectionPerformed', '已验视', '是否验视'], required: true, example: '是' },
  { key: 'inspectionMatches', path: ['inspection', 'matchesDeclaration'], kind: 'boolean', names: ['matchesDeclaration', '验视相符', '内件与申报相符'], required: false, example: '是' },
  { key: 'inspectionNotes', path: ['inspection', 'notes'], kind: 'text', names: ['inspectionNotes', '验视备注'], required: false, example: '' },
  { key: 'screeningResult', path: ['screening', 'result'], kind: 'text', names: ['screeningResult', '安检结果', '过机结果'], required: true, example: '通过' },
  { key: 'machineId', path: ['screening', 'machineId'], kind: 'text', names: ['machineId', '安检机编号', '安检机'], required: false, example: 'XR-01' },
];

const BY_NAME = new Map(BATCH_COLUMNS.flatMap((c) => c.names.map((n) => [n.toLowerCase(), c] as const)));
const YES = new Set(['是', 'y', 'yes', 'true', '1', '√', '已验视', '相符']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '×', '未验视', '不符']);
const SCREENING_ZH: Record<string, string> = { 通过: 'clear', 正常: 'clear', 可疑: 'suspect', 违禁: 'prohibited', 禁寄: 'prohibited' };

function cellValue(kind: Kind, raw: string, key: string): unknown {
  const v = raw.trim();
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(v.replace(/,/g, '')) ? Number(v.replace(/,/g, '')) : v;
  if (kind === 'boolean') return YES.has(v.toLowerCase()) ? true : NO.has(v.toLowerCase()) ? false : v;
  if (key === 'screeningResult') return SCREENING_ZH[v] ?? v.toLowerCase();
  return v;
}

/** The header row's columns (unknown ones ignored); a required column missing refuses the file. */
function mapHeader(header: string[]) {
  const columns = header.map((h) => BY_NAME.get(h.trim().replace(/^\uFEFF/, '').toLowerCase()) ?? null);
  const missing = BATCH_COLUMNS.filter((c) => c.required && !columns.includes(c));
  if (missing.length) {
    throw new ValidationError(
      missing.map((c) => ({ path: `file.header.${c.key}`, code: 'COLUMN_MISSING', ...bilingual(BATCH_MESSAGES.BATCH_COLUMN_MISSING, { column: `${c.key} / ${c.names[1]}` }) })),
    );
  }
  return columns;
}

function rowToParcel(columns: (typeof BATCH_COLUMNS[number] | null)[], cells: string[]): Record<string, unknown> | null {
  if (cells.every((c) => !c?.trim())) return null;
  const parcel: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    const raw = cells[i] ?? '';
    if (!c || !raw.trim()) return; // empty: left out, so the schema says REQUIRED where it is
    let at = parcel;
    for (const k of c.path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[c.path[c.path.length - 1]!] = cellValue(c.kind, raw, c.key);
  });
  return parcel;
}

const tooMany = (count: number) =>
  withMessage(new PayloadTooLargeError('', 'BATCH_TOO_LARGE'), bilingual(BATCH_MESSAGES.BATCH_TOO_LARGE, { count, max: MAX_BATCH_PARCELS }));
const unsupported = () => withMessage(new UnsupportedMediaTypeError('', 'UNSUPPORTED_FILE'), bilingual(BATCH_MESSAGES.BATCH_FILE_UNSUPPORTED));

export function fileKind(buf: Buffer): 'xlsx' | 'csv' {
  if (buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'xlsx';
  const head = buf.subarray(0, 4096);
  if (head.includes(0) || head.subarray(0, 5).toString() === '%PDF-') throw unsupported();
  return 'csv';
}

function decodeText(buf: Buffer): string {
  if (isUtf8(buf)) return buf.toString('utf8');
  return new TextDecoder('gb18030').decode(buf); // Chinese Excel saves CSV as GBK; GB18030 is its superset
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('result' in v) return String((v as { result?: unknown }).result ?? '');
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    return '';
  }
  return String(v);
}

/** The parcels of an uploaded file, in row order (parcel i is data row i + 2 of the sheet). */
export async function parcelsFromFile(buf: Buffer): Promise<{ kind: 'csv' | 'xlsx'; parcels: Record<string, unknown>[] }> {
  const kind = fileKind(buf);
  let rows: string[][] = [];
  if (kind === 'csv') {
    try {
      rows = parse(decodeText(buf), { bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: BATCH_FILE_LIMITS.maxCellChars * 16 });
    } catch (err) {
      throw withMessage(new UnsupportedMediaTypeError('', 'UNSUPPORTED_FILE'), {
        message: `The file cannot be read as CSV: ${(err as Error).message.slice(0, 200)}`,
        messageZh: `文件无法按 CSV 读取：${(err as Error).message.slice(0, 200)}`,
      });
    }
    if (rows.length - 1 > MAX_BATCH_PARCELS) throw tooMany(rows.length - 1);
  } else {
    for await (const row of boundedXlsxRows(buf, BATCH_FILE_LIMITS)) {
      const cells: string[] = [];
      row.eachCell((cell, col) => {
        if (col <= 100) cells[col - 1] = cellText(cell.value);
      });
      rows.push(Array.from(cells, (c) => c ?? ''));
      if (rows.length - 1 > MAX_BATCH_PARCELS) throw tooMany(rows.length - 1);
    }
  }
  const [header, ...data] = rows;
  if (!header) throw withMessage(new ValidationError('file', 'BATCH_FILE_EMPTY', ''), bilingual(BATCH_MESSAGES.BATCH_FILE_EMPTY));
  const columns = mapHeader(header);
  const parcels = data.map((cells) => rowToParcel(columns, cells)).filter((p): p is Record<string, unknown> => p !== null);
  if (!parcels.length) {
    const text = bilingual(BATCH_MESSAGES.BATCH_FILE_EMPTY);
    throw withMessage(new ValidationError([{ path: 'file', code: 'BATCH_FILE_EMPTY', ...text }]), text);
  }
  return { kind, parcels };
}

/** The template: the Chinese header row (English names work too) and one example parcel. */
export async function batchTemplate(format: 'csv' | 'xlsx'): Promise<Buffer> {
  const header = BATCH_COLUMNS.map((c) => c.names[1]!);
  const example = BATCH_COLUMNS.map((c) => c.example);
  if (format === 'csv') return Buffer.concat([Buffer.from('\uFEFF'), Buffer.from(stringify([header, example]))]);
  return sheet('批量收寄', [header, example]);
}

/** An XLSX of one sheet; text cells neutralised so a name starting with = never runs as a formula. */
export async function sheet(name: string, rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(name);
  for (const r of rows) ws.addRow(r.map((v) => (typeof v === 'string' ? neutralizeFormula(v) : v)));
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function csvOf(rows: (string | number)[][]): Buffer {
  return Buffer.concat([Buffer.from('\uFEFF'), Buffer.from(stringify(rows.map((r) => r.map((v) => (typeof v === 'string' ? neutralizeFormula(v) : v)))))]);
}
