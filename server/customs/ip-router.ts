// The right holders' notices and the seized goods' disposal (api.md "Right-holder notices and disposals"):
// customs officers (and admins) record them, regulators read them, each within the jurisdiction of the parcel's
// origin city (404 outside). Every change is audited, every file export too.
import { and, asc, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { Response } from 'express';
import { z } from 'zod';
import { customsInspections, DISPOSAL_KINDS, NOTICE_ANSWERS, NOTICE_METHODS, parcels, rightHolderNotices, seizureDisposals } from '../../models/schema.js';
import { coversRegion, regionScope, type AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { BadRequestError, ConflictError, NotFoundError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { addDays, chinaMidnight } from '../reports/period.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { disposalTable, listCsv, listXlsx, noticeTable, type ListHeading } from './ip-export.js';
import {
  disposalSchema,
  IP_MESSAGES,
  NOTICE_STATUSES,
  noticeOrder,
  noticeSchema,
  noticeStatus,
  noticeStatusIs,
  presentDisposal,
  presentNotice,
  workingDayDeadline,
  type NoticeStatus,
} from './ip.js';
import { prefixRange } from './routes.js';

const READ_ROLES = ['customs_officer', 'postal_regulator', 'admin'] as const;
const WRITE_ROLES = ['customs_officer', 'admin'] as const;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A file export takes at most this many rows, newest first (a year of a busy port's seizures). */
export const EXPORT_MAX_ROWS = 10_000;
/** Clocks of officers' PCs run a little ahead; a time this far in the future still counts as now. */
const CLOCK_SKEW_MS = 5 * 60_000;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A day as YYYY-MM-DD (China time).');
const instant = z.iso.datetime({ offset: true });
const format = z.enum(['json', 'csv', 'xlsx']).default('json');

/** The origin-city column inside the user's area, as a range so the (origin_city, …) indexes serve it. */
function cityIn(user: AuthUser, column: typeof rightHolderNotices.originCity | typeof seizureDisposals.originCity | typeof customsInspections.originCity) {
  const scope = regionScope(user);
  if (!scope) return undefined;
  const [lo, hi] = prefixRange(scope);
  return and(gte(column, lo), lt(column, hi));
}

const problem = (path: string, code: string, messageCode: string, params: Record<string, string>): FieldError => ({ path, code, ...bilingual(messageCode, params) });

/**
 * A time the officer says something happened, or now: not in the future, not before `after`. 422 with the field's
 * path otherwise.
 */
function happenedAt(path: string, value: string | undefined, now: Date, after: { at: Date; message: string }): Date {
  if (value === undefined) return now;
  const at = new Date(value);
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw new ValidationError([problem(path, 'TIME_IN_FUTURE', IP_MESSAGES.NOTICE_TIME_IN_FUTURE, { field: path, at: at.toISOString(), now: now.toISOString() })]);
  }
  if (at < after.at) {
    throw new ValidationError([problem(path, 'TIME_TOO_EARLY', after.message, { field: path, at: at.toISOString(), after: after.at.toISOString() })]);
  }
  return at;
}

const noticeNotFound = (id: string) => withMessage(new NotFoundError('', 'NOTICE_NOT_FOUND'), bilingual(IP_MESSAGES.NOTICE_NOT_FOUND, { id }));

/** The notice if the user's jurisdiction covers its parcel's origin city (locked for a change when asked); 404 otherwise. */
async function noticeFor(db: Queryable, user: AuthUser, id: string, lock: boolean) {
  const q = db.select().from(rightHolderNotices).where(eq(rightHolderNotices.id, id));
  const [n] = lock ? await q.for('update') : await q;
  if (!n || !coversRegion(user, n.originCity)) throw noticeNotFound(id);
  return n;
}

function sendFile(res: Response, name: string, kind: 'csv' | 'xlsx', content: Buffer | string) {
  res.attachment(`${name}.${kind}`);
  res.setHeader('Cache-Control', 'no-store');
  if (kind === 'xlsx') res.type(XLSX_TYPE).send(content);
  else res.type('text/csv; charset=utf-8').send(content);
}

export function registerCustomsIpRoutes(api: Api, { db, clock }: AppContext) {
  const idParams = z.strictObject({ id: z.uuid() });

  api.route({
    method: 'get',
    path: '/api/customs/notices',
    tag: 'Customs',
    summary: 'Right-holder notices of seizures in your jurisdiction — pending (not yet sent), notified, answered, overdue (sent, unanswered past the deadline) or all; newest first; as JSON, CSV or XLSX (exports audited)',
    access: { roles: READ_ROLES },
    query: z.object({
      status: z.enum([...NOTICE_STATUSES, 'all']).default('all'),
      format,
      waybillNo: z.string().min(1).max(60).optional(),
      brandKey: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: {
      200: { description: 'A page of notices (a file of up to 10,000 for csv and xlsx)', schema: z.object({ notices: z.array(noticeSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ query, user, res, req }) => {
      const now = clock();
      const file = query.format !== 'json';
      const cursor = !file && query.cursor ? decodeCursor(query.cursor) : undefined;
      const limit = file ? EXPORT_MAX_ROWS : query.limit;
      const t = rightHolderNotices;
      const rows = await db
        .select()
        .from(t)
        .where(
          and(
            cityIn(user, t.originCity),
            query.status === 'all' ? undefined : noticeStatusIs(query.status, now),
            query.waybillNo ? eq(t.waybillNo, normalizeWaybill(query.waybillNo)) : undefined,
            query.brandKey ? eq(t.brandKey, query.brandKey) : undefined,
            cursor ? or(lt(t.createdAt, cursor.at), and(eq(t.createdAt, cursor.at), lt(t.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(...noticeOrder)
        .limit(limit + 1);
      const { page, nextCursor } = pageOf(rows, limit, (n) => ({ at: n.createdAt, id: n.id }));
      const notices = page.map((n) => presentNotice(n, now));
      if (!file) return { status: 200, body: { notices, nextCursor } };
      const scope = regionScope(user) ?? 'CN';
      await recordAudit(db, {
        actor: user,
        action: 'customs.notices.export',
        subjectType: 'right_holder_notice',
        subjectId: scope,
        requestId: String(req.id),
        details: { format: query.format, status: query.status, rows: notices.length },
      });
      const heading: ListHeading = { title: '权利人通知 · Right-holder notices', scope, filter: `status=${query.status}`, generatedAt: now.toISOString(), by: user.username };
      const table = noticeTable(notices);
      sendFile(res, `parcelguard-notices-${query.status}-${scope}`, query.format as 'csv' | 'xlsx', query.format === 'xlsx' ? await listXlsx(heading, table) : listCsv(heading, table));
    },
  });

  api.route({
    method: 'get',
    path: '/api/customs/notices/:id',
    tag: 'Customs',
    summary: 'One right-holder notice',
    access: { roles: READ_ROLES },
    params: idParams,
    responses: { 200: { description: 'The notice', schema: noticeSchema }, 404: { description: 'NOTICE_NOT_FOUND' } },
    handler: async ({ params, user }) => ({ status: 200, body: presentNotice(await noticeFor(db, user, params.id, false), clock()) }),
  });

  api.route({
    method: 'post',
    path: '/api/customs/notices/:id/notify',
    tag: 'Customs',
    summary: 'Record that the right holder was told of the seizure: how, when (default now), and by when they must ask for detention (default 3 working days after the day of notification); once (audited)',
    access: { roles: WRITE_ROLES },
    params: idParams,
    body: z.strictObject({
      method: z.enum(NOTICE_METHODS),
      note: z.string().trim().max(2000).optional(),
      notifiedAt: instant.optional(),
      deadlineAt: instant.optional(),
    }),
    fieldCodes: {
      method: { REQUIRED: 'METHOD_REQUIRED', '*': 'METHOD_UNKNOWN' },
      note: { TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_INVALID' },
      notifiedAt: { '*': 'TIME_INVALID' },
      deadlineAt: { '*': 'DEADLINE_INVALID' },
    },
    responses: {
      200: { description: 'The notice, notified', schema: noticeSchema },
      404: { description: 'NOTICE_NOT_FOUND' },
      409: { description: 'NOTICE_ALREADY_SENT' },
      422: { description: 'TIME_IN_FUTURE, TIME_TOO_EARLY (before the parcel was taken in), DEADLINE_INVALID (not after the notification)' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      const notice = await db.transaction(async (tx) => {
        const n = await noticeFor(tx, user, params.id, true);
        if (n.notifiedAt) {
          throw withMessage(
            new ConflictError('', 'NOTICE_ALREADY_SENT'),
            bilingual(IP_MESSAGES.NOTICE_ALREADY_SENT, { rightHolder: n.rightHolder ?? n.brandName ?? n.brandKey, waybillNo: n.waybillNo, by: n.notifiedByName ?? '', method: n.method ?? '', at: n.notifiedAt.toISOString() }),
          );
        }
        const [p] = await tx.select({ createdAt: parcels.createdAt }).from(parcels).where(eq(parcels.id, n.parcelId));
        const notifiedAt = happenedAt('notifiedAt', body.notifiedAt, now, { at: p!.createdAt, message: IP_MESSAGES.TIME_BEFORE_INTAKE });
        const deadlineAt = body.deadlineAt ? new Date(body.deadlineAt) : workingDayDeadline(notifiedAt);
        if (deadlineAt <= notifiedAt) {
          throw new ValidationError([problem('deadlineAt', 'DEADLINE_INVALID', IP_MESSAGES.DEADLINE_NOT_AFTER_NOTICE, { deadlineAt: deadlineAt.toISOString(), notifiedAt: notifiedAt.toISOString() })]);
        }
        const [updated] = await tx
          .update(rightHolderNotices)
          .set({ method: body.method, notifyNote: body.note || null, notifiedAt, notifiedBy: user.id, notifiedByName: user.username, deadlineAt })
          .where(eq(rightHolderNotices.id, n.id))
          .returning();
        await recordAudit(tx, {
          actor: user,
          action: 'customs.notice.notify',
          subjectType: 'right_holder_notice',
          subjectId: n.id,
          requestId: String(req.id),
          details: { waybillNo: n.waybillNo, brandKey: n.brandKey, method: body.method, notifiedAt: notifiedAt.toISOString(), deadlineAt: deadlineAt.toISOString(), deadlineGiven: !!body.deadlineAt },
        });
        return updated!;
      });
      return { status: 200, body: presentNotice(notice, now) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/customs/notices/:id/answer',
    tag: 'Customs',
    summary: 'Record the right holder’s answer to a sent notice (detention requested, no action, not infringing), once (audited)',
    access: { roles: WRITE_ROLES },
    params: idParams,
    body: z.strictObject({ answer: z.enum(NOTICE_ANSWERS), note: z.string().trim().min(1).max(2000), answeredAt: instant.optional() }),
    fieldCodes: {
      answer: { REQUIRED: 'ANSWER_REQUIRED', '*': 'ANSWER_UNKNOWN' },
      note: { REQUIRED: 'NOTE_REQUIRED', TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_INVALID' },
      answeredAt: { '*': 'TIME_INVALID' },
    },
    responses: {
      200: { description: 'The notice, answered (answeredLate says whether after the deadline)', schema: noticeSchema },
      404: { description: 'NOTICE_NOT_FOUND' },
      409: { description: 'NOTICE_NOT_SENT (record the notification first) or NOTICE_ALREADY_ANSWERED' },
      422: { description: 'TIME_IN_FUTURE or TIME_TOO_EARLY (before the notification)' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      const notice = await db.transaction(async (tx) => {
        const n = await noticeFor(tx, user, params.id, true);
        if (!n.notifiedAt) {
          throw withMessage(new ConflictError('', 'NOTICE_NOT_SENT'), bilingual(IP_MESSAGES.NOTICE_NOT_SENT, { waybillNo: n.waybillNo, rightHolder: n.rightHolder ?? n.brandName ?? n.brandKey }));
        }
        if (n.answer) {
          throw withMessage(
            new ConflictError('', 'NOTICE_ALREADY_ANSWERED'),
            bilingual(IP_MESSAGES.NOTICE_ALREADY_ANSWERED, { waybillNo: n.waybillNo, answer: n.answer, by: n.answerRecordedByName ?? '', at: n.answeredAt?.toISOString() ?? '' }),
          );
        }
        const answeredAt = happenedAt('answeredAt', body.answeredAt, now, { at: n.notifiedAt, message: IP_MESSAGES.TIME_BEFORE_NOTIFICATION });
        const [updated] = await tx
          .update(rightHolderNotices)
          .set({ answer: body.answer, answerNote: body.note, answeredAt, answerRecordedBy: user.id, answerRecordedByName: user.username })
          .where(eq(rightHolderNotices.id, n.id))
          .returning();
        await recordAudit(tx, {
          actor: user,
          action: 'customs.notice.answer',
          subjectType: 'right_holder_notice',
          subjectId: n.id,
          requestId: String(req.id),
          details: { waybillNo: n.waybillNo, brandKey: n.brandKey, answer: body.answer, answeredAt: answeredAt.toISOString(), late: !!n.deadlineAt && answeredAt > n.deadlineAt },
        });
        return updated!;
      });
      return { status: 200, body: presentNotice(notice, now) };
    },
  });

  // ── Disposal ───────────────────────────────────────────────────────────────────────────────────────────────

  api.route({
    method: 'post',
    path: '/api/parcels/:waybillNo/disposal',
    tag: 'Customs',
    summary: 'Record what became of a seized parcel’s goods: destroyed harmlessly by a qualified party (certificate number), handed to the police, or returned; once (audited)',
    access: { roles: WRITE_ROLES },
    params: z.strictObject({ waybillNo: z.string().min(1).max(60) }),
    body: z.strictObject({
      kind: z.enum(DISPOSAL_KINDS),
      party: z.string().trim().min(1).max(200),
      certificateNo: z.string().trim().max(100).optional(),
      disposedAt: instant.optional(),
      note: z.string().trim().max(2000).optional(),
    }),
    fieldCodes: {
      kind: { REQUIRED: 'KIND_REQUIRED', '*': 'KIND_UNKNOWN' },
      party: { REQUIRED: 'PARTY_REQUIRED', TOO_LONG: 'PARTY_TOO_LONG', '*': 'PARTY_INVALID' },
      certificateNo: { TOO_LONG: 'CERTIFICATE_TOO_LONG', '*': 'CERTIFICATE_INVALID' },
      disposedAt: { '*': 'TIME_INVALID' },
      note: { TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_INVALID' },
    },
    responses: {
      201: { description: 'The disposal as recorded', schema: disposalSchema },
      400: { description: 'CERTIFICATE_REQUIRED (path certificateNo): destruction needs the certificate number' },
      404: { description: 'PARCEL_NOT_FOUND: no such cross-border parcel in your jurisdiction' },
      409: { description: 'NOT_SEIZED, or DISPOSAL_ALREADY_RECORDED' },
      422: { description: 'TIME_IN_FUTURE, TIME_TOO_EARLY (before the seizure)' },
    },
    handler: async ({ params, body, user, req }) => {
      // Checked here rather than in the schema so the problem carries both languages.
      if (body.kind === 'destroyed' && !body.certificateNo) {
        const field = problem('certificateNo', 'CERTIFICATE_REQUIRED', IP_MESSAGES.CERTIFICATE_REQUIRED, {});
        throw withMessage(new BadRequestError('', [field], 'CERTIFICATE_REQUIRED'), bilingual(IP_MESSAGES.CERTIFICATE_REQUIRED));
      }
      const now = clock();
      const disposal = await db.transaction(async (tx) => {
        const waybillNo = normalizeWaybill(params.waybillNo);
        const [row] = await tx
          .select({ p: parcels, ci: customsInspections })
          .from(parcels)
          .leftJoin(customsInspections, eq(customsInspections.parcelId, parcels.id))
          .where(eq(parcels.waybillNo, waybillNo))
          .for('update', { of: parcels });
        if (!row?.ci || !coversRegion(user, row.ci.originCity)) {
          throw withMessage(new NotFoundError('', 'PARCEL_NOT_FOUND'), bilingual(IP_MESSAGES.CUSTOMS_PARCEL_NOT_FOUND, { waybillNo: params.waybillNo }));
        }
        const { p, ci } = row;
        if (ci.outcome !== 'seized' || !ci.decidedAt) {
          throw withMessage(new ConflictError('', 'NOT_SEIZED'), bilingual(IP_MESSAGES.NOT_SEIZED, { waybillNo: p.waybillNo, outcome: ci.outcome ?? (ci.selected ? 'pending' : 'not selected') }));
        }
        const [before] = await tx.select().from(seizureDisposals).where(eq(seizureDisposals.parcelId, p.id));
        if (before) {
          throw withMessage(
            new ConflictError('', 'DISPOSAL_ALREADY_RECORDED'),
            bilingual(IP_MESSAGES.DISPOSAL_ALREADY_RECORDED, { waybillNo: p.waybillNo, kind: before.kind, by: before.recordedByName, at: before.recordedAt.toISOString() }),
          );
        }
        const disposedAt = happenedAt('disposedAt', body.disposedAt, now, { at: ci.decidedAt, message: IP_MESSAGES.TIME_BEFORE_SEIZURE });
        const [made] = await tx
          .insert(seizureDisposals)
          .values({
            parcelId: p.id,
            waybillNo: p.waybillNo,
            originCity: ci.originCity,
            kind: body.kind,
            party: body.party,
            certificateNo: body.certificateNo || null,
            disposedAt,
            note: body.note || null,
            recordedBy: user.id,
            recordedByName: user.username,
            recordedAt: now,
          })
          .returning();
        await recordAudit(tx, {
          actor: user,
          action: 'customs.disposal',
          subjectType: 'parcel',
          subjectId: p.waybillNo,
          requestId: String(req.id),
          details: { kind: body.kind, party: body.party, certificateNo: body.certificateNo ?? null, disposedAt: disposedAt.toISOString() },
        });
        return made!;
      });
      return { status: 201, body: presentDisposal(disposal) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/customs/disposals',
    tag: 'Customs',
    summary: 'Disposals of seized goods in your jurisdiction, by the Beijing day of disposal (from, to inclusive) and kind, newest first; as JSON, CSV or XLSX (exports audited)',
    access: { roles: READ_ROLES },
    query: z.object({
      from: day.optional(),
      to: day.optional(),
      kind: z.enum(DISPOSAL_KINDS).optional(),
      format,
      limit: z.coerce.number().int().min(1).max(1000).default(200),
      cursor: z.string().max(200).optional(),
    }),
    responses: {
      200: { description: 'A page of disposals (a file of up to 10,000 for csv and xlsx)', schema: z.object({ disposals: z.array(disposalSchema), nextCursor: z.string().nullable() }) },
      422: { description: 'PERIOD_INVALID: not a calendar day, or to before from' },
    },
    handler: async ({ query, user, res, req }) => {
      for (const [path, value] of [['query.from', query.from], ['query.to', query.to]] as const) {
        const t = value ? Date.parse(`${value}T00:00:00Z`) : 0;
        if (value && (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value)) {
          throw new ValidationError([problem(path, 'PERIOD_INVALID', IP_MESSAGES.DISPOSAL_DAY_INVALID, { day: value })]);
        }
      }
      if (query.from && query.to && query.from > query.to) {
        throw new ValidationError([problem('query.from', 'PERIOD_INVALID', IP_MESSAGES.DISPOSAL_PERIOD_REVERSED, { from: query.from, to: query.to })]);
      }
      const file = query.format !== 'json';
      const cursor = !file && query.cursor ? decodeCursor(query.cursor) : undefined;
      const limit = file ? EXPORT_MAX_ROWS : query.limit;
      const d = seizureDisposals;
      const rows = await db
        .select()
        .from(d)
        .where(
          and(
            cityIn(user, d.originCity),
            query.from ? gte(d.disposedAt, chinaMidnight(query.from)) : undefined,
            query.to ? lt(d.disposedAt, chinaMidnight(addDays(query.to, 1))) : undefined,
            query.kind ? eq(d.kind, query.kind) : undefined,
            cursor ? or(lt(d.disposedAt, cursor.at), and(eq(d.disposedAt, cursor.at), lt(d.parcelId, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(d.disposedAt), desc(d.parcelId))
        .limit(limit + 1);
      const { page, nextCursor } = pageOf(rows, limit, (r) => ({ at: r.disposedAt, id: r.parcelId }));
      const disposals = page.map(presentDisposal);
      if (!file) return { status: 200, body: { disposals, nextCursor } };
      const scope = regionScope(user) ?? 'CN';
      const filter = [query.from && `from=${query.from}`, query.to && `to=${query.to}`, query.kind && `kind=${query.kind}`].filter(Boolean).join(' ') || '—';
      await recordAudit(db, {
        actor: user,
        action: 'customs.disposals.export',
        subjectType: 'seizure_disposal',
        subjectId: scope,
        requestId: String(req.id),
        details: { format: query.format, from: query.from ?? null, to: query.to ?? null, kind: query.kind ?? null, rows: disposals.length },
      });
      const heading: ListHeading = { title: '罚没物品处置 · Disposals of seized goods', scope, filter, generatedAt: clock().toISOString(), by: user.username };
      const table = disposalTable(disposals);
      sendFile(res, `parcelguard-disposals-${scope}`, query.format as 'csv' | 'xlsx', query.format === 'xlsx' ? await listXlsx(heading, table) : listCsv(heading, table));
    },
  });

  const pendingSchema = z
    .object({
      waybillNo: z.string(),
      parcelId: z.string(),
      routeKey: z.string(),
      originCity: z.string(),
      seizedAt: z.string(),
      seizedBy: z.string().nullable(),
      note: z.string().nullable(),
      declared: z.object({ description: z.string(), category: z.string(), quantity: z.number(), valueCny: z.number(), brand: z.string().nullable() }),
      notices: z.array(z.object({ id: z.string(), brandKey: z.string(), brandName: z.string(), status: z.enum(NOTICE_STATUSES), answer: z.enum(NOTICE_ANSWERS).nullable(), deadlineAt: z.string().nullable() })),
    })
    .meta({ id: 'SeizurePendingDisposal' });

  api.route({
    method: 'get',
    path: '/api/customs/seizures/pending-disposal',
    tag: 'Customs',
    summary: 'Seized parcels in your jurisdiction whose goods have no disposal recorded yet, longest waiting first, with their right-holder notices',
    access: { roles: READ_ROLES },
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(200).optional() }),
    responses: { 200: { description: 'A page of seizures', schema: z.object({ seizures: z.array(pendingSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const now = clock();
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const ci = customsInspections;
      const rows = await db
        .select({ ci, p: parcels })
        .from(ci)
        .innerJoin(parcels, eq(parcels.id, ci.parcelId))
        .where(
          and(
            eq(ci.outcome, 'seized'),
            cityIn(user, ci.originCity),
            sql`not exists (select 1 from ${seizureDisposals} d where d.parcel_id = ${ci.parcelId})`,
            cursor ? or(sql`${ci.decidedAt} > ${cursor.at}`, and(eq(ci.decidedAt, cursor.at), sql`${ci.parcelId} > ${cursor.id}`)) : undefined,
          ),
        )
        .orderBy(asc(ci.decidedAt), asc(ci.parcelId))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (r) => ({ at: r.ci.decidedAt!, id: r.ci.parcelId }));
      const ids = page.map((r) => r.ci.parcelId);
      const notices = ids.length ? await db.select().from(rightHolderNotices).where(inArray(rightHolderNotices.parcelId, ids)).orderBy(asc(rightHolderNotices.brandKey)) : [];
      const seizures = page.map(({ ci: c, p }) => ({
        waybillNo: c.waybillNo,
        parcelId: c.parcelId,
        routeKey: c.routeKey,
        originCity: c.originCity,
        seizedAt: c.decidedAt!.toISOString(),
        seizedBy: c.decidedByName,
        note: c.outcomeNote,
        declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity, valueCny: p.declaredValueCny, brand: p.declaredBrand },
        notices: notices
          .filter((n) => n.parcelId === c.parcelId)
          .map((n) => ({ id: n.id, brandKey: n.brandKey, brandName: n.brandName ?? n.brandKey, status: noticeStatus(n, now) as NoticeStatus, answer: n.answer, deadlineAt: n.deadlineAt?.toISOString() ?? null })),
      }));
      return { status: 200, body: { seizures, nextCursor } };
    },
  });
}
