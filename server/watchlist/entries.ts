// Suspect-list entries: validated per type, stored in their matching forms, ID numbers and phones sealed.
import { and, desc, eq, ilike, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { watchlistEntries } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { checkResidentId, normalizeDocumentNumber } from '../identity/documents.js';
import { maskIdNumber } from '../identity/masking.js';
import { isPlausibleConsigneeName } from '../identity/name-rules.js';
import { checkPhone, maskPhone } from '../identity/phones.js';
import { pageOf } from '../http/cursor.js';
import { NotFoundError, type FieldError } from '../http/errors.js';
import { fieldErrorsFromZod } from '../http/problem.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import type { PiiVault } from '../privacy/pii.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { ENTRY_TYPES, type EntryType } from './match.js';
import { addressDoor, addressKey, brandKey, brandSearchText, companyKey, nameChars, nameKey } from './normalize.js';

export const MAX_VALUE_LENGTH = 500;

export const newEntrySchema = z
  .strictObject({
    type: z.enum(ENTRY_TYPES),
    value: z.string().trim().min(1).max(MAX_VALUE_LENGTH),
    note: z.string().trim().max(2000).optional(),
    source: z.string().trim().max(200).optional(),
    /** An instant, or a date meaning the end of that day in Beijing time. */
    expiresAt: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  })
  .meta({ id: 'NewWatchlistEntry' });
export type NewEntry = z.output<typeof newEntrySchema>;

export type PreparedEntry = {
  type: EntryType;
  value: string;
  matchKey: string;
  matchText: string | null;
  sealed: string | null;
  note: string | null;
  source: string | null;
  expiresAt: Date | null;
};

const ENTRY_MESSAGES = defineMessages({
  WATCHLIST_EXPIRY_IN_PAST: { en: 'The expiry is in the past: the entry would never match.', zh: '过期时间已过，该条目将永远不会命中。' },
  WATCHLIST_ID_INVALID: { en: 'An ID number has 5 to 20 letters and digits.', zh: '证件号码应为5至20位字母或数字。' },
  WATCHLIST_WAYBILL_INVALID: { en: 'A waybill number has 8 to 30 letters and digits.', zh: '运单号应为8至30位字母或数字。' },
  WATCHLIST_CONSIGNEE_INVALID: { en: "A consignee is a person's or a company's name.", zh: '收件人应为个人或公司名称。' },
  WATCHLIST_NAME_INVALID: { en: 'A name has letters and no digits.', zh: '姓名应由文字组成，不能含数字。' },
  WATCHLIST_ADDRESS_TOO_VAGUE: { en: 'An address needs more than a province or city to match a place.', zh: '地址过于笼统：仅有省、市无法对应到具体地点。' },
  WATCHLIST_COMPANY_TOO_VAGUE: { en: 'A company needs a name beyond its legal form.', zh: '公司名称除组织形式（如"有限公司"）外还需有字号。' },
  WATCHLIST_BRAND_TOO_SHORT: { en: 'A brand needs at least two characters.', zh: '品牌至少需要两个字符。' },
});

const COLUMN_ZH: Record<string, string> = { type: '类型', value: '值', note: '备注', source: '来源', expiresAt: '过期时间' };

/** A refused entry, in both languages: the text comes from the catalogue, or from a check that already has both. */
const problem = (path: string, code: string, text: { message: string; messageZh: string }): { ok: false; errors: FieldError[] } => ({
  ok: false,
  errors: [{ path, code, message: text.message, messageZh: text.messageZh }],
});

/** One entry in its stored forms, or why it cannot be one. */
export function prepareEntry(e: NewEntry, vault: PiiVault, now = new Date()): { ok: true; entry: PreparedEntry } | { ok: false; errors: FieldError[] } {
  const expiresAt = !e.expiresAt ? null : new Date(/^\d{4}-\d{2}-\d{2}$/.test(e.expiresAt) ? `${e.expiresAt}T23:59:59.999+08:00` : e.expiresAt);
  if (expiresAt && expiresAt <= now) return problem('expiresAt', 'EXPIRY_IN_PAST', bilingual(ENTRY_MESSAGES.WATCHLIST_EXPIRY_IN_PAST));
  const base = { type: e.type, note: e.note || null, source: e.source || null, expiresAt, sealed: null, matchText: null };
  switch (e.type) {
    case 'id_number': {
      const n = normalizeDocumentNumber(e.value);
      if (!/^[A-Z0-9]{5,20}$/.test(n)) return problem('value', 'ID_INVALID', bilingual(ENTRY_MESSAGES.WATCHLIST_ID_INVALID));
      // An 18-character resident ID must pass its check digit; other documents have none to check.
      if (/^\d{17}[\dX]$/.test(n) && !/^8[123]0000|^9/.test(n)) {
        const r = checkResidentId(n, now);
        if (!r.ok) return problem('value', 'ID_INVALID', r);
      }
      return { ok: true, entry: { ...base, value: maskIdNumber(n), matchKey: vault.blind('id_number', n), sealed: vault.seal('id_number', n) } };
    }
    case 'phone': {
      const p = checkPhone(e.value, 'CN');
      if (!p.ok) return problem('value', 'PHONE_INVALID', p);
      return { ok: true, entry: { ...base, value: maskPhone(p.e164), matchKey: vault.blind('phone', p.e164), sealed: vault.seal('phone', p.e164) } };
    }
    case 'waybill': {
      const w = normalizeWaybill(e.value);
      if (!/^[A-Z0-9]{8,30}$/.test(w)) return problem('value', 'WAYBILL_INVALID', bilingual(ENTRY_MESSAGES.WATCHLIST_WAYBILL_INVALID));
      return { ok: true, entry: { ...base, value: w, matchKey: w } };
    }
    case 'person_name':
    case 'consignee': {
      const key = nameKey(e.value);
      // A consignee may be a company ("Forever 21 Inc"), as at intake; a person's name has no digits.
      const plausible = e.type === 'consignee' ? isPlausibleConsigneeName(e.value) : !/\d/.test(key);
      if (!key || !plausible) return problem('value', 'NAME_INVALID', bilingual(e.type === 'consignee' ? ENTRY_MESSAGES.WATCHLIST_CONSIGNEE_INVALID : ENTRY_MESSAGES.WATCHLIST_NAME_INVALID));
      return { ok: true, entry: { ...base, value: e.value, matchKey: key, matchText: nameChars(e.value) } };
    }
    case 'address': {
      const key = addressKey(e.value);
      if (key.length < 4) return problem('value', 'ADDRESS_TOO_VAGUE', bilingual(ENTRY_MESSAGES.WATCHLIST_ADDRESS_TOO_VAGUE));
      // The door (no building or room) is looked up exactly: a parcel to a room behind a listed door meets it.
      return { ok: true, entry: { ...base, value: e.value, matchKey: key, matchText: addressDoor(key) ?? key } };
    }
    case 'company': {
      const key = companyKey(e.value);
      if (key.length < 2) return problem('value', 'COMPANY_TOO_VAGUE', bilingual(ENTRY_MESSAGES.WATCHLIST_COMPANY_TOO_VAGUE));
      return { ok: true, entry: { ...base, value: e.value, matchKey: key } };
    }
    case 'brand': {
      const key = brandKey(e.value);
      if (key.length < 2) return problem('value', 'BRAND_TOO_SHORT', bilingual(ENTRY_MESSAGES.WATCHLIST_BRAND_TOO_SHORT));
      return { ok: true, entry: { ...base, value: e.value, matchKey: key, matchText: brandSearchText(e.value) } };
    }
  }
}

export type CreateReport = { created: number; duplicates: number; rejected: { index: number; row?: number; errors: FieldError[] }[] };

/**
 * Inserts prepared entries in one statement. Values that normalise to the same key (张伟 and 張偉) are one
 * entry: duplicates within the batch are dropped first (one statement may not touch a row twice), and
 * an entry already live with the key is a duplicate too.
 */
export async function insertEntries(db: Queryable, entries: PreparedEntry[], createdBy: string | null): Promise<{ created: number; duplicates: number; ids: string[] }> {
  const unique = [...new Map(entries.map((e) => [`${e.type}|${e.matchKey}`, e])).values()];
  if (!unique.length) return { created: 0, duplicates: entries.length, ids: [] };
  const rows = await db
    .insert(watchlistEntries)
    .values(unique.map((e) => ({ ...e, createdBy })))
    // A live duplicate stays as it is; an expired one is revived with the new note, source and expiry.
    .onConflictDoUpdate({
      target: [watchlistEntries.type, watchlistEntries.matchKey],
      targetWhere: sql`deleted_at is null`,
      set: { expiresAt: sql`excluded.expires_at`, note: sql`excluded.note`, source: sql`excluded.source`, createdBy: sql`excluded.created_by`, createdAt: sql`now()` },
      setWhere: sql`${watchlistEntries.expiresAt} is not null and ${watchlistEntries.expiresAt} <= now()`,
    })
    .returning({ id: watchlistEntries.id });
  // ids: the entries new (or revived) here, which screen past parcels (retro.ts); a live duplicate did when first listed.
  return { created: rows.length, duplicates: entries.length - rows.length, ids: rows.map((r) => r.id) };
}

/** An entry as sent (JSON or a file row), parsed and prepared, or why it cannot be one. */
export function entryFromInput(raw: unknown, vault: PiiVault): ReturnType<typeof prepareEntry> {
  const parsed = newEntrySchema.safeParse(raw);
  if (parsed.success) return prepareEntry(parsed.data, vault);
  // The generic field messages name the field by its key; in Chinese, name the column as the list's header does.
  const errors = fieldErrorsFromZod(parsed.error, raw).map((e) => ({ ...e, messageZh: e.messageZh?.replace(/\b(type|value|note|source|expiresAt)\b/g, (k) => COLUMN_ZH[k] ?? k) }));
  return { ok: false, errors };
}

/** Entries as sent: each is parsed and prepared on its own, and reported at its index in the request. */
export async function createEntries(db: Queryable, vault: PiiVault, input: unknown[], user: AuthUser): Promise<CreateReport & { entryIds: string[] }> {
  const rejected: CreateReport['rejected'] = [];
  const prepared: PreparedEntry[] = [];
  input.forEach((raw, index) => {
    const r = entryFromInput(raw, vault);
    if (r.ok) prepared.push(r.entry);
    else rejected.push({ index, errors: r.errors.map((e) => ({ ...e, path: `entries.${index}.${e.path}` })) });
  });
  const { created, duplicates, ids } = await insertEntries(db, prepared, user.id);
  return { created, duplicates, rejected, entryIds: ids };
}

export const entrySchema = z
  .object({
    id: z.string().uuid(),
    type: z.enum(ENTRY_TYPES),
    value: z.string(),
    note: z.string().nullable(),
    source: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    active: z.boolean(),
  })
  .meta({ id: 'WatchlistEntry' });

type Row = typeof watchlistEntries.$inferSelect;
export const presentEntry = (r: Row, now = new Date()): z.output<typeof entrySchema> => ({
  id: r.id,
  type: r.type,
  value: r.value,
  note: r.note,
  source: r.source,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt?.toISOString() ?? null,
  active: !r.expiresAt || r.expiresAt > now,
});

/** Newest first, by keyset (created_at, id) so pages stay stable while entries are added. */
export async function listEntries(db: Queryable, q: { type?: EntryType; q?: string; limit: number; cursor?: { at: Date; id: string } }) {
  const rows = await db
    .select()
    .from(watchlistEntries)
    .where(
      and(
        isNull(watchlistEntries.deletedAt),
        q.type ? eq(watchlistEntries.type, q.type) : undefined,
        q.q ? or(ilike(watchlistEntries.value, `%${q.q.replace(/[%_\\]/g, '\\$&')}%`), ilike(watchlistEntries.note, `%${q.q.replace(/[%_\\]/g, '\\$&')}%`)) : undefined,
        q.cursor
          ? or(lt(watchlistEntries.createdAt, q.cursor.at), and(eq(watchlistEntries.createdAt, q.cursor.at), lt(watchlistEntries.id, q.cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(watchlistEntries.createdAt), desc(watchlistEntries.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ at: r.createdAt, id: r.id }));
  return { entries: page.map((r) => presentEntry(r)), nextCursor };
}

/** Soft delete: the entry stops matching and its history stays for audit. */
export async function deleteEntry(db: Queryable, id: string, user: AuthUser) {
  const [row] = await db
    .update(watchlistEntries)
    .set({ deletedAt: new Date(), deletedBy: user.id })
    .where(and(eq(watchlistEntries.id, id), isNull(watchlistEntries.deletedAt)))
    .returning({ id: watchlistEntries.id });
  if (!row) throw new NotFoundError(`No live suspect-list entry ${id}.`, 'ENTRY_NOT_FOUND');
}
