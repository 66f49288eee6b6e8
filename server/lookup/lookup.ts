// Investigative look-up (溯源查询): the senders in the archive and the parcels of the caller's jurisdiction that match
// one criterion — an ID number, a phone, a name, an address, a consignee or a waybill. Names are matched as the
// suspect lists match them (server/watchlist/match.ts: Traditional and Simplified, pinyin in any order, Cantonese
// spellings of surnames); the database only fetches candidates by index, every score is decided there.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { AuthUser } from '../accounts/access.js';
import { queryRows, type Queryable } from '../db/database.js';
import { textArray } from '../db/prepared.js';
import { BadRequestError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { checkDocument, ID_TYPES, normalizeDocumentNumber, type IdType } from '../identity/documents.js';
import { maskIdNumber } from '../identity/masking.js';
import { hasHan, romanize, toSimplifiedChinese, normalizeSpaces } from '../identity/names.js';
import { checkPhone, maskPhone } from '../identity/phones.js';
import type { PiiVault } from '../privacy/pii.js';
import { DEFAULT_THRESHOLDS, scoreCandidate, type EntryType } from '../watchlist/match.js';
import { addressKey, nameChars, nameKey } from '../watchlist/normalize.js';
import { searchTermRecord } from '../watchlist/router.js';
import { normalizeWaybill } from '../waybill/waybills.js';

export const CRITERIA = ['idNumber', 'phone', 'name', 'address', 'consignee', 'waybillNo'] as const;
export type Criterion = (typeof CRITERIA)[number];

/** The most of each a look-up returns; past it `truncated` says so and the officer narrows the query. */
export const MAX_SENDERS = 50;
export const MAX_PARCELS = 200;
/** Candidates fetched for a fuzzy criterion before scoring. */
const MAX_CANDIDATES = 2000;

const LOOKUP_MESSAGES = defineMessages({
  LOOKUP_CRITERION_REQUIRED: { en: 'Give one of idNumber, phone, name, address, consignee or waybillNo.', zh: '请提供证件号码、电话、姓名、地址、收件人或运单号中的一项。' },
  LOOKUP_ONE_CRITERION: { en: 'One criterion per look-up ({given} given); run one look-up for each.', zh: '每次查询只能使用一项条件（当前 {given} 项），请分别查询。' },
  LOOKUP_CASE_NOT_FOUND: { en: 'No case {id} that you can see.', zh: '没有您可查看的案件 {id}。' },
  LOOKUP_ADDRESS_TOO_VAGUE: { en: 'The address says too little to search by (give the street and number).', zh: '地址过于笼统，无法查询（请提供街道和门牌号）。' },
});
export { LOOKUP_MESSAGES };

export const lookupRequestSchema = z
  .strictObject({
    idNumber: z.string().trim().min(4).max(40).optional(),
    idType: z.enum(ID_TYPES).optional().meta({ description: 'With idNumber: only that document type, and the number is checked against its rules' }),
    phone: z.string().trim().min(5).max(30).optional(),
    name: z.string().trim().min(1).max(100).optional().meta({ description: "A sender's name: 张伟, 張偉, Zhang Wei, Wei ZHANG, Cheung Wei all find one another" }),
    address: z.string().trim().min(2).max(200).optional().meta({ description: "A sender's or recipient's address" }),
    consignee: z.string().trim().min(1).max(100).optional().meta({ description: "A recipient's name, matched like a sender's" }),
    waybillNo: z.string().trim().min(6).max(40).optional(),
    reason: z.string().trim().min(2).max(500).meta({ description: 'Why: the case, the written request (协查函) and its number. Required; audited' }),
    caseId: z.string().uuid().optional().meta({ description: 'A case you can see; the look-up then shows on its timeline' }),
    unmask: z.boolean().default(false).meta({ description: 'Show ID numbers and phones in full (roles that may unmask; audited as lookup.unmask)' }),
  })
  .meta({ id: 'LookupRequest' });
export type LookupRequest = z.output<typeof lookupRequestSchema>;

const matchSchema = z.object({ field: z.string(), score: z.number(), reason: z.string(), reasonZh: z.string() });
export const lookupSenderSchema = z.object({
  id: z.string(),
  idType: z.string(),
  idNumber: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  parcelCount: z.number().int().meta({ description: 'All parcels in the archive record' }),
  parcelsInScope: z.number().int().meta({ description: 'Those of them you may see' }),
  matches: z.array(matchSchema),
});
export const lookupParcelSchema = z.object({
  waybillNo: z.string(),
  createdAt: z.string(),
  outletId: z.string(),
  regionCode: z.string(),
  crossBorder: z.boolean(),
  verdict: z.string(),
  status: z.string(),
  sender: z.object({ id: z.string(), idType: z.string(), idNumber: z.string(), name: z.string(), phone: z.string(), address: z.string() }),
  recipient: z.object({ name: z.string(), phone: z.string().nullable(), address: z.string(), country: z.string() }),
  declared: z.object({ description: z.string(), category: z.string(), valueCny: z.number() }),
  matches: z.array(matchSchema),
});
export const lookupResponseSchema = z
  .object({
    criterion: z.enum(CRITERIA),
    masked: z.boolean(),
    senders: z.array(lookupSenderSchema),
    parcels: z.array(lookupParcelSchema),
    truncated: z.boolean(),
  })
  .meta({ id: 'LookupResult' });
export type LookupResult = z.output<typeof lookupResponseSchema>;
type Match = z.output<typeof matchSchema>;

/** The single criterion of a request, or a 400 naming what is wrong. */
export function criterionOf(r: LookupRequest): { criterion: Criterion; value: string } {
  const given = CRITERIA.filter((c) => r[c] !== undefined);
  if (given.length !== 1) {
    const errors = given.length === 0
      ? [{ path: 'idNumber', code: 'LOOKUP_CRITERION_REQUIRED', ...bilingual(LOOKUP_MESSAGES.LOOKUP_CRITERION_REQUIRED) }]
      : given.map((c) => ({ path: c, code: 'LOOKUP_ONE_CRITERION', ...bilingual(LOOKUP_MESSAGES.LOOKUP_ONE_CRITERION, { given: given.length }) }));
    throw withMessage(new BadRequestError('', errors, errors[0]!.code), errors[0]!);
  }
  return { criterion: given[0]!, value: r[given[0]!]! };
}

/** The parcels a user may see (server/intake/router.ts mayView, in SQL): customs officers the cross-border ones. */
export function parcelScope(user: AuthUser, p = sql`p`): SQL {
  if (user.role === 'admin') return sql`true`;
  const j = `${user.jurisdiction ?? '\u0000'}%`;
  return user.role === 'customs_officer' ? sql`(${p}.cross_border and ${p}.region_code like ${j})` : sql`${p}.region_code like ${j}`;
}

/** The name's syllables in every order (up to 5 syllables), and its characters: what the indexes are probed with. */
export function nameProbes(raw: string): { readings: string[]; chars: string } {
  const key = nameKey(raw);
  const syllables = key.split(' ').filter(Boolean);
  const readings = new Set<string>([key]);
  if (hasHan(raw)) readings.add(romanize(toSimplifiedChinese(normalizeSpaces(raw))));
  if (syllables.length <= 5) for (const p of permutations(syllables)) readings.add(p.join(' '));
  return { readings: [...readings], chars: toSimplifiedChinese(normalizeSpaces(raw)) };
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}


/** Scores a stored name or address against the query exactly as the suspect lists do. */
function score(type: EntryType, field: string, query: string, stored: string): Match | null {
  if (!stored) return null;
  const key = type === 'address' ? addressKey(stored) : nameKey(stored);
  const s = scoreCandidate(
    { field, types: [type], raw: query },
    { id: '', type, display: stored, matchKey: key, matchText: type === 'address' ? null : nameChars(stored), note: null, source: null },
  );
  return s.score >= DEFAULT_THRESHOLDS[type] ? { field, score: Math.round(s.score * 100) / 100, reason: s.reason, reasonZh: s.reasonZh } : null;
}

const exact = (field: string, what: string, whatZh: string): Match => ({ field, score: 1, reason: `the same ${what}`, reasonZh: `${whatZh}相同` });

type SenderRow = {
  id: string; id_type: string; id_sealed: string; id_masked: string; name: string; phone_sealed: string | null; phone_masked: string | null;
  address: string | null; first_seen_at: Date | string; last_seen_at: Date | string; parcel_count: number; in_scope: number;
};
type ParcelRow = {
  id: string; waybill_no: string; created_at: Date | string; outlet_id: string; region_code: string; cross_border: boolean; verdict: string; status: string;
  sender_id: string; id_type: string; id_sealed: string; id_masked: string; sender_name: string; sender_phone_sealed: string; sender_phone_masked: string; sender_address: string;
  recipient_name: string; recipient_phone_sealed: string | null; recipient_phone_masked: string | null; recipient_address: string; recipient_country: string;
  declared_description: string; declared_category: string; declared_value_cny: string | number;
  sender_phone_blind: string; recipient_phone_blind: string | null;
};

const SENDER_COLUMNS = sql`s.id, s.id_type, s.id_sealed, s.id_masked, s.name, s.phone_sealed, s.phone_masked, s.address, s.first_seen_at, s.last_seen_at, s.parcel_count`;
const PARCEL_COLUMNS = sql`p.id, p.waybill_no, p.created_at, p.outlet_id, p.region_code, p.cross_border, p.verdict, p.status, p.sender_id, s.id_type, s.id_sealed, s.id_masked,
  p.sender_name, p.sender_phone_sealed, p.sender_phone_masked, p.sender_address, p.recipient_name, p.recipient_phone_sealed, p.recipient_phone_masked,
  p.recipient_address, p.recipient_country, p.declared_description, p.declared_category, p.declared_value_cny, p.sender_phone_blind, p.recipient_phone_blind`;

export type LookupOutcome = { result: LookupResult; queryRecord: Record<string, unknown> };

/**
 * Runs one look-up for `user`. Nothing here records it: the router audits it with the returned query record (the
 * query as keyed hash or masked, never plain) in the same request.
 */
export async function lookUp(db: Queryable, vault: PiiVault, user: AuthUser, r: LookupRequest): Promise<LookupOutcome> {
  const { criterion, value } = criterionOf(r);
  const scope = parcelScope(user);
  const senderInScope = sql`exists (select 1 from parcels p where p.sender_id = s.id and ${scope})`;
  const inScopeCount = sql`(select count(*)::int from parcels p where p.sender_id = s.id and ${scope}) as in_scope`;
  let senders: { row: SenderRow; matches: Match[] }[] = [];
  let parcels: { row: ParcelRow; matches: Match[] }[] = [];
  let queryRecord: Record<string, unknown>;
  const parcelsOfSenders = async (ids: string[], matches: Map<string, Match[]>) =>
    ids.length
      ? (
          await queryRows<ParcelRow>(
            db,
            sql`select ${PARCEL_COLUMNS} from parcels p join senders s on s.id = p.sender_id
                 where p.sender_id = any(${`{${ids.join(',')}}`}::uuid[]) and ${scope} order by p.created_at desc limit ${MAX_PARCELS + 1}`,
          )
        ).map((row) => ({ row, matches: matches.get(row.sender_id) ?? [] }))
      : [];

  switch (criterion) {
    case 'idNumber': {
      let n = normalizeDocumentNumber(value);
      if (r.idType) {
        const doc = checkDocument(r.idType as IdType, value);
        if (!doc.ok) throw new ValidationError([{ path: 'idNumber', code: doc.code, reason: doc.reason, message: doc.message, messageZh: doc.messageZh }]);
        n = doc.normalized;
      }
      const blind = vault.blind('id_number', n);
      queryRecord = { idType: r.idType ?? null, masked: maskIdNumber(n), blind };
      const types = r.idType ? [r.idType] : [...ID_TYPES];
      const rows = await queryRows<SenderRow>(
        db,
        sql`select ${SENDER_COLUMNS}, ${inScopeCount} from senders s where s.id_type = any(${textArray(types)}) and s.id_blind = ${blind} and ${senderInScope}`,
      );
      const m = exact('idNumber', 'ID number', '证件号码');
      senders = rows.map((row) => ({ row, matches: [m] }));
      parcels = await parcelsOfSenders(rows.map((x) => x.id), new Map(rows.map((x) => [x.id, [m]])));
      break;
    }
    case 'phone': {
      const phone = checkPhone(value, 'CN');
      if (!phone.ok) throw new ValidationError([{ path: 'phone', code: 'PHONE_INVALID', message: phone.message, messageZh: phone.messageZh }]);
      const blind = vault.blind('phone', phone.e164);
      queryRecord = { masked: maskPhone(phone.e164), blind };
      const rows = await queryRows<SenderRow>(db, sql`select ${SENDER_COLUMNS}, ${inScopeCount} from senders s where s.phone_blind = ${blind} and ${senderInScope} limit ${MAX_SENDERS + 1}`);
      senders = rows.map((row) => ({ row, matches: [exact('sender.phone', 'phone', '电话')] }));
      const prows = await queryRows<ParcelRow>(
        db,
        sql`select ${PARCEL_COLUMNS} from parcels p join senders s on s.id = p.sender_id
             where (p.sender_phone_blind = ${blind} or p.recipient_phone_blind = ${blind}) and ${scope} order by p.created_at desc limit ${MAX_PARCELS + 1}`,
      );
      parcels = prows.map((row) => ({
        row,
        matches: [
          ...(row.sender_phone_blind === blind ? [exact('sender.phone', 'phone', '电话')] : []),
          ...(row.recipient_phone_blind === blind ? [exact('recipient.phone', 'phone', '电话')] : []),
        ],
      }));
      break;
    }
    case 'name': {
      queryRecord = { term: searchTermRecord(vault, value) };
      const { readings, chars } = nameProbes(value);
      const rows = await queryRows<SenderRow>(
        db,
        sql`select ${SENDER_COLUMNS}, ${inScopeCount} from senders s
             where (s.name_pinyin = any(${textArray(readings)}) or s.name_simplified = ${chars}) and s.name <> '' and ${senderInScope}
             limit ${MAX_CANDIDATES}`,
      );
      senders = rows.flatMap((row) => {
        const m = score('person_name', 'sender.name', value, row.name);
        return m ? [{ row, matches: [m] }] : [];
      });
      senders.sort((a, b) => b.matches[0]!.score - a.matches[0]!.score);
      const kept = senders.slice(0, MAX_SENDERS + 1);
      parcels = await parcelsOfSenders(kept.map((x) => x.row.id), new Map(kept.map((x) => [x.row.id, x.matches])));
      break;
    }
    case 'consignee': {
      queryRecord = { term: searchTermRecord(vault, value) };
      const { readings, chars } = nameProbes(value);
      const prows = await queryRows<ParcelRow>(
        db,
        sql`select ${PARCEL_COLUMNS} from parcels p join senders s on s.id = p.sender_id
             where (p.recipient_name_pinyin = any(${textArray(readings)}) or p.recipient_name_simplified = ${chars}) and ${scope}
             order by p.created_at desc limit ${MAX_CANDIDATES}`,
      );
      parcels = prows.flatMap((row) => {
        const m = score('consignee', 'recipient.name', value, row.recipient_name);
        return m ? [{ row, matches: [m] }] : [];
      });
      // Who sends to this consignee: the senders behind the matching parcels.
      senders = await sendersOf(db, [...new Set(parcels.map((p) => p.row.sender_id))].slice(0, MAX_SENDERS + 1), inScopeCount, 'consignee');
      break;
    }
    case 'address': {
      queryRecord = { term: searchTermRecord(vault, value) };
      const key = addressKey(value);
      // The database narrows by a fragment every spelling of the place contains; the score decides.
      const fragment = hasHan(key) ? key : (key.split(' ').sort((a, b) => b.length - a.length)[0] ?? '');
      if ([...fragment].length < (hasHan(fragment) ? 3 : 4)) {
        throw new ValidationError([{ path: 'address', code: 'LOOKUP_ADDRESS_TOO_VAGUE', ...bilingual(LOOKUP_MESSAGES.LOOKUP_ADDRESS_TOO_VAGUE) }]);
      }
      const squeezed = (col: SQL) => sql`position(${fragment} in regexp_replace(lower(${col}), '[[:space:],，。.、:：;；#＃()（）_''"“”—-]', '', 'g')) > 0`;
      const srows = await queryRows<SenderRow>(
        db,
        sql`select ${SENDER_COLUMNS}, ${inScopeCount} from senders s where s.address is not null and ${squeezed(sql`s.address`)} and ${senderInScope} limit ${MAX_CANDIDATES}`,
      );
      senders = srows.flatMap((row) => {
        const m = score('address', 'sender.address', value, row.address ?? '');
        return m ? [{ row, matches: [m] }] : [];
      });
      const prows = await queryRows<ParcelRow>(
        db,
        sql`select ${PARCEL_COLUMNS} from parcels p join senders s on s.id = p.sender_id
             where (${squeezed(sql`p.sender_address`)} or ${squeezed(sql`p.recipient_address`)}) and ${scope}
             order by p.created_at desc limit ${MAX_CANDIDATES}`,
      );
      parcels = prows.flatMap((row) => {
        const ms = [score('address', 'sender.address', value, row.sender_address), score('address', 'recipient.address', value, row.recipient_address)].filter((m): m is Match => !!m);
        return ms.length ? [{ row, matches: ms }] : [];
      });
      break;
    }
    case 'waybillNo': {
      const waybill = normalizeWaybill(value);
      queryRecord = { waybillNo: waybill };
      const prows = await queryRows<ParcelRow>(db, sql`select ${PARCEL_COLUMNS} from parcels p join senders s on s.id = p.sender_id where p.waybill_no = ${waybill} and ${scope}`);
      parcels = prows.map((row) => ({ row, matches: [exact('waybillNo', 'waybill', '运单号')] }));
      senders = await sendersOf(db, prows.map((p) => p.sender_id), inScopeCount, 'waybillNo');
      break;
    }
  }

  const unmask = r.unmask;
  const openOr = (purpose: 'id_number' | 'phone', sealed: string | null, masked: string | null) => (sealed ? (unmask ? vault.open(purpose, sealed) : masked ?? '') : null);
  const truncated = senders.length > MAX_SENDERS || parcels.length > MAX_PARCELS;
  const iso = (d: Date | string) => new Date(d).toISOString();
  return {
    queryRecord,
    result: {
      criterion,
      masked: !unmask,
      truncated,
      senders: senders.slice(0, MAX_SENDERS).map(({ row, matches }) => ({
        id: row.id,
        idType: row.id_type,
        idNumber: openOr('id_number', row.id_sealed, row.id_masked) ?? '',
        name: row.name,
        phone: openOr('phone', row.phone_sealed, row.phone_masked),
        address: row.address,
        firstSeenAt: iso(row.first_seen_at),
        lastSeenAt: iso(row.last_seen_at),
        parcelCount: row.parcel_count,
        parcelsInScope: Number(row.in_scope),
        matches,
      })),
      parcels: parcels.slice(0, MAX_PARCELS).map(({ row, matches }) => ({
        waybillNo: row.waybill_no,
        createdAt: iso(row.created_at),
        outletId: row.outlet_id,
        regionCode: row.region_code,
        crossBorder: row.cross_border,
        verdict: row.verdict,
        status: row.status,
        sender: {
          id: row.sender_id,
          idType: row.id_type,
          idNumber: openOr('id_number', row.id_sealed, row.id_masked) ?? '',
          name: row.sender_name,
          phone: openOr('phone', row.sender_phone_sealed, row.sender_phone_masked) ?? '',
          address: row.sender_address,
        },
        recipient: {
          name: row.recipient_name,
          phone: openOr('phone', row.recipient_phone_sealed, row.recipient_phone_masked),
          address: row.recipient_address,
          country: row.recipient_country,
        },
        declared: { description: row.declared_description, category: row.declared_category, valueCny: Number(row.declared_value_cny) },
        matches,
      })),
    },
  };

  async function sendersOf(q: Queryable, ids: string[], inScope: SQL, via: Criterion) {
    if (!ids.length) return [];
    const rows = await queryRows<SenderRow>(q, sql`select ${SENDER_COLUMNS}, ${inScope} from senders s where s.id = any(${`{${ids.join(',')}}`}::uuid[])`);
    const m: Match = { field: via === 'waybillNo' ? 'waybillNo' : 'recipient.name', score: 1, reason: 'the sender of a matching parcel', reasonZh: '匹配邮件的寄件人' };
    return rows.map((row) => ({ row, matches: [m] }));
  }
}
