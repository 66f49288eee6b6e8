// Allowlisted linking keys (issue 16): a legitimate pattern an analyst marked (a registered seller's identity,
// a family's address) links nothing until it expires or is revoked.
import type { Queryable } from '../db/database.js';
import type { LinkKey } from './keys.js';

/** The keys that may link: those not allowlisted at `now`. */
export async function withoutAllowlisted(_db: Queryable, keys: LinkKey[], _now: Date): Promise<LinkKey[]> {
  return keys;
}
