// The holds table and its one decision: reading within the caller's scope, shaping the Hold the API and the
// sockets speak, and recording a release or a refusal in one transaction.
import { and, asc, desc, eq, gt, isNotNull, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { holdDecisions, holds, parcels, type HOLD_DISPOSITIONS, type Reason } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/database.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { ConflictError, ForbiddenError, NotFoundError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { PARCEL_STATUS_LABELS, statusWords } from '../reports/labels.js';
import type { HoldPolicy } from '../config.js';
import { dueAtFor, mayDecideHold, mayViewHold } from './deciders.js';

export const HOLD_MESSAGES = defineMessages({
  HOLD_NOT_FOUND: { en: 'No parcel {waybillNo} in your area.', zh: '您的辖区内没有运单 {waybillNo}。' },
  NOT_HELD: { en: 'Parcel {waybillNo} is not held ({statusEn}): there is nothing to release or refuse.', zh: '运单 {waybillNo} 未被暂扣（{statusZh}），无需放行或退回。' },
  HOLD_ALREADY_DECIDED: { en: 'The hold on {waybillNo} was already decided ({statusEn}); a hold is decided once.', zh: '运单 {waybillNo} 的暂扣已处理（{statusZh}），每件暂扣只能处理一次。' },
  HOLD_NOT_YOURS: {
    en: 'You may not decide the hold on {waybillNo}: its reasons ({reasons}) are for another role.',
    zh: '您无权处理运单 {waybillNo} 的暂扣：其原因（{reasons}）应由其他角色处理。',
  },
});

export type Disposition = (typeof HOLD_DISPOSITIONS)[number];
export type HoldAction = 'release' | 'refuse';

export type HoldRow = {
  hold: typeof holds.$inferSelect;
  parcelReasons: Reason[];
  decision: typeof holdDecisions.$inferSelect | null;
};

export type Hold = ReturnType<typeof presentHold>;

/** The Hold of the contract. `mayDecide` is for whoever it is shown to. */
export function presentHold({ hold: h, parcelReasons, decision: d }: HoldRow, mayDecide: boolean, now = new Date()) {
  const reasons = h.reasons.map((code) => {
    const r = parcelReasons.find((p) => p.code === code);
    return { code, message: r?.message ?? code, messageZh: r?.messageZh ?? r?.message ?? code };
  });
  return {
    waybillNo: h.waybillNo,
    parcelId: h.parcelId,
    outletId: h.outletId,
    reasons,
    crossBorder: h.crossBorder,
    heldAt: h.heldAt.toISOString(),
    dueAt: h.dueAt.toISOString(),
    status: h.status,
    overdue: h.status === 'pending' && (h.overdueAt !== null || h.dueAt.getTime() <= now.getTime()),
    ...(h.overdueAt ? { overdueAt: h.overdueAt.toISOString() } : {}),
    mayDecide: mayDecide && h.status === 'pending',
    ...(d
      ? {
          decision: presentDecision(d),
        }
      : {}),
  };
}

/** The SQL form of mayViewHold. */
export function holdScope(user: AuthUser): SQL | undefined {
  switch (user.role) {
    case 'admin':
      return undefined;
    case 'courier':
    case 'outlet_supervisor':
      return eq(holds.outletId, user.outletId ?? '\u0000');
    case 'postal_regulator':
      return like(holds.regionCode, `${user.jurisdiction ?? '\u0000'}%`);
    case 'customs_officer':
      return and(eq(holds.crossBorder, true), like(holds.regionCode, `${user.jurisdiction ?? '\u0000'}%`));
    default:
      return sql`false`;
  }
}

const selectHoldRows = (db: Queryable) =>
  db
    .select({ hold: holds, parcelReasons: parcels.reasons, decision: holdDecisions })
    .from(holds)
    .innerJoin(parcels, eq(parcels.id, holds.parcelId))
    .leftJoin(holdDecisions, eq(holdDecisions.parcelId, holds.parcelId));

export async function loadHold(db: Queryable, parcelId: string): Promise<HoldRow | undefined> {
  const [row] = await selectHoldRows(db).where(eq(holds.parcelId, parcelId));
  return row;
}

export type HoldFilters = {
  status?: 'pending' | 'decided';
  reason?: string;
  outletId?: string;
  overdue?: boolean;
  limit: number;
  cursor?: string;
};

/**
 * Pending holds come most urgent first (by due time); decided ones newest decision first; with no status,
 * newest hold first. The cursor is the (time, parcel id) of the sort key.
 */
export async function listHolds(db: Queryable, user: AuthUser, f: HoldFilters, now: Date) {
  const order = f.status === 'pending' ? 'due' : f.status === 'decided' ? 'decided' : 'held';
  const key = order === 'due' ? holds.dueAt : order === 'decided' ? holds.decidedAt : holds.heldAt;
  const conditions: (SQL | undefined)[] = [holdScope(user)];
  if (f.status === 'pending') conditions.push(eq(holds.status, 'pending'));
  if (f.status === 'decided') conditions.push(sql`${holds.status} <> 'pending'`);
  if (f.reason) conditions.push(sql`${f.reason} = any(${holds.reasons})`);
  if (f.outletId) conditions.push(eq(holds.outletId, f.outletId));
  if (f.overdue) conditions.push(eq(holds.status, 'pending'), overdueAt(now));
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    conditions.push(
      order === 'due'
        ? or(gt(key, c.at), and(eq(key, c.at), gt(holds.parcelId, c.id)))
        : or(lt(key, c.at), and(eq(key, c.at), lt(holds.parcelId, c.id))),
    );
  }
  const rows = await selectHoldRows(db)
    .where(and(...conditions))
    .orderBy(...(order === 'due' ? [asc(key), asc(holds.parcelId)] : [desc(key), desc(holds.parcelId)]))
    .limit(f.limit + 1);
  const { page, nextCursor } = pageOf(rows, f.limit, (r) => ({
    at: (order === 'due' ? r.hold.dueAt : order === 'decided' ? r.hold.decidedAt! : r.hold.heldAt),
    id: r.hold.parcelId,
  }));
  return { holds: page.map((r) => presentHold(r, mayDecideHold(user, r.hold), now)), nextCursor };
}

/** Overdue: escalated already, or past its due time (the escalation job may not have run yet). Pending only. */
const overdueAt = (now: Date) => or(isNotNull(holds.overdueAt), lte(holds.dueAt, now))!;

/** Pending and overdue (pending past due) holds in the caller's scope. */
export async function countHolds(db: Queryable, user: AuthUser, now: Date) {
  const [row] = await db
    .select({
      pending: sql<number>`count(*)::int`,
      overdue: sql<number>`(count(*) filter (where ${overdueAt(now)}))::int`,
    })
    .from(holds)
    .where(and(holdScope(user), eq(holds.status, 'pending')));
  return { pending: row?.pending ?? 0, overdue: row?.overdue ?? 0 };
}

export type Decision = { action: HoldAction; note: string; disposition?: Disposition };

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (err: unknown): boolean => {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === UNIQUE_VIOLATION) return true;
  }
  return false;
};

