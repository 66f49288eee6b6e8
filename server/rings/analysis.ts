// The ring as an analyst reads and corrects it (issue 16): for each parcel, which key linked it and to which
// parcels; where the ring has been and where it moved; what analysts did to it. Splitting a wrongly linked
// parcel or sender out, and the labels (splits, allowlistings) the evaluation learns from.
//
// Visibility: a ring is seen by officers of any jurisdiction that has one of its parcels still in it (a parcel
// split out grants nothing: the ring is no longer that province's business); admins see all; else 404. Members
// from other jurisdictions are shown without what identifies them (waybill, outlet, phone; the name masked), and
// an officer acts (splits, allowlists) only on parcels of their own jurisdiction.
import { and, asc, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { alertParcels, alerts, ringAllowlist, ringEvents, ringMembers, rings } from '../../models/schema.js';
import { coversRegion, type AuthUser } from '../accounts/access.js';
import { alertScope, raiseAlert, type AlertChange } from '../alerts/alerts.js';
import type { RingPolicy } from '../config.js';
import { queryRows, type Queryable } from '../db/database.js';
import { ApiError, ConflictError, NotFoundError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { allowlistEntrySchema, kindOfKey, lockIdOfKey, presentEntry } from './allowlist.js';
import { rebuildDays, yearAt } from './aggregates.js';
import type { LinkKey } from './keys.js';
import { annualRatio, maskedName, type AnnualTop } from './long-windows.js';
import { ringAlert, scoreRings } from './step.js';
import { lockKeys, lockRings, type RingState } from './store.js';

defineMessages({
  RING_NOT_FOUND: { en: 'No ring {id} in your jurisdiction.', zh: '您的辖区内没有团伙 {id}。' },
  RING_MEMBER_NOT_FOUND: { en: 'Parcel {waybillNo} is not in this ring.', zh: '邮件 {waybillNo} 不在该团伙中。' },
  RING_SENDER_BEYOND_JURISDICTION: {
    en: 'The sender of parcel {waybillNo} also has parcels in this ring outside your jurisdiction: split your own parcels by waybill, or ask an officer of the other province.',
    zh: '邮件 {waybillNo} 的寄件人在该团伙中还有您辖区以外的邮件：请按运单号拆分本辖区邮件，或请其他省份的人员处理。',
  },
  RING_SPLIT_TARGET_REQUIRED: {
    en: 'Say what to split out: waybillNos (parcels) or senderOf (a parcel whose sender goes out with all their parcels), not both.',
    zh: '请指定拆分对象：waybillNos（邮件）或 senderOf（按该邮件的寄件人拆出其全部邮件），二者选一。',
  },
  RING_ALREADY_SPLIT: { en: 'Already split out of this ring: {waybillNos}.', zh: '已从该团伙拆出：{waybillNos}。' },
  RING_CHANGED: {
    en: 'The ring was merged into another while you worked on it: reload ring {id} and try again.',
    zh: '处理期间该团伙已并入其他团伙，请重新打开团伙 {id} 后重试。',
  },
});

/** What each link key kind is called, in both languages (the console may show these as they are). */
export const LINK_KIND_LABELS: Record<string, { en: string; zh: string }> = {
  sender_id: { en: 'sender identity', zh: '寄件人身份证件' },
  sender_phone: { en: 'sender phone', zh: '寄件人电话' },
  sender_address: { en: 'sender address', zh: '寄件人地址' },
  sender_name: { en: 'sender name', zh: '寄件人姓名' },
  consignee_name: { en: 'consignee name', zh: '收件人姓名' },
  consignee_phone: { en: 'consignee phone', zh: '收件人电话' },
  consignee_address: { en: 'consignee address', zh: '收件人地址' },
  outlet_pattern: { en: 'same counter, day, destination and goods', zh: '同网点、同日、同目的地、同类货物' },
};
const kindLabel = (kind: string) => LINK_KIND_LABELS[kind] ?? { en: kind, zh: kind };

export const ringNotFound = (id: string) => withMessage(new NotFoundError('', 'RING_NOT_FOUND'), bilingual('RING_NOT_FOUND', { id }));

/**
 * 404 RING_MEMBER_NOT_FOUND with the fields that name them: a waybill not in the ring and one of the ring outside
 * the caller's jurisdiction get the same answer, so the answer says nothing about other provinces' parcels.
 */
export function memberNotFound(errors: FieldError[]): ApiError {
  const err = new ApiError(404, 'RING_MEMBER_NOT_FOUND', 'Not found', errors.map((e) => e.message).join('; '), errors);
  err.detailZh = errors.map((e) => e.messageZh).join('；');
  return err;
}

/** An officer sees a ring when one of its parcels came in through their jurisdiction. */
async function maySee(db: Queryable, ringId: string, user: AuthUser): Promise<boolean> {
  if (user.role === 'admin') return true;
  const [row] = await queryRows<{ ok: boolean }>(
    db,
    sql`select exists (select 1 from ring_members where ring_id = ${ringId} and split_at is null
                                and region_code like ${`${user.jurisdiction ?? '\u0000'}%`}) as ok`,
  );
  return !!row?.ok;
}

/**
 * The ring as it stands: one merged into another is followed to the ring it joined (an alert's ringId may
 * name the absorbed one). 404 when there is none, or none the user may see.
 */
export async function findVisibleRing(db: Queryable, requested: string, user: AuthUser): Promise<{ id: string; createdAt: Date }> {
  let id = requested;
  for (let hop = 0; hop < 10; hop++) {
    const [row] = await queryRows<{ id: string; merged_into: string | null; created_at: Date | string }>(
      db,
      sql`select id, merged_into, created_at from rings where id = ${id}`,
    );
    if (!row) break;
    if (!row.merged_into) {
      if (!(await maySee(db, row.id, user))) break;
      return { id: row.id, createdAt: new Date(row.created_at) };
    }
    id = row.merged_into;
  }
  throw ringNotFound(requested);
}

// ── The ring view ───────────────────────────────────────────────────────────────────────────────────────

/** Members shown, newest first: an analyst reads the recent ones; the counts stay exact. */
export const MAX_MEMBERS_SHOWN = 500;
/** Parcels named per linking key: enough to follow a link, not the whole of a hot ring. */
export const MAX_LINK_TARGETS = 10;

const linkSchema = z.object({
  /** The key kind: sender_id, sender_phone, sender_address, consignee_phone, consignee_address, consignee_name, outlet_pattern… */
  kind: z.string(),
  label: z.string(),
  labelZh: z.string(),
  /** The ring's earlier parcels (not split) carrying the same key, nearest first, at most 10: those of your jurisdiction. */
  to: z.array(z.string()),
  /** How many earlier parcels carry it, whatever their jurisdiction (of those looked at: the newest 510 per key). */
  total: z.number().int(),
});

const memberSchema = z.object({
  parcelId: z.string().uuid(),
  /** Null for a parcel of another jurisdiction (withheld), as are its outlet and phone. */
  waybillNo: z.string().nullable(),
  createdAt: z.string(),
  /** Masked (the surname) for a parcel of another jurisdiction. */
  senderName: z.string(),
  senderPhoneMasked: z.string().nullable(),
  country: z.string(),
  outletId: z.string().nullable(),
  regionCode: z.string(),
  valueCny: z.number(),
  category: z.string(),
  brand: z.string().nullable(),
  /** What linked it into the ring when it came in, and to which parcels. Empty: it began the ring (or came before this was recorded). */
  linkedBy: z.array(linkSchema),
  /** A parcel of another jurisdiction: shown by its province, value and goods only, and not yours to split or allowlist from. */
  withheld: z.boolean(),
  split: z.boolean(),
  splitAt: z.string().nullable(),
});

const movementSchema = z.object({
  /** Provinces (2-digit GB/T 2260). */
  from: z.string(),
  to: z.string(),
  at: z.string(),
  waybillNo: z.string(),
  outletId: z.string().nullable(),
  outletName: z.string().nullable(),
  /** What the ring was when it moved: under_alert, confirmed or damped. */
  status: z.string().nullable(),
  /** The RING_MOVED alert both jurisdictions got. */
  alertId: z.string().nullable(),
});

export const ringViewSchema = z
  .object({
    id: z.string().uuid(),
    createdAt: z.string(),
    /** Its parcels that count (not split out), all of them, not only those shown. */
    parcelCount: z.number().int(),
    splitCount: z.number().int(),
    jurisdictions: z.array(z.object({ province: z.string(), parcels: z.number().int(), first: z.string(), last: z.string() })),
    movements: z.array(movementSchema),
    members: z.array(memberSchema),
    /** More members than shown (the newest 500 are). */
    truncated: z.boolean(),
    events: z.array(z.object({ id: z.string().uuid(), kind: z.enum(['moved', 'split', 'allowlisted']), at: z.string(), byName: z.string().nullable(), details: z.record(z.string(), z.unknown()) })),
    allowlisted: z.array(allowlistEntrySchema),
    /** The alerts about the shown parcels that are the ring's (ANT_MOVING, RING_MOVED), those you may see, newest first. */
    alerts: z.array(z.object({ id: z.string().uuid(), type: z.string(), status: z.string(), severity: z.string(), resolution: z.string().nullable(), createdAt: z.string() })),
  })
  .meta({ id: 'RingView' });
export type RingView = z.output<typeof ringViewSchema>;

type MemberRow = {
  parcel_id: string;
  waybill_no: string;
  created_at: Date | string;
  sender_name: string;
  sender_phone_masked: string;
  country: string;
  outlet_id: string;
  region_code: string;
  value_cny: string | number;
  category: string;
  brand: string | null;
  link_keys: string[];
  linked_via: string[];
  split_at: Date | string | null;
};

/** For each key, the ring's parcels (not split) carrying it, newest first, the newest `perKey` of them. */
type Carrier = { waybillNo: string; at: number; regionCode: string };
async function carriersOf(db: Queryable, ringId: string, keys: string[], perKey: number): Promise<Map<string, Carrier[]>> {
  const byKey = new Map<string, Carrier[]>();
  if (!keys.length) return byKey;
  const rows = await queryRows<{ key: string; waybill_no: string; created_at: Date | string; region_code: string }>(
    db,
    sql`select key, waybill_no, created_at, region_code from (
          select k as key, m.waybill_no, m.created_at, m.region_code,
                 row_number() over (partition by k order by m.created_at desc, m.parcel_id) as rn
          from ring_members m cross join lateral unnest(m.link_keys) as t(k)
          where m.ring_id = ${ringId} and m.split_at is null and k = any(${`{${keys.join(',')}}`}::text[])) x
        where rn <= ${perKey}
        order by key, created_at desc`,
  );
  for (const r of rows) {
    const list = byKey.get(r.key) ?? [];
    list.push({ waybillNo: r.waybill_no, at: new Date(r.created_at).getTime(), regionCode: r.region_code });
    byKey.set(r.key, list);
  }
  return byKey;
}

export async function loadRingView(db: Queryable, ring: { id: string; createdAt: Date }, user: AuthUser, now: Date): Promise<RingView> {
  const jurisdictions = await queryRows<{ province: string; parcels: number; split: number; first: Date | string | null; last: Date | string | null }>(
    db,
    sql`select left(region_code, 2) as province,
               (count(*) filter (where split_at is null))::int as parcels,
               (count(*) filter (where split_at is not null))::int as split,
               min(created_at) filter (where split_at is null) as first,
               max(created_at) filter (where split_at is null) as last
        from ring_members where ring_id = ${ring.id} group by 1 order by 2 desc, 1`,
  );
  const rows = await queryRows<MemberRow>(
    db,
    sql`select parcel_id, waybill_no, created_at, sender_name, sender_phone_masked, country, outlet_id, region_code, value_cny, category,
               brand, link_keys, linked_via, split_at
        from ring_members where ring_id = ${ring.id} order by created_at desc, parcel_id limit ${MAX_MEMBERS_SHOWN + 1}`,
  );
  const shown = rows.slice(0, MAX_MEMBERS_SHOWN);
  // Keys are hashes: "to what" is the other parcels carrying the same key. The newest carriers per key are
  // enough: the shown members are the ring's newest, so they and the ten before the oldest of them are among these.
  const viaKeys = [...new Set(shown.flatMap((m) => m.linked_via))];
  const carriers = await carriersOf(db, ring.id, viaKeys, MAX_MEMBERS_SHOWN + MAX_LINK_TARGETS);
  const members = shown.map((m) => {
    const at = new Date(m.created_at).getTime();
    const mine = coversRegion(user, m.region_code);
    const linkedBy = m.linked_via.map((key) => {
      const earlier = (carriers.get(key) ?? []).filter((c) => c.at < at || (c.at === at && c.waybillNo < m.waybill_no));
      const label = kindLabel(kindOfKey(key));
      const named = earlier.filter((c) => coversRegion(user, c.regionCode));
      return { kind: kindOfKey(key), label: label.en, labelZh: label.zh, to: named.slice(0, MAX_LINK_TARGETS).map((c) => c.waybillNo), total: earlier.length };
    });
    return {
      parcelId: m.parcel_id,
      waybillNo: mine ? m.waybill_no : null,
      createdAt: new Date(m.created_at).toISOString(),
      senderName: mine ? m.sender_name : maskedName(m.sender_name),
      senderPhoneMasked: mine ? m.sender_phone_masked : null,
      country: m.country,
      outletId: mine ? m.outlet_id : null,
      regionCode: m.region_code,
      valueCny: Number(m.value_cny),
      category: m.category,
      brand: m.brand,
      linkedBy,
      withheld: !mine,
      split: m.split_at !== null,
      splitAt: m.split_at === null ? null : new Date(m.split_at).toISOString(),
    };
  });

  const events = await db.select().from(ringEvents).where(eq(ringEvents.ringId, ring.id)).orderBy(desc(ringEvents.at), desc(ringEvents.id)).limit(500);
  const movements = events
    .filter((e) => e.kind === 'moved')
    .reverse()
    .map((e) => {
      const d = e.details as Record<string, string | null | undefined>;
      return {
        from: d.from ?? '',
        to: d.to ?? '',
        at: e.at.toISOString(),
        waybillNo: d.waybillNo ?? '',
        outletId: d.outletId ?? null,
        outletName: d.outletName ?? null,
        status: d.status ?? null,
        alertId: d.alertId ?? null,
      };
    });
  const allowlisted = await db.select().from(ringAllowlist).where(eq(ringAllowlist.ringId, ring.id)).orderBy(desc(ringAllowlist.createdAt)).limit(200);
  const ringAlerts = shown.length
    ? await db
        .select({ id: alerts.id, type: alerts.type, status: alerts.status, severity: alerts.severity, resolution: alerts.resolution, createdAt: alerts.createdAt })
        .from(alerts)
        .where(
          and(
            inArray(alerts.type, ['ANT_MOVING', 'RING_MOVED']),
            sql`${alerts.id} in (select ${alertParcels.alertId} from ${alertParcels} where ${inArray(alertParcels.parcelId, shown.map((m) => m.parcel_id))})`,
            alertScope(user),
          ),
        )
        .orderBy(desc(alerts.createdAt))
        .limit(100)
    : [];

  return {
    id: ring.id,
    createdAt: ring.createdAt.toISOString(),
    parcelCount: jurisdictions.reduce((n, j) => n + j.parcels, 0),
    splitCount: jurisdictions.reduce((n, j) => n + j.split, 0),
    jurisdictions: jurisdictions
      .filter((j) => j.parcels > 0)
      .map((j) => ({ province: j.province, parcels: j.parcels, first: new Date(j.first!).toISOString(), last: new Date(j.last!).toISOString() })),
    movements,
    members,
    truncated: rows.length > MAX_MEMBERS_SHOWN,
    events: events.map((e) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), byName: e.byName, details: e.details as Record<string, unknown> })),
    allowlisted: allowlisted.map((e) => presentEntry(e, now)),
    alerts: ringAlerts.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
  };
}

