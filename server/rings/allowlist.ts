// Allowlisted linking keys (issue 16): a legitimate pattern an analyst marked (a registered seller's identity,
// a family's address) links nothing until it expires or is revoked. The entry keeps the hashed key (as in
// ring_keys) and, for people, only a masked label of what it stands for.
import { and, desc, eq, gt, isNull, like, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { parcels, ringAllowlist, ringEvents, senders } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { preparedRows, textArray } from '../db/prepared.js';
import { ConflictError, NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import type { LinkKey } from './keys.js';

/** What an analyst may allowlist: the keys that describe people and places, not the outlet pattern. */
export const ALLOWLIST_KINDS = ['sender_id', 'sender_phone', 'sender_address', 'consignee_phone', 'consignee_address', 'consignee_name'] as const;
export type AllowlistKind = (typeof ALLOWLIST_KINDS)[number];

/** An allowlisting is a judgement about a pattern today: it is looked at again within a year. */
export const MAX_ALLOWLIST_DAYS = 366;

defineMessages({
  RING_ALLOWLIST_NOT_FOUND: { en: 'No allowlist entry {id} in your jurisdiction.', zh: '您的辖区内没有放行名单条目 {id}。' },
  RING_ALLOWLIST_KEY_ABSENT: {
    en: 'Parcel {waybillNo} has no {kind} key that links it (none declared, not specific enough, or not a linking key here).',
    zh: '邮件 {waybillNo} 没有可关联的 {kind} 键（未申报、不够具体，或本系统不以其关联）。',
  },
  RING_ALLOWLIST_CONCURRENT: {
    en: 'Someone else allowlisted this {kind} at the same moment. Reload the ring to see their entry.',
    zh: '他人刚刚同时将此 {kind} 加入放行名单。请刷新团伙页面查看该条目。',
  },
  RING_ALLOWLIST_EXISTS: {
    en: 'This {kind} is allowlisted already (entry {id}, until {expiresAt}). Revoke that entry to change it.',
    zh: '该 {kind} 已在放行名单中（条目 {id}，有效期至 {expiresAt}）。如需修改请先撤销该条目。',
  },
  RING_ALLOWLIST_REVOKED: { en: 'Allowlist entry {id} was revoked by {by} at {at}.', zh: '放行名单条目 {id} 已于 {at} 由 {by} 撤销。' },
  RING_ALLOWLIST_EXPIRED: { en: 'Allowlist entry {id} ran out at {at}: there is nothing to revoke.', zh: '放行名单条目 {id} 已于 {at} 到期，无需撤销。' },
  RING_ALLOWLIST_EXPIRY_PAST: { en: 'The expiry must be in the future.', zh: '有效期必须晚于当前时间。' },
  RING_ALLOWLIST_EXPIRY_TOO_FAR: {
    en: 'An allowlisting lasts at most {days} days (until {latest}); renew it when it runs out.',
    zh: '放行最长 {days} 天（至 {latest}），到期后可重新放行。',
  },
});

export const allowlistEntrySchema = z
  .object({
    id: z.string().uuid(),
    kind: z.enum(ALLOWLIST_KINDS),
    /** The masked value the key stands for. */
    label: z.string(),
    reason: z.string(),
    /** The ring it was allowlisted from. */
    ringId: z.string().uuid().nullable(),
    /** The outlet county of the parcel it was taken from: whose jurisdiction lists it. */
    regionCode: z.string(),
    expiresAt: z.string(),
    createdByName: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedByName: z.string().nullable(),
    /** In force: not revoked and not expired. */
    active: z.boolean(),
  })
  .meta({ id: 'RingAllowlistEntry' });
export type AllowlistEntryView = z.output<typeof allowlistEntrySchema>;

type EntryRow = typeof ringAllowlist.$inferSelect;

/**
 * An entry that ran out and was closed when its key was allowlisted again: revoked_at is its expiry and nobody
 * revoked it (the unique index allows one entry per key not revoked). Shown as expired, not as revoked.
 */
const ranOut = (e: EntryRow) => !!e.revokedAt && !e.revokedByName && e.revokedAt.getTime() >= e.expiresAt.getTime();

export const presentEntry = (e: EntryRow, now: Date): AllowlistEntryView => ({
  id: e.id,
  kind: e.kind as AllowlistKind,
  label: e.label,
  reason: e.reason,
  ringId: e.ringId,
  regionCode: e.regionCode,
  expiresAt: e.expiresAt.toISOString(),
  createdByName: e.createdByName,
  createdAt: e.createdAt.toISOString(),
  revokedAt: ranOut(e) ? null : (e.revokedAt?.toISOString() ?? null),
  revokedByName: e.revokedByName,
  active: !e.revokedAt && e.expiresAt > now,
});

/**
 * The keys that may link: those not allowlisted at `now`, read in the intake's own transaction so every process
 * agrees at once (one probe of ring_allowlist_key_idx (key, expires_at)). In the same round trip every key's lock is
 * taken (lockKeys in ./store.ts: one order, so intakes sharing keys cannot deadlock), allowlisted ones included: an
 * allowlisting of a key takes that lock too, so it waits for intakes linking the key, as before. Read before the
 * locks are held, as the allowlist always was; the rings the keys lead to are read after (their own statement, whose
 * snapshot follows the locks).
 */
export async function lockKeysNotAllowlisted(db: Queryable, keys: LinkKey[], now: Date): Promise<LinkKey[]> {
  if (!keys.length) return keys;
  const ids = `{${[...new Set(keys.map((k) => k.lockId))].join(',')}}`;
  const [row] = await preparedRows<{ allowed: string[] | null }>(
    db,
    sql`select (select count(*) from (select pg_advisory_xact_lock(id) from (select id from unnest(${ids}::bigint[]) as t(id) order by id offset 0) s) l) as locked,
               (select array_agg(key) from ring_allowlist where key = any(${textArray(keys.map((k) => k.key))}) and expires_at > ${now} and revoked_at is null) as allowed`,
  );
  if (!row?.allowed?.length) return keys;
  const allowed = new Set(row.allowed);
  return keys.filter((k) => !allowed.has(k.key));
}

/** Entries a user sees: those taken from parcels of their jurisdiction; admins all. */
export function allowlistScope(user: AuthUser): SQL | undefined {
  if (user.role === 'admin') return undefined;
  return like(ringAllowlist.regionCode, `${user.jurisdiction ?? '\u0000'}%`);
}

export const kindOfKey = (key: string) => key.slice(0, key.indexOf(':'));

/**
 * The advisory lock of a stored key, as keys.ts derives it: `kind:<base64url of the digest's first 16 bytes>`,
 * whose first 8 bytes are the lock (a test holds this to linkKeys). Null for a key in another form.
 */
export function lockIdOfKey(key: string): string | null {
  const bytes = Buffer.from(key.slice(key.indexOf(':') + 1), 'base64url');
  return bytes.length >= 8 ? bytes.readBigInt64BE(0).toString() : null;
}

/** What a key of this kind on this parcel stands for, masked as everywhere outside an unmasked read. */
async function labelOf(db: Queryable, parcelId: string, kind: AllowlistKind): Promise<string> {
  const [p] = await db
    .select({
      senderName: parcels.senderName,
      idMasked: senders.idMasked,
      phone: parcels.senderPhoneMasked,
      address: parcels.senderAddress,
      recipientName: parcels.recipientName,
      recipientPhone: parcels.recipientPhoneMasked,
      recipientAddress: parcels.recipientAddress,
      country: parcels.recipientCountry,
    })
    .from(parcels)
    .innerJoin(senders, eq(senders.id, parcels.senderId))
    .where(eq(parcels.id, parcelId));
  if (!p) return kind;
  switch (kind) {
    case 'sender_id':
      return `${p.senderName} ${p.idMasked}`;
    case 'sender_phone':
      return p.phone;
    case 'sender_address':
      return p.address;
    case 'consignee_phone':
      return `${p.recipientPhone ?? ''} (${p.country})`;
    case 'consignee_address':
      return `${p.recipientAddress}, ${p.country}`;
    case 'consignee_name':
      return `${p.recipientName}, ${p.country}`;
  }
}

export type NewEntry = { kind: AllowlistKind; reason: string; expiresAt: Date };
export type RingMemberRef = { parcelId: string; waybillNo: string; regionCode: string; linkKeys: string[] };

/**
 * Allowlists the key of `kind` that `member` (a parcel of `ringId`) carries. Recorded as a ring event;
 * the caller audits. 422 when the parcel carries no such key, 409 when it is allowlisted already.
 */
export async function allowlistKey(
  db: Queryable,
  ringId: string,
  member: RingMemberRef,
  entry: NewEntry,
  by: AuthUser,
  now: Date,
): Promise<EntryRow> {
  const latest = new Date(now.getTime() + MAX_ALLOWLIST_DAYS * 86_400_000);
  if (entry.expiresAt <= now) throw new ValidationError([{ path: 'expiresAt', code: 'RING_ALLOWLIST_EXPIRY_PAST', ...bilingual('RING_ALLOWLIST_EXPIRY_PAST') }]);
  if (entry.expiresAt > latest) {
    throw new ValidationError([
      { path: 'expiresAt', code: 'RING_ALLOWLIST_EXPIRY_TOO_FAR', ...bilingual('RING_ALLOWLIST_EXPIRY_TOO_FAR', { days: MAX_ALLOWLIST_DAYS, latest: latest.toISOString() }) },
    ]);
  }
  const key = member.linkKeys.find((k) => kindOfKey(k) === entry.kind);
  if (!key) {
    throw new ValidationError([{ path: 'kind', code: 'RING_ALLOWLIST_KEY_ABSENT', ...bilingual('RING_ALLOWLIST_KEY_ABSENT', { waybillNo: member.waybillNo, kind: entry.kind }) }]);
  }
  // One entry not revoked per key (ring_allowlist_key_open_uq): two would make revoking one look like it did
  // nothing. Allowlistings of one key take turns under the key's lock (the one intakes linking it hold); the one
  // that ran out is closed at its expiry first, so it does not block a new one.
  const lockId = lockIdOfKey(key);
  if (lockId) await db.execute(sql`select pg_advisory_xact_lock(${lockId}::bigint)`);
  await db
    .update(ringAllowlist)
    .set({ revokedAt: sql`${ringAllowlist.expiresAt}` })
    .where(and(eq(ringAllowlist.key, key), isNull(ringAllowlist.revokedAt), lte(ringAllowlist.expiresAt, now)));
  const exists = async () => {
    const [existing] = await db.select().from(ringAllowlist).where(and(eq(ringAllowlist.key, key), isNull(ringAllowlist.revokedAt)));
    return (
      existing &&
      withMessage(
        new ConflictError('', 'RING_ALLOWLIST_EXISTS'),
        bilingual('RING_ALLOWLIST_EXISTS', { kind: entry.kind, id: existing.id, expiresAt: existing.expiresAt.toISOString() }),
      )
    );
  };
  const before = await exists();
  if (before) throw before;
  // The unique index is the last word (a writer not under the lock): its conflict is the same 409.
  const [row] = await db
    .insert(ringAllowlist)
    .values({
      kind: entry.kind,
      key,
      label: await labelOf(db, member.parcelId, entry.kind),
      reason: entry.reason,
      ringId,
      regionCode: member.regionCode,
      expiresAt: entry.expiresAt,
      createdBy: by.id,
      createdByName: by.username,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw (await exists()) ?? withMessage(new ConflictError('', 'RING_ALLOWLIST_EXISTS'), bilingual('RING_ALLOWLIST_CONCURRENT', { kind: entry.kind }));
  await db.insert(ringEvents).values({
    ringId,
    kind: 'allowlisted',
    at: now,
    byUser: by.id,
    byName: by.username,
    details: {
      entryId: row.id,
      keyKind: entry.kind,
      label: row.label,
      waybillNo: member.waybillNo,
      parcelId: member.parcelId,
      reason: entry.reason,
      expiresAt: entry.expiresAt.toISOString(),
    },
  });
  return row;
}

export async function listAllowlist(db: Queryable, user: AuthUser, active: boolean, now: Date): Promise<EntryRow[]> {
  return db
    .select()
    .from(ringAllowlist)
    .where(and(allowlistScope(user), active ? and(gt(ringAllowlist.expiresAt, now), isNull(ringAllowlist.revokedAt)) : undefined))
    .orderBy(desc(ringAllowlist.createdAt), desc(ringAllowlist.id))
    .limit(1000);
}

/** Ends an entry now: its key links again from the next intake. 404 outside the user's scope, 409 if revoked before or run out. */
export async function revokeAllowlistEntry(db: Queryable, id: string, by: AuthUser, reason: string | undefined, now: Date): Promise<EntryRow> {
  const [current] = await db.select().from(ringAllowlist).where(and(eq(ringAllowlist.id, id), allowlistScope(by))).for('update');
  if (!current) throw withMessage(new NotFoundError('', 'RING_ALLOWLIST_NOT_FOUND'), bilingual('RING_ALLOWLIST_NOT_FOUND', { id }));
  if (current.expiresAt <= now && (!current.revokedAt || ranOut(current))) {
    throw withMessage(new ConflictError('', 'RING_ALLOWLIST_EXPIRED'), bilingual('RING_ALLOWLIST_EXPIRED', { id, at: current.expiresAt.toISOString() }));
  }
  if (current.revokedAt) {
    throw withMessage(
      new ConflictError('', 'RING_ALLOWLIST_REVOKED'),
      bilingual('RING_ALLOWLIST_REVOKED', { id, by: current.revokedByName ?? '', at: current.revokedAt.toISOString() }),
    );
  }
  const [row] = await db.update(ringAllowlist).set({ revokedAt: now, revokedByName: by.username }).where(eq(ringAllowlist.id, id)).returning();
  if (current.ringId) {
    // The label changes meaning: the evaluation reads a revoked allowlisting as the analyst taking it back.
    await db.insert(ringEvents).values({
      ringId: current.ringId,
      kind: 'allowlisted',
      at: now,
      byUser: by.id,
      byName: by.username,
      details: { entryId: id, keyKind: current.kind, label: current.label, revoked: true, reason: reason ?? null },
    });
  }
  return row!;
}
