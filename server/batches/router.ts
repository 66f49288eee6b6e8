// Bulk intake (issue 18): POST /api/parcels/batch (JSON) and /upload (CSV or XLSX) answer 202 with the batch at once;
// the job `parcels.batch` takes its parcels in (./job.ts); GET /api/parcels/batch/:batchId shows progress and
// results (paged, or the whole result file), and the outlet hears `batch:progress` live.
import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { BadRequestError, NotFoundError, UnsupportedMediaTypeError, withMessage } from '../http/errors.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { bilingual } from '../i18n/messages.js';
import type { IntakeStep } from '../intake/pipeline.js';
import type { Foreground } from '../intake/foreground.js';
import { defineBatchJob } from './job.js';
import { BATCH_FILE_LIMITS, batchTemplate, csvOf, parcelsFromFile, sheet } from './file.js';
import { BATCH_MESSAGES } from './messages.js';
import { itemResults, listBatches, loadBatch, mayReadBatch, presentBatch, type ItemResult } from './store.js';
import { submitBatch } from './submit.js';
import { PayloadTooLargeError } from '../http/errors.js';

/** POST /api/parcels/batch takes up to 10,000 parcels: its own JSON limit, mounted before the general one (server/app.ts). */
export const batchJsonParser = (config: Config): RequestHandler => express.json({ limit: config.batch.jsonLimit, strict: true });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BATCH_READERS = ['courier', 'outlet_supervisor', 'postal_regulator', 'admin'] as const;
/** Outlet staff: couriers (and service accounts acting as one) at the handheld, the outlet's supervisor at the console. */
const BATCH_SENDERS = ['courier', 'outlet_supervisor'] as const;

const acceptedSchema = z.object({ batchId: z.string().uuid(), status: z.enum(['queued', 'running', 'done']), total: z.number().int() });
const countsSchema = z.object({ accepted: z.number().int(), held: z.number().int(), rejected: z.number().int(), invalid: z.number().int() });
const fieldErrorSchema = z.object({ path: z.string(), code: z.string(), message: z.string(), messageZh: z.string().optional() });
const resultSchema = z.object({
  index: z.number().int(),
  waybillNo: z.string().nullable(),
  status: z.enum(['pending', 'done', 'invalid']),
  verdict: z.enum(['accepted', 'held', 'rejected']).optional(),
  parcelId: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional(),
});
const batchSchema = z.object({
  batchId: z.string(),
  outletId: z.string(),
  status: z.enum(['queued', 'running', 'done']),
  total: z.number().int(),
  done: z.number().int(),
  counts: countsSchema,
  organisation: z.object({ id: z.string(), uscc: z.string(), name: z.string() }).optional(),
  source: z.enum(['json', 'csv', 'xlsx']),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const idempotencyHeader = z.object({ 'Idempotency-Key': z.string().optional().meta({ description: 'A UUID per batch: the same key and body return the same batch' }) });

/** The upload: the file, the organisation, and the handler's fields when one hands the batch over. */
const uploadFields = z.strictObject({
  uscc: z.string().trim().min(1).max(40),
  handlerIdType: z.string().trim().min(1).optional(),
  handlerIdNumber: z.string().trim().min(1).optional(),
  handlerName: z.string().trim().min(1).optional(),
  handlerPhone: z.string().trim().min(1).optional(),
  handlerIdIssuingCountry: z.string().trim().min(1).optional(),
});

function receiveBatchFile(): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: BATCH_FILE_LIMITS.maxBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 } });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next(new UnsupportedMediaTypeError('Upload the batch as multipart/form-data: the file in "file", the organisation in "uscc".'));
    upload.single('file')(req, res, (err: unknown) => {
      if (!err) {
        if (!req.file) return next(new BadRequestError('No file: send the CSV or XLSX in the multipart field "file".', [{ path: 'file', code: 'REQUIRED', message: 'file is required', messageZh: 'file 为必填项' }], 'FILE_REQUIRED'));
        return next();
      }
      if ((err as { code?: string }).code === 'LIMIT_FILE_SIZE') return next(new PayloadTooLargeError(`A batch file may be at most ${BATCH_FILE_LIMITS.maxBytes} bytes.`, 'BATCH_FILE_TOO_LARGE'));
      return next(new BadRequestError(`The upload is not valid: ${(err as Error).message}.`, undefined, 'UPLOAD_INVALID'));
    });
  };
}

