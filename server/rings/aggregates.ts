// A ring's parcels per day, kept as each parcel is recorded (issue 16): the long windows (90 and 365 days) and a
// ring's totals are read from at most one row a day, whatever the ring's size, instead of from its members; and
// each sender identity's cross-border parcels and value per calendar year (the CNY 26,000 a person may bring in).
import { sql } from 'drizzle-orm';
import type { RingPolicy } from '../config.js';
import { queryRows, type Queryable } from '../db/database.js';
import { preparedRows } from '../db/prepared.js';
import { PRIORITY_CATEGORIES, valueLimitFor, type RingMember } from './indicators.js';

/** At most this many distinct identities are kept per ring and day: a lower bound on distinct senders for busy days. */
export const SENDERS_PER_DAY = 8;

const DAY_MS = 86_400_000;
const HMT = new Set(['HK', 'MO', 'TW']);
/** Asia/Shanghai calendar day (YYYY-MM-DD): the day at the counter. */
export const dayAt = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
export const yearAt = (d: Date) => Number(dayAt(d).slice(0, 4));
/** The first day a window of `ms` ending at `now` covers (whole days, today included). */
export const windowFromDay = (now: Date, ms: number) => dayAt(new Date(now.getTime() - ms + DAY_MS));

/** What one parcel adds to its ring's day. */
export type DayFacts = {
  day: string;
  valueCny: number;
  underLimit: boolean;
  justUnder: boolean;
  hmt: boolean;
  implausible: boolean;
  vague: boolean;
  mismatch: boolean;
  watchlistHit: boolean;
  seized: boolean;
  /** The protected brand declared, if any. */
  brand: string | null;
  /** The category when it is a priority class for infringement, else null. */
  priorityCategory: string | null;
  senderKey: string;
};

export function dayFacts(m: RingMember, policy: RingPolicy): DayFacts {
  const limit = valueLimitFor(m.country, policy);
  return {
    day: dayAt(m.createdAt),
    valueCny: m.valueCny,
    underLimit: m.valueCny < limit,
    justUnder: m.valueCny < limit && m.valueCny >= limit * policy.justUnderShare,
    hmt: HMT.has(m.country),
    implausible: m.implausible,
    vague: m.vague,
    mismatch: m.mismatch,
    watchlistHit: m.watchlistHit,
    seized: m.seized,
    brand: m.brand,
    priorityCategory: PRIORITY_CATEGORIES.has(m.category) ? m.category : null,
    senderKey: m.senderKey,
  };
}

/** A window's totals over a ring's days. */
export type LongTotals = {
  parcels: number;
  valueCny: number;
  underLimit: number;
  justUnder: number;
  hmt: number;
  implausible: number;
  vague: number;
  mismatch: number;
  watchlistHits: number;
  seized: number;
  brands: Record<string, number>;
  categories: Record<string, number>;
  /** Distinct sender identities (a lower bound past SENDERS_PER_DAY a day). */
  senders: number;
  /** Distinct calendar weeks (Monday to Sunday) with a parcel. */
  weeks: number;
};

/** One sender identity's cross-border parcels and declared value in a calendar year. */
export type SenderYear = { year: number; parcels: number; valueCny: number };

const bump = (counts: Record<string, number>, key: string | null) => (key ? { ...counts, [key]: (counts[key] ?? 0) + 1 } : counts);

/** Totals with one more parcel: the one being taken in, not yet recorded. */
export function plusParcel(t: LongTotals, f: DayFacts): LongTotals {
  return {
    ...t,
    parcels: t.parcels + 1,
    valueCny: t.valueCny + f.valueCny,
    underLimit: t.underLimit + Number(f.underLimit),
    justUnder: t.justUnder + Number(f.justUnder),
    hmt: t.hmt + Number(f.hmt),
    implausible: t.implausible + Number(f.implausible),
    vague: t.vague + Number(f.vague),
    mismatch: t.mismatch + Number(f.mismatch),
    watchlistHits: t.watchlistHits + Number(f.watchlistHit),
    seized: t.seized + Number(f.seized),
    brands: bump(t.brands, f.brand),
    categories: bump(t.categories, f.priorityCategory),
  };
}

type TotalsRow = {
  parcels: number; value_cny: number; under_limit: number; just_under: number; hmt: number; implausible: number; vague: number;
  mismatch: number; watchlist_hits: number; seized: number; brands: Record<string, number> | string; categories: Record<string, number> | string;
  senders: number; weeks: number; year_parcels: number | null; year_value: number | null;
};

const json = (v: Record<string, number> | string) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, number>) : v);