const alreadyDecided = (waybillNo: string, status: string) =>
  withMessage(new ConflictError('', 'HOLD_ALREADY_DECIDED'), bilingual('HOLD_ALREADY_DECIDED', { waybillNo, ...statusWords(PARCEL_STATUS_LABELS, status) }));

/**
 * Releases or refuses a held parcel: the decision row (one per hold: a second, even a concurrent one, is a
 * 409), the hold's status, the parcel's status and the audit row, in one transaction. Returns the hold as
 * decided; the caller announces it once committed.
 */
export async function decideHold(db: Db, user: AuthUser, waybillNo: string, decision: Decision, requestId: string): Promise<HoldRow> {
  try {
    return await db.transaction(async (tx) => {
      const [parcel] = await tx
        .select({ id: parcels.id, outletId: parcels.outletId, regionCode: parcels.regionCode, crossBorder: parcels.crossBorder, status: parcels.status })
        .from(parcels)
        .where(eq(parcels.waybillNo, waybillNo));
      if (!parcel || !mayViewHold(user, { ...parcel, reasons: [] })) {
        throw withMessage(new NotFoundError('', 'PARCEL_NOT_FOUND'), bilingual('HOLD_NOT_FOUND', { waybillNo }));
      }
      // Locks the hold: a concurrent decision waits here, then finds it decided.
      const [hold] = await tx.select().from(holds).where(eq(holds.parcelId, parcel.id)).for('update');
      if (!hold) throw withMessage(new ConflictError('', 'NOT_HELD'), bilingual('NOT_HELD', { waybillNo, ...statusWords(PARCEL_STATUS_LABELS, parcel.status) }));
      if (hold.status !== 'pending') throw alreadyDecided(waybillNo, hold.status);
      if (!mayDecideHold(user, hold)) {
        throw withMessage(new ForbiddenError('', 'HOLD_NOT_YOURS'), bilingual('HOLD_NOT_YOURS', { waybillNo, reasons: hold.reasons.join(', ') }));
      }
      const status = decision.action === 'release' ? 'released' : 'refused';
      const [decided] = await tx
        .insert(holdDecisions)
        .values({
          parcelId: hold.parcelId,
          action: decision.action,
          disposition: decision.action === 'refuse' ? decision.disposition! : null,
          note: decision.note,
          byUserId: user.id,
          byName: user.username,
          byRole: user.role,
          byJurisdiction: user.jurisdiction ?? user.outletId,
        })
        .returning();
      await tx.update(holds).set({ status, decidedAt: decided!.at }).where(eq(holds.parcelId, hold.parcelId));
      await tx.update(parcels).set({ status }).where(eq(parcels.id, hold.parcelId));
      await recordAudit(tx, {
        actor: user,
        action: `hold.${decision.action}`,
        subjectType: 'parcel',
        subjectId: waybillNo,
        requestId,
        details: { reasons: hold.reasons, ...(decision.disposition && decision.action === 'refuse' ? { disposition: decision.disposition } : {}) },
      });
      return (await loadHold(tx, hold.parcelId))!;
    });
  } catch (err) {
    // The unique index on hold_decisions(parcel_id): two decisions that slipped past each other.
    if (isUniqueViolation(err)) throw alreadyDecided(waybillNo, 'decided');
    throw err;
  }
}