const RESULT_HEADER = ['序号 index', '运单号 waybillNo', '状态 status', '结论 verdict', '错误代码 codes', '错误说明 errors'];
const STATUS_ZH: Record<string, string> = { pending: '待处理', done: '已处理', invalid: '未收寄' };
const VERDICT_ZH: Record<string, string> = { accepted: '准予收寄', held: '暂扣待查', rejected: '拒收' };

function resultRow(r: ItemResult): (string | number)[] {
  const errors = (r.errors ?? []) as { path: string; code: string; message: string; messageZh?: string }[];
  return [
    r.index,
    r.waybillNo ?? '',
    STATUS_ZH[r.status] ?? r.status,
    r.verdict ? VERDICT_ZH[r.verdict] ?? r.verdict : '',
    errors.map((e) => e.code).join(' '),
    errors.map((e) => `${e.path}: ${e.messageZh ?? e.message}`).join('；'),
  ];
}

export function registerBatchRoutes(api: Api, ctx: AppContext, steps: IntakeStep[], foreground?: Foreground) {
  const { db } = ctx;
  defineBatchJob(ctx, steps, foreground);

  api.route({
    method: 'post',
    path: '/api/parcels/batch',
    tag: 'Bulk intake',
    summary: 'Send up to 10,000 parcels of one approved organisation; 202 at once, each parcel then taken in through the counter pipeline',
    access: { roles: BATCH_SENDERS },
    body: z.strictObject({
      uscc: z.string().trim().min(1).max(40).meta({ description: '统一社会信用代码 of an approved organisation' }),
      handler: z.unknown().optional().meta({ description: 'The handler (经办人) who hands the batch over: {idType, idNumber, name, phone, idIssuingCountry?}' }),
      parcels: z.array(z.unknown()).meta({ description: '1 to 10,000 intake requests without sender (each judged alone: errors at parcels.<i>.<path>)' }),
    }),
    headers: idempotencyHeader,
    responses: {
      202: { description: 'Taken for work (or replayed: 200 with the same batch)', schema: acceptedSchema },
      200: { description: 'The same Idempotency-Key and body: the batch created before', schema: acceptedSchema },
      413: { description: 'BATCH_TOO_LARGE: more than 10,000 parcels' },
      422: { description: 'ORGANISATION_NOT_APPROVED, BATCH_EMPTY, IDEMPOTENCY_KEY_REUSED, or the handler invalid (handler.<path>)' },
    },
    handler: async ({ req, body, user }) => {
      const outcome = await submitBatch(ctx, user, { uscc: body.uscc, handler: body.handler, parcels: body.parcels, source: 'json' }, req.get('Idempotency-Key'), body, String(req.id));
      return { status: outcome.status, body: outcome.body, headers: outcome.replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  });

  api.route({
    method: 'post',
    path: '/api/parcels/batch/upload',
    tag: 'Bulk intake',
    summary: 'The same from a CSV (UTF-8 or GBK) or XLSX file, one parcel a row under a header of English or Chinese column names (see the template)',
    access: { roles: BATCH_SENDERS },
    requestContent: {
      contentType: 'multipart/form-data',
      schema: uploadFields.extend({ file: z.string().meta({ format: 'binary' }) }),
    },
    headers: idempotencyHeader,
    before: [receiveBatchFile()],
    responses: {
      202: { description: 'Taken for work', schema: acceptedSchema },
      200: { description: 'The same Idempotency-Key and file: the batch created before', schema: acceptedSchema },
      413: { description: 'BATCH_TOO_LARGE (rows) or BATCH_FILE_TOO_LARGE (bytes)' },
      415: { description: 'UNSUPPORTED_FILE: not CSV or XLSX' },
      422: { description: 'COLUMN_MISSING (file.header.<column>), BATCH_FILE_EMPTY, ORGANISATION_NOT_APPROVED' },
    },
    handler: async ({ req, user }) => {
      const fields = uploadFields.safeParse({ ...req.body });
      if (!fields.success) {
        const errors = fields.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code === 'unrecognized_keys' ? 'FIELD_UNKNOWN' : 'REQUIRED', message: i.message }));
        throw new BadRequestError(`The upload's fields are not valid: ${errors.map((e) => e.path || e.code).join(', ')}.`, errors, 'VALIDATION_FAILED');
      }
      const f = fields.data;
      const handler = f.handlerIdNumber || f.handlerName
        ? { idType: f.handlerIdType ?? 'CN_RESIDENT_ID', idNumber: f.handlerIdNumber, name: f.handlerName, phone: f.handlerPhone, ...(f.handlerIdIssuingCountry ? { idIssuingCountry: f.handlerIdIssuingCountry } : {}) }
        : undefined;
      const { kind, parcels } = await parcelsFromFile(req.file!.buffer);
      // The same file and fields make the same batch: the hash is over the parcels read, not the bytes (a re-save keeps it).
      const outcome = await submitBatch(ctx, user, { uscc: f.uscc, handler, parcels, source: kind }, req.get('Idempotency-Key'), { uscc: f.uscc, handler, parcels }, String(req.id));
      return { status: outcome.status, body: outcome.body, headers: outcome.replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  });

  api.route({
    method: 'get',
    path: '/api/parcels/batch/template',
    tag: 'Bulk intake',
    summary: 'The file template: the header row in Chinese (English names are read too) and one example parcel',
    access: { roles: ['courier', 'outlet_supervisor', 'admin'] },
    query: z.object({ format: z.enum(['csv', 'xlsx']).default('csv') }),
    responses: { 200: { description: 'The template', contentType: 'text/csv' } },
    handler: async ({ res, query }) => {
      const buf = await batchTemplate(query.format);
      res
        .status(200)
        .type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .setHeader('Content-Disposition', `attachment; filename="batch-template.${query.format}"`);
      res.end(buf);
    },
  });

  api.route({
    method: 'get',
    path: '/api/parcels/batch',
    tag: 'Bulk intake',
    summary: "The outlet's batches (outlet staff), or those in the caller's area (regulators, admins); newest first",
    access: { roles: BATCH_READERS },
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional(), outletId: z.string().max(40).optional() }),
    responses: { 200: { description: 'A page of batches', schema: z.object({ batches: z.array(batchSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const rows = await listBatches(db, user, query.cursor ? decodeCursor(query.cursor) : null, query.limit, query.outletId);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        status: 200,
        body: {
          batches: page.map((r) => presentBatch(r.batch, { uscc: r.uscc, name: r.name })),
          nextCursor: rows.length > query.limit && last ? encodeCursor(last.batch.createdAt, last.batch.id) : null,
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/parcels/batch/:batchId',
    tag: 'Bulk intake',
    summary: 'A batch: progress, counts and results (paged by ?limit=&cursor=, or the whole result file with ?format=csv|xlsx)',
    access: { roles: BATCH_READERS },
    params: z.strictObject({ batchId: z.string().max(60) }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().regex(/^\d{1,6}$/).optional().meta({ description: 'nextCursor of the previous page' }),
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    }),
    responses: {
      200: { description: 'The batch and a page of results', schema: batchSchema.extend({ results: z.array(resultSchema), nextCursor: z.string().nullable() }) },
      404: { description: 'BATCH_NOT_FOUND: no such batch at your outlet or in your area' },
    },
    handler: async ({ res, params, query, user }) => {
      const notFound = () => withMessage(new NotFoundError('', 'BATCH_NOT_FOUND'), bilingual(BATCH_MESSAGES.BATCH_NOT_FOUND, { batchId: params.batchId }));
      if (!UUID.test(params.batchId)) throw notFound();
      const loaded = await loadBatch(db, params.batchId);
      if (!loaded || !mayReadBatch(user, loaded.batch.outletId, loaded.regionCode)) throw notFound();
      const batch = presentBatch(loaded.batch, { uscc: loaded.uscc, name: loaded.name });
      if (query.format !== 'json') {
        const rows: (string | number)[][] = [RESULT_HEADER];
        for (let after = -1; ; ) {
          const page = await itemResults(db, loaded.batch.id, after, 2000);
          rows.push(...page.map(resultRow));
          if (page.length < 2000) break;
          after = page[page.length - 1]!.index;
        }
        const buf = query.format === 'csv' ? csvOf(rows) : await sheet('结果', rows);
        res
          .status(200)
          .type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .setHeader('Content-Disposition', `attachment; filename="batch-${loaded.batch.id}.${query.format}"`);
        res.end(buf);
        return;
      }
      const after = query.cursor ? Number(query.cursor) : -1;
      const results = await itemResults(db, loaded.batch.id, after, query.limit + 1);
      const page = results.slice(0, query.limit);
      const nextCursor = results.length > query.limit ? String(page[page.length - 1]!.index) : null;
      return { status: 200, body: { ...batch, results: page, nextCursor } };
    },
  });
}