/**
 * The rings' totals over each window (`windowsMs`, e.g. the long windows and the link window) from their day rows,
 * counting `current` in (a parcel being taken in: its sender and week), and that sender's year so far. One round
 * trip; it reads at most one row per ring and day of the longest window, whatever the rings' sizes.
 */
export async function loadTotals(
  db: Queryable,
  ringIds: string[],
  windowsMs: number[],
  now: Date,
  current: { senderKey: string; day: string } | null,
): Promise<{ windows: LongTotals[]; senderYear: SenderYear | null }> {
  const year = yearAt(now);
  const sender = current?.senderKey ?? '';
  const empty: LongTotals = {
    parcels: 0, valueCny: 0, underLimit: 0, justUnder: 0, hmt: 0, implausible: 0, vague: 0, mismatch: 0, watchlistHits: 0, seized: 0,
    brands: {}, categories: {}, senders: current ? 1 : 0, weeks: current ? 1 : 0,
  };
  const yearOf = async () => {
    if (!current) return null;
    const [y] = await preparedRows<{ parcels: number; value_cny: number }>(
      db,
      sql`select parcels, value_cny::float8 as value_cny from ring_sender_years where sender_key = ${sender} and year = ${year}`,
    );
    return { year, parcels: Number(y?.parcels ?? 0), valueCny: Number(y?.value_cny ?? 0) };
  };
  if (!ringIds.length) return { windows: windowsMs.map(() => empty), senderYear: await yearOf() };

  const ids = `{${ringIds.join(',')}}`;
  const froms = `{${windowsMs.map((ms) => windowFromDay(now, ms)).join(',')}}`;
  const extraSender = current ? sql`union all select ${sender}::text` : sql``;
  const extraWeek = current ? sql`union all select ${current.day}::date` : sql``;
  const rows = await preparedRows<TotalsRow & { i: number }>(
    db,
    sql`select w.i::int as i,
          coalesce(sum(d.parcels), 0)::int as parcels, coalesce(sum(d.value_cny), 0)::float8 as value_cny,
          coalesce(sum(d.under_limit), 0)::int as under_limit, coalesce(sum(d.just_under), 0)::int as just_under,
          coalesce(sum(d.hmt), 0)::int as hmt, coalesce(sum(d.implausible), 0)::int as implausible,
          coalesce(sum(d.vague), 0)::int as vague, coalesce(sum(d.mismatch), 0)::int as mismatch,
          coalesce(sum(d.watchlist_hits), 0)::int as watchlist_hits, coalesce(sum(d.seized), 0)::int as seized,
          (select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (
             select e.key as k, sum(e.value::int) as n from ring_days b, jsonb_each_text(b.brands) e
             where b.ring_id = any(${ids}::uuid[]) and b.day >= w.from_day group by e.key) x) as brands,
          (select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (
             select e.key as k, sum(e.value::int) as n from ring_days c, jsonb_each_text(c.categories) e
             where c.ring_id = any(${ids}::uuid[]) and c.day >= w.from_day group by e.key) x) as categories,
          (select count(distinct s)::int from (
             select unnest(rs.senders) as s from ring_days rs where rs.ring_id = any(${ids}::uuid[]) and rs.day >= w.from_day ${extraSender}) x) as senders,
          (select count(distinct date_trunc('week', x.day))::int from (
             select k.day from ring_days k where k.ring_id = any(${ids}::uuid[]) and k.day >= w.from_day ${extraWeek}) x) as weeks,
          (select y.parcels from ring_sender_years y where y.sender_key = ${sender} and y.year = ${year}) as year_parcels,
          (select y.value_cny::float8 from ring_sender_years y where y.sender_key = ${sender} and y.year = ${year}) as year_value
        from unnest(${froms}::date[]) with ordinality as w(from_day, i)
        left join ring_days d on d.ring_id = any(${ids}::uuid[]) and d.day >= w.from_day
        group by w.i, w.from_day
        order by w.i`,
  );
  const windows = rows.map((r) => ({
    parcels: Number(r.parcels), valueCny: Number(r.value_cny), underLimit: Number(r.under_limit), justUnder: Number(r.just_under),
    hmt: Number(r.hmt), implausible: Number(r.implausible), vague: Number(r.vague), mismatch: Number(r.mismatch),
    watchlistHits: Number(r.watchlist_hits), seized: Number(r.seized), brands: json(r.brands), categories: json(r.categories),
    senders: Number(r.senders), weeks: Number(r.weeks),
  }));
  const first = rows[0];
  const senderYear = current ? { year, parcels: Number(first?.year_parcels ?? 0), valueCny: Number(first?.year_value ?? 0) } : null;
  return { windows, senderYear };
}