/**
 * A hold opened after intake (an intercepted parcel, server/interception/): the hold row, the parcel's status `held`
 * and its reason appended to the parcel's reasons, in the caller's transaction. The caller announces it (hold:new)
 * once committed.
 */
export async function openHold(
  tx: Queryable,
  p: { parcelId: string; waybillNo: string; outletId: string; regionCode: string; crossBorder: boolean },
  reason: Reason,
  heldAt: Date,
  policy: HoldPolicy,
): Promise<HoldRow> {
  await tx
    .insert(holds)
    .values({ ...p, reasons: [reason.code], heldAt, dueAt: dueAtFor([reason.code], heldAt, policy) });
  await tx
    .update(parcels)
    .set({ status: 'held', reasons: sql`${parcels.reasons} || ${JSON.stringify([reason])}::jsonb` })
    .where(eq(parcels.id, p.parcelId));
  return (await loadHold(tx, p.parcelId))!;
}

/** Decisions on a parcel, for its record (one at most today; a list so a reopened hold could add more). */
export async function decisionsOf(db: Queryable, parcelId: string) {
  const rows = await db.select().from(holdDecisions).where(eq(holdDecisions.parcelId, parcelId)).orderBy(asc(holdDecisions.at));
  return rows.map(presentDecision);
}

/** A decision as the API shows it, on a hold and in a parcel's record. */
function presentDecision(d: typeof holdDecisions.$inferSelect) {
  return {
    action: d.action,
    by: d.byName,
    byRole: d.byRole,
    at: d.at.toISOString(),
    note: d.note,
    ...(d.disposition ? { disposition: d.disposition } : {}),
  };
}