// ── Splitting parcels out ───────────────────────────────────────────────────────────────────────────────

/** Re-exported: the split locks a ring's keys as an intake does (lockIdOfKey lives with the allowlist, which locks one). */
export { lockIdOfKey };

/**
 * The identity furthest over the annual limits among the ring's members still in it (this year or last: what
 * the annual indicator reads), from their sender years, ordered as a merge orders them. For a split that took the
 * ring's top identity out: the removed person's year is no longer the ring's evidence. Reads the ring's remaining
 * senders once; a split is an analyst's act, not the intake path.
 */
async function annualTopOf(tx: Queryable, ringId: string, policy: RingPolicy, now: Date): Promise<AnnualTop | null> {
  const rows = await queryRows<{ sender_key: string; sender_name: string; year: number; parcels: number; value_cny: number }>(
    tx,
    sql`select y.sender_key, s.sender_name, y.year, y.parcels, y.value_cny::float8 as value_cny
        from (select distinct on (sender_key) sender_key, sender_name from ring_members
              where ring_id = ${ringId} and split_at is null order by sender_key, created_at desc) s
        join ring_sender_years y on y.sender_key = s.sender_key and y.year >= ${yearAt(now) - 1}`,
  );
  const tops = rows.map((r): AnnualTop => ({ year: Number(r.year), senderKey: r.sender_key, senderName: r.sender_name, parcels: Number(r.parcels), valueCny: Number(r.value_cny) }));
  return tops.sort((a, b) => b.year - a.year || annualRatio(b, policy) - annualRatio(a, policy))[0] ?? null;
}

