// Rings in the database: find the rings a parcel's keys belong to (locked, so two intakes of one ring
// take turns), load their recent members, merge rings a parcel links, and record the parcel in its ring.
import { and, desc, eq, getTableColumns, gt, inArray, isNull, sql } from 'drizzle-orm';
import { ringKeys, ringMembers, rings } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';
import { preparedRows } from '../db/prepared.js';
import type { RingPolicy } from '../config.js';
import { addSeizureToDay, addToDaySql, addToSenderYearSql, dayFacts, mergeDays, windowFromDay, yearAt } from './aggregates.js';
import { isOrganisationKey, type RingMember } from './indicators.js';
import type { LinkKey } from './keys.js';
import { annualRatio, type AnnualTop } from './long-windows.js';

/**
 * The short windows score a ring on its newest parcels, at most this many: enough for every indicator's shares,
 * and a hot ring of thousands costs each of its intakes no more than a ring of this size. Its counts and value
 * come from its day totals (aggregates.ts), never from counting its members.
 */
export const MAX_MEMBERS_SCORED = 100;

export type RingState = {
  id: string;
  createdAt: Date;
  dampedCodes: string[];
  dampedParcelCount: number;
  openAlertId: string | null;
  /** The ring's sender identity with the highest calendar-year total (this year or last), if any. */
  annualTop: AnnualTop | null;
};

/**
 * Serialises intakes that share a key: two first parcels of a ring arriving together would otherwise each
 * open a ring and never meet. Locks are taken in one order, so intakes sharing several keys cannot deadlock.
 */
export async function lockKeys(db: Queryable, keys: LinkKey[]): Promise<void> {
  const ids = `{${[...new Set(keys.map((k) => k.lockId))].join(',')}}`;
  await db.execute(sql`select pg_advisory_xact_lock(id) from (select id from unnest(${ids}::bigint[]) as t(id) order by id offset 0) s`);
}

/**
 * The live rings the keys point at, locked. A ring merged meanwhile into another is followed to the
 * survivor, which is locked in turn.
 */
export async function findRings(db: Queryable, keys: LinkKey[], since: Date): Promise<RingState[]> {
  return (await findRingsAndLinks(db, keys, since)).rings;
}

/**
 * findRings, and which of the keys led somewhere (linkedVia): one statement finds and locks the rings (the intake
 * holds the ring's lock from here to commit, so every round trip saved here shortens the queue of a busy ring).
 */
export async function findRingsAndLinks(db: Queryable, keys: LinkKey[], since: Date): Promise<{ rings: RingState[]; linkedVia: string[] }> {
  if (!keys.length) return { rings: [], linkedVia: [] };
  const keyList = `{${keys.map((k) => k.key).join(',')}}`;
  const linked: string[] = [];
  const rings = await lockRings(db, [], { keyList, since, linked });
  return { rings, linkedVia: linked };
}

/** Which of the keys already led somewhere in the window: what linked this parcel to its ring. */
export async function linkedVia(db: Queryable, keys: LinkKey[], since: Date): Promise<string[]> {
  if (!keys.length) return [];
  const keyList = `{${keys.map((k) => k.key).join(',')}}`;
  return (await queryRows<{ key: string }>(db, sql`select key from ring_keys where key = any(${keyList}::text[]) and last_seen_at > ${since}`)).map((r) => r.key);
}

/**
 * Locks rings by id, following any merged meanwhile to the survivor (locked in turn); the live ones. `byKeys`:
 * the rings the keys point at instead (their keys that led somewhere pushed to `linked`), in the same statement.
 */
export async function lockRings(db: Queryable, ringIds: string[], byKeys?: { keyList: string; since: Date; linked: string[] }): Promise<RingState[]> {
  let ids = [...new Set(ringIds)];
  const found = new Map<string, RingState>();
  for (let hop = 0; (ids.length || (hop === 0 && byKeys)) && hop < 10; hop++) {
    const first = hop === 0 && byKeys;
    const which = first
      ? sql`r.id in (select k.ring_id from ring_keys k where k.key = any(${byKeys.keyList}::text[]) and k.last_seen_at > ${byKeys.since})`
      : sql`r.id = any(${`{${ids.join(',')}}`}::uuid[])`;
    const linkedColumn = first
      ? sql`(select array_agg(k.key) from ring_keys k where k.key = any(${byKeys.keyList}::text[]) and k.last_seen_at > ${byKeys.since})`
      : sql`null::text[]`;
    const rows = await preparedRows<{
      id: string;
      merged_into: string | null;
      created_at: Date | string;
      damped_codes: string[];
      damped_parcel_count: number;
      alert_id: string | null;
      annual_top: AnnualTop | string | null;
      linked: string[] | null;
    }>(
      db,
      sql`select r.id, r.merged_into, r.created_at, r.damped_codes, r.damped_parcel_count, r.annual_top,
                 (select a.id from alerts a where a.group_key = 'ring:' || r.id and a.status <> 'resolved') as alert_id,
                 ${linkedColumn} as linked
          from rings r where ${which} order by r.id for update of r`,
    );
    if (first) byKeys.linked.push(...(rows[0]?.linked ?? []));
    const next: string[] = [];
    for (const r of rows) {
      if (r.merged_into) {
        if (!found.has(r.merged_into)) next.push(r.merged_into);
        continue;
      }
      found.set(r.id, {
        id: r.id,
        createdAt: new Date(r.created_at),
        dampedCodes: r.damped_codes,
        dampedParcelCount: r.damped_parcel_count,
        openAlertId: r.alert_id,
        annualTop: typeof r.annual_top === 'string' ? (JSON.parse(r.annual_top) as AnnualTop) : r.annual_top,
      });
    }
    ids = [...new Set(next)];
  }
  return [...found.values()];
}

