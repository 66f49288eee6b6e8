// GET /api/audit (the trail, filtered, as JSON pages or one CSV) and GET /api/audit/verify (whether the hash chain
// is intact), for auditors and administrators. Reading the trail is itself recorded in it.
import { stringify } from 'csv-stringify/sync';
import { and, desc, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../../models/schema.js';
import { AUDIT_ROLES } from '../accounts/access.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { BadRequestError, ValidationError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { neutraliseFormula } from '../reports/export.js';
import { recordAudit } from './audit.js';
import { anchorKeys, BREAK_REASONS, verifyChain } from './chain.js';

const AUDIT_MESSAGES = defineMessages({
  AUDIT_CURSOR_INVALID: { en: 'Use nextCursor from the previous page.', zh: '请使用上一页返回的 nextCursor。' },
  AUDIT_RANGE_INVALID: { en: '"from" must not be after "to".', zh: '开始时间不能晚于结束时间。' },
  AUDIT_EXPORT_TOO_LARGE: {
    en: 'More than {max} audit records match; narrow the export with from, to, actor or action.',
    zh: '符合条件的审计记录超过 {max} 条，请用时间、操作人或操作类型缩小导出范围。',
  },
});

/** The most rows one CSV export carries (about 40 MB); past it the auditor narrows the filters. */
export const AUDIT_CSV_MAX_ROWS = 100_000;

const auditRowSchema = z
  .object({
    seq: z.number().int().meta({ description: 'Place in the hash chain: the order rows were written in' }),
    id: z.number().int(),
    at: z.string(),
    actor: z.string().nullable().meta({ description: 'Username at the time, or null for the system' }),
    action: z.string().meta({ description: 'e.g. pii.unmask, lookup.masked, case.close, privacy.purge, session.login_failed' }),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).meta({ description: 'Search terms and identifiers appear only as keyed hashes or masked' }),
    hash: z.string().nullable(),
    prevHash: z.string().nullable(),
  })
  .meta({ id: 'AuditRecord' });

const verifySchema = z
  .object({
    intact: z.boolean(),
    checkedRows: z.number().int(),
    head: z.object({ seq: z.number().int(), hash: z.string() }),
    base: z.object({ seq: z.number().int(), hash: z.string() }).meta({ description: 'Where the chain starts after retention pruned its oldest rows' }),
    anchors: z.object({
      checked: z.number().int().meta({ description: 'Anchors whose signature was checked with the key they name' }),
      latest: z.object({ seq: z.number().int(), at: z.string() }).nullable(),
      unverified: z
        .array(z.object({ seq: z.number().int(), keyId: z.string(), reason: z.literal('ANCHOR_KEY_UNAVAILABLE') }))
        .meta({ description: 'ANCHOR_KEY_UNAVAILABLE: signed with a key this server is not configured with (add it to AUDIT_ANCHOR_RETIRED_KEYS); not a break' }),
    }),
    firstBroken: z
      .object({ seq: z.number().int().nullable(), id: z.number().int().nullable(), reason: z.enum(BREAK_REASONS) })
      .nullable()
      .meta({ description: 'HASH_MISMATCH: the row was changed; LINK_BROKEN / ROW_MISSING: rows removed (ROW_MISSING past the last row: the newest were deleted); UNCHAINED_ROW: written with the triggers off; HEAD_MISMATCH; ANCHOR_*: a signed checkpoint no longer matches' }),
    checkedAt: z.string(),
  })
  .meta({ id: 'AuditVerification' });

const actionFilter = z
  .string()
  .trim()
  .regex(/^[a-z0-9_.]{1,80}\*?$/, 'an action such as case.close, or a prefix ending in * (case.*)');

const auditQuery = z.object({
  actor: z.string().trim().min(1).max(64).optional().meta({ description: 'Username' }),
  action: actionFilter.optional(),
  subjectType: z.string().trim().min(1).max(40).optional(),
  subjectId: z.string().trim().min(1).max(120).optional(),
  from: z.iso.datetime({ offset: true }).optional().meta({ description: 'At or after (ISO 8601)' }),
  to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Before (ISO 8601)' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(40).optional(),
  format: z.enum(['json', 'csv']).default('json').meta({ description: `csv: every matching row (at most ${AUDIT_CSV_MAX_ROWS}), newest first, UTF-8 with BOM` }),
});
type AuditQuery = z.output<typeof auditQuery>;

