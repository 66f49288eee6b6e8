// Key cases (重点案件督办): who sees one, how one is shown, its reference, its timeline. The routes are in router.ts.
import { and, asc, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { alerts, caseEvents, caseLinks, cases, caseShares, CASE_OUTCOMES, CASE_PRIORITIES, watchlistEntries } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { ForbiddenError, NotFoundError, withMessage, ConflictError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';

export type CaseRow = typeof cases.$inferSelect;

/** Overdue is computed against this clock; tests replace `now` (no real waits). */
export const caseClock = { now: (): Date => new Date() };

defineMessages({
  CASE_NOT_FOUND: { en: 'No such case in your jurisdiction.', zh: '您的辖区内没有该案件。' },
  CASE_CLOSED: { en: 'Case {reference} was closed ({outcome}) at {closedAt}; it can no longer be changed.', zh: '案件 {reference} 已于 {closedAt} 办结（{outcome}），不能再修改。' },
  CASE_NOT_OWNED: {
    en: 'Case {reference} belongs to jurisdiction {jurisdiction}: its officers change the owner, due time and priority, share and close it. You can add notes and links.',
    zh: '案件 {reference} 归属辖区 {jurisdiction}，由该辖区人员变更负责人、期限和优先级、协作共享及办结。您可以添加备注和关联。',
  },
  CASE_OWNER_INVALID: {
    en: '{username} cannot own this case: the owner must be an active postal regulator or customs officer whose jurisdiction covers {jurisdiction}, or an administrator.',
    zh: '{username} 不能负责此案件：负责人须为辖区覆盖 {jurisdiction} 的在职邮政管理或海关人员，或系统管理员。',
  },
  CASE_DUE_PAST: { en: 'The due time must be in the future.', zh: '办结期限必须晚于当前时间。' },
  CASE_ALERT_NOT_FOUND: { en: 'No alert {id} in your jurisdiction.', zh: '您的辖区内没有预警 {id}。' },
  CASE_PARCEL_NOT_FOUND: { en: 'No parcel {waybillNo} in your jurisdiction.', zh: '您的辖区内没有邮件 {waybillNo}。' },
  CASE_WATCHLIST_ENTRY_NOT_FOUND: { en: 'No suspect-list entry {id}.', zh: '没有重点名单条目 {id}。' },
  CASE_JURISDICTION_REQUIRED: { en: 'Name the jurisdiction that owns the case (an administrator has none of their own).', zh: '请指定案件归属辖区（系统管理员没有所属辖区）。' },
  CASE_JURISDICTION_OUTSIDE: { en: 'Jurisdiction {jurisdiction} is outside yours ({own}).', zh: '辖区 {jurisdiction} 不在您的辖区（{own}）内。' },
  CASE_SHARE_OWN: { en: 'Case {reference} already belongs to {jurisdiction}: share it with another jurisdiction.', zh: '案件 {reference} 已归属 {jurisdiction}，请共享给其他辖区。' },
  CASE_ALREADY_SHARED: { en: 'Case {reference} is shared with {jurisdiction} already.', zh: '案件 {reference} 已与 {jurisdiction} 共享。' },
});

/** A field problem with both languages, for ValidationError. */
export const fieldProblem = (path: string, code: string, params: Record<string, string> = {}) => ({ path, code, ...bilingual(`CASE_${code}`, params) });

export const notFound = () => withMessage(new NotFoundError('', 'CASE_NOT_FOUND'), bilingual('CASE_NOT_FOUND'));

export const closedAlready = (c: CaseRow) =>
  withMessage(new ConflictError('', 'CASE_CLOSED'), bilingual('CASE_CLOSED', { reference: c.reference, outcome: c.outcome ?? '', closedAt: c.closedAt?.toISOString() ?? '' }));

/** A jurisdiction code lies inside a user's area (admins: everywhere). */
export const covers = (user: AuthUser, jurisdiction: string) => user.role === 'admin' || (user.jurisdiction !== null && jurisdiction.startsWith(user.jurisdiction));

/** Cases a user sees: of their jurisdiction (or inside it), or shared with it (区域协作). */
export function caseScope(user: AuthUser): SQL | undefined {
  if (user.role === 'admin') return undefined;
  const j = `${user.jurisdiction ?? '\u0000'}%`;
  return sql`(${like(cases.jurisdiction, j)} or exists (select 1 from ${caseShares} cs where cs.case_id = ${cases.id} and cs.jurisdiction like ${j}))`;
}

/** The owning jurisdiction's officers and admins manage a case (owner, due, priority, share, close); shares work it. */
export function assertMayManage(user: AuthUser, c: CaseRow) {
  if (!covers(user, c.jurisdiction)) {
    throw withMessage(new ForbiddenError('', 'CASE_NOT_OWNED'), bilingual('CASE_NOT_OWNED', { reference: c.reference, jurisdiction: c.jurisdiction }));
  }
}

/** Beijing time's year: a case opened on 1 January at 02:00 in Guangzhou is of the new year. */
export const referenceYear = (at: Date) => new Date(at.getTime() + 8 * 3600_000).getUTCFullYear();

/**
 * `<province>-<year>-<sequence>`: the next number of the province's year, under a transaction-scoped advisory lock
 * on that (province, year), so two openings at once never take the same number (the unique index would refuse it).
 */
export async function allocateReference(tx: Queryable, jurisdiction: string, at: Date): Promise<string> {
  const prefix = `${jurisdiction.slice(0, 2)}-${referenceYear(at)}-`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`case-reference:${prefix}`}))`);
  const [row] = await tx
    .select({ last: sql<number | null>`max(split_part(${cases.reference}, '-', 3)::int)` })
    .from(cases)
    .where(like(cases.reference, `${prefix}%`));
  return `${prefix}${String((row?.last ?? 0) + 1).padStart(4, '0')}`;
}

export type Actor = Pick<AuthUser, 'id' | 'username' | 'role' | 'jurisdiction'>;

/** One timeline row per change; the case's updatedAt moves with it. */
export async function recordCaseEvent(tx: Queryable, caseId: string, kind: string, actor: Actor, data: Record<string, unknown> = {}) {
  const [row] = await tx
    .insert(caseEvents)
    .values({ caseId, kind, data, actorId: actor.id, actorName: actor.username, actorRole: actor.role, actorJurisdiction: actor.jurisdiction, at: sql`clock_timestamp()` })
    .returning();
  await tx.update(cases).set({ updatedAt: sql`clock_timestamp()` }).where(eq(cases.id, caseId));
  return row!;
}

export const caseSummarySchema = z
  .object({
    id: z.string().uuid(),
    reference: z.string(),
    title: z.string(),
    jurisdiction: z.string(),
    sharedWith: z.array(z.string()),
    priority: z.enum(CASE_PRIORITIES),
    status: z.enum(['open', 'closed']),
    owner: z.object({ username: z.string() }),
    dueAt: z.string(),
    openedAt: z.string(),
    openedBy: z.string(),
    closedAt: z.string().optional(),
    outcome: z.enum(CASE_OUTCOMES).optional(),
    /** Open and past its due time. */
    overdue: z.boolean(),
    updatedAt: z.string(),
    alertCount: z.number().int(),
    /** Parcels linked, directly or through its alerts. */
    parcelCount: z.number().int(),
  })
  .meta({ id: 'CaseSummary' });
export type CaseSummary = z.output<typeof caseSummarySchema>;

/** The distinct parcels of a case: linked directly, or behind one of its alerts. */
export const caseParcelIds = (caseId: SQL | string) => sql`(
  select cl.ref_id from ${caseLinks} cl where cl.case_id = ${caseId} and cl.kind = 'parcel'
  union
  select ap.parcel_id from ${caseLinks} cl join alert_parcels ap on ap.alert_id = cl.ref_id where cl.case_id = ${caseId} and cl.kind = 'alert')`;

/** The columns a summary needs besides the row. */
export const summaryColumns = {
  sharedWith: sql<string[]>`coalesce((select array_agg(cs.jurisdiction order by cs.shared_at) from ${caseShares} cs where cs.case_id = "cases"."id"), '{}')`,
  alertCount: sql<number>`(select count(*) from ${caseLinks} cl where cl.case_id = "cases"."id" and cl.kind = 'alert')::int`,
  parcelCount: sql<number>`(select count(*) from ${caseParcelIds(sql`"cases"."id"`)} p)::int`,
};

export function presentSummary(c: CaseRow & { sharedWith: string[]; alertCount: number; parcelCount: number }, now = caseClock.now()): CaseSummary {
  return {
    id: c.id,
    reference: c.reference,
    title: c.title,
    jurisdiction: c.jurisdiction,
    sharedWith: c.sharedWith,
    priority: c.priority,
    status: c.status,
    owner: { username: c.ownerName },
    dueAt: c.dueAt.toISOString(),
    openedAt: c.openedAt.toISOString(),
    openedBy: c.openedByName,
    ...(c.closedAt ? { closedAt: c.closedAt.toISOString() } : {}),
    ...(c.outcome ? { outcome: c.outcome } : {}),
    overdue: c.status === 'open' && c.dueAt < now,
    updatedAt: c.updatedAt.toISOString(),
    alertCount: c.alertCount,
    parcelCount: c.parcelCount,
  };
}

export async function loadSummary(db: Queryable, id: string): Promise<CaseSummary> {
  const [row] = await db.select({ c: cases, ...summaryColumns }).from(cases).where(eq(cases.id, id));
  return presentSummary({ ...row!.c, sharedWith: row!.sharedWith, alertCount: row!.alertCount, parcelCount: row!.parcelCount });
}

/** The case in the caller's scope, locked for a change; 404 when out of scope (as missing). */
export async function caseForUpdate(tx: Queryable, id: string, user: AuthUser): Promise<CaseRow> {
  const [row] = await tx.select().from(cases).where(and(eq(cases.id, id), caseScope(user))).for('update');
  if (!row) throw notFound();
  return row;
}

export async function linkedAlerts(db: Queryable, caseId: string) {
  return db
    .select({ id: alerts.id, type: alerts.type, severity: alerts.severity, status: alerts.status, summary: alerts.summary, summaryZh: sql<string>`coalesce(${alerts.summaryZh}, ${alerts.summary})`, parcelCount: alerts.parcelCount })
    .from(caseLinks)
    .innerJoin(alerts, eq(alerts.id, caseLinks.refId))
    .where(and(eq(caseLinks.caseId, caseId), eq(caseLinks.kind, 'alert')))
    .orderBy(asc(caseLinks.addedAt), asc(alerts.id));
}

export async function linkedWatchlistEntries(db: Queryable, caseId: string) {
  const ids = db.select({ id: caseLinks.refId }).from(caseLinks).where(and(eq(caseLinks.caseId, caseId), eq(caseLinks.kind, 'watchlist_entry')));
  // The stored value is the masked form (the full one is sealed): safe to show.
  return db.select({ id: watchlistEntries.id, type: watchlistEntries.type, value: watchlistEntries.value }).from(watchlistEntries).where(inArray(watchlistEntries.id, ids));
}

export async function caseTimeline(db: Queryable, caseId: string) {
  const rows = await db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId)).orderBy(asc(caseEvents.at), asc(caseEvents.id));
  return {
    history: rows.map((e) => ({ kind: e.kind, at: e.at.toISOString(), by: e.actorName, data: e.data })),
    notes: rows
      .filter((e) => e.kind === 'note')
      .map((e) => ({ id: e.id, text: String(e.data.text ?? ''), by: e.actorName, byRole: e.actorRole, byJurisdiction: e.actorJurisdiction, at: e.at.toISOString() })),
  };
}