/** Each ring's parcels in its day rows: which of several rings is the largest (the one kept in a merge). */
export async function ringSizes(db: Queryable, ringIds: string[]): Promise<Map<string, number>> {
  if (ringIds.length < 2) return new Map();
  const rows = await queryRows<{ ring_id: string; n: number }>(
    db,
    sql`select ring_id, sum(parcels)::int as n from ring_days where ring_id = any(${`{${ringIds.join(',')}}`}::uuid[]) group by ring_id`,
  );
  return new Map(rows.map((r) => [r.ring_id, Number(r.n)]));
}

/** The SQL that records one parcel in its ring's day (a CTE of recordMember's one statement). */
export function addToDaySql(ringId: string, f: DayFacts) {
  const brands = f.brand ? JSON.stringify({ [f.brand]: 1 }) : '{}';
  const categories = f.priorityCategory ? JSON.stringify({ [f.priorityCategory]: 1 }) : '{}';
  const inc = (col: string, on: boolean) => sql.raw(on ? `ring_days.${col} + 1` : `ring_days.${col}`);
  const plusKey = (col: 'brands' | 'categories', key: string | null) =>
    key
      ? sql`jsonb_set(ring_days.${sql.raw(col)}, array[${key}::text], to_jsonb(coalesce((ring_days.${sql.raw(col)} ->> ${key}::text)::int, 0) + 1))`
      : sql.raw(`ring_days.${col}`);
  return sql`insert into ring_days (ring_id, day, parcels, value_cny, under_limit, just_under, hmt, implausible, vague, mismatch,
                                   watchlist_hits, seized, brands, categories, senders)
             values (${ringId}, ${f.day}::date, 1, ${f.valueCny}, ${Number(f.underLimit)}, ${Number(f.justUnder)}, ${Number(f.hmt)},
                     ${Number(f.implausible)}, ${Number(f.vague)}, ${Number(f.mismatch)}, ${Number(f.watchlistHit)}, ${Number(f.seized)},
                     ${brands}::jsonb, ${categories}::jsonb, array[${f.senderKey}::text])
             on conflict (ring_id, day) do update set
               parcels = ring_days.parcels + 1,
               value_cny = ring_days.value_cny + excluded.value_cny,
               under_limit = ${inc('under_limit', f.underLimit)}, just_under = ${inc('just_under', f.justUnder)}, hmt = ${inc('hmt', f.hmt)},
               implausible = ${inc('implausible', f.implausible)}, vague = ${inc('vague', f.vague)}, mismatch = ${inc('mismatch', f.mismatch)},
               watchlist_hits = ${inc('watchlist_hits', f.watchlistHit)}, seized = ${inc('seized', f.seized)},
               brands = ${plusKey('brands', f.brand)},
               categories = ${plusKey('categories', f.priorityCategory)},
               senders = case when ${f.senderKey}::text = any(ring_days.senders) or cardinality(ring_days.senders) >= ${SENDERS_PER_DAY}
                              then ring_days.senders else ring_days.senders || ${f.senderKey}::text end`;
}

/** The SQL that counts one parcel in its sender's year (a CTE of recordMember's one statement). */
export function addToSenderYearSql(senderKey: string, year: number, valueCny: number) {
  return sql`insert into ring_sender_years (sender_key, year, parcels, value_cny) values (${senderKey}, ${year}, 1, ${valueCny})
             on conflict (sender_key, year) do update set parcels = ring_sender_years.parcels + 1,
                                                          value_cny = ring_sender_years.value_cny + excluded.value_cny`;
}

const sumJson = (a: string, b: string) =>
  sql.raw(`(select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (select k, sum(v::int) as n from
             (select * from jsonb_each_text(${a}) union all select * from jsonb_each_text(${b})) e(k, v) group by k) x)`);

/**
 * Adds the absorbed rings' days to the survivor's. Reads and writes at most one row per ring and day: a merge costs
 * the rings' ages, not their sizes.
 */
