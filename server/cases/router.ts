// Key cases: open from alerts, name an owner and a time limit, work them with notes and links, share them with
// another jurisdiction, close them with an outcome. Every change is one timeline row and one audit row, and is
// announced live (case:updated) after it committed.
import { and, desc, eq, ilike, inArray, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { alerts, caseLinks, cases, caseShares, CASE_OUTCOMES, CASE_PRIORITIES, parcels, users, watchlistEntries } from '../../models/schema.js';
import { assertMayUnmask, coversRegion, type AuthUser } from '../accounts/access.js';
import { alertScope } from '../alerts/alerts.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { ConflictError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import {
  allocateReference, assertMayManage, caseClock, caseForUpdate, caseScope, caseSummarySchema, caseTimeline, closedAlready, covers,
  fieldProblem, linkedAlerts, linkedWatchlistEntries, loadSummary, notFound, presentSummary, recordCaseEvent, summaryColumns, type CaseRow, type CaseSummary,
} from './cases.js';
import { caseParcelSchema, loadCaseParcels } from './parcels.js';

export const CASE_ROLES = ['postal_regulator', 'customs_officer', 'admin'] as const;
export const MAX_CASE_NOTE = 2000;

/** What the bus carries after a change committed; server/realtime/cases.ts sends it to the rooms. */
export type CaseChange = { event: 'case:updated'; case: CaseSummary };

const jurisdictionCode = z.string().regex(/^\d{2}(\d{2}(\d{2})?)?$/, 'a province, city or county code: 2, 4 or 6 digits');
const linksBody = {
  alertIds: z.array(z.string().uuid()).max(100).optional(),
  waybillNos: z.array(z.string().trim().min(1).max(40)).max(500).optional(),
  watchlistEntryIds: z.array(z.string().uuid()).max(100).optional(),
};

const caseDetailSchema = caseSummarySchema
  .extend({
    alerts: z.array(z.object({ id: z.string(), type: z.string(), severity: z.string(), status: z.string(), summary: z.string(), summaryZh: z.string(), parcelCount: z.number().int() })),
    parcels: z.array(caseParcelSchema),
    watchlistEntries: z.array(z.object({ id: z.string(), type: z.string(), value: z.string() })),
    notes: z.array(z.object({ id: z.string(), text: z.string(), by: z.string(), byRole: z.string(), byJurisdiction: z.string().nullable(), at: z.string() })),
    history: z.array(z.object({ kind: z.string(), at: z.string(), by: z.string(), data: z.record(z.string(), z.unknown()) })),
    shares: z.array(z.object({ jurisdiction: z.string(), note: z.string(), sharedAt: z.string() })),
    outcomeNote: z.string().optional(),
    /** Open and in your scope: you may add notes and links. */
    mayWork: z.boolean(),
    /** You may also change owner, due time and priority, share and close it (the owning jurisdiction, admins). */
    mayManage: z.boolean(),
  })
  .meta({ id: 'Case' });

type Links = { alertIds: string[]; parcels: { id: string; waybillNo: string }[]; watchlistEntryIds: string[] };

/** The links asked for, each visible to the caller; all unknown or out-of-scope ones at once as 422 with their paths. */
async function resolveLinks(tx: Queryable, user: AuthUser, b: { alertIds?: string[]; waybillNos?: string[]; watchlistEntryIds?: string[] }): Promise<Links> {
  const problems: FieldError[] = [];
  const alertIds = [...new Set(b.alertIds ?? [])];
  const seenAlerts = alertIds.length
    ? new Set((await tx.select({ id: alerts.id }).from(alerts).where(and(inArray(alerts.id, alertIds), alertScope(user)))).map((a) => a.id))
    : new Set<string>();
  (b.alertIds ?? []).forEach((id, i) => seenAlerts.has(id) || problems.push(fieldProblem(`alertIds.${i}`, 'ALERT_NOT_FOUND', { id })));
  const waybills = [...new Set(b.waybillNos ?? [])];
  const found = waybills.length
    ? (await tx.select({ id: parcels.id, waybillNo: parcels.waybillNo, regionCode: parcels.regionCode, crossBorder: parcels.crossBorder }).from(parcels).where(inArray(parcels.waybillNo, waybills))).filter(
        (p) => coversRegion(user, p.regionCode) && (user.role !== 'customs_officer' || p.crossBorder),
      )
    : [];
  const byWaybill = new Map(found.map((p) => [p.waybillNo, p]));
  (b.waybillNos ?? []).forEach((w, i) => byWaybill.has(w) || problems.push(fieldProblem(`waybillNos.${i}`, 'PARCEL_NOT_FOUND', { waybillNo: w })));
  const entryIds = [...new Set(b.watchlistEntryIds ?? [])];
  const seenEntries = entryIds.length
    ? new Set((await tx.select({ id: watchlistEntries.id }).from(watchlistEntries).where(and(inArray(watchlistEntries.id, entryIds), sql`${watchlistEntries.deletedAt} is null`))).map((e) => e.id))
    : new Set<string>();
  (b.watchlistEntryIds ?? []).forEach((id, i) => seenEntries.has(id) || problems.push(fieldProblem(`watchlistEntryIds.${i}`, 'WATCHLIST_ENTRY_NOT_FOUND', { id })));
  if (problems.length) throw new ValidationError(problems);
  return { alertIds, parcels: [...byWaybill.values()].map(({ id, waybillNo }) => ({ id, waybillNo })), watchlistEntryIds: entryIds };
}