export type SplitRequest = { waybillNos?: string[]; senderOf?: string; note: string };
export type SplitResult = { ringId: string; splitParcels: string[]; keys: { released: string[]; kept: string[] }; changes: AlertChange[] };

const problem = (path: string, code: string, params: Record<string, string> = {}) => ({ path, code, ...bilingual(code, params) });

/**
 * Splits parcels (or a sender: all their parcels in the ring) out of a ring. They stop counting (split_at);
 * the keys only they carried are released (removed from ring_keys), so the sender's next parcel starts a ring
 * of its own instead of joining this one. Keys they share with parcels still in the ring stay: those are the
 * ring's (allowlist one if it is a legitimate pattern). The ring's open alert is scored again without them.
 *
 * Locks as an intake does, keys first and then the ring, so an intake of the same sender either comes before
 * (and is itself a member to split another time) or after (and finds the keys gone).
 */
export async function splitRing(tx: Queryable, ringId: string, req: SplitRequest, by: AuthUser, policy: RingPolicy, now: Date): Promise<SplitResult> {
  if (!!req.waybillNos?.length === !!req.senderOf) {
    throw new ValidationError([problem(req.senderOf ? 'senderOf' : 'waybillNos', 'RING_SPLIT_TARGET_REQUIRED')]);
  }
  // Only parcels of the caller's jurisdiction: another province's parcel is answered as one not in the ring.
  const mine = (m: { regionCode: string }) => coversRegion(by, m.regionCode);
  const targets = async () => {
    if (req.waybillNos?.length) {
      const wanted = req.waybillNos.map(normalizeWaybill);
      const found = (await tx.select().from(ringMembers).where(and(eq(ringMembers.ringId, ringId), inArray(ringMembers.waybillNo, wanted)))).filter(mine);
      const missing = wanted.map((w, i) => [w, i] as const).filter(([w]) => !found.some((m) => m.waybillNo === w));
      if (missing.length) throw memberNotFound(missing.map(([w, i]) => problem(`waybillNos.${i}`, 'RING_MEMBER_NOT_FOUND', { waybillNo: w })));
      return found;
    }
    const waybillNo = normalizeWaybill(req.senderOf!);
    const [anchor] = await tx.select().from(ringMembers).where(and(eq(ringMembers.ringId, ringId), eq(ringMembers.waybillNo, waybillNo)));
    if (!anchor || !mine(anchor)) throw memberNotFound([problem('senderOf', 'RING_MEMBER_NOT_FOUND', { waybillNo })]);
    const theirs = await tx.select().from(ringMembers).where(and(eq(ringMembers.ringId, ringId), eq(ringMembers.senderKey, anchor.senderKey)));
    // A sender goes out with all their parcels or not at all: some of them are another province's to judge.
    if (!theirs.every(mine)) {
      throw memberNotFound([{ ...problem('senderOf', 'RING_MEMBER_NOT_FOUND'), ...bilingual('RING_SENDER_BEYOND_JURISDICTION', { waybillNo }), reason: 'OUTSIDE_JURISDICTION' }]);
    }
    return theirs;
  };

  const before = await targets();
  const keys = [...new Set(before.flatMap((m) => m.linkKeys))];
  const lockable = keys.flatMap((key): LinkKey[] => {
    const lockId = lockIdOfKey(key);
    return lockId ? [{ kind: kindOfKey(key), key, lockId }] : [];
  });
  if (lockable.length) await lockKeys(tx, lockable);
  const [ring] = await lockRings(tx, [ringId]);
  if (!ring || ring.id !== ringId) throw withMessage(new ConflictError('', 'RING_CHANGED'), bilingual('RING_CHANGED', { id: ringId }));

  const chosen = await targets();
  const open = chosen.filter((m) => !m.splitAt);
  if (!open.length) {
    throw withMessage(new ConflictError('', 'RING_ALREADY_SPLIT'), bilingual('RING_ALREADY_SPLIT', { waybillNos: chosen.map((m) => m.waybillNo).join(', ') }));
  }
  const parcelIds = open.map((m) => m.parcelId);
  await tx.update(ringMembers).set({ splitAt: now }).where(and(inArray(ringMembers.parcelId, parcelIds), isNull(ringMembers.splitAt)));

  const theirKeys = [...new Set(open.flatMap((m) => m.linkKeys))];
  const kept = theirKeys.length
    ? (
        await queryRows<{ key: string }>(
          tx,
          sql`select distinct k as key from ring_members m cross join lateral unnest(m.link_keys) as t(k)
              where m.ring_id = ${ringId} and m.split_at is null and k = any(${`{${theirKeys.join(',')}}`}::text[])`,
        )
      ).map((r) => r.key)
    : [];
  const released = theirKeys.filter((k) => !kept.includes(k));
  if (released.length) {
    await tx.execute(sql`delete from ring_keys where ring_id = ${ringId} and key = any(${`{${released.join(',')}}`}::text[])`);
  }

  // What the ring counts per day (the long windows, its totals) without them.
  await rebuildDays(tx, ringId, policy);
  // The ring's top annual identity, when it was a sender split out and none of their parcels is left: the remaining
  // members' top instead (or none), else the removed person's year keeps firing ANNUAL_TOTAL_OVER_LIMIT.
  let state: RingState = ring;
  const top = ring.annualTop;
  if (top && open.some((m) => m.senderKey === top.senderKey)) {
    const [left] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from ring_members where ring_id = ${ringId} and sender_key = ${top.senderKey} and split_at is null`,
    );
    if (!Number(left?.n)) {
      const annualTop = await annualTopOf(tx, ringId, policy, now);
      await tx.update(rings).set({ annualTop }).where(eq(rings.id, ringId));
      state = { ...ring, annualTop };
    }
  }
  // The ring's open alert, counted again without them, as the ring step scores it (severity never falls: what was
  // seen was seen).
  const changes: AlertChange[] = [];
  if (ring.openAlertId) {
    await tx.delete(alertParcels).where(and(eq(alertParcels.alertId, ring.openAlertId), inArray(alertParcels.parcelId, parcelIds)));
    const scored = await scoreRings(tx, [state], null, now, policy);
    if (scored.sample.length) {
      changes.push(await raiseAlert(tx, ringAlert(ringId, scored.assessment, scored.sample, { count: scored.count, valueCny: scored.valueCny, parcelIds: [] })));
    }
  }

  const kinds = (ks: string[]) => [...new Set(ks.map(kindOfKey))].sort();
  const splitParcels = open.map((m) => m.waybillNo);
  await tx.insert(ringEvents).values({
    ringId,
    kind: 'split',
    at: now,
    byUser: by.id,
    byName: by.username,
    details: {
      waybillNos: splitParcels,
      parcelIds,
      senderOf: req.senderOf ? normalizeWaybill(req.senderOf) : null,
      note: req.note,
      releasedKinds: kinds(released),
      keptKinds: kinds(kept),
      alertId: ring.openAlertId,
    },
  });
  return { ringId, splitParcels, keys: { released: kinds(released), kept: kinds(kept) }, changes };
}

// ── Labels for the evaluation ───────────────────────────────────────────────────────────────────────────

export const labelSchema = z
  .object({
    id: z.string().uuid(),
    /** split: these parcels do not belong to the ring; allowlisted: the key is a legitimate pattern (revoked: taken back). */
    kind: z.enum(['split', 'allowlisted']),
    at: z.string(),
    ringId: z.string().uuid(),
    byName: z.string().nullable(),
    waybillNos: z.array(z.string()),
    parcelIds: z.array(z.string()),
    /** allowlisted: the key kind, the entry, its expiry and whether it was revoked since. */
    keyKind: z.string().nullable(),
    entryId: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revoked: z.boolean(),
    note: z.string().nullable(),
  })
  .meta({ id: 'RingLabel' });
export type RingLabel = z.output<typeof labelSchema>;

/** Splits and allowlistings after `since` (and after the cursor), oldest first; a revocation is its own label. */
export async function loadLabels(db: Queryable, since: Date | undefined, after: { at: Date; id: string } | undefined, limit: number) {
  const rows = await db
    .select()
    .from(ringEvents)
    .where(
      and(
        inArray(ringEvents.kind, ['split', 'allowlisted']),
        since ? gt(ringEvents.at, since) : undefined,
        after ? or(gt(ringEvents.at, after.at), and(eq(ringEvents.at, after.at), gt(ringEvents.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(ringEvents.at), asc(ringEvents.id))
    .limit(limit + 1);
  const labels = rows.map((e): RingLabel => {
    const d = e.details as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    const list = (v: unknown, one: unknown) => (Array.isArray(v) ? v.map(String) : typeof one === 'string' ? [one] : []);
    return {
      id: e.id,
      kind: e.kind as 'split' | 'allowlisted',
      at: e.at.toISOString(),
      ringId: e.ringId,
      byName: e.byName,
      waybillNos: list(d.waybillNos, d.waybillNo),
      parcelIds: list(d.parcelIds, d.parcelId),
      keyKind: str(d.keyKind),
      entryId: str(d.entryId),
      expiresAt: str(d.expiresAt),
      revoked: d.revoked === true,
      note: str(d.note) ?? str(d.reason),
    };
  });
  return { rows, labels };
}
