// Routes in the database: their traffic, alerts and seizures counted over recent days, what customs set on
// them, and the history of every change.
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { customsGoodsRuleChanges, customsGoodsRules, customsRateChanges, customsRoutes } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import { ValidationError } from '../http/errors.js';
import { queryRows, type Queryable } from '../db/database.js';
import { bilingual } from '../i18n/messages.js';
import { CUSTOMS_MESSAGES } from './messages.js';
import { assessRouteRisk, baselineOf, type Baseline, type RouteActivity } from './risk.js';
import { effectiveRate, parseRouteKey, prefixRange, type EffectiveRate, type RouteParts, type RouteSetting } from './routes.js';

const DAY = 86_400_000;

const evidenceSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });

export const routeSchema = z
  .object({
    routeKey: z.string().meta({ example: '4401-US-postal' }),
    originCity: z.string(),
    destinationCountry: z.string(),
    channel: z.enum(['postal', 'express']),
    baseRate: z.number(),
    /** The rate in force now. */
    rate: z.number(),
    raised: z.boolean(),
    raisedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
    parcels7d: z.number().int(),
    selected7d: z.number().int(),
    alerts7d: z.number().int(),
    confirmedAlerts30d: z.number().int(),
    decided30d: z.number().int(),
    seized30d: z.number().int(),
    pendingInspections: z.number().int(),
    risk: z.object({
      score: z.number(),
      level: z.enum(['high', 'elevated', 'normal']),
      suggested: z.boolean(),
      suggestedRate: z.number().nullable(),
      evidence: z.array(evidenceSchema),
    }),
  })
  .meta({ id: 'Route' });
export type RouteView = z.output<typeof routeSchema>;

export const rateChangeSchema = z
  .object({
    id: z.string(),
    routeKey: z.string(),
    action: z.enum(['set', 'restore']),
    rate: z.number(),
    previousRate: z.number(),
    reason: z.string(),
    expiresAt: z.string().nullable(),
    changedBy: z.string(),
    changedAt: z.string(),
  })
  .meta({ id: 'RateChange' });

export const goodsRuleChangeSchema = rateChangeSchema
  .omit({ routeKey: true })
  .extend({ ruleKey: z.string(), scope: z.string().meta({ description: "The rule's scope: '' national, else the region prefix it applies to" }) })
  .meta({ id: 'GoodsRuleChange' });

export type Counts = RouteActivity & { selected7d: number; pendingInspections: number };
export const emptyCounts = (): Counts => ({ parcels7d: 0, selected7d: 0, alerts7d: 0, confirmedAlerts30d: 0, decided30d: 0, seized30d: 0, pendingInspections: 0 });

/**
 * Every route leaving the scope (a region prefix; null: the whole country) that had cross-border traffic or
 * alerts in the last 30 days, or that customs ever set a rate on, riskiest first. Three grouped queries.
 */