const encodeCursor = (seq: number) => Buffer.from(`s${seq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^s(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new BadRequestError('', [{ path: 'query.cursor', code: 'CURSOR_INVALID', ...bilingual(AUDIT_MESSAGES.AUDIT_CURSOR_INVALID) }], 'CURSOR_INVALID');
  return Number(m[1]);
}

function filtersOf(q: AuditQuery): SQL | undefined {
  if (q.from && q.to && new Date(q.from) > new Date(q.to)) {
    throw new ValidationError([{ path: 'query.from', code: 'AUDIT_RANGE_INVALID', ...bilingual(AUDIT_MESSAGES.AUDIT_RANGE_INVALID) }]);
  }
  const action = q.action?.endsWith('*') ? like(auditLog.action, `${q.action.slice(0, -1).replace(/_/g, '\\_')}%`) : q.action ? eq(auditLog.action, q.action) : undefined;
  return and(
    q.actor ? eq(auditLog.actorUsername, q.actor) : undefined,
    action,
    q.subjectType ? eq(auditLog.subjectType, q.subjectType) : undefined,
    q.subjectId ? eq(auditLog.subjectId, q.subjectId) : undefined,
    q.from ? gte(auditLog.at, new Date(q.from)) : undefined,
    q.to ? lt(auditLog.at, new Date(q.to)) : undefined,
  );
}

type AuditRow = typeof auditLog.$inferSelect;
const present = (r: AuditRow): z.output<typeof auditRowSchema> => ({
  seq: r.chainSeq ?? 0,
  id: r.id,
  at: r.at.toISOString(),
  actor: r.actorUsername,
  action: r.action,
  subjectType: r.subjectType,
  subjectId: r.subjectId,
  requestId: r.requestId,
  details: r.details,
  hash: r.hash,
  prevHash: r.prevHash,
});

const filtersRecord = (q: AuditQuery) => ({
  actor: q.actor ?? null,
  action: q.action ?? null,
  subjectType: q.subjectType ?? null,
  subjectId: q.subjectId ?? null,
  from: q.from ?? null,
  to: q.to ?? null,
});

export function registerAuditRoutes(api: Api, { db, dbKind, vault, config }: AppContext) {
  const keys = anchorKeys(vault, config.auditAnchorRetiredKeys);
  api.route({
    method: 'get',
    path: '/api/audit',
    tag: 'Audit',
    summary: 'The audit trail, newest first, filtered by actor, action (prefix with *), subject and time; as JSON pages or one CSV',
    access: { roles: AUDIT_ROLES },
    query: auditQuery,
    responses: {
      200: { description: 'A page of records (or the CSV, text/csv)', schema: z.object({ records: z.array(auditRowSchema), nextCursor: z.string().nullable() }) },
      422: { description: 'AUDIT_RANGE_INVALID, AUDIT_EXPORT_TOO_LARGE' },
    },
    handler: async ({ req, res, query, user }) => {
      const where = filtersOf(query);
      if (query.format === 'csv') {
        const rows = await db.select().from(auditLog).where(where).orderBy(desc(auditLog.chainSeq)).limit(AUDIT_CSV_MAX_ROWS + 1);
        if (rows.length > AUDIT_CSV_MAX_ROWS) {
          throw new ValidationError([{ path: 'query', code: 'AUDIT_EXPORT_TOO_LARGE', ...bilingual(AUDIT_MESSAGES.AUDIT_EXPORT_TOO_LARGE, { max: AUDIT_CSV_MAX_ROWS }) }]);
        }
        await recordAudit(db, { actor: user, action: 'audit.export', requestId: String(req.id), details: { ...filtersRecord(query), rows: rows.length } });
        const csv = stringify(
          [
            ['seq', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'request_id', 'details', 'hash', 'prev_hash'],
            ...rows.map((r) => [r.chainSeq, r.at.toISOString(), r.actorUsername, r.action, r.subjectType, r.subjectId, r.requestId, JSON.stringify(r.details), r.hash, r.prevHash].map(neutraliseFormula)),
          ],
          { bom: true, record_delimiter: 'windows' },
        );
        const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.csv"`);
        res.status(200).send(csv);
        return;
      }
      const before = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await db
        .select()
        .from(auditLog)
        .where(and(where, before !== undefined ? lt(auditLog.chainSeq, before) : undefined))
        .orderBy(desc(auditLog.chainSeq))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      await recordAudit(db, { actor: user, action: 'audit.read', requestId: String(req.id), details: { ...filtersRecord(query), limit: query.limit, cursor: query.cursor ?? null } });
      return { status: 200, body: { records: page.map(present), nextCursor: rows.length > query.limit && last?.chainSeq ? encodeCursor(last.chainSeq) : null } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/audit/verify',
    tag: 'Audit',
    summary: 'Checks the whole hash chain, its head and its signed anchors: intact, or the first broken row and why',
    access: { roles: AUDIT_ROLES },
    responses: { 200: { description: 'The verification', schema: verifySchema } },
    handler: async ({ req, user }) => {
      const report = await verifyChain(db, keys, { snapshot: dbKind === 'postgres' });
      await recordAudit(db, {
        actor: user,
        action: 'audit.verify',
        requestId: String(req.id),
        details: { intact: report.intact, checkedRows: report.checkedRows, headSeq: report.head.seq, firstBroken: report.firstBroken, anchorsUnverified: report.anchors.unverified.length },
      });
      return { status: 200, body: report };
    },
  });
}
