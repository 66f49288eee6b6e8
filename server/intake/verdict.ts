// The verdict policy, in one place (CONTRACT.md): rejected (不予收寄) for refused inspection, prohibited contents
// or a prohibited screening; held for anything a person with authority must look at; accepted otherwise.
import type { Verdict } from '../../models/schema.js';

export type Effect = 'reject' | 'hold';
export type Finding = { code: string; effect: Effect; message: string; messageZh: string };

export const REJECTING_CODES = ['INSPECTION_REFUSED', 'PROHIBITED_ITEM', 'SCREENING_PROHIBITED'] as const;
export const HOLDING_CODES = ['INSPECTION_MISMATCH', 'SCREENING_SUSPECT', 'PROHIBITED_ITEM_SUSPECTED', 'WATCHLIST_HIT', 'ANT_MOVING_SUSPECTED'] as const;

export function decideVerdict(findings: Finding[]): Verdict {
  if (findings.some((f) => f.effect === 'reject')) return 'rejected';
  if (findings.some((f) => f.effect === 'hold')) return 'held';
  return 'accepted';
}

/** Reasons in the order a person should read them: what refuses first, then what holds. */
export function orderFindings(findings: Finding[]): Finding[] {
  const rank = (f: Finding) => (f.effect === 'reject' ? 0 : 1);
  return [...findings].sort((a, b) => rank(a) - rank(b));
}