/** Inserts the links not there yet; what was new, for the timeline. */
async function addLinks(tx: Queryable, caseId: string, l: Links) {
  const values = [
    ...l.alertIds.map((refId) => ({ caseId, kind: 'alert' as const, refId })),
    ...l.parcels.map((p) => ({ caseId, kind: 'parcel' as const, refId: p.id })),
    ...l.watchlistEntryIds.map((refId) => ({ caseId, kind: 'watchlist_entry' as const, refId })),
  ];
  if (!values.length) return null;
  // Retention deletes a parcel (or alert) only when nothing open links it. FOR KEY SHARE (what a foreign key would
  // take; status updates still pass) makes a purge under way skip these rows until the link is committed, or makes the
  // link wait for a purge that took them first; a parcel that purge deleted is then not found, never linked as a
  // dangling id (server/privacy/retention.ts).
  if (l.alertIds.length) {
    await tx.execute(sql`select 1 from ${alerts} where ${alerts.id} in ${l.alertIds} order by ${alerts.id} for key share`);
    await tx.execute(sql`select 1 from ${parcels} where ${parcels.id} in (select ap.parcel_id from alert_parcels ap where ap.alert_id in ${l.alertIds}) order by ${parcels.id} for key share`);
  }
  if (l.parcels.length) {
    const ids = l.parcels.map((p) => p.id);
    const held = new Set((await tx.select({ id: parcels.id }).from(parcels).where(inArray(parcels.id, ids)).orderBy(parcels.id).for('key share')).map((p) => p.id));
    const gone = l.parcels.filter((p) => !held.has(p.id));
    if (gone.length) throw new ValidationError(gone.map((p) => fieldProblem('waybillNos', 'PARCEL_NOT_FOUND', { waybillNo: p.waybillNo })));
  }
  const added = await tx.insert(caseLinks).values(values).onConflictDoNothing().returning();
  if (!added.length) return null;
  const ids = (kind: string) => added.filter((a) => a.kind === kind).map((a) => a.refId);
  const waybillOf = new Map(l.parcels.map((p) => [p.id, p.waybillNo]));
  return { alertIds: ids('alert'), waybillNos: ids('parcel').map((id) => waybillOf.get(id)!), watchlistEntryIds: ids('watchlist_entry') };
}

/** An active officer (or admin) whose jurisdiction covers the case's. */
async function ownerFor(tx: Queryable, username: string, jurisdiction: string) {
  const [u] = await tx.select().from(users).where(eq(users.username, username));
  const fits = u && !u.disabled && (u.role === 'admin' || ((u.role === 'postal_regulator' || u.role === 'customs_officer') && u.jurisdiction !== null && jurisdiction.startsWith(u.jurisdiction)));
  if (!fits) throw new ValidationError([fieldProblem('ownerUsername', 'OWNER_INVALID', { username, jurisdiction })]);
  return u;
}

/** Runs every check, then throws one 422 naming all their field problems. */
async function allChecks<T extends unknown[]>(...checks: { [K in keyof T]: () => Promise<T[K]> | T[K] }): Promise<T> {
  const problems: FieldError[] = [];
  const results: unknown[] = [];
  for (const check of checks) {
    try {
      results.push(await check());
    } catch (err) {
      if (!(err instanceof ValidationError) || !err.errors) throw err;
      problems.push(...err.errors);
    }
  }
  if (problems.length) throw new ValidationError(problems);
  return results as T;
}

