// What followed the period's seizures, for the weekly and monthly reports: disposals of seized goods by kind
// (无害化销毁, handed to the police, returned) and the notices to right holders (sent, answered, overdue). Each
// counts by when it happened (disposed, notified, answered) and where the parcel left from (origin city);
// pending disposals and overdue notices are as at the end of the period.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { between } from './counts.js';
import { regionIn, type ReportScope } from './scope.js';

const count = z.number().int();
export const disposalFiguresSchema = z.object({
  destroyed: count,
  handedToPolice: count,
  returned: count,
  pending: count.meta({ description: 'Seized by the end of the period, no disposal by then' }),
});
export const noticeFiguresSchema = z.object({
  sent: count,
  answered: count,
  overdue: count.meta({ description: 'Sent, past the deadline and unanswered at the end of the period' }),
});
export type DisposalFigures = z.output<typeof disposalFiguresSchema>;
export type NoticeFigures = z.output<typeof noticeFiguresSchema>;
export type IpFigures = { disposals: DisposalFigures; notices: NoticeFigures };

export const noIpFigures = (): IpFigures => ({ disposals: { destroyed: 0, handedToPolice: 0, returned: 0, pending: 0 }, notices: { sent: 0, answered: 0, overdue: 0 } });

/**
 * The figures per group: `groupBy(column)` names the group of an origin-city column (`'total'` for one group,
 * `left(col, 2)` per province). Three grouped queries.
 */
export async function ipFiguresBy(db: Queryable, scope: ReportScope, from: string, to: string, groupBy: (column: string) => SQL): Promise<Map<string, IpFigures>> {
  const t = sql`${to}::timestamptz`;
  const inPeriod = (col: string) => between(col, from, to);
  const [disposed, pending, notices] = await Promise.all([
    queryRows<{ key: string; destroyed: number; handedToPolice: number; returned: number }>(
      db,
      sql`select ${groupBy('d.origin_city')} as key,
                 count(*) filter (where d.kind = 'destroyed')::int as destroyed,
                 count(*) filter (where d.kind = 'handed_to_police')::int as "handedToPolice",
                 count(*) filter (where d.kind = 'returned')::int as returned
            from seizure_disposals d
           where ${regionIn(scope, sql`d.origin_city`)} and ${inPeriod('d.disposed_at')}
           group by 1`,
    ),
    queryRows<{ key: string; pending: number }>(
      db,
      sql`select ${groupBy('ci.origin_city')} as key, count(*)::int as pending
            from customs_inspections ci
           where ${regionIn(scope, sql`ci.origin_city`)} and ci.outcome = 'seized' and ci.decided_at < ${t}
             and not exists (select 1 from seizure_disposals d where d.parcel_id = ci.parcel_id and d.disposed_at < ${t})
           group by 1`,
    ),
    queryRows<{ key: string; sent: number; answered: number; overdue: number }>(
      db,
      sql`select ${groupBy('n.origin_city')} as key,
                 count(*) filter (where ${inPeriod('n.notified_at')})::int as sent,
                 count(*) filter (where ${inPeriod('n.answered_at')})::int as answered,
                 count(*) filter (where n.notified_at < ${t} and n.deadline_at <= ${t} and (n.answered_at is null or n.answered_at >= ${t}))::int as overdue
            from right_holder_notices n
           where ${regionIn(scope, sql`n.origin_city`)} and n.notified_at < ${t}
           group by 1`,
    ),
  ]);
  const out = new Map<string, IpFigures>();
  const at = (k: string) => out.get(k) ?? out.set(k, noIpFigures()).get(k)!;
  for (const { key, ...v } of disposed) Object.assign(at(key).disposals, v);
  for (const { key, pending: n } of pending) at(key).disposals.pending = n;
  for (const { key, ...v } of notices) at(key).notices = v;
  return out;
}