export type LoadedMembers = { members: RingMember[]; count: number; valueCny: number };

/**
 * The rings' newest members in the window (not split out), at most MAX_MEMBERS_SCORED: one index range scan
 * that stops there, whatever the rings' sizes.
 */
export async function loadSample(db: Queryable, ringIds: string[], since: Date): Promise<RingMember[]> {
  const { ringId: _ring, splitAt: _split, ...columns } = getTableColumns(ringMembers);
  // One ring at a time: `ring_id = $1` walks ring_members (ring_id, created_at) backwards and stops at the limit,
  // where `ring_id = any(…)` reads every member of the rings and sorts them (EXPLAIN in the issue 16 notes).
  // Several rings only when a parcel bridges them, then a bounded read each.
  const each = [];
  for (const ringId of new Set(ringIds)) {
    each.push(
      ...(await db
        .select(columns)
        .from(ringMembers)
        .where(and(eq(ringMembers.ringId, ringId), gt(ringMembers.createdAt, since), isNull(ringMembers.splitAt)))
        .orderBy(desc(ringMembers.createdAt))
        .limit(MAX_MEMBERS_SCORED)),
    );
  }
  return ringIds.length > 1 ? each.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, MAX_MEMBERS_SCORED) : each;
}

/**
 * The rings' newest members in the window (the sample), and how many parcels they have since that day and what
 * they declare, from their day totals (whole days): no count over the members.
 */
export async function loadMembers(db: Queryable, ringIds: string[], since: Date): Promise<LoadedMembers> {
  if (!ringIds.length) return { members: [], count: 0, valueCny: 0 };
  const ids = `{${ringIds.join(',')}}`;
  const [members, [totals]] = [
    await loadSample(db, ringIds, since),
    await queryRows<{ n: number; v: number }>(
      db,
      sql`select coalesce(sum(parcels), 0)::int as n, coalesce(sum(value_cny), 0)::float8 as v from ring_days
          where ring_id = any(${ids}::uuid[]) and day >= ${windowFromDay(since, 86_400_000)}::date`,
    ),
  ];
  return { members, count: Number(totals?.n ?? 0), valueCny: Number(totals?.v ?? 0) };
}

/** Moves the absorbed rings' members and keys to the survivor; the absorbed rings point at it from now on. */
export async function mergeRings(db: Queryable, survivor: string, absorbed: RingState[], policy: RingPolicy, survivorTop: AnnualTop | null = null): Promise<void> {
  if (!absorbed.length) return;
  const list = `{${absorbed.map((r) => r.id).join(',')}}`;
  // The survivor keeps the identity furthest over the annual limits of all of them.
  const tops = [survivorTop, ...absorbed.map((r) => r.annualTop)].filter((t): t is AnnualTop => !!t);
  const top = tops.sort((a, b) => b.year - a.year || annualRatio(b, policy) - annualRatio(a, policy))[0] ?? null;
  await db.execute(sql`
    with members as (update ring_members set ring_id = ${survivor} where ring_id = any(${list}::uuid[])),
         keys as (update ring_keys set ring_id = ${survivor} where ring_id = any(${list}::uuid[])),
         survivor as (update rings set annual_top = coalesce(${top ? JSON.stringify(top) : null}::jsonb, annual_top) where id = ${survivor})
    update rings set merged_into = ${survivor} where id = any(${list}::uuid[])`);
  await mergeDays(db, survivor, absorbed.map((r) => r.id));
}

/**
 * The ring (created if new), its keys (now pointing at it, seen now), the parcel as a member, added to its ring's
 * day and its sender's year, and the ring's top annual sender (`annualTop`: what the ring should keep now, or null
 * to leave it). One round trip, constant whatever the ring's size.
 */