export async function loadRoutes(db: Queryable, scope: string | null, baseRate: number, now: Date): Promise<RouteView[]> {
  const d7 = new Date(now.getTime() - 7 * DAY);
  const d30 = new Date(now.getTime() - 30 * DAY);
  const [lo, hi] = scope ? prefixRange(scope) : [null, null];
  const cityIn = lo ? sql`and origin_city >= ${lo} and origin_city < ${hi}` : sql``;
  const routeIn = lo ? sql`and route_key >= ${lo} and route_key < ${hi}` : sql``;
  const [traffic, alerted, settings] = await Promise.all([
    queryRows<{ route_key: string; parcels7d: string; selected7d: string; decided30d: string; seized30d: string; pending: string }>(
      db,
      sql`select route_key,
                 count(*) filter (where created_at > ${d7}) as parcels7d,
                 count(*) filter (where selected and created_at > ${d7}) as selected7d,
                 count(*) filter (where outcome is not null) as decided30d,
                 count(*) filter (where outcome = 'seized') as seized30d,
                 count(*) filter (where selected and outcome is null) as pending
          from customs_inspections where created_at > ${d30} ${cityIn} group by route_key`,
    ),
    queryRows<{ route_key: string; alerts7d: string; confirmed30d: string }>(
      db,
      sql`select route_key,
                 count(*) filter (where created_at > ${d7}) as alerts7d,
                 count(*) filter (where resolution = 'confirmed' and resolved_at > ${d30}) as confirmed30d
          from alerts where route_key is not null and cross_border and (created_at > ${d30} or resolved_at > ${d30}) ${routeIn}
          group by route_key`,
    ),
    db
      .select()
      .from(customsRoutes)
      .where(lo ? and(gte(customsRoutes.routeKey, lo), lt(customsRoutes.routeKey, hi!)) : undefined),
  ]);

  const counts = new Map<string, Counts>();
  const at = (key: string) => counts.get(key) ?? counts.set(key, emptyCounts()).get(key)!;
  for (const t of traffic) {
    Object.assign(at(t.route_key), {
      parcels7d: Number(t.parcels7d), selected7d: Number(t.selected7d), decided30d: Number(t.decided30d), seized30d: Number(t.seized30d), pendingInspections: Number(t.pending),
    });
  }
  for (const a of alerted) Object.assign(at(a.route_key), { alerts7d: Number(a.alerts7d), confirmedAlerts30d: Number(a.confirmed30d) });
  const settingOf = new Map(settings.map((r) => [r.routeKey, r]));
  for (const r of settings) at(r.routeKey);

  const baseline = baselineOf([...counts.values()]);
  const views: RouteView[] = [];
  for (const [key, c] of counts) {
    const parts = parseRouteKey(key);
    if (parts) views.push(routeViewOf(parts, effectiveRate(settingOf.get(key), baseRate, now), c, baseline, baseRate));
  }
  return views.sort((a, b) => b.risk.score - a.risk.score || b.parcels7d - a.parcels7d || a.routeKey.localeCompare(b.routeKey));
}

/** A route as the API shows it; a route with no activity in view is `routeViewOf(parts, rate, emptyCounts(), …)`. */
export function routeViewOf(parts: RouteParts, rate: EffectiveRate, c: Counts, baseline: Baseline, baseRate: number): RouteView {
  return {
    ...parts,
    baseRate,
    rate: rate.rate,
    raised: rate.raised,
    raisedUntil: rate.raisedUntil?.toISOString() ?? null,
    reason: rate.reason,
    setBy: rate.setBy,
    setAt: rate.setAt?.toISOString() ?? null,
    ...c,
    risk: assessRouteRisk(c, baseline, rate.rate, baseRate),
  };
}

/** Whether traffic can run on a route: an outlet in its city, or parcels already taken in on it. */
export async function routeExists(db: Queryable, routeKey: string, originCity: string): Promise<boolean> {
  const [lo, hi] = prefixRange(originCity);
  const [row] = await queryRows<{ known: boolean }>(
    db,
    sql`select exists (select 1 from outlets where region_code >= ${lo} and region_code < ${hi})
            or exists (select 1 from customs_inspections where route_key = ${routeKey})
            or exists (select 1 from customs_routes where route_key = ${routeKey}) as known`,
  );
  return !!row?.known;
}

/**
 * Rates customs set are kept alike on routes and on goods classes (重点监管商品): a setting row per key
 * (customs_routes, customs_goods_rules) and a history of every change (customs_rate_changes,
 * customs_goods_rule_changes). `subject` says which; everything below serves both.
 */
export type RateSubject = 'route' | 'goods';

/**
 * The setting of a route or goods rule (a goods rule in its scope, '' national), locked for a change (the row
 * is made first, so two changes take turns).
 */
export async function lockSetting(db: Queryable, subject: RateSubject, key: string, scope = ''): Promise<RouteSetting> {
  if (subject === 'route') {
    await db.insert(customsRoutes).values({ routeKey: key }).onConflictDoNothing();
    const [row] = await db.select().from(customsRoutes).where(eq(customsRoutes.routeKey, key)).for('update');
    return row!;
  }
  await db.insert(customsGoodsRules).values({ ruleKey: key, scope }).onConflictDoNothing();
  const [row] = await db.select().from(customsGoodsRules).where(and(eq(customsGoodsRules.ruleKey, key), eq(customsGoodsRules.scope, scope))).for('update');
  return row!;
}

