// Alerts: one per group (a suspect-list entry, a ring) while unresolved; a new parcel in the group
// updates it (alert:updated) instead of opening another (alert:new).
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { alerts, type Evidence } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';

export type AlertRow = typeof alerts.$inferSelect;

export const alertSchema = z
  .object({
    id: z.string().uuid(),
    type: z.string(),
    severity: z.enum(['low', 'medium', 'high']),
    status: z.enum(['open', 'acknowledged', 'resolved']),
    jurisdiction: z.string(),
    routeKey: z.string().nullable(),
    summary: z.string(),
    parcelCount: z.number().int(),
    totalValueCny: z.number(),
    waybills: z.array(z.string()),
    evidence: z.array(z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() })),
    crossBorder: z.boolean(),
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
    routeKey: a.routeKey,
    summary: a.summary,
    parcelCount: a.parcelCount,
    totalValueCny: a.totalValueCny,
    waybills: a.waybills,
    evidence: a.evidence,
    crossBorder: a.crossBorder,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export type AlertContribution = {
  type: string;
  groupKey: string;
  severity: 'low' | 'medium' | 'high';
  summary: string;
  evidence: Evidence[];
  parcelId: string;
  waybillNo: string;
  valueCny: number;
  regionCode: string;
  crossBorder: boolean;
  routeKey?: string | null;
};

export type AlertChange = { event: 'alert:new' | 'alert:updated'; alert: AlertView; regionCodes: string[] };

export const MAX_WAYBILLS_ON_ALERT = 200;

/** Opens the group's alert, or adds the parcel to the one already open (never counting a parcel twice). */
export async function raiseAlert(db: Queryable, c: AlertContribution): Promise<AlertChange> {
  const [row] = await queryRows<Record<string, unknown> & { inserted: boolean }>(
    db,
    sql`
      insert into alerts (type, severity, group_key, jurisdiction, region_codes, cross_border, route_key, summary,
                          parcel_count, total_value_cny, waybills, evidence)
      values (${c.type}, ${c.severity}, ${c.groupKey}, ${c.regionCode.slice(0, 2)}, array[${c.regionCode}::text], ${c.crossBorder},
              ${c.routeKey ?? null}, ${c.summary}, 1, ${c.valueCny}, array[${c.waybillNo}::text], ${JSON.stringify(c.evidence)}::jsonb)
      on conflict (group_key) where status <> 'resolved' do update set
        parcel_count = alerts.parcel_count + 1,
        total_value_cny = alerts.total_value_cny + excluded.total_value_cny,
        -- The row keeps the latest 200 waybills (parcelCount stays exact; alert_parcels has them all): a listed
        -- brand groups thousands of parcels, and rewriting an ever longer array made every hit slower.
        waybills = (alerts.waybills || excluded.waybills)[greatest(1, cardinality(alerts.waybills) + 1 - ${MAX_WAYBILLS_ON_ALERT - 1}):],
        region_codes = case when excluded.region_codes[1] = any(alerts.region_codes) then alerts.region_codes
                            else alerts.region_codes || excluded.region_codes end,
        cross_border = alerts.cross_border or excluded.cross_border,
        -- severity only rises as a group grows
        severity = case when (case excluded.severity when 'high' then 3 when 'medium' then 2 else 1 end)
                           > (case alerts.severity when 'high' then 3 when 'medium' then 2 else 1 end)
                        then excluded.severity else alerts.severity end,
        summary = excluded.summary,
        evidence = excluded.evidence,
        updated_at = now()
      returning *, (xmax = 0) as inserted`,
  );
  await db.execute(sql`insert into alert_parcels (alert_id, parcel_id) values (${row!.id}, ${c.parcelId}) on conflict do nothing`);
  const alert = rowToAlert(row!);
  return { event: row!.inserted ? 'alert:new' : 'alert:updated', alert: presentAlert(alert), regionCodes: alert.regionCodes };
}

/** Raw rows use column names; this maps them to the schema's shape. */
function rowToAlert(r: Record<string, unknown>): AlertRow {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: r.id as string,
    type: r.type as string,
    severity: r.severity as AlertRow['severity'],
    status: r.status as AlertRow['status'],
    groupKey: r.group_key as string,
    jurisdiction: r.jurisdiction as string,
    regionCodes: r.region_codes as string[],
    crossBorder: r.cross_border as boolean,
    routeKey: (r.route_key as string | null) ?? null,
    summary: r.summary as string,
    parcelCount: Number(r.parcel_count),
    totalValueCny: Number(r.total_value_cny),
    waybills: r.waybills as string[],
    evidence: r.evidence as Evidence[],
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    acknowledgedAt: date(r.acknowledged_at),
    resolvedBy: (r.resolved_by as string | null) ?? null,
    resolvedAt: date(r.resolved_at),
    resolution: (r.resolution as string | null) ?? null,
    resolutionNote: (r.resolution_note as string | null) ?? null,
  };
}
