// The monthly summary (月度汇总): for one calendar month in China time, per province in the caller's scope and in
// total — intakes by verdict, holds and how long their decisions took, alerts and how they ended, key cases, and
// what customs selected and seized. Each figure counts where it happened: a parcel at its outlet's region, an
// alert in every province it touches (the total counts it once), a case in its owning jurisdiction.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { between } from './counts.js';
import { holdFiguresBy, holdFiguresSchema, NO_HOLDS } from './holds.js';
import { interceptionFiguresBy, interceptionFiguresSchema, NO_INTERCEPTIONS } from './interceptions.js';
import { chinaMidnight } from './period.js';
import { alertsIn, parcelsIn, regionIn, scopeLabel, type ReportScope } from './scope.js';
import { reportHeaderFields } from './header.js';
import { disposalFiguresSchema, ipFiguresBy, noIpFigures, noticeFiguresSchema } from './customs-ip.js';

const count = z.number().int();
export const monthlyRowSchema = z.object({
  jurisdiction: z.string().meta({ description: 'A province (2 digits), or "total"' }),
  intakes: z.object({ total: count, accepted: count, held: count, rejected: count }),
  holds: holdFiguresSchema,
  interceptions: interceptionFiguresSchema,
  alerts: z.object({ opened: count, confirmed: count, falsePositive: count }),
  cases: z.object({ opened: count, closed: count, overdue: count.meta({ description: 'Open and past due at the end of the period' }) }),
  customs: z.object({ selected: count, seized: count }),
  disposals: disposalFiguresSchema,
  notices: noticeFiguresSchema,
});
export type MonthlyRow = z.output<typeof monthlyRowSchema>;

export const monthlyReportSchema = z
  .object({
    month: z.string().meta({ example: '2026-11' }),
    ...reportHeaderFields,
    provinces: z.array(monthlyRowSchema),
    total: monthlyRowSchema,
  })
  .meta({ id: 'MonthlyReport' });
export type MonthlyReport = z.output<typeof monthlyReportSchema>;

export type Month = { month: string; from: Date; to: Date };

/** 'YYYY-MM' → the month's first midnight to the next month's, China time; null when not a month. */
export function parseMonth(text: string): Month | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (!m || Number(m[1]) < 2000) return null;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)).toISOString().slice(0, 10);
  return { month: text, from: chinaMidnight(`${text}-01`), to: chinaMidnight(next) };
}

const emptyRow = (jurisdiction: string): MonthlyRow => ({
  jurisdiction,
  intakes: { total: 0, accepted: 0, held: 0, rejected: 0 },
  holds: { ...NO_HOLDS },
  interceptions: { ...NO_INTERCEPTIONS },
  alerts: { opened: 0, confirmed: 0, falsePositive: 0 },
  cases: { opened: 0, closed: 0, overdue: 0 },
  customs: { selected: 0, seized: 0 },
  ...noIpFigures(),
});

type Key = 'province' | 'total';
const TOTAL = sql`'total'`;
const province = (key: Key, column: string): SQL => (key === 'total' ? TOTAL : sql`left(${sql.raw(column)}, 2)`);

