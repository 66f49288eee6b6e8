// Holds in a period, for the weekly and monthly reports: how many were held, how they were decided, how long the
// decision took (median, p90, max in hours), and what was still waiting — and overdue — at the period's end.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { regionIn, type ReportScope } from './scope.js';

const count = z.number().int();
const hours = z.number().nullable().meta({ description: 'Hours, one decimal; null when nothing was decided' });

export const holdFiguresSchema = z.object({
  held: count.meta({ description: 'Holds placed in the period' }),
  released: count,
  refused: count,
  medianWaitHours: hours,
  p90WaitHours: hours,
  maxWaitHours: hours,
  pending: count.meta({ description: 'Undecided at the end of the period' }),
  overdue: count.meta({ description: 'Undecided and past due at the end of the period' }),
});
export type HoldFigures = z.output<typeof holdFiguresSchema>;

export const overdueHoldSchema = z.object({ waybillNo: z.string(), outletId: z.string(), reasons: z.array(z.string()), heldAt: z.string(), dueAt: z.string() });
export type OverdueHold = z.output<typeof overdueHoldSchema>;

/** Holds (alias h) in scope. */
export const holdsIn = (scope: ReportScope): SQL =>
  sql`${regionIn(scope, sql`h.region_code`)}${scope.crossBorderOnly ? sql` and h.cross_border` : sql``}`;

const round1 = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);

/**
 * `group` is the key column each row is counted under (e.g. the province, left(h.region_code, 2)), or a
 * constant for one total. Decisions count in the period they were made; waits are decided_at − held_at.
 */
export async function holdFiguresBy(db: Queryable, scope: ReportScope, from: string, to: string, group: SQL): Promise<Map<string, HoldFigures>> {
  const f = sql`${from}::timestamptz`;
  const t = sql`${to}::timestamptz`;
  const wait = sql`extract(epoch from (h.decided_at - h.held_at)) / 3600.0`;
  const decidedIn = sql`h.decided_at >= ${f} and h.decided_at < ${t}`;
  const pendingAtEnd = sql`h.held_at < ${t} and (h.decided_at is null or h.decided_at >= ${t})`;
  const rows = await queryRows<{ key: string; held: number; released: number; refused: number; median: string | null; p90: string | null; max: string | null; pending: number; overdue: number }>(
    db,
    sql`select ${group} as key,
               count(*) filter (where h.held_at >= ${f} and h.held_at < ${t})::int as held,
               count(*) filter (where h.status = 'released' and ${decidedIn})::int as released,
               count(*) filter (where h.status = 'refused' and ${decidedIn})::int as refused,
               percentile_cont(0.5) within group (order by ${wait}) filter (where ${decidedIn}) as median,
               percentile_cont(0.9) within group (order by ${wait}) filter (where ${decidedIn}) as p90,
               max(${wait}) filter (where ${decidedIn}) as max,
               count(*) filter (where ${pendingAtEnd})::int as pending,
               count(*) filter (where ${pendingAtEnd} and h.due_at < ${t})::int as overdue
          from holds h
         where ${holdsIn(scope)} and h.held_at < ${t} and (h.held_at >= ${f} or h.decided_at is null or h.decided_at >= ${f})
         group by 1`,
  );
  return new Map(
    rows.map((r) => [
      r.key,
      { held: r.held, released: r.released, refused: r.refused, medianWaitHours: round1(r.median), p90WaitHours: round1(r.p90), maxWaitHours: round1(r.max), pending: r.pending, overdue: r.overdue },
    ]),
  );
}

export const NO_HOLDS: HoldFigures = { held: 0, released: 0, refused: 0, medianWaitHours: null, p90WaitHours: null, maxWaitHours: null, pending: 0, overdue: 0 };

/** Listed in the weekly report; the console's holds page has them all. */
const OVERDUE_LISTED = 200;

/** Undecided and past due at `to`, the longest overdue first. */
export async function overdueHolds(db: Queryable, scope: ReportScope, to: string): Promise<OverdueHold[]> {
  const rows = await queryRows<{ waybillNo: string; outletId: string; reasons: string[]; heldAt: Date | string; dueAt: Date | string }>(
    db,
    sql`select h.waybill_no as "waybillNo", h.outlet_id as "outletId", h.reasons, h.held_at as "heldAt", h.due_at as "dueAt"
          from holds h
         where ${holdsIn(scope)} and h.held_at < ${to}::timestamptz and (h.decided_at is null or h.decided_at >= ${to}::timestamptz)
           and h.due_at < ${to}::timestamptz
         order by h.due_at, h.waybill_no limit ${OVERDUE_LISTED}`,
  );
  return rows.map((r) => ({ ...r, heldAt: new Date(r.heldAt).toISOString(), dueAt: new Date(r.dueAt).toISOString() }));
}