/** The route's setting, locked for a change. */
export const lockRouteSetting = (db: Queryable, routeKey: string) => lockSetting(db, 'route', routeKey);

export type RateChange = {
  routeKey: string;
  action: 'set' | 'restore';
  rate: number;
  previousRate: number;
  reason: string;
  expiresAt: Date | null;
  by: { id: string; username: string };
  now: Date;
};
type Change = Omit<RateChange, 'routeKey'> & { key: string; scope: string };

/** Writes the new setting and its line in the history; answers the line as the API shows it (key under `keyName`). */
async function writeChange(db: Queryable, subject: RateSubject, c: Change) {
  const setting =
    c.action === 'set'
      ? { raisedRate: c.rate, reason: c.reason, setBy: c.by.id, setByName: c.by.username, setAt: c.now, expiresAt: c.expiresAt }
      : { raisedRate: null, reason: null, setBy: null, setByName: null, setAt: null, expiresAt: null };
  const line = {
    action: c.action, rate: c.rate, previousRate: c.previousRate, reason: c.reason, expiresAt: c.expiresAt,
    changedBy: c.by.id, changedByName: c.by.username, changedAt: c.now,
  };
  if (subject === 'route') {
    await db.update(customsRoutes).set(setting).where(eq(customsRoutes.routeKey, c.key));
    const [row] = await db.insert(customsRateChanges).values({ routeKey: c.key, ...line }).returning();
    return presentChange(row!);
  }
  await db.update(customsGoodsRules).set(setting).where(and(eq(customsGoodsRules.ruleKey, c.key), eq(customsGoodsRules.scope, c.scope)));
  const [row] = await db.insert(customsGoodsRuleChanges).values({ ruleKey: c.key, scope: c.scope, ...line }).returning();
  return presentGoodsChange(row!);
}

/** Writes a route's new setting and its line in the history. */
export const changeRate = (db: Queryable, c: RateChange) => writeChange(db, 'route', { ...c, key: c.routeKey, scope: '' }) as Promise<z.output<typeof rateChangeSchema>>;

type ChangeRow = Omit<typeof customsRateChanges.$inferSelect, 'routeKey'>;
const changeFields = (r: ChangeRow) => ({
  id: r.id,
  action: r.action,
  rate: r.rate,
  previousRate: r.previousRate,
  reason: r.reason,
  expiresAt: r.expiresAt?.toISOString() ?? null,
  changedBy: r.changedByName,
  changedAt: r.changedAt.toISOString(),
});

export function presentChange(r: typeof customsRateChanges.$inferSelect): z.output<typeof rateChangeSchema> {
  return { ...changeFields(r), routeKey: r.routeKey };
}

export function presentGoodsChange(r: typeof customsGoodsRuleChanges.$inferSelect): z.output<typeof goodsRuleChangeSchema> {
  return { ...changeFields(r), ruleKey: r.ruleKey, scope: r.scope };
}

export async function rateHistory(db: Queryable, routeKey: string, limit = 100) {
  const rows = await db
    .select()
    .from(customsRateChanges)
    .where(eq(customsRateChanges.routeKey, routeKey))
    .orderBy(desc(customsRateChanges.changedAt), desc(customsRateChanges.id))
    .limit(limit);
  return rows.map(presentChange);
}

/** A goods class's changes in the scopes overlapping `area` (the caller's rule scope; '' national: all). */
export async function goodsRuleHistory(db: Queryable, ruleKey: string, area: string, limit = 100) {
  const t = customsGoodsRuleChanges;
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.ruleKey, ruleKey), area ? sql`(starts_with(${area}, ${t.scope}) or starts_with(${t.scope}, ${area}))` : undefined))
    .orderBy(desc(customsGoodsRuleChanges.changedAt), desc(customsGoodsRuleChanges.id))
    .limit(limit);
  return rows.map(presentGoodsChange);
}

