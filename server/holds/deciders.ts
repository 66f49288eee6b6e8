// Who may see and who may decide a hold (暂扣处置), and when it is due. Pure: no I/O, tested by tables.
//
// | Hold reason                                        | Who decides                                               |
// |----------------------------------------------------|-----------------------------------------------------------|
// | INSPECTION_MISMATCH, SCREENING_SUSPECT,            | outlet_supervisor of that outlet; postal_regulator whose  |
// | PROHIBITED_ITEM_SUSPECTED (outlet safety)          | jurisdiction covers the parcel's region; admin            |
// | WATCHLIST_HIT, ANT_MOVING_SUSPECTED (lists, rings) | postal_regulator of the jurisdiction; customs_officer of  |
// | INTERCEPTED (stopped in the network, 拦截件)        | the jurisdiction when the parcel is cross-border; admin   |
// | any other (unknown) code                           | postal_regulator of the jurisdiction; admin               |
//
// A hold with several reasons needs a decider entitled to every one. Nobody outside the parcel's outlet or
// jurisdiction sees the hold at all (the API answers 404, as for a missing one).
import type { Role } from '../../models/schema.js';
import { coversRegion, type AuthUser } from '../accounts/access.js';
import type { HoldPolicy } from '../config.js';

export const OUTLET_SAFETY_REASONS = ['INSPECTION_MISMATCH', 'SCREENING_SUSPECT', 'PROHIBITED_ITEM_SUSPECTED'] as const;
// INTERCEPTED: a parcel stopped in the network because an alert or a list reached back to it; decided as its source is.
export const LIST_AND_RING_REASONS = ['WATCHLIST_HIT', 'ANT_MOVING_SUSPECTED', 'INTERCEPTED'] as const;

/** What of a hold the rules look at. */
export type HoldPlace = { outletId: string; regionCode: string; crossBorder: boolean; reasons: readonly string[] };

type ReasonClass = 'outlet_safety' | 'list_or_ring' | 'other';

export function reasonClass(code: string): ReasonClass {
  if ((OUTLET_SAFETY_REASONS as readonly string[]).includes(code)) return 'outlet_safety';
  if ((LIST_AND_RING_REASONS as readonly string[]).includes(code)) return 'list_or_ring';
  return 'other';
}

/** The roles that may decide a reason of this class (scope still applies: see mayDecideReason). */
export const DECIDER_ROLES: Record<ReasonClass, readonly Role[]> = {
  outlet_safety: ['outlet_supervisor', 'postal_regulator', 'admin'],
  list_or_ring: ['postal_regulator', 'customs_officer', 'admin'],
  other: ['postal_regulator', 'admin'],
};

/** Who sees a hold: the outlet's own couriers and supervisors, officers over its region (customs: cross-border only), admin. */
export function mayViewHold(user: AuthUser, hold: HoldPlace): boolean {
  switch (user.role) {
    case 'admin':
      return true;
    case 'courier':
    case 'outlet_supervisor':
      return user.outletId === hold.outletId;
    case 'postal_regulator':
      return coversRegion(user, hold.regionCode);
    case 'customs_officer':
      return hold.crossBorder && coversRegion(user, hold.regionCode);
    default:
      return false;
  }
}

/** Whether a role may decide every reason of a hold, scope aside (live events are sent per role room). */
export function roleMayDecide(role: Role, hold: HoldPlace): boolean {
  // A hold without reason codes (one held before codes were kept) counts as "other".
  const codes = hold.reasons.length ? hold.reasons : ['UNKNOWN'];
  return codes.every((code) => DECIDER_ROLES[reasonClass(code)].includes(role)) && (role !== 'customs_officer' || hold.crossBorder);
}

/** Decides the whole hold: sees it, and is entitled to every one of its reasons. */
export function mayDecideHold(user: AuthUser, hold: HoldPlace): boolean {
  return mayViewHold(user, hold) && roleMayDecide(user.role, hold);
}

/** Hours allowed for one reason. */
export function dueHoursFor(code: string, policy: HoldPolicy): number {
  return policy.dueHoursByReason[code] ?? policy.dueHours;
}

/** A hold is due at the earliest due time of its reasons. */
export function dueAtFor(reasons: readonly string[], heldAt: Date, policy: HoldPolicy): Date {
  const hours = reasons.length ? Math.min(...reasons.map((r) => dueHoursFor(r, policy))) : policy.dueHours;
  return new Date(heldAt.getTime() + hours * 3600_000);
}

/** Undecided and past its due time at `now`. */
export function isOverdue(hold: { status: string; dueAt: Date }, now: Date): boolean {
  return hold.status === 'pending' && hold.dueAt.getTime() <= now.getTime();
}
