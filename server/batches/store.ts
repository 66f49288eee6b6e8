// Reading batches: the row as clients see it, who may see it, the items' results; and the bus event that
// carries progress to the outlet's sockets (server/realtime/outlet.ts).
import type { EventEmitter } from 'node:events';
import { and, asc, desc, eq, gt, like, lt, or } from 'drizzle-orm';
import { outlets, parcelBatches, parcelBatchItems, organisations } from '../../models/schema.js';
import { coversRegion, isOutletBound, regionScope, type AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';

export const BATCH_JOB_KIND = 'parcels.batch';
export const BATCH_BUS_EVENT = 'batch';

export type BatchRow = typeof parcelBatches.$inferSelect;

export type BatchProgress = {
  batchId: string;
  outletId: string;
  status: string;
  total: number;
  done: number;
  counts: { accepted: number; held: number; rejected: number; invalid: number };
};

export const progressOf = (b: BatchRow): BatchProgress => ({
  batchId: b.id,
  outletId: b.outletId,
  status: b.status,
  total: b.total,
  done: b.done,
  counts: { accepted: b.accepted, held: b.held, rejected: b.rejected, invalid: b.invalid },
});

/** After commit only: the outlet hears `batch:progress` (server/realtime/outlet.ts). */
export function announceBatch(bus: EventEmitter, b: BatchRow): void {
  bus.emit(BATCH_BUS_EVENT, progressOf(b));
}

export function presentBatch(b: BatchRow, org?: { uscc: string; name: string }) {
  return {
    ...progressOf(b),
    ...(org ? { organisation: { id: b.organisationId, uscc: org.uscc, name: org.name } } : {}),
    source: b.source,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

export async function loadBatch(db: Queryable, id: string) {
  const [row] = await db
    .select({ batch: parcelBatches, regionCode: outlets.regionCode, uscc: organisations.uscc, name: organisations.name })
    .from(parcelBatches)
    .innerJoin(outlets, eq(outlets.id, parcelBatches.outletId))
    .innerJoin(organisations, eq(organisations.id, parcelBatches.organisationId))
    .where(eq(parcelBatches.id, id));
  return row;
}

/** Outlet staff see their outlet's batches; regulators their jurisdiction's; admins all. Anyone else: 404. */
export function mayReadBatch(user: AuthUser, outletId: string, regionCode: string): boolean {
  if (isOutletBound(user.role)) return user.outletId === outletId;
  if (user.role === 'postal_regulator' || user.role === 'admin') return coversRegion(user, regionCode);
  return false;
}

export type ItemResult = { index: number; waybillNo: string | null; status: string; verdict?: string; parcelId?: string; errors?: unknown[] };

export async function itemResults(db: Queryable, batchId: string, after: number, limit: number): Promise<ItemResult[]> {
  const rows = await db
    .select({ index: parcelBatchItems.index, waybillNo: parcelBatchItems.waybillNo, status: parcelBatchItems.status, verdict: parcelBatchItems.verdict, parcelId: parcelBatchItems.parcelId, errors: parcelBatchItems.errors })
    .from(parcelBatchItems)
    .where(and(eq(parcelBatchItems.batchId, batchId), gt(parcelBatchItems.index, after)))
    .orderBy(asc(parcelBatchItems.index))
    .limit(limit);
  return rows.map((r) => ({
    index: r.index,
    waybillNo: r.waybillNo,
    status: r.status,
    ...(r.verdict ? { verdict: r.verdict } : {}),
    ...(r.parcelId ? { parcelId: r.parcelId } : {}),
    ...(r.errors ? { errors: r.errors } : {}),
  }));
}

/** The outlet's batches (outlet staff), or those of outlets in the caller's area; newest first. */
export async function listBatches(db: Queryable, user: AuthUser, before: { at: Date; id: string } | null, limit: number, outletId?: string) {
  const conds = [];
  if (isOutletBound(user.role)) conds.push(eq(parcelBatches.outletId, user.outletId ?? ''));
  else {
    const scope = regionScope(user);
    if (scope !== null) conds.push(like(outlets.regionCode, `${scope}%`));
    if (outletId) conds.push(eq(parcelBatches.outletId, outletId));
  }
  if (before) conds.push(or(lt(parcelBatches.createdAt, before.at), and(eq(parcelBatches.createdAt, before.at), lt(parcelBatches.id, before.id))));
  const rows = await db
    .select({ batch: parcelBatches, regionCode: outlets.regionCode, uscc: organisations.uscc, name: organisations.name })
    .from(parcelBatches)
    .innerJoin(outlets, eq(outlets.id, parcelBatches.outletId))
    .innerJoin(organisations, eq(organisations.id, parcelBatches.organisationId))
    .where(and(...conds))
    .orderBy(desc(parcelBatches.createdAt), desc(parcelBatches.id))
    .limit(limit + 1);
  return rows;
}
