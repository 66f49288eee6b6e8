// Taking a reason to stop a parcel back: an alert resolved as a false positive, parcels split out of a ring, a
// suspect-list entry deleted. That source leaves the open orders it stands behind; an order left with none is
// withdrawn (the outlet stops looking for it) and its parcel is accepted and on its way again. Called inside the
// transaction that takes the reason back; the caller announces the result after commit (announceWithdrawn).
import type { EventEmitter } from 'node:events';
import { inArray, sql, type SQL } from 'drizzle-orm';
import { interceptionOrders } from '../../models/schema.js';
import { recordAudit } from '../audit/audit.js';
import { queryRows, type Queryable } from '../db/database.js';
import { announceInterception } from './events.js';
import { PARCEL_STATUS_ORDERED, withSources, type InterceptionOrderView } from './orders.js';

export type WithdrawnSource =
  /** Every source resting on the alert (the alert's own, and a list entry's whose match the alert was). */
  | { alertId: string; cause: 'alert_false_positive' }
  /** The ring's alerts' sources on these parcels only: the ring no longer counts them. */
  | { ringId: string; waybillNos: string[]; cause: 'ring_split' }
  | { entryId: string; cause: 'watchlist_entry_deleted' };

const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

function sourceMatch(w: WithdrawnSource): SQL {
  if ('alertId' in w) return sql`s.alert_id = ${w.alertId}::uuid`;
  if ('entryId' in w) return sql`s.entry_id = ${w.entryId}::uuid`;
  return sql`s.kind = 'alert' and o.waybill_no = any(${`{${w.waybillNos.join(',')}}`}::text[])
             and s.alert_id in (select id from alerts where group_key = ${`ring:${w.ringId}`})`;
}

/**
 * Removes the source from open (requested) orders; withdraws those left without any, audited per order
 * (interception.withdraw). Returns the withdrawn orders for announceWithdrawn.
 */
export async function withdrawInterceptionSource(
  tx: Queryable,
  w: WithdrawnSource,
  by: { id: string; username: string; role: string } | null,
  now: Date,
  requestId?: string,
): Promise<InterceptionOrderView[]> {
  if ('waybillNos' in w && !w.waybillNos.length) return [];
  const touched = await queryRows<{ order_id: string; source_key: string }>(
    tx,
    sql`delete from interception_sources s using interception_orders o
         where o.id = s.order_id and o.status = 'requested' and ${sourceMatch(w)}
        returning s.order_id, s.source_key`,
  );
  if (!touched.length) return [];
  const orderIds = [...new Set(touched.map((t) => t.order_id))];
  // Still requested and no source left: a concurrent answer (which locks the order) wins, since the row is re-checked.
  const withdrawn = await queryRows<{ id: string; parcel_id: string; waybill_no: string }>(
    tx,
    sql`update interception_orders o
           set status = 'withdrawn', answered_at = ${now.toISOString()}::timestamptz, answered_by = ${by?.id ?? null}::uuid,
               answered_by_name = ${by?.username ?? null}, answered_by_role = ${by?.role ?? null}, answer_note = ${w.cause}
         where o.id = any(${uuidArray(orderIds)}) and o.status = 'requested'
           and not exists (select 1 from interception_sources s where s.order_id = o.id)
        returning o.id, o.parcel_id, o.waybill_no`,
  );
  if (!withdrawn.length) return [];
  // Only a parcel still waiting on the order goes back: anything else happened to it since.
  await tx.execute(
    sql`update parcels set status = 'accepted' where id = any(${uuidArray(withdrawn.map((o) => o.parcel_id))}) and status = ${PARCEL_STATUS_ORDERED}`,
  );
  for (const o of withdrawn) {
    await recordAudit(tx, {
      actor: by,
      action: 'interception.withdraw',
      subjectType: 'parcel',
      subjectId: o.waybill_no,
      ...(requestId ? { requestId } : {}),
      details: { orderId: o.id, cause: w.cause, sources: touched.filter((t) => t.order_id === o.id).map((t) => t.source_key) },
    });
  }
  const rows = await tx.select().from(interceptionOrders).where(inArray(interceptionOrders.id, withdrawn.map((o) => o.id)));
  return withSources(tx, rows, now);
}

/** After commit: the outlet's list drops them, the officers see them withdrawn. */
export function announceWithdrawn(bus: EventEmitter, orders: InterceptionOrderView[]): void {
  for (const order of orders) announceInterception(bus, 'interception:withdrawn', order);
}
