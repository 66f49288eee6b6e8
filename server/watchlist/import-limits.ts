// How much a list import may be, and the bounded XLSX reading that enforces it while parsing: a zip's
// declared sizes are checked before anything is inflated, and the bytes actually inflated are counted as
// they come, since a zip can lie about its sizes (a 300 KB file can inflate to a 300-million-character cell).
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { PayloadTooLargeError, UnsupportedMediaTypeError, withMessage, type ApiError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';

export type ImportLimits = {
  /** Bytes as uploaded. */
  maxBytes: number;
  /** Data rows (the header not counted). */
  maxRows: number;
  /** Characters in any one cell. */
  maxCellChars: number;
  /** Bytes an XLSX (a zip) may inflate to, all entries together. */
  maxUncompressedBytes: number;
};

const MESSAGES = defineMessages({
  IMPORT_TOO_LARGE: {
    en: 'The file is too large to import: at most {limitMb} MB (an XLSX counted unpacked). Split the list into several files.',
    zh: '文件过大，无法导入：最多 {limitMb} MB（XLSX 按解压后计算）。请将名单拆分为多个文件。',
  },
  IMPORT_TOO_MANY_ROWS: {
    en: 'The file has more than {limit} rows; at most {limit} are imported at once. Split the list into several files.',
    zh: '文件超过 {limit} 行，单次最多导入 {limit} 行。请将名单拆分为多个文件。',
  },
  IMPORT_CELL_TOO_LONG: {
    en: 'Row {row} has a cell longer than {limit} characters; no cell may be longer. Nothing was imported.',
    zh: '第 {row} 行有单元格超过 {limit} 个字符，单元格不得超过此长度。本次未导入任何内容。',
  },
});

const mb = (bytes: number) => Math.floor(bytes / (1024 * 1024));

export function importTooLarge(limits: ImportLimits, bytes = limits.maxUncompressedBytes): ApiError {
  return withMessage(new PayloadTooLargeError('', MESSAGES.IMPORT_TOO_LARGE), bilingual(MESSAGES.IMPORT_TOO_LARGE, { limitMb: mb(bytes) }));
}

export function importTooManyRows(limits: ImportLimits): ApiError {
  return withMessage(new PayloadTooLargeError('', MESSAGES.IMPORT_TOO_MANY_ROWS), bilingual(MESSAGES.IMPORT_TOO_MANY_ROWS, { limit: limits.maxRows }));
}

export function importCellTooLong(limits: ImportLimits, row: number): ApiError {
  return withMessage(new PayloadTooLargeError('', MESSAGES.IMPORT_CELL_TOO_LONG), bilingual(MESSAGES.IMPORT_CELL_TOO_LONG, { row, limit: limits.maxCellChars }));
}

const unreadableXlsx = () => new UnsupportedMediaTypeError('The file looks like XLSX but cannot be read; save it again from Excel, or as CSV.', 'UNSUPPORTED_FILE');

/**
 * The zip's own account of its size, from the central directory (APPNOTE 4.3.12/4.3.16), before anything is
 * inflated. ZIP64 (sizes past 4 GB) is never legitimate for an import and counts as too large.
 */
export function checkDeclaredSizes(zip: Buffer, limits: ImportLimits): void {
  const from = Math.max(0, zip.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadableXlsx();
  const entries = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) throw importTooLarge(limits);
  let total = 0;
  for (let i = 0, at = cdOffset; i < entries; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw unreadableXlsx();
    const uncompressed = zip.readUInt32LE(at + 24);
    if (uncompressed === 0xffffffff) throw importTooLarge(limits);
    total += uncompressed;
    if (total > limits.maxUncompressedBytes) throw importTooLarge(limits);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
}

type Pushable = Readable & { push(chunk: unknown, encoding?: BufferEncoding): boolean };

/**
 * Counts the bytes actually inflated, over every entry, as exceljs's unzipper produces them: `input` is
 * piped into unzipper's parser, whose entries are instrumented as they appear. Past the limit the entry,
 * what it feeds (a temporary file for a sheet read before its shared strings) and the input are destroyed,
 * and `onExceeded` is told, so the reader can stop waiting on streams that will never end.
 */
function capInflatedBytes(input: Readable, limit: number, onExceeded: () => void): void {
  let inflated = 0;
  const pipeInput = input.pipe.bind(input);
  input.pipe = (<T extends NodeJS.WritableStream>(zip: T, options?: { end?: boolean }) => {
    const parser = zip as unknown as Pushable;
    const pushEntry = parser.push.bind(parser);
    parser.push = (entry: unknown, encoding?: BufferEncoding) => {
      if (entry instanceof Readable) watchEntry(entry as Pushable);
      return pushEntry(entry, encoding);
    };
    return pipeInput(zip, options);
  }) as typeof input.pipe;

  function watchEntry(entry: Pushable) {
    const sinks: NodeJS.WritableStream[] = [];
    const pipeEntry = entry.pipe.bind(entry);
    entry.pipe = (<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }) => {
      sinks.push(dest);
      return pipeEntry(dest, options);
    }) as typeof entry.pipe;
    // Destroyed below without anyone reading this entry, possibly: that must not be an uncaught error.
    entry.on('error', () => {});
    const pushData = entry.push.bind(entry);
    entry.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk) {
        inflated += (chunk as Buffer).length;
        if (inflated > limit) {
          entry.destroy();
          for (const sink of sinks) (sink as unknown as Readable).destroy();
          input.destroy();
          onExceeded();
          return false;
        }
      }
      return pushData(chunk, encoding);
    };
  }
}

/** The rows of an XLSX's first sheet, read as a stream within the limits. Other sheets are read past, unused. */
export async function* boundedXlsxRows(buf: Buffer, limits: ImportLimits): AsyncGenerator<ExcelJS.Row> {
  checkDeclaredSizes(buf, limits);
  const input = Readable.from(
    (function* () {
      for (let at = 0; at < buf.length; at += 64 * 1024) yield buf.subarray(at, at + 64 * 1024);
    })(),
  );
  // Past the limit the streams are destroyed and exceljs may wait forever: the pending read is failed here.
  // (Not Promise.race against one long-lived promise: each race would stay attached to it, holding its row.)
  let failed: ApiError | null = null;
  let failPending: ((err: ApiError) => void) | null = null;
  capInflatedBytes(input, limits.maxUncompressedBytes, () => {
    failed = importTooLarge(limits);
    failPending?.(failed);
  });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  const next = async <T>(it: AsyncIterator<T>): Promise<IteratorResult<T>> => {
    try {
      return await new Promise<IteratorResult<T>>((resolve, reject) => {
        if (failed) return reject(failed);
        failPending = reject;
        it.next().then(resolve, reject);
      });
    } catch (err) {
      if ((err as ApiError).status) throw err;
      throw unreadableXlsx();
    } finally {
      failPending = null;
    }
  };
  const sheets = reader[Symbol.asyncIterator]();
  let first = true;
  for (let sheet = await next(sheets); !sheet.done; sheet = await next(sheets)) {
    // Every sheet is read to its end: exceljs removes a sheet's temporary file only then.
    const rows = sheet.value[Symbol.asyncIterator]();
    for (let row = await next(rows); !row.done; row = await next(rows)) if (first) yield row.value;
    first = false;
  }
}
