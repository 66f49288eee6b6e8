// What bulk intake says, in both languages (STYLE.md #12): refusals of a whole batch, and the codes an item
// of a batch may carry in its result besides the intake's own.
import { defineMessages } from '../i18n/messages.js';

export const BATCH_MESSAGES = defineMessages({
  BATCH_ORGANISATION_NOT_APPROVED: {
    en: 'No approved organisation has the code {uscc}: only an approved contract customer may send a batch.',
    zh: '统一社会信用代码 {uscc} 不对应已审核通过的单位：只有审核通过的协议客户可以批量交寄。',
  },
  BATCH_EMPTY: { en: 'The batch has no parcels: send 1 to {max}.', zh: '批次中没有邮件：每批 1 至 {max} 件。' },
  BATCH_TOO_LARGE: {
    en: 'The batch has {count} parcels; at most {max} are taken in one batch. Split it into several batches.',
    zh: '本批共 {count} 件，每批最多 {max} 件。请拆分为多个批次。',
  },
  BATCH_NOT_FOUND: { en: 'No batch {batchId} at your outlet or in your area.', zh: '您所在网点或辖区内没有批次 {batchId}。' },
  BATCH_FORBIDDEN: { en: 'Only the staff of an outlet send a batch.', zh: '只有网点工作人员可以批量交寄。' },
  BATCH_IDEMPOTENCY_KEY_REUSED: {
    en: 'This Idempotency-Key was used for a different batch. Use a new key for a new batch.',
    zh: '该 Idempotency-Key 已用于另一批次。新批次请使用新的键。',
  },
  BATCH_IDEMPOTENCY_KEY_INVALID: {
    en: 'Idempotency-Key must be 8 to 200 printable ASCII characters (a UUID is ideal).',
    zh: 'Idempotency-Key 须为 8 至 200 个可打印 ASCII 字符（建议使用 UUID）。',
  },
  BATCH_ITEM_NOT_OBJECT: { en: 'Parcel {index} is not an object.', zh: '第 {index} 件不是对象。' },
  BATCH_ITEM_SENDER: {
    en: 'A parcel of a batch has no sender of its own: the batch’s organisation sends it.',
    zh: '批次中的邮件不单独填写寄件人：寄件人为本批次的单位。',
  },
  WAYBILL_DUPLICATE_IN_BATCH: {
    en: 'The waybill {waybillNo} appears earlier in this batch (parcel {first}).',
    zh: '运单号 {waybillNo} 已在本批次第 {first} 件中出现。',
  },
  BATCH_ITEM_FAILED: {
    en: 'This parcel could not be taken in because of a server error; take it in again at the counter or in a new batch.',
    zh: '该邮件因服务器错误未能收寄；请在柜台或新批次中重新收寄。',
  },
  BATCH_FILE_EMPTY: { en: 'The file has a header row but no parcels.', zh: '文件只有表头，没有邮件。' },
  BATCH_COLUMN_MISSING: {
    en: 'The header row has no “{column}” column (see GET /api/parcels/batch/template).',
    zh: '表头缺少“{column}”列（模板见 GET /api/parcels/batch/template）。',
  },
  BATCH_CELL_INVALID: { en: 'Row {row}: “{column}” is not a number.', zh: '第 {row} 行：“{column}”不是数字。' },
  BATCH_FILE_UNSUPPORTED: { en: 'Upload a CSV or XLSX file (old .xls: save it as .xlsx first).', zh: '请上传 CSV 或 XLSX 文件（旧版 .xls 请先另存为 .xlsx）。' },
});