const assertFuture = (dueAt: Date) => {
  if (dueAt <= caseClock.now()) throw new ValidationError([fieldProblem('dueAt', 'DUE_PAST')]);
};

export function registerCaseRoutes(api: Api, { db, bus, vault }: AppContext) {
  const idParams = z.strictObject({ id: z.string().uuid() });
  const announce = async (caseId: string) => {
    const summary = await loadSummary(db, caseId);
    const change: CaseChange = { event: 'case:updated', case: summary };
    bus.emit('case', change);
    return summary;
  };
  const audit = (tx: Queryable, user: AuthUser, action: string, caseId: string, requestId: string, details: Record<string, unknown> = {}) =>
    recordAudit(tx, { actor: user, action, subjectType: 'case', subjectId: caseId, requestId, details });
  const assertOpen = (c: CaseRow) => {
    if (c.status === 'closed') throw closedAlready(c);
  };

  api.route({
    method: 'post',
    path: '/api/cases',
    tag: 'Cases',
    summary: 'Open a key case (重点案件) from alerts you can see, with a named owner and a due time; its reference is <province>-<year>-<sequence>',
    access: { roles: CASE_ROLES },
    body: z.strictObject({
      title: z.string().trim().min(1).max(200),
      alertIds: z.array(z.string().uuid()).max(100).default([]),
      ownerUsername: z.string().trim().min(1).max(64),
      dueAt: z.iso.datetime({ offset: true }),
      priority: z.enum(CASE_PRIORITIES).default('normal'),
      jurisdiction: jurisdictionCode.optional().meta({ description: 'The owning jurisdiction: yours by default; an administrator must name one' }),
    }),
    responses: {
      201: { description: 'The case', schema: caseSummarySchema },
      422: { description: 'ownerUsername OWNER_INVALID, dueAt DUE_PAST, alertIds.<i> ALERT_NOT_FOUND, jurisdiction JURISDICTION_REQUIRED or JURISDICTION_OUTSIDE' },
    },
    handler: async ({ body, user, req }) => {
      const jurisdiction = body.jurisdiction ?? user.jurisdiction;
      if (!jurisdiction) throw new ValidationError([fieldProblem('jurisdiction', 'JURISDICTION_REQUIRED')]);
      if (!covers(user, jurisdiction)) throw new ValidationError([fieldProblem('jurisdiction', 'JURISDICTION_OUTSIDE', { jurisdiction, own: user.jurisdiction ?? '' })]);
      const dueAt = new Date(body.dueAt);
      const id = await db.transaction(async (tx) => {
        const [owner, , links] = await allChecks(
          () => ownerFor(tx, body.ownerUsername, jurisdiction),
          () => assertFuture(dueAt),
          () => resolveLinks(tx, user, { alertIds: body.alertIds }),
        );
        const reference = await allocateReference(tx, jurisdiction, caseClock.now());
        const [row] = await tx
          .insert(cases)
          .values({ reference, title: body.title, jurisdiction, priority: body.priority, ownerId: owner.id, ownerName: owner.username, dueAt, openedById: user.id, openedByName: user.username })
          .returning();
        await addLinks(tx, row!.id, links);
        const data = { reference, title: body.title, jurisdiction, owner: owner.username, dueAt: dueAt.toISOString(), priority: body.priority, alertIds: links.alertIds };
        await recordCaseEvent(tx, row!.id, 'open', user, data);
        await audit(tx, user, 'case.open', row!.id, String(req.id), data);
        return row!.id;
      });
      return { status: 201, body: await announce(id) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/cases',
    tag: 'Cases',
    summary: 'Cases of your jurisdiction and those shared with it, most recently changed first',
    access: { roles: CASE_ROLES },
    query: z.object({
      status: z.enum(['open', 'closed']).optional(),
      overdue: z.enum(['true', 'false']).optional().meta({ description: 'true: open and past due' }),
      q: z.string().trim().max(100).optional().meta({ description: 'In the title or reference' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of cases', schema: z.object({ cases: z.array(caseSummarySchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const now = caseClock.now();
      const overdue = sql`(${cases.status} = 'open' and ${cases.dueAt} < ${now.toISOString()}::timestamptz)`;
      const rows = await db
        .select({ c: cases, ...summaryColumns })
        .from(cases)
        .where(
          and(
            caseScope(user),
            query.status ? eq(cases.status, query.status) : undefined,
            query.overdue === 'true' ? overdue : query.overdue === 'false' ? sql`not ${overdue}` : undefined,
            query.q ? or(ilike(cases.title, `%${query.q.replace(/[\\%_]/g, '\\$&')}%`), ilike(cases.reference, `%${query.q.replace(/[\\%_]/g, '\\$&')}%`)) : undefined,
            cursor ? or(lt(cases.updatedAt, cursor.at), and(eq(cases.updatedAt, cursor.at), lt(cases.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(cases.updatedAt), desc(cases.id))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (r) => ({ at: r.c.updatedAt, id: r.c.id }));
      return { status: 200, body: { cases: page.map((r) => presentSummary({ ...r.c, sharedWith: r.sharedWith, alertCount: r.alertCount, parcelCount: r.parcelCount }, now)), nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/cases/counts',
    tag: 'Cases',
    summary: 'Open and overdue cases in your scope',
    access: { roles: CASE_ROLES },
    responses: { 200: { description: 'Counts', schema: z.object({ open: z.number().int(), overdue: z.number().int() }).meta({ id: 'CaseCounts' }) } },
    handler: async ({ user }) => {
      const [counts] = await db
        .select({
          open: sql<number>`count(*)::int`,
          overdue: sql<number>`(count(*) filter (where ${cases.dueAt} < ${caseClock.now().toISOString()}::timestamptz))::int`,
        })
        .from(cases)
        .where(and(caseScope(user), eq(cases.status, 'open')));
      return { status: 200, body: counts };
    },
  });

  api.route({
    method: 'get',
    path: '/api/cases/:id',
    tag: 'Cases',
    summary: 'One case with its alerts, parcels (masked; ?unmask=true opens those of your own jurisdiction, audited), suspect-list entries, notes, history and shares',
    access: { roles: CASE_ROLES },
    params: idParams,
    query: z.object({ unmask: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    responses: { 200: { description: 'The case', schema: caseDetailSchema }, 404: { description: 'No such case in your scope' } },
    handler: async ({ params, query, user, req }) => {
      if (query.unmask) assertMayUnmask(user);
      const [row] = await db.select({ c: cases, ...summaryColumns }).from(cases).where(and(eq(cases.id, params.id), caseScope(user)));
      if (!row) throw notFound();
      const c = row.c;
      const [alertList, { parcels: parcelList, unmasked }, entries, timeline, shares] = await Promise.all([
        linkedAlerts(db, c.id),
        loadCaseParcels(db, c.id, user, query.unmask ? vault : null),
        linkedWatchlistEntries(db, c.id),
        caseTimeline(db, c.id),
        db.select().from(caseShares).where(eq(caseShares.caseId, c.id)).orderBy(caseShares.sharedAt),
      ]);
      // Like every masked read: names and addresses show even masked, so the read is audited (pii.read / pii.unmask).
      if (parcelList.length) {
        await recordAudit(db, {
          actor: user,
          action: unmasked.length ? 'pii.unmask' : 'pii.read',
          subjectType: 'case',
          subjectId: c.id,
          requestId: String(req.id),
          details: unmasked.length
            ? { fields: ['sender.idNumber', 'sender.phone'], waybills: unmasked, parcels: parcelList.length, masked: parcelList.length - unmasked.length }
            : { parcels: parcelList.length, masked: parcelList.length },
        });
      }
      const body = {
        ...presentSummary({ ...c, sharedWith: row.sharedWith, alertCount: row.alertCount, parcelCount: row.parcelCount }),
        alerts: alertList,
        parcels: parcelList,
        watchlistEntries: entries,
        notes: timeline.notes,
        history: timeline.history,
        shares: shares.map((s) => ({ jurisdiction: s.jurisdiction, note: s.note, sharedAt: s.sharedAt.toISOString() })),
        ...(c.outcomeNote ? { outcomeNote: c.outcomeNote } : {}),
        mayWork: c.status === 'open',
        mayManage: c.status === 'open' && covers(user, c.jurisdiction),
      };
      return { status: 200, body };
    },
  });

  api.route({
    method: 'post',
    path: '/api/cases/:id/notes',
    tag: 'Cases',
    summary: 'Add a note to an open case you see (owning or shared jurisdiction)',
    access: { roles: CASE_ROLES },
    params: idParams,
    body: z.strictObject({ text: z.string().trim().min(1).max(MAX_CASE_NOTE) }),
    fieldCodes: { text: { REQUIRED: 'NOTE_REQUIRED', TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_INVALID' } },
    responses: {
      201: { description: 'The note', schema: z.object({ id: z.string(), text: z.string(), by: z.string(), byRole: z.string(), byJurisdiction: z.string().nullable(), at: z.string() }) },
      404: { description: 'No such case in your scope' },
      409: { description: 'CASE_CLOSED' },
    },
    handler: async ({ params, body, user, req }) => {
      const event = await db.transaction(async (tx) => {
        const c = await caseForUpdate(tx, params.id, user);
        assertOpen(c);
        const e = await recordCaseEvent(tx, c.id, 'note', user, { text: body.text });
        await audit(tx, user, 'case.note', c.id, String(req.id), { eventId: e.id, length: body.text.length });
        return e;
      });
      await announce(params.id);
      return { status: 201, body: { id: event.id, text: body.text, by: event.actorName, byRole: event.actorRole, byJurisdiction: event.actorJurisdiction, at: event.at.toISOString() } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/cases/:id/links',
    tag: 'Cases',
    summary: 'Link more alerts, parcels (by waybill) and suspect-list entries you can see to an open case',
    access: { roles: CASE_ROLES },
    params: idParams,
    body: z.strictObject(linksBody),
    responses: {
      200: { description: 'The case', schema: caseSummarySchema },
      404: { description: 'No such case in your scope' },
      409: { description: 'CASE_CLOSED' },
      422: { description: 'alertIds.<i> ALERT_NOT_FOUND, waybillNos.<i> PARCEL_NOT_FOUND, watchlistEntryIds.<i> WATCHLIST_ENTRY_NOT_FOUND' },
    },
    handler: async ({ params, body, user, req }) => {
      const changed = await db.transaction(async (tx) => {
        const c = await caseForUpdate(tx, params.id, user);
        assertOpen(c);
        const added = await addLinks(tx, c.id, await resolveLinks(tx, user, body));
        if (!added) return false;
        await recordCaseEvent(tx, c.id, 'link', user, added);
        await audit(tx, user, 'case.link', c.id, String(req.id), added);
        return true;
      });
      return { status: 200, body: changed ? await announce(params.id) : await loadSummary(db, params.id) };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/cases/:id',
    tag: 'Cases',
    summary: 'Change the owner, due time, priority or title of an open case (its jurisdiction or an admin)',
    access: { roles: CASE_ROLES },
    params: idParams,
    body: z
      .strictObject({
        ownerUsername: z.string().trim().min(1).max(64).optional(),
        dueAt: z.iso.datetime({ offset: true }).optional(),
        priority: z.enum(CASE_PRIORITIES).optional(),
        title: z.string().trim().min(1).max(200).optional(),
      })
      .refine((b) => Object.keys(b).length > 0, { message: 'Change at least one of ownerUsername, dueAt, priority, title' }),
    responses: {
      200: { description: 'The case', schema: caseSummarySchema },
      403: { description: 'CASE_NOT_OWNED: a shared jurisdiction works the case but does not manage it' },
      404: { description: 'No such case in your scope' },
      409: { description: 'CASE_CLOSED' },
      422: { description: 'ownerUsername OWNER_INVALID, dueAt DUE_PAST' },
    },
    handler: async ({ params, body, user, req }) => {
      const changed = await db.transaction(async (tx) => {
        const c = await caseForUpdate(tx, params.id, user);
        assertMayManage(user, c);
        assertOpen(c);
        const set: Partial<typeof cases.$inferInsert> = {};
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (body.ownerUsername !== undefined && body.ownerUsername !== c.ownerName) {
          const owner = await ownerFor(tx, body.ownerUsername, c.jurisdiction);
          set.ownerId = owner.id;
          set.ownerName = owner.username;
          changes.owner = { from: c.ownerName, to: owner.username };
        }
        if (body.dueAt !== undefined && new Date(body.dueAt).getTime() !== c.dueAt.getTime()) {
          const dueAt = new Date(body.dueAt);
          assertFuture(dueAt);
          set.dueAt = dueAt;
          changes.dueAt = { from: c.dueAt.toISOString(), to: dueAt.toISOString() };
        }
        if (body.priority !== undefined && body.priority !== c.priority) {
          set.priority = body.priority;
          changes.priority = { from: c.priority, to: body.priority };
        }
        if (body.title !== undefined && body.title !== c.title) {
          set.title = body.title;
          changes.title = { from: c.title, to: body.title };
        }
        if (!Object.keys(changes).length) return false;
        await tx.update(cases).set(set).where(eq(cases.id, c.id));
        await recordCaseEvent(tx, c.id, 'update', user, { changes });
        await audit(tx, user, 'case.update', c.id, String(req.id), { changes });
        return true;
      });
      return { status: 200, body: changed ? await announce(params.id) : await loadSummary(db, params.id) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/cases/:id/close',
    tag: 'Cases',
    summary: 'Close a case with its outcome and a note (its jurisdiction or an admin)',
    access: { roles: CASE_ROLES },
    params: idParams,
    body: z.strictObject({ outcome: z.enum(CASE_OUTCOMES), note: z.string().trim().min(1).max(MAX_CASE_NOTE) }),
    fieldCodes: { outcome: { REQUIRED: 'OUTCOME_REQUIRED', '*': 'OUTCOME_UNKNOWN' }, note: { REQUIRED: 'NOTE_REQUIRED', TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_REQUIRED' } },
    responses: {
      200: { description: 'The closed case', schema: caseSummarySchema },
      403: { description: 'CASE_NOT_OWNED' },
      404: { description: 'No such case in your scope' },
      409: { description: 'CASE_CLOSED: closed already' },
    },
    handler: async ({ params, body, user, req }) => {
      await db.transaction(async (tx) => {
        const c = await caseForUpdate(tx, params.id, user);
        assertMayManage(user, c);
        assertOpen(c);
        await tx.update(cases).set({ status: 'closed', outcome: body.outcome, outcomeNote: body.note, closedAt: sql`clock_timestamp()` }).where(eq(cases.id, c.id));
        await recordCaseEvent(tx, c.id, 'close', user, { outcome: body.outcome, note: body.note });
        await audit(tx, user, 'case.close', c.id, String(req.id), { outcome: body.outcome, note: body.note });
      });
      return { status: 200, body: await announce(params.id) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/cases/:id/share',
    tag: 'Cases',
    summary: 'Share an open case with another jurisdiction (区域协作): its regulators and customs officers then see and work it',
    access: { roles: CASE_ROLES },
    params: idParams,
    body: z.strictObject({ jurisdiction: jurisdictionCode, note: z.string().trim().min(1).max(MAX_CASE_NOTE) }),
    fieldCodes: { note: { REQUIRED: 'NOTE_REQUIRED', TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_REQUIRED' } },
    responses: {
      200: { description: 'The case', schema: caseSummarySchema },
      403: { description: 'CASE_NOT_OWNED' },
      404: { description: 'No such case in your scope' },
      409: { description: 'CASE_CLOSED; CASE_ALREADY_SHARED' },
      422: { description: 'jurisdiction SHARE_OWN: it owns the case already' },
    },
    handler: async ({ params, body, user, req }) => {
      await db.transaction(async (tx) => {
        const c = await caseForUpdate(tx, params.id, user);
        assertMayManage(user, c);
        assertOpen(c);
        if (body.jurisdiction.startsWith(c.jurisdiction)) {
          throw new ValidationError([fieldProblem('jurisdiction', 'SHARE_OWN', { reference: c.reference, jurisdiction: c.jurisdiction })]);
        }
        const [added] = await tx.insert(caseShares).values({ caseId: c.id, jurisdiction: body.jurisdiction, note: body.note, sharedById: user.id }).onConflictDoNothing().returning();
        if (!added) throw withMessage(new ConflictError('', 'CASE_ALREADY_SHARED'), bilingual('CASE_ALREADY_SHARED', { reference: c.reference, jurisdiction: body.jurisdiction }));
        await recordCaseEvent(tx, c.id, 'share', user, { jurisdiction: body.jurisdiction, note: body.note });
        await audit(tx, user, 'case.share', c.id, String(req.id), { jurisdiction: body.jurisdiction, note: body.note });
      });
      return { status: 200, body: await announce(params.id) };
    },
  });
}
