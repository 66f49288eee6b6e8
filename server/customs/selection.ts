// Which cross-border parcels customs inspect. A keyed hash (HMAC-SHA256) of the waybill number becomes a
// number in [0, 1) — the draw — and a parcel is selected when its draw is below its route's rate. Without
// the key nobody can tell which numbers will be drawn (a sender cannot shop for an unselected waybill); with
// the key id stored beside the draw, an auditor reproduces every decision. Keys rotate: the newest selects,
// the old ones stay to reproduce what they decided.
import { createHmac, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { customsSelectionKeys } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';

const FIRST_KEY_LOCK_ID = 7_245_006;

/** Bits of the hash used: 48 fit a double exactly, so the draw is the integer over 2^48, no rounding. */
const DRAW_BITS = 48;

/** The draw of a waybill number under a key: uniform in [0, 1) for anyone who does not hold the key. */
export function selectionDraw(key: Buffer, waybillNo: string): number {
  const mac = createHmac('sha256', key).update(`customs-selection\u0000${waybillNo}`).digest();
  return mac.readUIntBE(0, DRAW_BITS / 8) / 2 ** DRAW_BITS;
}

/** Selected when the draw falls below the rate: rate 0 selects nothing, rate 1 everything. */
export const isSelected = (draw: number, rate: number): boolean => draw < rate;

export const SELECTION_GROUNDS = ['RANDOM', 'RING_ALERT', 'WATCHLIST_HIT', 'GOODS_RULE'] as const;
export type SelectionGround = (typeof SELECTION_GROUNDS)[number];

export type SelectionFacts = {
  draw: number;
  /** The route's own rate. */
  routeRate: number;
  /** The highest rate of the goods rules in force on the parcel's goods, if any. */
  goodsRate: number | null;
  /** The ring step found the parcel part of a ring under alert (ANT_MOVING_SUSPECTED). */
  ringAlert: boolean;
  /** The parcel hit a suspect list (WATCHLIST_HIT). */
  watchlistHit: boolean;
  /** Refused at the counter: never leaves it, never selected. */
  rejected: boolean;
};

/**
 * Why a parcel is selected (empty: it is not). The draw decides RANDOM (below the route's rate) and
 * GOODS_RULE (below a higher goods rate but not the route's), so one draw serves both and the share of
 * RANDOM stays the route's rate whatever else holds; ring and list grounds come from the parcel's own
 * findings and never touch the draw — selecting a targeted parcel tells nothing about anyone's draw.
 */
export function selectionGrounds(f: SelectionFacts): SelectionGround[] {
  if (f.rejected) return [];
  const grounds: SelectionGround[] = [];
  if (isSelected(f.draw, f.routeRate)) grounds.push('RANDOM');
  if (f.ringAlert) grounds.push('RING_ALERT');
  if (f.watchlistHit) grounds.push('WATCHLIST_HIT');
  if (f.goodsRate !== null && isSelected(f.draw, f.goodsRate) && !isSelected(f.draw, f.routeRate)) grounds.push('GOODS_RULE');
  return grounds;
}

/** A key sealed under an encryption key this server is not configured with (PII_ENCRYPTION_KEY rotated). */
export class SelectionKeyUnavailable extends Error {
  constructor(public readonly keyId: string) {
    super(`customs selection key ${keyId} is sealed under an encryption key that is not configured`);
  }
}

export type SelectionKeyring = {
  /** What the sealed form of a key this server can open starts with. */
  readonly sealedPrefix: string;
  /** The key material of a key id (cached; keys never change once made). */
  key(db: Queryable, id: string): Promise<Buffer>;
  /**
   * The id of the key that selects now: the newest this server can open, made on first use (and after the
   * PII encryption key was rotated, so selection never stops; the old keys wait for their encryption key).
   */
  currentId(db: Queryable): Promise<string>;
  /** A new key that selects from now on; the old ones stay for audit. */
  rotate(db: Queryable, by: string | null): Promise<{ id: string; createdAt: Date }>;
};

/** Keys sealed under the configured encryption key. */
export const usableBy = (sealedPrefix: string) => sql`left(${customsSelectionKeys.sealed}, ${sealedPrefix.length}) = ${sealedPrefix}`;

/** The id of the newest usable key, or null: a scalar subquery, so the intake reads it with its route in one round trip. */
export const currentKeyIdSql = (sealedPrefix: string) =>
  sql`(select ${customsSelectionKeys.id} from ${customsSelectionKeys} where ${usableBy(sealedPrefix)}
       order by ${customsSelectionKeys.createdAt} desc, ${customsSelectionKeys.id} desc limit 1)`;

export function createSelectionKeyring(vault: PiiVault): SelectionKeyring {
  const cache = new Map<string, Buffer>();
  const sealedPrefix = `v1.${vault.keyId}.`;

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
    sealedPrefix,
    async key(db, id) {
      const cached = cache.get(id);
      if (cached) return cached;
      const [row] = await db.select({ sealed: customsSelectionKeys.sealed }).from(customsSelectionKeys).where(eq(customsSelectionKeys.id, id));
      if (!row) throw new Error(`customs selection key ${id} does not exist`);
      if (!row.sealed.startsWith(sealedPrefix)) throw new SelectionKeyUnavailable(id);
      const material = Buffer.from(vault.open('selection_key', row.sealed), 'base64');
      cache.set(id, material);
      return material;
    },
    async currentId(db) {
      const current = async () => (await queryRows<{ id: string | null }>(db, sql`select ${currentKeyIdSql(sealedPrefix)} as id`))[0]?.id ?? null;
      const found = await current();
      if (found) return found;
      // The first intakes after a start on an empty database (or a new encryption key) arrive together: one
      // makes the key, the others wait for it (the lock lasts until its transaction ends) and use it.
      await db.execute(sql`select pg_advisory_xact_lock(${FIRST_KEY_LOCK_ID})`);
      return (await current()) ?? (await rotate(db, null)).id;
    },
    rotate,
  };
}

/**
 * Whether a stored selection follows from its draw: the grounds recomputed from the draw, the rates stored
 * beside it (the route's; the goods rule's when it applied) and the parcel's own stored findings and verdict
 * give the grounds and decision on record. Rows from before targeted selection have the route's rate only.
 */
export function reproduceSelection(
  stored: { selected: boolean; grounds: string[]; rate: number; routeRate: number | null; goodsRuleKey: string | null },
  draw: number,
  verdict: string,
  findingCodes: string[],
): boolean {
  const grounds = selectionGrounds({
    draw,
    routeRate: stored.routeRate ?? stored.rate,
    goodsRate: stored.goodsRuleKey ? stored.rate : null,
    ringAlert: stored.routeRate !== null && findingCodes.includes('ANT_MOVING_SUSPECTED'),
    watchlistHit: stored.routeRate !== null && findingCodes.includes('WATCHLIST_HIT'),
    rejected: verdict === 'rejected',
  });
  return stored.selected === (grounds.length > 0) && (stored.routeRate === null || grounds.join() === stored.grounds.join());
}
