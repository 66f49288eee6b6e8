// Goods rules (重点监管商品): inspection rates customs set on a goods class — an intake category
// (`category:watches`) or a protected brand (`brand:rolex`, named by any alias in the registry: 劳力士 is
// Rolex). They are kept exactly like route rates (server/customs/store.ts: setting, expiry, history, audit);
// a goods class with no rule adds nothing (its base is 0), and where both apply the higher rate selects.
// Also here: the goods classes of a parcel, and the classes' recent traffic and seizures with a suggestion.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { customsGoodsRules } from '../../models/schema.js';
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

/** The goods rule that applies to a parcel: the highest rate in force among its classes' rules (ties: the first key). */
export function applicableGoodsRule(rules: { ruleKey: string; setting: RouteSetting }[], now: Date): { ruleKey: string; rate: number } | null {
  let best: { ruleKey: string; rate: number } | null = null;
  for (const r of [...rules].sort((a, b) => a.ruleKey.localeCompare(b.ruleKey))) {
    const e = effectiveRate(r.setting, GOODS_BASE_RATE, now);
    if (e.raised && (!best || e.rate > best.rate)) best = { ruleKey: r.ruleKey, rate: e.rate };
  }
  return best;
}

const evidenceSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });

export const goodsRuleSchema = z
  .object({
    ruleKey: z.string().meta({ example: 'brand:rolex' }),
    kind: z.enum(['category', 'brand']),
    value: z.string(),
    label: z.string(),
    labelZh: z.string(),
    /** 0: without a rule the route's rate alone applies. */
    baseRate: z.number(),
    rate: z.number(),
    raised: z.boolean(),
    raisedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    setBy: z.string().nullable(),
    setAt: z.string().nullable(),
    parcels30d: z.number().int(),
    selected30d: z.number().int(),
    decided30d: z.number().int(),
    seized30d: z.number().int(),
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

/** A goods class as the API shows it, its risk measured against all cross-border parcels in view. */
export function goodsRuleViewOf(parts: GoodsRuleParts, rate: EffectiveRate, c: GoodsCounts, baseline: Baseline, routeBaseRate: number): GoodsRuleView {
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
    ...c,
    risk: { ...risk, seizureShare: c.decided30d ? c.seized30d / c.decided30d : null },
  };
}

/**
 * Every goods class with a rule ever set, or with cross-border traffic leaving the scope (a region prefix;
 * null: the whole country) in the last 30 days, riskiest first. Two grouped queries and the settings.
 */
export async function loadGoodsRules(db: Queryable, scope: string | null, routeBaseRate: number, now: Date): Promise<GoodsRuleView[]> {
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
    db.select().from(customsGoodsRules),
  ]);
  const decided = Number(totals[0]?.decided ?? 0);
  const baseline: Baseline = { alertsPerParcel: 0, seizureShare: decided ? Number(totals[0]!.seized) / decided : 0 };
  const counts = new Map<string, GoodsCounts>();
  for (const r of perClass) {
    counts.set(r.goods_key, { parcels30d: Number(r.parcels), selected30d: Number(r.selected), decided30d: Number(r.decided), seized30d: Number(r.seized) });
  }
  const settingOf = new Map(settings.map((r) => [r.ruleKey, r]));
  const views = new Map<string, GoodsRuleView>();
  for (const key of new Set([...counts.keys(), ...settingOf.keys()])) {
    // A class whose brand left the registry (or a category no longer offered) has no canonical form: left out.
    const parts = parseGoodsRuleKey(key);
    if (!parts || views.has(parts.ruleKey)) continue;
    views.set(parts.ruleKey, goodsRuleViewOf(parts, effectiveRate(settingOf.get(parts.ruleKey), GOODS_BASE_RATE, now), counts.get(parts.ruleKey) ?? emptyGoodsCounts(), baseline, routeBaseRate));
  }
  return [...views.values()].sort(
    (a, b) => b.risk.score - a.risk.score || b.seized30d - a.seized30d || b.parcels30d - a.parcels30d || a.ruleKey.localeCompare(b.ruleKey),
  );
}
