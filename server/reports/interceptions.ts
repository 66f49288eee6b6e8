// Interception orders in a period (拦截件, server/interception/), for the weekly and monthly reports: orders placed,
// and answered in the period by result (too late = already delivered); open and overdue at the period's end.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { regionIn, type ReportScope } from './scope.js';

const count = z.number().int();
export const interceptionFiguresSchema = z.object({
  ordered: count.meta({ description: 'Interception orders placed in the period' }),
  intercepted: count.meta({ description: 'Answered intercepted in the period (each became a hold)' }),
  notFound: count,
  tooLate: count.meta({ description: 'Answered already delivered in the period' }),
  open: count.meta({ description: 'Unanswered at the end of the period' }),
  overdue: count.meta({ description: 'Unanswered and past due at the end of the period' }),
});
export type InterceptionFigures = z.output<typeof interceptionFiguresSchema>;
export const NO_INTERCEPTIONS: InterceptionFigures = { ordered: 0, intercepted: 0, notFound: 0, tooLate: 0, open: 0, overdue: 0 };

/** `group` is the key column (alias io) each order is counted under, or a constant for one total. */
export async function interceptionFiguresBy(db: Queryable, scope: ReportScope, from: string, to: string, group: SQL): Promise<Map<string, InterceptionFigures>> {
  const f = sql`${from}::timestamptz`;
  const t = sql`${to}::timestamptz`;
  const answeredIn = sql`io.answered_at >= ${f} and io.answered_at < ${t}`;
  const openAtEnd = sql`io.ordered_at < ${t} and (io.answered_at is null or io.answered_at >= ${t})`;
  const rows = await queryRows<InterceptionFigures & { key: string }>(
    db,
    sql`select ${group} as key,
               count(*) filter (where io.ordered_at >= ${f} and io.ordered_at < ${t})::int as ordered,
               count(*) filter (where io.status = 'intercepted' and ${answeredIn})::int as intercepted,
               count(*) filter (where io.status = 'not_found' and ${answeredIn})::int as "notFound",
               count(*) filter (where io.status = 'already_delivered' and ${answeredIn})::int as "tooLate",
               count(*) filter (where ${openAtEnd})::int as open,
               count(*) filter (where ${openAtEnd} and io.due_at < ${t})::int as overdue
          from interception_orders io
         where ${regionIn(scope, sql`io.region_code`)}${scope.crossBorderOnly ? sql` and io.cross_border` : sql``}
           and io.ordered_at < ${t} and (io.answered_at is null or io.answered_at >= ${f})
         group by 1`,
  );
  return new Map(rows.map(({ key, ...v }) => [key, v]));
}