export async function recordMember(
  db: Queryable,
  ringId: string,
  keys: LinkKey[],
  member: RingMember,
  now: Date,
  policy: RingPolicy,
  annualTop: AnnualTop | null = null,
): Promise<void> {
  const keyList = `{${keys.map((k) => k.key).join(',')}}`;
  const m = member;
  const top = annualTop ? JSON.stringify(annualTop) : null;
  // A person's calendar year of parcels (the annual personal-use limits). An organisation declares as a business and
  // has no such year: counting one would only make every parcel of a bulk batch queue on that one row.
  const personal = !isOrganisationKey(m.senderKey);
  await preparedRows(db, sql`
    with ring as (insert into rings (id, created_at, annual_top) values (${ringId}, ${now}, ${top}::jsonb)
                  on conflict (id) do update set annual_top = excluded.annual_top where excluded.annual_top is not null),
         day as (${addToDaySql(ringId, dayFacts(m, policy))}),
         ${personal ? sql`year as (${addToSenderYearSql(m.senderKey, yearAt(m.createdAt), m.valueCny)}),` : sql``}
         linked as (
           insert into ring_keys (key, ring_id, last_seen_at)
           select k, ${ringId}, ${now} from unnest(${keyList}::text[]) as t(k)
           on conflict (key) do update set ring_id = excluded.ring_id, last_seen_at = excluded.last_seen_at)
    insert into ring_members (parcel_id, ring_id, created_at, waybill_no, sender_key, sender_name, sender_phone_blind,
                              sender_phone_masked, sender_address_key, sender_address, consignee_key, consignee_name, country,
                              outlet_id, region_code, route_key, value_cny, category, brand, vague, mismatch, watchlist_hit,
                              implausible, sender_name_key, identity_conflict, link_keys, linked_via, handler_key)
    values (${m.parcelId}, ${ringId}, ${m.createdAt}, ${m.waybillNo}, ${m.senderKey}, ${m.senderName}, ${m.senderPhoneBlind},
            ${m.senderPhoneMasked}, ${m.senderAddressKey}, ${m.senderAddress}, ${m.consigneeKey}, ${m.consigneeName}, ${m.country},
            ${m.outletId}, ${m.regionCode}, ${m.routeKey}, ${m.valueCny}, ${m.category}, ${m.brand}, ${m.vague}, ${m.mismatch},
            ${m.watchlistHit}, ${m.implausible}, ${m.senderNameKey}, ${m.identityConflict}, ${`{${m.linkKeys.join(',')}}`}::text[],
            ${`{${m.linkedVia.join(',')}}`}::text[], ${m.handlerKey ?? null})`);
}

/** A false-positive resolution: the ring does not alert again on the same evidence. */
export async function dampRing(db: Queryable, ringId: string, codes: string[], parcelCount: number, by: string): Promise<void> {
  await db
    .update(rings)
    .set({ dampedCodes: codes, dampedParcelCount: parcelCount, dampedBy: by, dampedAt: sql`now()` })
    .where(eq(rings.id, ringId));
}

/** Keys not seen within the longest window link nothing; they go, with members older than the retention (day totals: sweepDays). */
export async function sweepRings(db: Queryable, keyCutoff: Date, memberCutoff: Date): Promise<{ keys: number; members: number }> {
  const keys = await db.delete(ringKeys).where(sql`${ringKeys.lastSeenAt} < ${keyCutoff}`).returning({ k: ringKeys.key });
  const members = await db.delete(ringMembers).where(sql`${ringMembers.createdAt} < ${memberCutoff}`).returning({ p: ringMembers.parcelId });
  return { keys: keys.length, members: members.length };
}

/** Marks a parcel seized in its ring; the ring it is in now, or null when it is in none (domestic, or swept). */
export async function markSeized(db: Queryable, parcelId: string): Promise<string | null> {
  const [row] = await db
    .update(ringMembers)
    .set({ seized: true })
    .where(and(eq(ringMembers.parcelId, parcelId), eq(ringMembers.seized, false)))
    .returning({ ringId: ringMembers.ringId, createdAt: ringMembers.createdAt, splitAt: ringMembers.splitAt });
  if (!row) {
    // Seized before (a second outcome): the ring is scored again, its day already counts the seizure.
    const [again] = await db.select({ ringId: ringMembers.ringId }).from(ringMembers).where(eq(ringMembers.parcelId, parcelId));
    return again?.ringId ?? null;
  }
  if (!row.splitAt) await addSeizureToDay(db, row.ringId, row.createdAt);
  return row.ringId;
}

export const ringGroupKey = (ringId: string) => `ring:${ringId}`;
export const ringIdOfGroup = (groupKey: string) => (groupKey.startsWith('ring:') ? groupKey.slice(5) : null);

/**
 * Whether any of the rings holds a parcel of the organisation in the linking window. By the organisation's parcels
 * (parcels (organisation_id, created_at)) and each one's ring membership (its primary key); asked only when a parcel
 * of an organisation reaches a ring under alert through the counter pattern alone.
 */
export async function organisationInRings(tx: Queryable, organisationId: string, ringIds: string[], since: Date): Promise<boolean> {
  const rows = await queryRows<{ one: number }>(tx, sql`
    select 1 as one from parcels p join ring_members rm on rm.parcel_id = p.id
    where p.organisation_id = ${organisationId}::uuid and p.created_at > ${since} and rm.ring_id = any(${`{${ringIds.join(',')}}`}::uuid[])
    limit 1`);
  return rows.length > 0;
}