export async function mergeDays(db: Queryable, survivor: string, absorbed: string[]): Promise<void> {
  const list = `{${absorbed.join(',')}}`;
  // One absorbed ring at a time, so no two rows of one statement land on the same (survivor, day).
  for (const ringId of absorbed) {
    await db.execute(sql`
      insert into ring_days (ring_id, day, parcels, value_cny, under_limit, just_under, hmt, implausible, vague, mismatch,
                             watchlist_hits, seized, brands, categories, senders)
      select ${survivor}, day, parcels, value_cny, under_limit, just_under, hmt, implausible, vague, mismatch, watchlist_hits, seized,
             brands, categories, senders
      from ring_days where ring_id = ${ringId}
      on conflict (ring_id, day) do update set
        parcels = ring_days.parcels + excluded.parcels, value_cny = ring_days.value_cny + excluded.value_cny,
        under_limit = ring_days.under_limit + excluded.under_limit, just_under = ring_days.just_under + excluded.just_under,
        hmt = ring_days.hmt + excluded.hmt, implausible = ring_days.implausible + excluded.implausible,
        vague = ring_days.vague + excluded.vague, mismatch = ring_days.mismatch + excluded.mismatch,
        watchlist_hits = ring_days.watchlist_hits + excluded.watchlist_hits, seized = ring_days.seized + excluded.seized,
        brands = ${sumJson('ring_days.brands', 'excluded.brands')},
        categories = ${sumJson('ring_days.categories', 'excluded.categories')},
        senders = (select coalesce(array_agg(s), '{}') from (select distinct s from unnest(ring_days.senders || excluded.senders) s
                   limit ${SENDERS_PER_DAY}) x)`);
  }
  await db.execute(sql`delete from ring_days where ring_id = any(${list}::uuid[])`);
}

/**
 * Rebuilds a ring's day rows from its members (those not split out): for an analyst's split, which changes what a
 * ring counts, under the ring's lock. One pass over the members (not split), pre-aggregated by day, by day and brand,
 * by day and category, and joined by day: its cost is the ring's members, not its members times its days.
 */
export async function rebuildDays(db: Queryable, ringId: string, policy: RingPolicy): Promise<void> {
  const hmtLimit = policy.valueLimitHmtCny;
  const limit = policy.valueLimitCny;
  const share = policy.justUnderShare;
  const priority = `{${[...PRIORITY_CATEGORIES].join(',')}}`;
  await db.execute(sql`delete from ring_days where ring_id = ${ringId}`);
  await db.execute(sql`
    with m as materialized (
      select ((created_at at time zone 'UTC') + interval '8 hours')::date as day, value_cny, brand, category, sender_key, implausible, vague, mismatch,
             watchlist_hit, seized, case when country in ('HK', 'MO', 'TW') then ${hmtLimit}::numeric else ${limit}::numeric end as lim,
             country in ('HK', 'MO', 'TW') as hmt
      from ring_members where ring_id = ${ringId} and split_at is null),
    d as (
      select day, count(*) as parcels, sum(value_cny) as value_cny, count(*) filter (where value_cny < lim) as under_limit,
             count(*) filter (where value_cny < lim and value_cny >= lim * ${share}) as just_under, count(*) filter (where hmt) as hmt,
             count(*) filter (where implausible) as implausible, count(*) filter (where vague) as vague, count(*) filter (where mismatch) as mismatch,
             count(*) filter (where watchlist_hit) as watchlist_hits, count(*) filter (where seized) as seized,
             (array_agg(distinct sender_key))[1:${SENDERS_PER_DAY}] as senders
      from m group by day),
    b as (
      select day, jsonb_object_agg(brand, n) as brands
      from (select day, brand, count(*) as n from m where brand is not null group by day, brand) x group by day),
    c as (
      select day, jsonb_object_agg(category, n) as categories
      from (select day, category, count(*) as n from m where category = any(${priority}::text[]) group by day, category) x group by day)
    insert into ring_days (ring_id, day, parcels, value_cny, under_limit, just_under, hmt, implausible, vague, mismatch, watchlist_hits,
                           seized, brands, categories, senders)
    select ${ringId}, d.day, d.parcels, d.value_cny, d.under_limit, d.just_under, d.hmt, d.implausible, d.vague, d.mismatch, d.watchlist_hits,
           d.seized, coalesce(b.brands, '{}'::jsonb), coalesce(c.categories, '{}'::jsonb), d.senders
    from d left join b on b.day = d.day left join c on c.day = d.day`);
}

/** A parcel of the ring was seized: its day counts one more seizure. */
export async function addSeizureToDay(db: Queryable, ringId: string, createdAt: Date): Promise<void> {
  await db.execute(sql`update ring_days set seized = seized + 1 where ring_id = ${ringId} and day = ${dayAt(createdAt)}::date`);
}

/** Day rows older than the longest window and sender years before last year are never read again. */
export async function sweepDays(db: Queryable, now: Date, linkMs: number): Promise<{ days: number; senderYears: number }> {
  const days = await queryRows<{ n: number }>(
    db,
    sql`with d as (delete from ring_days where day < ${windowFromDay(now, linkMs)}::date returning 1) select count(*)::int as n from d`,
  );
  const years = await queryRows<{ n: number }>(
    db,
    sql`with d as (delete from ring_sender_years where year < ${yearAt(now) - 1} returning 1) select count(*)::int as n from d`,
  );
  return { days: Number(days[0]?.n ?? 0), senderYears: Number(years[0]?.n ?? 0) };
}
