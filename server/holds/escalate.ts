// Escalation of overdue holds (限时处置): run every minute as the job kind `holds.escalate`. An undecided hold
// past its due time is marked overdue once (overdue_at), audited, and announced to the officers over it and
// the outlet. Safe to run from several processes at once: the update claims each hold once.
import { and, eq, isNull, lte } from 'drizzle-orm';
import { holds } from '../../models/schema.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import { announceHold } from './events.js';
import { loadHold, type HoldRow } from './store.js';

export const ESCALATE_JOB_KIND = 'holds.escalate';

/** Marks the holds overdue at `now`; returns how many were escalated by this run. */
export async function escalateOverdueHolds(ctx: Pick<AppContext, 'db' | 'bus'>, now: Date): Promise<number> {
  const rows = await ctx.db.transaction(async (tx) => {
    const marked = await tx
      .update(holds)
      .set({ overdueAt: now })
      .where(and(eq(holds.status, 'pending'), isNull(holds.overdueAt), lte(holds.dueAt, now)))
      .returning({ parcelId: holds.parcelId, waybillNo: holds.waybillNo, dueAt: holds.dueAt, reasons: holds.reasons });
    for (const h of marked) {
      await recordAudit(tx, {
        actor: null,
        action: 'hold.escalate',
        subjectType: 'parcel',
        subjectId: h.waybillNo,
        details: { dueAt: h.dueAt.toISOString(), overdueAt: now.toISOString(), reasons: h.reasons },
      });
    }
    const loaded: HoldRow[] = [];
    if (marked.length) {
      for (const id of marked.map((m) => m.parcelId)) loaded.push((await loadHold(tx, id))!);
    }
    return loaded;
  });
  for (const row of rows) announceHold(ctx.bus, 'hold:overdue', row);
  return rows.length;
}
