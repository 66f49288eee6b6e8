// The weekly progress table (每周进展情况表) the seed notices have sent up every Friday: for one jurisdiction
// and one ISO week (China time), what intake refused and held, what the suspect lists caught, what alerts
// were opened and how they ended, what customs inspected and seized, and the week's confirmed cases.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Queryable } from '../db/database.js';
import { caseProgress } from '../cases/progress.js';
import { between, dayCounts, reasonCounts } from './counts.js';
import { holdFiguresBy, holdFiguresSchema, NO_HOLDS, overdueHolds, overdueHoldSchema } from './holds.js';
import { interceptionFiguresBy, interceptionFiguresSchema, NO_INTERCEPTIONS } from './interceptions.js';
import type { IsoWeek } from './period.js';
import { alertsIn, parcelsIn, regionIn, scopeLabel, type ReportScope } from './scope.js';
import { reportHeaderFields } from './header.js';
import { disposalFiguresSchema, ipFiguresBy, noIpFigures, noticeFiguresSchema } from './customs-ip.js';

const countSchema = z.object({ code: z.string(), count: z.number().int() });

export const weeklyReportSchema = z
  .object({
    week: z.string().meta({ example: '2026-W47' }),
    ...reportHeaderFields,
    intakes: z.object({ total: z.number().int(), accepted: z.number().int(), held: z.number().int(), rejected: z.number().int(), crossBorder: z.number().int() }),
    refusalsByReason: z.array(countSchema),
    holdsByReason: z.array(countSchema),
    suspectListHits: z.number().int().meta({ description: 'Parcels held for a suspect-list hit' }),
    alerts: z.object({ opened: z.number().int(), confirmed: z.number().int(), falsePositive: z.number().int(), openNow: z.number().int() }),
    customs: z.object({ selected: z.number().int(), inspected: z.number().int(), seized: z.number().int(), returned: z.number().int(), rateChanges: z.number().int() }),
    disposals: disposalFiguresSchema.meta({ description: 'Seized goods disposed of in the week by kind; pending as at the end of the period' }),
    notices: noticeFiguresSchema.meta({ description: 'Right-holder notices sent and answered in the week; overdue as at the end of the period' }),
    days: z.array(z.object({ day: z.string(), intakes: z.number().int(), held: z.number().int(), rejected: z.number().int() })),
    rateChanges: z.array(
      z.object({ routeKey: z.string(), action: z.enum(['set', 'restore']), rate: z.number(), previousRate: z.number(), reason: z.string(), expiresAt: z.string().nullable(), changedBy: z.string(), changedAt: z.string() }),
    ),
    confirmedCases: z.array(
      z.object({
        alertId: z.string(),
        type: z.string(),
        severity: z.string(),
        routeKey: z.string().nullable(),
        summary: z.string(),
        summaryZh: z.string(),
        parcelCount: z.number().int(),
        totalValueCny: z.number(),
        waybills: z.array(z.string()),
        openedAt: z.string(),
        resolvedAt: z.string(),
        resolvedBy: z.string().nullable(),
        note: z.string().nullable(),
      }),
    ),
    cases: z
      .array(
        z.object({
          reference: z.string(),
          title: z.string(),
          owner: z.string(),
          jurisdiction: z.string(),
          openedAt: z.string(),
          dueAt: z.string(),
          status: z.enum(['open', 'closed']),
          outcome: z.string().optional(),
          closedAt: z.string().optional(),
          eventsThisPeriod: z.number().int(),
          lastNote: z.object({ text: z.string(), by: z.string(), at: z.string() }).optional(),
          overdue: z.boolean(),
        }),
      )
      .meta({ description: 'Key cases open at some time in the week or closed in it (案件进展), as at the end of the period' }),
    holds: holdFiguresSchema.extend({ overdueList: z.array(overdueHoldSchema) }).meta({ description: 'Holds placed and decided in the week; pending and overdue as at the end of the period' }),
    interceptions: interceptionFiguresSchema.meta({ description: 'Interception orders (拦截件) placed and answered in the week; open and overdue as at the end of the period' }),
  })
  .meta({ id: 'WeeklyReport' });
export type WeeklyReport = z.output<typeof weeklyReportSchema>;

/** Waybills listed per confirmed case in the table; the alert has them all. */
const CASE_WAYBILLS = 20;

/**
 * The week from Monday 00:00 to the earlier of its end and `now` (China time): the current week so far, and a
 * stored Friday 17:00 report exactly as it stood at 17:00 even when generated later.
 */
