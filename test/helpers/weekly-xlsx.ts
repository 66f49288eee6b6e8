// Reads a weekly-report workbook back the way a provincial office would: the summary's figures by their code
// (column 1 code, column 4 count) and the other sheets by the start of their name.
import ExcelJS from 'exceljs';

export async function readWeeklyXlsx(file: Buffer | string) {
  const wb = new ExcelJS.Workbook();
  if (typeof file === 'string') await wb.xlsx.readFile(file);
  // exceljs declares an older Buffer type than @types/node; the bytes are the same.
  else await wb.xlsx.load(file as unknown as ArrayBuffer);
  const metrics = metricsOf(wb.worksheets[0]!);
  return { workbook: wb, metrics, sheet: (prefix: string) => wb.worksheets.find((w) => w.name.startsWith(prefix))! };
}

/** A sheet of metric rows: code in column 1, value in column 4. */
export function metricsOf(ws: ExcelJS.Worksheet): Map<string, unknown> {
  const metrics = new Map<string, unknown>();
  ws.eachRow((row) => metrics.set(String(row.getCell(1).value), row.getCell(4).value));
  return metrics;
}
