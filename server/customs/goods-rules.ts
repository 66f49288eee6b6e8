// Goods rules (重点监管商品): inspection rates customs set on a goods class — an intake category
// (`category:watches`) or a protected brand (`brand:rolex`, named by any alias in the registry: 劳力士 is
// Rolex). They are kept exactly like route rates (server/customs/store.ts: setting, expiry, history, audit);
// a goods class with no rule adds nothing (its base is 0), and where both apply the higher rate selects.
// Scoped like routes: a rule applies to parcels whose origin (the outlet's region) lies in its scope, the
// jurisdiction of the officer who set it ('' national: set by an admin or an officer without jurisdiction);
// where a national and a provincial rule both apply, the higher rate selects.
// Also here: the goods classes of a parcel, and the classes' recent traffic and seizures with a suggestion.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { customsGoodsRules } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { brandSnapshot } from '../brands/registry.js';
import { queryRows, type Queryable } from '../db/database.js';
import { hasHan } from '../identity/names.js';
import { GOODS_CATEGORIES } from '../intake/contents.js';
import { assessRisk, GOODS_PEERS, type Baseline, type RouteActivity } from './risk.js';
import { effectiveRate, prefixRange, type EffectiveRate, type RouteSetting } from './routes.js';

const DAY = 86_400_000;

/** A goods class has no rate of its own until customs set one: the route's rate alone applies. */
export const GOODS_BASE_RATE = 0;

export type GoodsRuleParts = { ruleKey: string; kind: 'category' | 'brand'; value: string; label: string; labelZh: string };

/** Names of the goods categories a rule can be set on, in both languages. */
const CATEGORY_LABELS: Record<(typeof GOODS_CATEGORIES)[number], [string, string]> = {
  clothing: ['Clothing', '服装'], shoes: ['Shoes', '鞋类'], bags: ['Bags', '箱包'], watches: ['Watches', '手表'], jewelry: ['Jewellery', '首饰'],
  cosmetics: ['Cosmetics', '化妆品'], electronics: ['Electronics', '电子产品'], phone_accessories: ['Phone accessories', '手机配件'],
  food: ['Food', '食品'], drugs: ['Medicines', '药品'], medical_devices: ['Medical devices', '医疗器械'], auto_parts: ['Car parts', '汽车配件'],
  building_materials: ['Building materials', '建材'], childrens_goods: ["Children's goods", '儿童用品'], toys: ['Toys', '玩具'],
  agricultural_inputs: ['Farm supplies', '农资'], books: ['Books', '书籍'], documents: ['Documents', '文件'], household: ['Household goods', '日用品'],
  sports: ['Sports goods', '体育用品'], tea: ['Tea', '茶叶'], handicrafts: ['Handicrafts', '工艺品'], samples: ['Samples', '样品'], gifts: ['Gifts', '礼品'],
  other: ['Other', '其他'],
};
const isGoodsCategory = (c: string): c is keyof typeof CATEGORY_LABELS => c in CATEGORY_LABELS;

/**
 * A rule key to its canonical parts: `category:<intake goods category>`, or `brand:<any alias of a registered
 * brand>` → `brand:<its key>` (brand:劳力士 → brand:rolex). Null when it names neither.
 */
export function parseGoodsRuleKey(raw: string): GoodsRuleParts | null {
  const m = /^(category|brand):(.+)$/s.exec(raw.trim());
  if (!m) return null;
  const value = m[2]!.trim();
  if (m[1] === 'category') {
    if (!isGoodsCategory(value)) return null;
    const [label, labelZh] = CATEGORY_LABELS[value];
    return { ruleKey: `category:${value}`, kind: 'category', value, label, labelZh };
  }
  const brand = brandSnapshot().resolve(value);
  if (!brand) return null;
  return {
    ruleKey: `brand:${brand.brandKey}`,
    kind: 'brand',
    value: brand.brandKey,
    label: brand.displayName,
    // Its Chinese name where the registry knows one (劳力士), else the display name.
    labelZh: brand.aliases.find(hasHan) ?? brand.displayName,
  };
}

/** The goods classes a declaration falls in: its category and every active protected brand it names. */
export function goodsKeysOf(category: string, declaredText: string): string[] {
  return [`category:${category}`, ...brandSnapshot().mentioned(declaredText).map((b) => `brand:${b}`)];
}

/**
 * The scope a user's goods rules take: their jurisdiction, or '' (national) for an admin or an officer without
 * one. A rule never reaches beyond the area of the officer who set it.
 */
export function goodsRuleScopeOf(user: Pick<AuthUser, 'role' | 'jurisdiction'>): string {
  return user.role === 'admin' || !user.jurisdiction ? '' : user.jurisdiction;
}

