// Which cross-border parcels customs inspect. A keyed hash (HMAC-SHA256) of the waybill number becomes a
// number in [0, 1) — the draw — and a parcel is selected when its draw is below its route's rate. Without
// the key nobody can tell which numbers will be drawn (a sender cannot shop for an unselected waybill); with
// the key id stored beside the draw, an auditor reproduces every decision. Keys rotate: the newest selects,
// the old ones stay to reproduce what they decided.
import { createHmac, randomBytes } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { customsSelectionKeys } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';

/** Bits of the hash used: 48 fit a double exactly, so the draw is the integer over 2^48, no rounding. */
const DRAW_BITS = 48;

/** The draw of a waybill number under a key: uniform in [0, 1) for anyone who does not hold the key. */
export function selectionDraw(key: Buffer, waybillNo: string): number {
  const mac = createHmac('sha256', key).update(`customs-selection\u0000${waybillNo}`).digest();
  return mac.readUIntBE(0, DRAW_BITS / 8) / 2 ** DRAW_BITS;
}

/** Selected when the draw falls below the rate: rate 0 selects nothing, rate 1 everything. */
export const isSelected = (draw: number, rate: number): boolean => draw < rate;

export type SelectionKeyring = {
  /** The key material of a key id (cached; keys never change once made). */
  key(db: Queryable, id: string): Promise<Buffer>;
  /** The id of the key that selects now, made on first use. */
  currentId(db: Queryable): Promise<string>;
  /** A new key that selects from now on; the old ones stay for audit. */
  rotate(db: Queryable, by: string | null): Promise<{ id: string; createdAt: Date }>;
};

export function createSelectionKeyring(vault: PiiVault): SelectionKeyring {
  const cache = new Map<string, Buffer>();

  async function rotate(db: Queryable, by: string | null) {
    const material = randomBytes(32);
    const id = `sk_${randomBytes(6).toString('hex')}`;
    const [row] = await db
      .insert(customsSelectionKeys)
      .values({ id, sealed: vault.seal('selection_key', material.toString('base64')), createdBy: by })
      .returning({ id: customsSelectionKeys.id, createdAt: customsSelectionKeys.createdAt });
    cache.set(id, material);
    return row!;
  }

  return {
    async key(db, id) {
      const cached = cache.get(id);
      if (cached) return cached;
      const [row] = await db.select({ sealed: customsSelectionKeys.sealed }).from(customsSelectionKeys).where(eq(customsSelectionKeys.id, id));
      if (!row) throw new Error(`customs selection key ${id} does not exist`);
      const material = Buffer.from(vault.open('selection_key', row.sealed), 'base64');
      cache.set(id, material);
      return material;
    },
    async currentId(db) {
      const [row] = await db
        .select({ id: customsSelectionKeys.id })
        .from(customsSelectionKeys)
        .orderBy(desc(customsSelectionKeys.createdAt), desc(customsSelectionKeys.id))
        .limit(1);
      return row?.id ?? (await rotate(db, null)).id;
    },
    rotate,
  };
}