/** A set rate is a decision to review: at most a year ahead (catches 2062 for 2026). */
export const MAX_EXPIRY_MS = 366 * 86_400_000;

/** What setting a rate takes, on a route or a goods class: the share, why, and until when (none: until restored). */
export const rateSettingBody = z.strictObject({
  rate: z.number().min(0).max(1),
  reason: z.string().trim().min(1).max(500),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export const rateSettingFieldCodes = {
  rate: { REQUIRED: 'RATE_REQUIRED', TOO_LARGE: 'RATE_OUT_OF_RANGE', TOO_SMALL: 'RATE_OUT_OF_RANGE', '*': 'RATE_INVALID' },
  reason: { REQUIRED: 'REASON_REQUIRED', TOO_LONG: 'REASON_TOO_LONG', '*': 'REASON_INVALID' },
  expiresAt: { '*': 'EXPIRY_INVALID' },
};
/** What restoring the base rate takes: why. */
export const rateRestoreBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

/** The expiry of a rate being set: in the future (EXPIRY_IN_PAST) and at most a year ahead (EXPIRY_TOO_FAR); none: until restored. */
export function checkExpiry(expiresAt: string | null | undefined, now: Date): Date | null {
  const at = expiresAt ? new Date(expiresAt) : null;
  if (at && at.getTime() <= now.getTime()) {
    throw new ValidationError([{ path: 'expiresAt', code: 'EXPIRY_IN_PAST', ...bilingual(CUSTOMS_MESSAGES.RATE_EXPIRY_IN_PAST, { expiresAt: expiresAt ?? '', now: now.toISOString() }) }]);
  }
  if (at && at.getTime() - now.getTime() > MAX_EXPIRY_MS) {
    throw new ValidationError([{ path: 'expiresAt', code: 'EXPIRY_TOO_FAR', ...bilingual(CUSTOMS_MESSAGES.RATE_EXPIRY_TOO_FAR) }]);
  }
  return at;
}

/** What a change writes, decided from the rate in force (null: nothing to write). */
export type RateDecision = { action: 'set' | 'restore'; rate: number; reason: string; expiresAt: Date | null } | null;

/**
 * Changes the rate of a route or goods rule in the caller's transaction: its setting is locked, `decide` says
 * what to write given the rate in force, and the change goes to the history and the audit log
 * (`<auditAction>.set` / `.restore`). Answers the history line, or null when nothing was written.
 */
export async function changeSettingRate<S extends RateSubject>(
  tx: Queryable,
  o: {
    subject: S;
    key: string;
    /** A goods rule's scope ('' national); routes have none. */
    scope?: string;
    baseRate: number;
    user: AuthUser;
    requestId: string;
    auditAction: string;
    now: Date;
    decide: (before: EffectiveRate) => RateDecision;
  },
): Promise<(S extends 'route' ? z.output<typeof rateChangeSchema> : z.output<typeof goodsRuleChangeSchema>) | null> {
  const scope = o.scope ?? '';
  const before = effectiveRate(await lockSetting(tx, o.subject, o.key, scope), o.baseRate, o.now);
  const decided = o.decide(before);
  if (!decided) return null;
  const change: Change = { ...decided, key: o.key, scope, previousRate: before.rate, by: o.user, now: o.now };
  const written = await writeChange(tx, o.subject, change);
  // The audit row last: it takes the audit chain's lock, which every audited write in the system waits for.
  await recordAudit(tx, {
    actor: o.user,
    action: `${o.auditAction}.${change.action}`,
    subjectType: o.subject === 'route' ? 'route' : 'goods_rule',
    subjectId: o.key,
    requestId: o.requestId,
    details: {
      rate: change.rate, previousRate: change.previousRate, reason: change.reason, expiresAt: change.expiresAt?.toISOString() ?? null,
      ...(o.subject === 'goods' ? { scope } : {}),
    },
  });
  return written as never;
}