/** Whether a rule of `ruleScope` applies throughout `area` (a region prefix, '' the country): its scope contains it. */
export const scopeCovers = (ruleScope: string, area: string) => area.startsWith(ruleScope);
/** Whether a rule of `ruleScope` applies anywhere in `area`: one contains the other. */
export const scopeOverlaps = (ruleScope: string, area: string) => area.startsWith(ruleScope) || ruleScope.startsWith(area);

export type ApplicableGoodsRule = { ruleKey: string; rate: number; scope: string };

/**
 * The goods rule that applies to a parcel: the highest rate in force among the rules on its classes (the caller
 * passes those whose scope covers its origin). Ties: the first key, then the wider scope.
 */
export function applicableGoodsRule(rules: { ruleKey: string; scope: string; setting: RouteSetting }[], now: Date): ApplicableGoodsRule | null {
  let best: ApplicableGoodsRule | null = null;
  const order = [...rules].sort((a, b) => a.ruleKey.localeCompare(b.ruleKey) || a.scope.length - b.scope.length || a.scope.localeCompare(b.scope));
  for (const r of order) {
    const e = effectiveRate(r.setting, GOODS_BASE_RATE, now);
    if (e.raised && (!best || e.rate > best.rate)) best = { ruleKey: r.ruleKey, rate: e.rate, scope: r.scope };
  }
  return best;
}

const evidenceSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });

/** One rule in force on a goods class in some scope. */
export const scopedRuleSchema = z
  .object({
    scope: z.string().meta({ description: "Region prefix of the parcels' origin it applies to; '' the whole country" }),
    rate: z.number(),
    raisedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
  })
  .meta({ id: 'GoodsRuleInScope' });
type ScopedRule = z.output<typeof scopedRuleSchema>;

export const goodsRuleSchema = z
  .object({
    ruleKey: z.string().meta({ example: 'brand:rolex' }),
    kind: z.enum(['category', 'brand']),
    value: z.string(),
    label: z.string(),
    labelZh: z.string(),
    /** 0: without a rule the route's rate alone applies. */
    baseRate: z.number(),
    /** The highest rate in force throughout the caller's area (national or a scope containing it). */
    rate: z.number(),
    /** The scope of the rule giving `rate` ('' national); null when none is in force. */
    scope: z.string().nullable(),
    raised: z.boolean(),
    raisedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
    parcels30d: z.number().int(),
    selected30d: z.number().int(),
    decided30d: z.number().int(),
    seized30d: z.number().int(),
    /** Every rule in force on the class anywhere in the caller's area, widest scope first (a province's rule seen nationally too). */
    rules: z.array(scopedRuleSchema),
    risk: z.object({
      score: z.number(),
      level: z.enum(['high', 'elevated', 'normal']),
      seizureShare: z.number().nullable(),
      suggested: z.boolean(),
      suggestedRate: z.number().nullable(),
      evidence: z.array(evidenceSchema),
    }),
  })
  .meta({ id: 'GoodsRule' });
export type GoodsRuleView = z.output<typeof goodsRuleSchema>;

export type GoodsCounts = { parcels30d: number; selected30d: number; decided30d: number; seized30d: number };
export const emptyGoodsCounts = (): GoodsCounts => ({ parcels30d: 0, selected30d: 0, decided30d: 0, seized30d: 0 });

export type GoodsSettingRow = typeof customsGoodsRules.$inferSelect;

/**
 * What is in force on a goods class for a caller's area ('' national) from its setting rows: the highest rate of
 * the rules covering the whole area (with that rule's scope), and every rule in force overlapping the area.
 */
export function rateInArea(rows: GoodsSettingRow[], area: string, now: Date): { rate: EffectiveRate; scope: string | null; rules: ScopedRule[] } {
  const inForce = rows
    .filter((r) => scopeOverlaps(r.scope, area))
    .map((r) => ({ row: r, e: effectiveRate(r, GOODS_BASE_RATE, now) }))
    .filter((x) => x.e.raised)
    .sort((a, b) => a.row.scope.length - b.row.scope.length || a.row.scope.localeCompare(b.row.scope));
  let best: (typeof inForce)[number] | undefined;
  for (const x of inForce) if (scopeCovers(x.row.scope, area) && (!best || x.e.rate > best.e.rate)) best = x;
  const rules = inForce.map(({ row, e }) => ({
    scope: row.scope, rate: e.rate, raisedUntil: e.raisedUntil?.toISOString() ?? null, reason: e.reason, setBy: e.setBy, setAt: e.setAt?.toISOString() ?? null,
  }));
  return { rate: best?.e ?? effectiveRate(undefined, GOODS_BASE_RATE, now), scope: best?.row.scope ?? null, rules };
}