async function figures(db: Queryable, scope: ReportScope, from: string, to: string, key: Key): Promise<Map<string, MonthlyRow>> {
  const inPeriod = (col: string) => between(col, from, to);
  const t = sql`${to}::timestamptz`;
  const intakesQ = queryRows<{ key: string; accepted: number; held: number; rejected: number }>(
    db,
    sql`select ${province(key, 'p.region_code')} as key,
               count(*) filter (where p.verdict = 'accepted')::int as accepted, count(*) filter (where p.verdict = 'held')::int as held,
               count(*) filter (where p.verdict = 'rejected')::int as rejected
          from parcels p where ${parcelsIn(scope)} and ${inPeriod('p.created_at')} group by 1`,
  );
  const holdsQ = holdFiguresBy(db, scope, from, to, province(key, 'h.region_code'));
  const alertCols = sql`count(distinct a.id) filter (where ${inPeriod('a.created_at')})::int as opened,
               count(distinct a.id) filter (where a.resolution = 'confirmed' and ${inPeriod('a.resolved_at')})::int as confirmed,
               count(distinct a.id) filter (where a.resolution = 'false_positive' and ${inPeriod('a.resolved_at')})::int as "falsePositive"`;
  const alertsInPeriod = sql`${alertsIn(scope)} and (${inPeriod('a.created_at')} or ${inPeriod('a.resolved_at')})`;
  const alertsQ = queryRows<{ key: string; opened: number; confirmed: number; falsePositive: number }>(
    db,
    key === 'total'
      ? sql`select 'total' as key, ${alertCols} from alerts a where ${alertsInPeriod}`
      : sql`select r.province as key, ${alertCols}
              from alerts a cross join lateral (select distinct left(u.code, 2) as province from unnest(a.region_codes) as u(code)
                                                 where ${scope.prefix ? sql`u.code like ${`${scope.prefix}%`}` : sql`true`}) r
             where ${alertsInPeriod} group by 1`,
  );
  const casesQ = queryRows<{ key: string; opened: number; closed: number; overdue: number }>(
    db,
    sql`select ${province(key, 'c.jurisdiction')} as key,
               count(*) filter (where ${inPeriod('c.opened_at')})::int as opened,
               count(*) filter (where ${inPeriod('c.closed_at')})::int as closed,
               count(*) filter (where c.opened_at < ${t} and (c.closed_at is null or c.closed_at >= ${t}) and c.due_at < ${t})::int as overdue
          from cases c where ${scope.prefix ? sql`c.jurisdiction like ${`${scope.prefix}%`}` : sql`true`} and c.opened_at < ${t}
         group by 1`,
  );
  const customsQ = queryRows<{ key: string; selected: number; seized: number }>(
    db,
    sql`select ${province(key, 'ci.origin_city')} as key,
               count(*) filter (where ci.selected and ${inPeriod('ci.created_at')})::int as selected,
               count(*) filter (where ci.outcome = 'seized' and ${inPeriod('ci.decided_at')})::int as seized
          from customs_inspections ci
         where ${regionIn(scope, sql`ci.origin_city`)} and ((ci.selected and ${inPeriod('ci.created_at')}) or ${inPeriod('ci.decided_at')})
         group by 1`,
  );
  const ipQ = ipFiguresBy(db, scope, from, to, (column) => province(key, column));
  const interceptionsQ = interceptionFiguresBy(db, scope, from, to, province(key, 'io.region_code'));
  const [intakes, holds, alerts, cases, customs, ip, interceptions] = await Promise.all([intakesQ, holdsQ, alertsQ, casesQ, customsQ, ipQ, interceptionsQ]);
  const rows = new Map<string, MonthlyRow>();
  const row = (k: string): MonthlyRow => {
    if (!rows.has(k)) rows.set(k, emptyRow(k));
    return rows.get(k)!;
  };
  for (const { key: k, ...v } of intakes) row(k).intakes = { total: v.accepted + v.held + v.rejected, ...v };
  for (const [k, v] of holds) row(k).holds = v;
  for (const [k, v] of interceptions) row(k).interceptions = v;
  for (const { key: k, ...v } of alerts) row(k).alerts = v;
  for (const { key: k, ...v } of cases) row(k).cases = v;
  for (const { key: k, ...v } of customs) row(k).customs = v;
  for (const [k, v] of ip) Object.assign(row(k), v);
  return rows;
}

/** The month up to the earlier of its end and `now`: a stored report says what stood at its occurrence. */
export async function buildMonthlyReport(db: Queryable, scope: ReportScope, month: Month, by: string, now = new Date()): Promise<MonthlyReport> {
  const end = month.to < now ? month.to : now;
  const [from, to] = [month.from.toISOString(), end.toISOString()];
  const [byProvince, total] = await Promise.all([figures(db, scope, from, to, 'province'), figures(db, scope, from, to, 'total')]);
  // The caller's own province always has its row, even in a quiet month.
  const own = scope.prefix?.slice(0, 2);
  if (own && !byProvince.has(own)) byProvince.set(own, emptyRow(own));
  return {
    month: month.month,
    from,
    to,
    jurisdiction: scopeLabel(scope),
    crossBorderOnly: scope.crossBorderOnly,
    generatedAt: now.toISOString(),
    generatedBy: by,
    provinces: [...byProvince.values()].sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction)),
    total: total.get('total') ?? emptyRow('total'),
  };
}