export async function buildWeeklyReport(db: Queryable, scope: ReportScope, week: IsoWeek, by: string, now = new Date()): Promise<WeeklyReport> {
  const end = week.to < now ? week.to : now;
  const [from, to] = [week.from.toISOString(), end.toISOString()];
  const inWeek = (col: string) => between(col, from, to);
  const parcelsInWeek = sql`${parcelsIn(scope)} and ${inWeek('p.created_at')}`;

  // Independent queries, in parallel on a pool (one after another on PGlite).
  const reasonsQ = reasonCounts(db, parcelsInWeek);
  const daysQ = dayCounts(db, parcelsInWeek, week.days);
  const alertCountsQ = queryRows<WeeklyReport['alerts']>(
    db,
    sql`select count(*) filter (where ${inWeek('a.created_at')})::int as opened,
               count(*) filter (where a.resolution = 'confirmed' and ${inWeek('a.resolved_at')})::int as confirmed,
               count(*) filter (where a.resolution = 'false_positive' and ${inWeek('a.resolved_at')})::int as "falsePositive",
               count(*) filter (where a.status <> 'resolved')::int as "openNow"
          from alerts a
         where ${alertsIn(scope)} and (${inWeek('a.created_at')} or ${inWeek('a.resolved_at')} or a.status <> 'resolved')`,
  );
  const customsQ = queryRows<Omit<WeeklyReport['customs'], 'rateChanges'>>(
    db,
    sql`select count(*) filter (where ci.selected and ${inWeek('ci.created_at')})::int as selected,
               count(*) filter (where ci.outcome is not null and ${inWeek('ci.decided_at')})::int as inspected,
               count(*) filter (where ci.outcome = 'seized' and ${inWeek('ci.decided_at')})::int as seized,
               count(*) filter (where ci.outcome = 'returned' and ${inWeek('ci.decided_at')})::int as returned
          from customs_inspections ci
         where ${regionIn(scope, sql`ci.origin_city`)} and ((ci.selected and ${inWeek('ci.created_at')}) or ${inWeek('ci.decided_at')})`,
  );
  const rateChangesQ = queryRows<{
    routeKey: string; action: 'set' | 'restore'; rate: number; previousRate: number; reason: string; expiresAt: Date | null; changedBy: string; changedAt: Date;
  }>(
    db,
    sql`select route_key as "routeKey", action, rate, previous_rate as "previousRate", reason, expires_at as "expiresAt",
               changed_by_name as "changedBy", changed_at as "changedAt"
          from customs_rate_changes c
         where ${regionIn(scope, sql`left(c.route_key, 4)`)} and ${inWeek('c.changed_at')}
         order by c.changed_at`,
  );
  const casesQ = queryRows<{
    id: string; type: string; severity: string; routeKey: string | null; summary: string; summaryZh: string; parcelCount: number; totalValueCny: string | number;
    waybills: string[]; createdAt: Date; resolvedAt: Date; resolvedBy: string | null; note: string | null;
  }>(
    db,
    sql`select a.id, a.type, a.severity, a.route_key as "routeKey", a.summary, coalesce(a.summary_zh, a.summary) as "summaryZh", a.parcel_count as "parcelCount",
               a.total_value_cny as "totalValueCny", a.waybills, a.created_at as "createdAt", a.resolved_at as "resolvedAt",
               a.resolved_by_name as "resolvedBy", a.resolution_note as note
          from alerts a
         where ${alertsIn(scope)} and a.resolution = 'confirmed' and ${inWeek('a.resolved_at')}
         order by a.resolved_at`,
  );

  const progressQ = caseProgress(db, scope.prefix, week.from, end, now);
  const holdsQ = holdFiguresBy(db, scope, from, to, sql`'all'`);
  const overdueQ = overdueHolds(db, scope, to);
  const ipQ = ipFiguresBy(db, scope, from, to, () => sql`'total'`);
  const interceptionsQ = interceptionFiguresBy(db, scope, from, to, sql`'all'`);

  const iso = (d: Date | string) => new Date(d).toISOString();
  const [reasons, days, [alertCounts], [customs], rateChanges, cases, progress, holdFigures, overdueList, ip, interceptions] = await Promise.all([
    reasonsQ, daysQ, alertCountsQ, customsQ, rateChangesQ, casesQ, progressQ, holdsQ, overdueQ, ipQ, interceptionsQ,
  ]);
  const { disposals, notices } = ip.get('total') ?? noIpFigures();
  const sum = (k: 'accepted' | 'held' | 'rejected' | 'crossBorder' | 'suspectListHits') => days.reduce((n, d) => n + d[k], 0);
  return {
    week: week.week,
    from,
    to,
    jurisdiction: scopeLabel(scope),
    crossBorderOnly: scope.crossBorderOnly,
    generatedAt: now.toISOString(),
    generatedBy: by,
    intakes: { total: sum('accepted') + sum('held') + sum('rejected'), accepted: sum('accepted'), held: sum('held'), rejected: sum('rejected'), crossBorder: sum('crossBorder') },
    ...reasons,
    suspectListHits: sum('suspectListHits'),
    alerts: alertCounts!,
    customs: { ...customs!, rateChanges: rateChanges.length },
    disposals,
    notices,
    days: days.map((d) => ({ day: d.day, intakes: d.accepted + d.held + d.rejected, held: d.held, rejected: d.rejected })),
    rateChanges: rateChanges.map((c) => ({ ...c, expiresAt: c.expiresAt ? iso(c.expiresAt) : null, changedAt: iso(c.changedAt) })),
    confirmedCases: cases.map((c) => ({
      alertId: c.id,
      type: c.type,
      severity: c.severity,
      routeKey: c.routeKey,
      summary: c.summary,
      summaryZh: c.summaryZh,
      parcelCount: c.parcelCount,
      totalValueCny: Number(c.totalValueCny),
      waybills: c.waybills.slice(0, CASE_WAYBILLS),
      openedAt: iso(c.createdAt),
      resolvedAt: iso(c.resolvedAt),
      resolvedBy: c.resolvedBy,
      note: c.note,
    })),
    cases: progress,
    holds: { ...(holdFigures.get('all') ?? NO_HOLDS), overdueList },
    interceptions: interceptions.get('all') ?? { ...NO_INTERCEPTIONS },
  };
}