/** A goods class as the API shows it, its risk measured against all cross-border parcels in view. */
export function goodsRuleViewOf(
  parts: GoodsRuleParts,
  inForce: { rate: EffectiveRate; scope: string | null; rules: ScopedRule[] },
  c: GoodsCounts,
  baseline: Baseline,
  routeBaseRate: number,
): GoodsRuleView {
  const rate = inForce.rate;
  // Seizures and their share are what a goods class has; alerts belong to routes and rings.
  const activity: RouteActivity = { parcels7d: 0, alerts7d: 0, confirmedAlerts30d: 0, decided30d: c.decided30d, seized30d: c.seized30d };
  // The suggestion starts from the route base rate: a goods rule is worth setting only above what routes select.
  const risk = assessRisk(activity, baseline, rate.rate, routeBaseRate, GOODS_PEERS);
  return {
    ...parts,
    baseRate: GOODS_BASE_RATE,
    rate: rate.rate,
    raised: rate.raised,
    raisedUntil: rate.raisedUntil?.toISOString() ?? null,
    reason: rate.reason,
    setBy: rate.setBy,
    setAt: rate.setAt?.toISOString() ?? null,
    scope: inForce.scope,
    ...c,
    rules: inForce.rules,
    risk: { ...risk, seizureShare: c.decided30d ? c.seized30d / c.decided30d : null },
  };
}

/**
 * Every goods class with a rule ever set in a scope overlapping `area` (the caller's rule scope, '' national),
 * or with cross-border traffic leaving the scope (a region prefix; null: the whole country) in the last 30
 * days, riskiest first. Two grouped queries and the settings.
 */
export async function loadGoodsRules(db: Queryable, scope: string | null, area: string, routeBaseRate: number, now: Date): Promise<GoodsRuleView[]> {
  const d30 = new Date(now.getTime() - 30 * DAY);
  const [lo, hi] = scope ? prefixRange(scope) : [null, null];
  const cityIn = lo ? sql`and origin_city >= ${lo} and origin_city < ${hi}` : sql``;
  const [perClass, totals, settings] = await Promise.all([
    queryRows<{ goods_key: string; parcels: string; selected: string; decided: string; seized: string }>(
      db,
      sql`select g.goods_key,
                 count(*) as parcels,
                 count(*) filter (where selected) as selected,
                 count(*) filter (where outcome is not null) as decided,
                 count(*) filter (where outcome = 'seized') as seized
          from customs_inspections ci cross join lateral unnest(ci.goods_keys) as g(goods_key)
          where ci.created_at > ${d30} ${cityIn} group by g.goods_key`,
    ),
    // The yardstick: the seizure share of all inspections in view (a parcel counts once, however many classes it is in).
    queryRows<{ decided: string; seized: string }>(
      db,
      sql`select count(*) filter (where outcome is not null) as decided, count(*) filter (where outcome = 'seized') as seized
          from customs_inspections where created_at > ${d30} ${cityIn}`,
    ),
    db
      .select()
      .from(customsGoodsRules)
      .where(area ? sql`(starts_with(${area}, ${customsGoodsRules.scope}) or starts_with(${customsGoodsRules.scope}, ${area}))` : undefined),
  ]);
  const decided = Number(totals[0]?.decided ?? 0);
  const baseline: Baseline = { alertsPerParcel: 0, seizureShare: decided ? Number(totals[0]!.seized) / decided : 0 };
  const counts = new Map<string, GoodsCounts>();
  for (const r of perClass) {
    counts.set(r.goods_key, { parcels30d: Number(r.parcels), selected30d: Number(r.selected), decided30d: Number(r.decided), seized30d: Number(r.seized) });
  }
  const settingsOf = new Map<string, GoodsSettingRow[]>();
  for (const r of settings) settingsOf.set(r.ruleKey, [...(settingsOf.get(r.ruleKey) ?? []), r]);
  const views = new Map<string, GoodsRuleView>();
  for (const key of new Set([...counts.keys(), ...settingsOf.keys()])) {
    // A class whose brand left the registry (or a category no longer offered) has no canonical form: left out.
    const parts = parseGoodsRuleKey(key);
    if (!parts || views.has(parts.ruleKey)) continue;
    views.set(parts.ruleKey, goodsRuleViewOf(parts, rateInArea(settingsOf.get(parts.ruleKey) ?? [], area, now), counts.get(parts.ruleKey) ?? emptyGoodsCounts(), baseline, routeBaseRate));
  }
  return [...views.values()].sort(
    (a, b) => b.risk.score - a.risk.score || b.seized30d - a.seized30d || b.parcels30d - a.parcels30d || a.ruleKey.localeCompare(b.ruleKey),
  );
}
