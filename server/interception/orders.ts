// Interception orders (拦截件, issue 23): a parcel accepted and still in the network when an alert reaches back to it
// (the alert opens or grows with it) or a suspect-list entry listed later matches it gets one order for the outlet
// that took it in. One order per parcel however many alerts, entries or officers ask (each is a source, once); the
// outlet answers intercepted (it becomes a hold, decided like any other), not found, or already delivered.
import { and, asc, desc, eq, gt, inArray, isNotNull, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { interceptionOrders, interceptionSources, type Reason } from '../../models/schema.js';
import { coversRegion, isOutletBound, type AuthUser } from '../accounts/access.js';
import type { InterceptionPolicy, WatchlistRetroPolicy } from '../config.js';
import { queryRows, type Queryable } from '../db/database.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { ALERT_TYPE_LABELS, labelOf } from '../reports/labels.js';
import { stillInNetwork } from '../watchlist/retro.js';

export const INTERCEPTION_MESSAGES = defineMessages({
  INTERCEPT_FOR_ALERT: {
    en: 'An alert ({alertType}) was raised on its group after it was taken in: stop it in the network and report.',
    zh: '收寄后其所属群组触发预警（{alertTypeZh}）：请在寄递网络中拦截并报告。',
  },
  INTERCEPT_FOR_LIST_ENTRY: {
    en: 'A suspect-list entry listed after intake matches it — {reason}. Stop it in the network and report.',
    zh: '收寄后列入的嫌疑名单与其匹配——{reasonZh}。请在寄递网络中拦截并报告。',
  },
  INTERCEPT_MANUAL: { en: 'Ordered by {by}: {note}', zh: '{by} 下令拦截：{note}' },
  INTERCEPTED_IN_NETWORK: { en: 'Stopped in the network on an interception order ({by}): {note}', zh: '依拦截指令在寄递网络中截获（{by}）：{note}' },
});

export type InterceptionStatus = (typeof interceptionOrders.$inferSelect)['status'];
/** What the outlet answers; `withdrawn` is no answer: the order's last source was taken back (./withdraw.ts). */
export type InterceptionResult = Exclude<InterceptionStatus, 'requested' | 'withdrawn'>;
export const INTERCEPTION_RESULTS = ['intercepted', 'not_found', 'already_delivered'] as const satisfies readonly InterceptionResult[];
export type InterceptionClosed = Exclude<InterceptionStatus, 'requested'>;
export const INTERCEPTION_CLOSED = [...INTERCEPTION_RESULTS, 'withdrawn'] as const satisfies readonly InterceptionClosed[];

/** The parcel status each answer leaves (requested: intercept_requested; intercepted: held, by its hold). */
export const PARCEL_STATUS_AFTER: Record<InterceptionResult, string> = {
  intercepted: 'held',
  not_found: 'intercept_not_found',
  already_delivered: 'delivered',
};
export const PARCEL_STATUS_ORDERED = 'intercept_requested';

// The policy is the process's config (set at registration, server/interception/router.ts): raiseAlert, which orders
// for alerts, is called from many steps that carry no config of their own.
let policy: InterceptionPolicy = { dueHours: 24 };
// "Still in the network" is one rule for the whole app (server/watchlist/retro.ts stillInNetwork, with its days per
// kind of route): what a list flags as in the network is what may be ordered stopped.
let inNetwork: WatchlistRetroPolicy = { lookbackDays: 90, chunkSize: 500, jobMs: 60_000, pauseMs: 0, inNetworkDays: 7, inNetworkDaysCrossBorder: 21 };
export function useInterceptionPolicy(p: InterceptionPolicy, retro?: WatchlistRetroPolicy): void {
  policy = p;
  if (retro) inNetwork = retro;
}
export const interceptionPolicy = (): InterceptionPolicy => policy;

export type InterceptionSource = {
  /** alert:<id>, entry:<id> or manual:<userId>: a source is recorded once per order. */
  key: string;
  kind: 'alert' | 'watchlist_entry' | 'manual';
  alertId?: string | null;
  entryId?: string | null;
  by?: { id: string; username: string } | null;
  note?: string | null;
  reason: Reason;
};

type OrderRow = typeof interceptionOrders.$inferSelect;
type SourceRow = typeof interceptionSources.$inferSelect;

/** An order as the API, the sockets and the bus ('interception') show it. Staff names only: no personal data. */
export function presentOrder(o: OrderRow, sources: SourceRow[], now: Date) {
  return {
    id: o.id,
    waybillNo: o.waybillNo,
    outletId: o.outletId,
    regionCode: o.regionCode,
    crossBorder: o.crossBorder,
    status: o.status,
    orderedAt: o.orderedAt.toISOString(),
    dueAt: o.dueAt.toISOString(),
    overdue: o.status === 'requested' && (o.escalatedAt !== null || o.dueAt.getTime() <= now.getTime()),
    escalatedAt: o.escalatedAt?.toISOString() ?? null,
    sources: sources
      .filter((s) => s.orderId === o.id)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((s) => ({
        kind: s.kind,
        alertId: s.alertId,
        entryId: s.entryId,
        by: s.byName,
        note: s.note,
        reason: { code: s.reason.code, message: s.reason.message, messageZh: s.reason.messageZh ?? s.reason.message },
        at: s.at.toISOString(),
      })),
    answer:
      o.status !== 'requested' && o.answeredAt
        ? { result: o.status as InterceptionClosed, note: o.answerNote, by: o.answeredByName, byRole: o.answeredByRole, at: o.answeredAt.toISOString() }
        : null,
  };
}
export type InterceptionOrderView = ReturnType<typeof presentOrder>;

/** Orders with their sources, in the order of `rows`. */
export async function withSources(db: Queryable, rows: OrderRow[], now: Date): Promise<InterceptionOrderView[]> {
  if (!rows.length) return [];
  const sources = await db.select().from(interceptionSources).where(inArray(interceptionSources.orderId, rows.map((r) => r.id)));
  return rows.map((r) => presentOrder(r, sources, now));
}

const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/**
 * Orders the parcels that may still be stopped: taken in (accepted, never held — a held one is in the outlet's hands,
 * a released or refused one was decided), still in the network at `at` (stillInNetwork: 7 days domestic, 21 cross-border by default), not seized or returned by customs, not ordered
 * yet. Every open order among `parcelIds` (new or not) gets the source once. Returns the orders this call opened.
 * `at`: the time of the event (anyAge: an officer's order, no window), or the parcel whose intake raised it (its
 * taken-in time, on the intake's clock).
 */
export async function orderInterceptions(
  tx: Queryable,
  parcelIds: string[],
  source: InterceptionSource,
  at: { at: Date; anyAge?: boolean } | { parcelId: string },
): Promise<InterceptionOrderView[]> {
  if (!parcelIds.length) return [];
  // The event's time: the intake that raised it (the parcel's taken-in time, on the intake's clock), or the given one.
  const event = 'parcelId' in at ? sql`coalesce((select created_at from parcels where id = ${at.parcelId}::uuid), now())` : sql`${at.at.toISOString()}::timestamptz`;
  // Never ordered in the past: a seizure reaching back to a ring's older members still gives the outlet its hours.
  const when = sql`greatest(now(), ${event})`;
  // Who may be ordered: accepted (never held: a held one is in the outlet's hands) and still in the network at the
  // event, by the app's one rule. An officer's order (anyAge) is their call: no age applies, the rest does.
  const anyAge = 'anyAge' in at && !!at.anyAge;
  const candidates = await queryRows<{ id: string; verdict: string; cross_border: boolean; created_ms: number; event_ms: number; hold_status: string | null; customs_outcome: string | null }>(
    tx,
    sql`select p.id, p.verdict, p.cross_border, (extract(epoch from p.created_at) * 1000)::float8 as created_ms,
               (extract(epoch from ${event}) * 1000)::float8 as event_ms, h.status as hold_status, ci.outcome as customs_outcome
          from parcels p
          left join holds h on h.parcel_id = p.id
          left join customs_inspections ci on ci.parcel_id = p.id
         where p.id = any(${uuidArray(parcelIds)}) and p.status = 'accepted'`,
  );
  const eligible = candidates
    .filter((c) => {
      const eventAt = new Date(Number(c.event_ms));
      const createdAt = anyAge ? eventAt : new Date(Number(c.created_ms));
      return stillInNetwork({ verdict: c.verdict, holdStatus: c.hold_status, customsOutcome: c.customs_outcome, crossBorder: c.cross_border, createdAt }, eventAt, inNetwork);
    })
    .map((c) => c.id);
  const opened = await queryRows<{ id: string; parcel_id: string }>(
    tx,
    sql`insert into interception_orders (parcel_id, waybill_no, outlet_id, region_code, cross_border, status, ordered_at, due_at)
        select p.id, p.waybill_no, p.outlet_id, p.region_code, p.cross_border, 'requested', ${when}, ${when} + make_interval(hours => ${policy.dueHours})
          from parcels p
         where p.id = any(${uuidArray(eligible)}) and p.status = 'accepted'
         order by p.id
        -- A withdrawn order (its reasons all taken back) opens again for a new one.
        on conflict (parcel_id) do update
           set status = 'requested', ordered_at = excluded.ordered_at, due_at = excluded.due_at, escalated_at = null,
               answered_at = null, answered_by = null, answered_by_name = null, answered_by_role = null, answer_note = null
         where interception_orders.status = 'withdrawn'
        returning id, parcel_id`,
  );
  if (opened.length) {
    await tx.execute(sql`update parcels set status = ${PARCEL_STATUS_ORDERED} where id = any(${uuidArray(opened.map((o) => o.parcel_id))})`);
  }
  await tx.execute(
    sql`insert into interception_sources (order_id, source_key, kind, alert_id, entry_id, by_user_id, by_name, note, reason, at)
        select o.id, ${source.key}, ${source.kind}, ${source.alertId ?? null}::uuid, ${source.entryId ?? null}::uuid, ${source.by?.id ?? null}::uuid,
               ${source.by?.username ?? null}, ${source.note ?? null}, ${JSON.stringify(source.reason)}::jsonb, ${when}
          from interception_orders o
         where o.parcel_id = any(${uuidArray(parcelIds)}) and o.status = 'requested'
        on conflict do nothing`,
  );
  if (!opened.length) return [];
  const rows = await tx.select().from(interceptionOrders).where(inArray(interceptionOrders.id, opened.map((o) => o.id)));
  return withSources(tx, rows, new Date(0));
}

/**
 * raiseAlert's part: the parcels the alert just took in that were accepted before it (not the one whose intake raised
 * it — its verdict decides it). A group growing links only its new parcel, so growth orders nothing twice.
 */
export function orderForAlert(tx: Queryable, alert: { id: string; type: string }, newlyLinked: string[], raisedBy: string) {
  const ids = newlyLinked.filter((id) => id !== raisedBy);
  if (!ids.length) return Promise.resolve([]);
  return orderInterceptions(
    tx,
    ids,
    {
      key: `alert:${alert.id}`,
      kind: 'alert',
      alertId: alert.id,
      reason: { code: INTERCEPTION_MESSAGES.INTERCEPT_FOR_ALERT, ...bilingual(INTERCEPTION_MESSAGES.INTERCEPT_FOR_ALERT, {
        alertType: labelOf(ALERT_TYPE_LABELS, alert.type).en,
        alertTypeZh: labelOf(ALERT_TYPE_LABELS, alert.type).zh,
      }) },
    },
    { parcelId: raisedBy },
  );
}

/** A retro hit (server/watchlist/retro.ts): the matching past parcel, its source the entry (and the entry's alert). */
export function orderForListEntry(
  tx: Queryable,
  parcelId: string,
  hit: { entryId: string; alertId: string; reason: string; reasonZh: string },
  now: Date,
) {
  return orderInterceptions(
    tx,
    [parcelId],
    {
      key: `entry:${hit.entryId}`,
      kind: 'watchlist_entry',
      entryId: hit.entryId,
      alertId: hit.alertId,
      reason: {
        code: INTERCEPTION_MESSAGES.INTERCEPT_FOR_LIST_ENTRY,
        ...bilingual(INTERCEPTION_MESSAGES.INTERCEPT_FOR_LIST_ENTRY, { reason: hit.reason, reasonZh: hit.reasonZh }),
      },
    },
    { at: now },
  );
}

/** Who sees an order: the outlet's couriers and supervisors, officers over its region (customs: cross-border), admin. */
export function mayViewOrder(user: AuthUser, o: { outletId: string; regionCode: string; crossBorder: boolean }): boolean {
  if (user.role === 'admin') return true;
  if (isOutletBound(user.role)) return user.outletId === o.outletId;
  if (user.role === 'customs_officer') return o.crossBorder && coversRegion(user, o.regionCode);
  return user.role === 'postal_regulator' && coversRegion(user, o.regionCode);
}

/** Who answers: the outlet (couriers, incl. its service accounts, and supervisors), its regulators, admin. */
export function mayAnswerOrder(user: AuthUser, o: { outletId: string; regionCode: string; crossBorder: boolean }): boolean {
  return user.role !== 'customs_officer' && mayViewOrder(user, o);
}

/** The SQL form of mayViewOrder. */
export function orderScope(user: AuthUser): SQL | undefined {
  switch (user.role) {
    case 'admin':
      return undefined;
    case 'courier':
    case 'outlet_supervisor':
      return eq(interceptionOrders.outletId, user.outletId ?? '\u0000');
    case 'postal_regulator':
      return like(interceptionOrders.regionCode, `${user.jurisdiction ?? '\u0000'}%`);
    case 'customs_officer':
      return and(eq(interceptionOrders.crossBorder, true), like(interceptionOrders.regionCode, `${user.jurisdiction ?? '\u0000'}%`));
    default:
      return sql`false`;
  }
}

const overdueCond = (now: Date) => and(eq(interceptionOrders.status, 'requested'), or(isNotNull(interceptionOrders.escalatedAt), lte(interceptionOrders.dueAt, now)))!;

export type OrderFilters = {
  status: 'open' | 'answered' | 'all' | InterceptionClosed;
  outletId?: string;
  overdue?: boolean;
  alertId?: string;
  caseId?: string;
  limit: number;
  cursor?: string;
};

/**
 * Open orders most urgent first (by due time: the overdue lead); answered ones newest answer first; all, newest order
 * first. The cursor is the (time, order id) of the sort key.
 */
export async function listOrders(db: Queryable, user: AuthUser, f: OrderFilters, now: Date) {
  const order = f.status === 'open' ? 'due' : f.status === 'all' ? 'ordered' : 'answered';
  const key = order === 'due' ? interceptionOrders.dueAt : order === 'answered' ? interceptionOrders.answeredAt : interceptionOrders.orderedAt;
  const conditions: (SQL | undefined)[] = [orderScope(user)];
  if (f.status === 'open') conditions.push(eq(interceptionOrders.status, 'requested'));
  else if (f.status === 'answered') conditions.push(sql`${interceptionOrders.status} <> 'requested'`);
  else if (f.status !== 'all') conditions.push(eq(interceptionOrders.status, f.status));
  if (f.outletId) conditions.push(eq(interceptionOrders.outletId, f.outletId));
  if (f.overdue) conditions.push(overdueCond(now));
  if (f.alertId) conditions.push(sql`${interceptionOrders.parcelId} in (select parcel_id from alert_parcels where alert_id = ${f.alertId})`);
  if (f.caseId) {
    // A case's parcels: linked themselves, or through an alert linked to it.
    conditions.push(sql`${interceptionOrders.parcelId} in (
      select ref_id from case_links where case_id = ${f.caseId} and kind = 'parcel'
      union select ap.parcel_id from case_links cl join alert_parcels ap on ap.alert_id = cl.ref_id where cl.case_id = ${f.caseId} and cl.kind = 'alert')`);
  }
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    conditions.push(
      order === 'due'
        ? or(gt(key, c.at), and(eq(key, c.at), gt(interceptionOrders.id, c.id)))
        : or(lt(key, c.at), and(eq(key, c.at), lt(interceptionOrders.id, c.id))),
    );
  }
  const rows = await db
    .select()
    .from(interceptionOrders)
    .where(and(...conditions))
    .orderBy(...(order === 'due' ? [asc(key), asc(interceptionOrders.id)] : [desc(key), desc(interceptionOrders.id)]))
    .limit(f.limit + 1);
  const { page, nextCursor } = pageOf(rows, f.limit, (r) => ({
    at: order === 'due' ? r.dueAt : order === 'answered' ? r.answeredAt! : r.orderedAt,
    id: r.id,
  }));
  return { interceptions: await withSources(db, page, now), nextCursor };
}

/** Open and overdue orders in the caller's scope (the board, the navigation badge). */
export async function countOrders(db: Queryable, user: AuthUser, now: Date) {
  const [row] = await db
    .select({
      open: sql<number>`count(*)::int`,
      overdue: sql<number>`(count(*) filter (where ${overdueCond(now)}))::int`,
    })
    .from(interceptionOrders)
    .where(and(orderScope(user), eq(interceptionOrders.status, 'requested')));
  return { open: row?.open ?? 0, overdue: row?.overdue ?? 0 };
}

/** A parcel's order with its sources and answer (GET /api/parcels/:waybillNo), or null. */
export async function interceptionOfParcel(db: Queryable, parcelId: string, now = new Date()): Promise<InterceptionOrderView | null> {
  const rows = await db.select().from(interceptionOrders).where(eq(interceptionOrders.parcelId, parcelId));
  return (await withSources(db, rows, now))[0] ?? null;
}
