// Price floors (issue 16): the least a protected brand's goods plausibly cost, per brand and category, kept as
// data with their source and editable by regulators. A parcel declaring a protected brand per item far below
// its floor (a Gucci bag at CNY 50) is goods evidence of its own (IMPLAUSIBLE_VALUES) and links through the
// counter pattern like values just under the limit.
//
// Keys are `<brand or *>|<category or *>`: `gucci|bags` (that brand's bags), `rolex|*` (anything of the brand),
// `*|watches` (any protected brand's watches). The most specific floor applies. Unbranded goods have no floor:
// a CNY 30 watch exists; a CNY 30 Rolex does not.
import { asc, eq, sql } from 'drizzle-orm';
import { protectedBrands, ringPriceFloors } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import { queryRows, type Queryable } from '../db/database.js';
import { NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { GOODS_CATEGORIES } from '../intake/contents.js';
import { brandKey } from '../watchlist/normalize.js';

export const PRICE_FLOOR_MESSAGES = defineMessages({
  PRICE_FLOOR_KEY_INVALID: {
    en: '{key} is not a price floor key: write <brand or *>|<category or *> with a registered protected brand (any alias) and an intake goods category, e.g. gucci|bags or *|watches ({why}).',
    zh: '{key} 不是有效的价格下限键：格式为 <品牌或*>|<类别或*>，品牌须为已登记的受保护品牌（任一别名），类别须为收寄物品类别，例如 gucci|bags 或 *|watches（{whyZh}）。',
  },
  PRICE_FLOOR_NOT_FOUND: { en: 'There is no price floor {key}.', zh: '没有价格下限 {key}。' },
});

const WHY = {
  FORMAT: { en: 'it needs exactly one |', zh: '须恰好包含一个 |' },
  BOTH_ANY: { en: '*|* would make every branded parcel implausible', zh: '*|* 会使所有品牌邮件都被视为申报不实' },
  BRAND: { en: 'the brand is not in the protected-brand registry', zh: '该品牌不在受保护品牌名录中' },
  CATEGORY: { en: 'the category is not an intake goods category', zh: '该类别不是收寄物品类别' },
} as const;

function invalidKey(key: string, why: keyof typeof WHY): ValidationError {
  const text = bilingual('PRICE_FLOOR_KEY_INVALID', { key, why: WHY[why].en, whyZh: WHY[why].zh });
  return withMessage(new ValidationError([{ path: 'params.key', code: 'PRICE_FLOOR_KEY_INVALID', reason: why, ...text }]), text);
}

export type PriceFloor = {
  key: string;
  brand: string | null;
  brandName: string | null;
  category: string | null;
  floorCny: number;
  source: string;
  setBy: string | null;
  setAt: string;
};

/** A key as written by a person, resolved: the brand by any alias to its registry key, the category checked. */
export async function resolveFloorKey(db: Queryable, raw: string): Promise<{ key: string; brand: string | null; category: string | null }> {
  const parts = raw.split('|').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw invalidKey(raw, 'FORMAT');
  const [brandPart, categoryPart] = parts as [string, string];
  if (brandPart === '*' && categoryPart === '*') throw invalidKey(raw, 'BOTH_ANY');
  const category = categoryPart === '*' ? null : categoryPart.toLowerCase();
  if (category !== null && !(GOODS_CATEGORIES as readonly string[]).includes(category)) throw invalidKey(raw, 'CATEGORY');
  let brand: string | null = null;
  if (brandPart !== '*') {
    const folded = brandKey(brandPart);
    const lower = brandPart.toLowerCase();
    const [found] = await db
      .select({ brandKey: protectedBrands.brandKey })
      .from(protectedBrands)
      .where(sql`${protectedBrands.brandKey} in (${folded}, ${lower}) or ${folded} = any(${protectedBrands.aliases}) or ${lower} = any(${protectedBrands.aliases})`)
      .limit(1);
    if (!found) throw invalidKey(raw, 'BRAND');
    brand = found.brandKey;
  }
  return { key: floorKey(brand, category), brand, category };
}

export const floorKey = (brand: string | null, category: string | null) => `${brand ?? '*'}|${category ?? '*'}`;

/** The floors that may apply to a parcel, most specific first. None without a protected brand. */
export function floorKeysFor(brand: string | null, category: string): string[] {
  return brand ? [floorKey(brand, category), floorKey(brand, null), floorKey(null, category)] : [];
}

/**
 * Declared far below any plausible price: the value per item under `share` of the floor. Per item, as a parcel
 * of ten T-shirts at CNY 300 is plausible where one Moncler jacket at CNY 300 is not.
 */
export function isImplausible(valueCny: number, quantity: number, floorCny: number | null, share: number): boolean {
  if (floorCny === null || floorCny <= 0) return false;
  return valueCny / Math.max(1, quantity) < floorCny * share;
}

const columns = {
  key: ringPriceFloors.key,
  brand: ringPriceFloors.brand,
  brandName: protectedBrands.displayName,
  category: ringPriceFloors.category,
  floorCny: ringPriceFloors.floorCny,
  source: ringPriceFloors.source,
  setBy: ringPriceFloors.setByName,
  setAt: ringPriceFloors.setAt,
};
type FloorRow = { [K in keyof typeof columns]: K extends 'setAt' ? Date : K extends 'floorCny' ? number : string | null };

const present = (r: FloorRow): PriceFloor => ({
  key: r.key!,
  brand: r.brand,
  brandName: r.brandName,
  category: r.category,
  floorCny: r.floorCny,
  source: r.source!,
  setBy: r.setBy,
  setAt: r.setAt.toISOString(),
});

export async function listFloors(db: Queryable): Promise<PriceFloor[]> {
  const rows = await db
    .select(columns)
    .from(ringPriceFloors)
    .leftJoin(protectedBrands, eq(protectedBrands.brandKey, ringPriceFloors.brand))
    .orderBy(asc(sql`coalesce(${ringPriceFloors.brand}, '')`), asc(sql`coalesce(${ringPriceFloors.category}, '')`));
  return (rows as FloorRow[]).map(present);
}

async function floorByKey(db: Queryable, key: string): Promise<PriceFloor | undefined> {
  const [row] = await db.select(columns).from(ringPriceFloors).leftJoin(protectedBrands, eq(protectedBrands.brandKey, ringPriceFloors.brand)).where(eq(ringPriceFloors.key, key));
  return row ? present(row as FloorRow) : undefined;
}

/** Sets (creates or replaces) a floor and audits it with what it was before. */
export async function setFloor(
  tx: Queryable,
  rawKey: string,
  value: { floorCny: number; source: string },
  by: AuthUser,
  requestId: string,
  now: Date,
): Promise<PriceFloor> {
  const { key, brand, category } = await resolveFloorKey(tx, rawKey);
  const before = await floorByKey(tx, key);
  await tx
    .insert(ringPriceFloors)
    .values({ key, brand, category, floorCny: value.floorCny, source: value.source, setBy: by.id, setByName: by.username, setAt: now })
    .onConflictDoUpdate({
      target: ringPriceFloors.key,
      set: { floorCny: value.floorCny, source: value.source, setBy: by.id, setByName: by.username, setAt: now },
    });
  await recordAudit(tx, {
    actor: by,
    action: 'price_floor.set',
    subjectType: 'price_floor',
    subjectId: key,
    requestId,
    details: { floorCny: value.floorCny, source: value.source, previousFloorCny: before?.floorCny ?? null, previousSource: before?.source ?? null },
  });
  return (await floorByKey(tx, key))!;
}

export async function deleteFloor(tx: Queryable, rawKey: string, by: AuthUser, requestId: string): Promise<void> {
  const { key } = await resolveFloorKey(tx, rawKey);
  const [gone] = await tx.delete(ringPriceFloors).where(eq(ringPriceFloors.key, key)).returning();
  if (!gone) throw withMessage(new NotFoundError('', 'PRICE_FLOOR_NOT_FOUND'), bilingual('PRICE_FLOOR_NOT_FOUND', { key }));
  await recordAudit(tx, {
    actor: by,
    action: 'price_floor.delete',
    subjectType: 'price_floor',
    subjectId: key,
    requestId,
    details: { floorCny: gone.floorCny, source: gone.source },
  });
}

// ── Defaults ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Conservative defaults: about half the lowest mainland-China retail price of the genuine article as the
 * brands' own stores listed it in 2024 (approximate), so a discounted or second-hand genuine item stays above
 * the floor and only declarations at a small share of it (RING_IMPLAUSIBLE_PERCENT) count. The category-wide
 * ones (`*|bags`) must hold for every protected brand of the category, sportswear included, so they are low.
 */
const LIST_PRICE = 'default: about half the lowest mainland-China retail price of the genuine article on the brand’s own store, 2024 (approximate); review';
const CATEGORY_WIDE = 'default: below the cheapest genuine item of any registered protected brand in the category (sportswear and accessories included), 2024 (approximate); review';
export const DEFAULT_PRICE_FLOORS: { brand: string | null; category: string | null; floorCny: number; source: string }[] = [
  ...(
    [
      ['louis vuitton', 'bags', 5000], ['louis vuitton', null, 1500],
      ['gucci', 'bags', 4000], ['gucci', 'shoes', 2500], ['gucci', null, 1000],
      ['chanel', 'bags', 10000], ['chanel', 'jewelry', 2000], ['chanel', 'cosmetics', 150],
      ['hermes', 'bags', 10000], ['hermes', null, 1000],
      ['prada', 'bags', 4000], ['prada', null, 1000],
      ['dior', 'bags', 5000], ['dior', 'cosmetics', 150],
      ['rolex', null, 20000], ['omega', 'watches', 10000], ['cartier', 'watches', 10000], ['cartier', 'jewelry', 2500],
      ['burberry', 'bags', 4000], ['burberry', 'clothing', 1000],
      ['estee lauder', 'cosmetics', 100], ['lancome', 'cosmetics', 100],
      ['apple', 'electronics', 500], ['apple', 'phone_accessories', 60], ['samsung', 'electronics', 300],
      ['nike', 'shoes', 250], ['nike', 'clothing', 80], ['adidas', 'shoes', 250], ['adidas', 'clothing', 80],
      ['new balance', 'shoes', 250], ['puma', 'shoes', 200], ['puma', 'clothing', 60],
      ['canada goose', 'clothing', 1500], ['moncler', 'clothing', 2000],
      ['balenciaga', 'bags', 5000], ['balenciaga', 'shoes', 2500], ['balenciaga', 'clothing', 1500],
      ['yves saint laurent', 'bags', 4000], ['yves saint laurent', 'cosmetics', 150],
      ['the north face', 'clothing', 150], ['pandora', 'jewelry', 150], ['swarovski', 'jewelry', 200],
    ] as [string, string | null, number][]
  ).map(([brand, category, floorCny]) => ({ brand, category, floorCny, source: LIST_PRICE })),
  ...(
    [
      ['watches', 300], ['bags', 100], ['shoes', 150], ['clothing', 50], ['cosmetics', 50], ['jewelry', 100], ['electronics', 100],
    ] as [string, number][]
  ).map(([category, floorCny]) => ({ brand: null, category, floorCny, source: CATEGORY_WIDE })),
];

/**
 * Puts the defaults in once: when there are no floors and nobody has ever set or deleted one (the audit log
 * is append-only, so a regulator who deleted every floor does not get them back at the next start). Any
 * number of processes may start at once: the rows are keyed and conflicts are ignored. Brands missing from
 * the registry are left out (the floor would point at nothing).
 */
export async function seedPriceFloors(db: Queryable): Promise<number> {
  const rows = DEFAULT_PRICE_FLOORS.map((f) => ({ key: floorKey(f.brand, f.category), ...f }));
  const inserted = await queryRows<{ key: string }>(db, sql`
    insert into ring_price_floors (key, brand, category, floor_cny, source)
    select d.key, d.brand, d.category, d.floor_cny, d.source
    from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ key: r.key, brand: r.brand, category: r.category, floor_cny: r.floorCny, source: r.source })))}::jsonb)
         as d(key text, brand text, category text, floor_cny numeric, source text)
    where (d.brand is null or exists (select 1 from protected_brands b where b.brand_key = d.brand))
      and not exists (select 1 from ring_price_floors)
      and not exists (select 1 from audit_log where action like 'price_floor.%')
    on conflict (key) do nothing
    returning key`);
  return inserted.length;
}

/**
 * The floor for a parcel and, in the same round trip, the birth date the sender archive already holds for the
 * identity: what member facts need from the database, in one query (an intake pays for at most one).
 */
export async function floorAndArchivedBirth(
  db: Queryable,
  brand: string | null,
  category: string,
  identity: { idType: string; blind: string } | null,
): Promise<{ floorCny: number | null; archivedBirthDate: string | null }> {
  const keys = floorKeysFor(brand, category);
  if (!keys.length && !identity) return { floorCny: null, archivedBirthDate: null };
  const list = `{${keys.map((k) => `"${k.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  const [row] = await queryRows<{ floor: string | number | null; birth: string | null }>(db, sql`
    select (select f.floor_cny from ring_price_floors f where f.key = any(${list}::text[])
            order by array_position(${list}::text[], f.key) limit 1) as floor,
           ${identity ? sql`(select s.birth_date::text from senders s where s.id_type = ${identity.idType} and s.id_blind = ${identity.blind})` : sql`null::text`} as birth`);
  return { floorCny: row?.floor == null ? null : Number(row.floor), archivedBirthDate: row?.birth ?? null };
}
