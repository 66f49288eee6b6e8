// Alerts: one per group (a suspect-list entry, a ring) while unresolved; a new parcel in the group
// updates it (alert:updated) instead of opening another (alert:new).
import { and, eq, getTableColumns, ne, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { alertParcels, alerts, type Evidence } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { orderForAlert, type InterceptionOrderView } from '../interception/orders.js';
import { countByProvince, nextOwner, owningJurisdiction, provinceOf } from './ownership.js';

export type AlertRow = typeof alerts.$inferSelect;

export const alertSchema = z
  .object({
    id: z.string().uuid(),
    type: z.string(),
    severity: z.enum(['low', 'medium', 'high']),
    status: z.enum(['open', 'acknowledged', 'resolved']),
    /** The province it was opened in. */
    jurisdiction: z.string(),
    /**
     * The province that acknowledges and resolves it: the one with most of its parcels (server/alerts/ownership.ts).
     * Officers elsewhere see it and add notes; a decision by them is 403 ALERT_NOT_OWNED.
     */
    ownerJurisdiction: z.string(),
    /** Its parcels by province (a ring: those it is scored on, in its window). */
    parcelsByJurisdiction: z.record(z.string(), z.number().int()),
    /** GB/T 2260 counties of the outlets involved. */
    regionCodes: z.array(z.string()),
    routeKey: z.string().nullable(),
    /** In English; summaryZh in Chinese. */
    summary: z.string(),
    summaryZh: z.string(),
    parcelCount: z.number().int(),
    totalValueCny: z.number(),
    waybills: z.array(z.string()),
    evidence: z.array(z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() })),
    crossBorder: z.boolean(),
    /** jurisdiction: where the officer works (null: an admin). */
    acknowledged: z.object({ by: z.string(), jurisdiction: z.string().nullable(), at: z.string() }).nullable(),
    /** by and jurisdiction null: the system (a merge). */
    resolved: z
      .object({
        by: z.string().nullable(),
        jurisdiction: z.string().nullable(),
        at: z.string(),
        resolution: z.enum(['confirmed', 'false_positive', 'merged']),
        note: z.string().nullable(),
      })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Alert' });
export type AlertView = z.output<typeof alertSchema>;

export function presentAlert(a: AlertRow): AlertView {
  return {
    id: a.id,
    type: a.type,
    severity: a.severity,
    status: a.status,
    jurisdiction: a.jurisdiction,
    ownerJurisdiction: a.ownerJurisdiction,
    parcelsByJurisdiction: a.parcelsByJurisdiction,
    regionCodes: a.regionCodes,
    routeKey: a.routeKey,
    summary: a.summary,
    // An alert raised before summaries had two languages kept both in its one string.
    summaryZh: a.summaryZh ?? a.summary,
    parcelCount: a.parcelCount,
    totalValueCny: a.totalValueCny,
    waybills: a.waybills,
    evidence: a.evidence,
    crossBorder: a.crossBorder,
    acknowledged: a.acknowledgedAt
      ? { by: a.acknowledgedByName ?? '', jurisdiction: a.acknowledgedByJurisdiction, at: a.acknowledgedAt.toISOString() }
      : null,
    resolved:
      a.resolvedAt && a.resolution
        ? { by: a.resolvedByName, jurisdiction: a.resolvedByJurisdiction, at: a.resolvedAt.toISOString(), resolution: a.resolution, note: a.resolutionNote }
        : null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export type AlertContribution = {
  type: string;
  groupKey: string;
  severity: 'low' | 'medium' | 'high';
  /** From the message catalogue: `bilingual(code, params)`. */
  summary: { message: string; messageZh: string };
  evidence: Evidence[];
  parcelId: string;
  waybillNo: string;
  valueCny: number;
  regionCode: string;
  crossBorder: boolean;
  routeKey?: string | null;
  /**
   * A group that knows its own totals (a ring, counted over its window) replaces them instead of adding one
   * parcel; parcelIds are the parcels to link to the alert (all of them when it may be new).
   */
  totals?: {
    parcelCount: number;
    totalValueCny: number;
    waybills: string[];
    regionCodes: string[];
    parcelIds: string[];
    /** The parcels by province, and the province of the earliest (where the group began: an opening tie goes there). */
    byJurisdiction: Record<string, number>;
    began: string;
  };
};

export type AlertChange = {
  event: 'alert:new' | 'alert:updated';
  alert: AlertView;
  regionCodes: string[];
  /** Interception orders this change opened (server/interception/): announced when the change is published. */
  interceptions?: InterceptionOrderView[];
};

export const MAX_WAYBILLS_ON_ALERT = 200;

/**
 * Opens the group's alert, or adds the parcel to the one already open (never counting a parcel twice). The
 * owner is set at opening and follows the parcels while the alert is open (ownership.ts).
 */
export async function raiseAlert(db: Queryable, c: AlertContribution): Promise<AlertChange> {
  const rank = (col: SQL) => sql`(case ${col} when 'high' then 3 when 'medium' then 2 else 1 end)`;
  const t = c.totals;
  const byJurisdiction = t?.byJurisdiction ?? countByProvince([c.regionCode]);
  const [row] = await db
    .insert(alerts)
    .values({
      type: c.type,
      severity: c.severity,
      groupKey: c.groupKey,
      jurisdiction: (t?.regionCodes[0] ?? c.regionCode).slice(0, 2),
      regionCodes: t?.regionCodes ?? [c.regionCode],
      crossBorder: c.crossBorder,
      routeKey: c.routeKey ?? null,
      summary: c.summary.message,
      summaryZh: c.summary.messageZh,
      parcelCount: t?.parcelCount ?? 1,
      totalValueCny: t?.totalValueCny ?? c.valueCny,
      waybills: t?.waybills.slice(0, MAX_WAYBILLS_ON_ALERT) ?? [c.waybillNo],
      evidence: c.evidence,
      parcelsByJurisdiction: byJurisdiction,
      ownerJurisdiction: owningJurisdiction(byJurisdiction, t?.began ?? provinceOf(c.regionCode)),
    })
    .onConflictDoUpdate({
      target: alerts.groupKey,
      targetWhere: sql`status <> 'resolved'`,
      set: {
        ...(t
          ? {
              parcelCount: sql`excluded.parcel_count`,
              totalValueCny: sql`excluded.total_value_cny`,
              waybills: sql`excluded.waybills`,
              regionCodes: sql`excluded.region_codes`,
              routeKey: sql`excluded.route_key`,
              parcelsByJurisdiction: sql`excluded.parcels_by_jurisdiction`,
            }
          : {
              parcelCount: sql`${alerts.parcelCount} + 1`,
              totalValueCny: sql`${alerts.totalValueCny} + excluded.total_value_cny`,
              // The row keeps the latest waybills (parcelCount stays exact; alert_parcels has them all): a listed
              // brand groups thousands of parcels, and rewriting an ever longer array made every hit slower.
              waybills: sql`(${alerts.waybills} || excluded.waybills)[greatest(1, cardinality(${alerts.waybills}) + 1 - ${MAX_WAYBILLS_ON_ALERT - 1}):]`,
              regionCodes: sql`case when excluded.region_codes[1] = any(${alerts.regionCodes}) then ${alerts.regionCodes}
                                    else ${alerts.regionCodes} || excluded.region_codes end`,
              parcelsByJurisdiction: sql`${alerts.parcelsByJurisdiction} || coalesce((
                select jsonb_object_agg(e.key, coalesce((${alerts.parcelsByJurisdiction} ->> e.key)::int, 0) + e.value::int)
                from jsonb_each_text(excluded.parcels_by_jurisdiction) e), '{}'::jsonb)`,
            }),
        crossBorder: sql`${alerts.crossBorder} or excluded.cross_border`,
        // Severity only rises as a group grows.
        severity: sql`case when ${rank(sql`excluded.severity`)} > ${rank(sql`${alerts.severity}`)} then excluded.severity else ${alerts.severity} end`,
        summary: sql`excluded.summary`,
        summaryZh: sql`excluded.summary_zh`,
        evidence: sql`excluded.evidence`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ ...getTableColumns(alerts), inserted: sql<boolean>`(xmax = 0)` });
  const parcelIds = t?.parcelIds ?? [c.parcelId];
  let linked: string[] = [];
  if (parcelIds.length) {
    linked = (
      await db
        .insert(alertParcels)
        .values(parcelIds.map((parcelId) => ({ alertId: row!.id, parcelId })))
        .onConflictDoNothing()
        .returning({ parcelId: alertParcels.parcelId })
    ).map((r) => r.parcelId);
  }
  // Parcels the alert just took in that were accepted earlier are still on their way: stop them (拦截件).
  const interceptions = await orderForAlert(db, { id: row!.id, type: c.type }, linked, c.parcelId);
  const { inserted, ...raised } = row!;
  let alert: AlertRow = raised;
  const owner = nextOwner(alert);
  if (owner !== alert.ownerJurisdiction) {
    // The majority of its parcels moved to another province while nobody had it in hand yet: that province decides now.
    const [moved] = await db.update(alerts).set({ ownerJurisdiction: owner }).where(eq(alerts.id, alert.id)).returning();
    alert = moved!;
  }
  return {
    event: inserted ? 'alert:new' : 'alert:updated',
    alert: presentAlert(alert),
    regionCodes: alert.regionCodes,
    ...(interceptions.length ? { interceptions } : {}),
  };
}

export type Resolution = 'confirmed' | 'false_positive' | 'merged';

/** Resolves an unresolved alert; undefined when it was resolved already (or does not exist). */
export async function resolveAlert(
  db: Queryable,
  id: string,
  r: { by: { id: string; username: string; jurisdiction: string | null } | null; resolution: Resolution; note: string | null },
): Promise<AlertRow | undefined> {
  const [row] = await db
    .update(alerts)
    .set({
      status: 'resolved',
      resolution: r.resolution,
      resolutionNote: r.note,
      resolvedBy: r.by?.id ?? null,
      resolvedByName: r.by?.username ?? null,
      resolvedByJurisdiction: r.by?.jurisdiction ?? null,
      resolvedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(alerts.id, id), ne(alerts.status, 'resolved')))
    .returning();
  return row;
}

/** Regulators: alerts touching an outlet in their area. Customs officers: the cross-border ones of those. */
export function alertScope(user: AuthUser): SQL | undefined {
  if (user.role === 'admin') return undefined;
  const inArea = sql`exists (select 1 from unnest(${alerts.regionCodes}) as r(code) where r.code like ${`${user.jurisdiction}%`})`;
  return user.role === 'customs_officer' ? and(inArea, eq(alerts.crossBorder, true)) : inArea;
}
