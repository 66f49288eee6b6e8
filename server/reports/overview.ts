// Figures for the console's overview charts over a chosen period (China-time days): intakes per day by
// verdict, holds and refusals by reason, alerts by route and by outlet, and the top destinations.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { between, dayCounts, reasonCounts } from './counts.js';
import { chinaMidnight, daysBetween } from './period.js';
import { alertsIn, parcelsIn, regionIn, scopeLabel, type ReportScope } from './scope.js';

const count = z.number().int();
export const overviewSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    jurisdiction: z.string(),
    totals: z.object({ intakes: count, accepted: count, held: count, rejected: count, crossBorder: count, alerts: count, seizures: count }),
    days: z.array(z.object({ day: z.string(), accepted: count, held: count, rejected: count })),
    holdsByReason: z.array(z.object({ code: z.string(), count })),
    refusalsByReason: z.array(z.object({ code: z.string(), count })),
    alertsByRoute: z.array(z.object({ routeKey: z.string(), count, high: count })),
    alertsByOutlet: z.array(z.object({ outletId: z.string(), name: z.string(), count })),
    topDestinations: z.array(z.object({ country: z.string(), parcels: count, held: count, rejected: count })),
  })
  .meta({ id: 'Overview' });
export type Overview = z.output<typeof overviewSchema>;

const TOP = 10;

/** `from` and `to` are China-time days, both included. */
export async function buildOverview(db: Queryable, scope: ReportScope, fromDay: string, toDay: string): Promise<Overview> {
  const from = chinaMidnight(fromDay).toISOString();
  const to = new Date(chinaMidnight(toDay).getTime() + 86_400_000).toISOString();
  const inPeriod = (col: string) => between(col, from, to);
  const parcelsInPeriod = sql`${parcelsIn(scope)} and ${inPeriod('p.created_at')}`;

  // Independent queries, in parallel on a pool (one after another on PGlite).
  const daysQ = dayCounts(db, parcelsInPeriod, daysBetween(fromDay, toDay));
  const reasonsQ = reasonCounts(db, parcelsInPeriod);
  const destinationsQ = queryRows<Overview['topDestinations'][number]>(
    db,
    sql`select p.recipient_country as country, count(*)::int as parcels,
               count(*) filter (where p.verdict = 'held')::int as held, count(*) filter (where p.verdict = 'rejected')::int as rejected
          from parcels p where ${parcelsInPeriod} and p.cross_border group by 1 order by 2 desc, 1 limit ${TOP}`,
  );
  const alertsInPeriod = sql`${alertsIn(scope)} and ${inPeriod('a.created_at')}`;
  const byRouteQ = queryRows<Overview['alertsByRoute'][number]>(
    db,
    sql`select a.route_key as "routeKey", count(*)::int as count, count(*) filter (where a.severity = 'high')::int as high
          from alerts a where ${alertsInPeriod} and a.route_key is not null group by 1 order by 2 desc, 1 limit ${TOP}`,
  );
  const byOutletQ = queryRows<Overview['alertsByOutlet'][number]>(
    db,
    sql`select p.outlet_id as "outletId", o.name, count(distinct a.id)::int as count
          from alerts a join alert_parcels ap on ap.alert_id = a.id join parcels p on p.id = ap.parcel_id join outlets o on o.id = p.outlet_id
         where ${alertsInPeriod} and ${parcelsIn(scope)} group by 1, 2 order by 3 desc, 1 limit ${TOP}`,
  );
  const othersQ = queryRows<{ alerts: number; seizures: number }>(
    db,
    sql`select (select count(*)::int from alerts a where ${alertsInPeriod}) as alerts,
               (select count(*)::int from customs_inspections ci
                 where ci.outcome = 'seized' and ${inPeriod('ci.decided_at')} and ${regionIn(scope, sql`ci.origin_city`)}) as seizures`,
  );

  const [days, reasons, destinations, byRoute, byOutlet, [others]] = await Promise.all([daysQ, reasonsQ, destinationsQ, byRouteQ, byOutletQ, othersQ]);
  const sum = (k: 'accepted' | 'held' | 'rejected' | 'crossBorder') => days.reduce((s, d) => s + d[k], 0);
  return {
    from: fromDay,
    to: toDay,
    jurisdiction: scopeLabel(scope),
    totals: {
      intakes: sum('accepted') + sum('held') + sum('rejected'),
      accepted: sum('accepted'),
      held: sum('held'),
      rejected: sum('rejected'),
      crossBorder: sum('crossBorder'),
      alerts: others!.alerts,
      seizures: others!.seizures,
    },
    days: days.map(({ day, accepted, held, rejected }) => ({ day, accepted, held, rejected })),
    ...reasons,
    alertsByRoute: byRoute,
    alertsByOutlet: byOutlet,
    topDestinations: destinations,
  };
}

