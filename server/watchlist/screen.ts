// Screening a parcel against the suspect lists: one statement fetches candidates, each branch on an
// index (exact keys on the unique btree, fuzzy names/addresses/companies on the trigram GIN), and
// match.ts decides. Used by the intake step and by POST /api/watchlist/check.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/database.js';
import { preparedRows, textArray } from '../db/prepared.js';
import { hasHan } from '../identity/names.js';
import { scoreHits, type Candidate, type EntryType, type Hit, type Probe } from './match.js';
import { addressDoor, addressKey, brandSearchText, companyKey, mentionedBrands, nameKey } from './normalize.js';

/** A parcel's screenable fields, already normalised (blind indexes for ID and phones). */

export type ScreenInput = {
  idNumberBlind?: string;
  senderName?: string;
  senderPhoneBlind?: string;
  senderAddress?: string;
  recipientName?: string;
  recipientPhoneBlind?: string;
  recipientAddress?: string;
  waybillNo?: string;
  declaredText?: string;
  /** An organisation sender's handler (经办人), screened as a person. */
  handlerIdBlind?: string;
  handlerPhoneBlind?: string;
  handlerName?: string;
  /** An organisation sender: its name and its code, screened against `company` entries. */
  organisationName?: string;
  organisationUscc?: string;
};

/**
 * A parcel as screening sees it: what intake has checked, or what a stored parcel row holds (retro.ts). Both build
 * their ScreenInput with screenInputOf below, so a parcel is screened backwards exactly as it was at the counter.
 */
export type ScreenedParcel = {
  waybillNo: string;
  idBlind: string;
  senderName: string;
  senderPhoneBlind: string | null;
  senderAddress: string | null;
  recipientName: string;
  recipientPhoneBlind: string | null;
  recipientAddress: string;
  declaredDescription: string;
  declaredBrand: string | null;
  /** An organisation's handler (经办人): their archive identity. */
  handler: { idBlind: string; phoneBlind: string | null; name: string } | null;
  organisation: { name: string; uscc: string } | null;
};

export function screenInputOf(p: ScreenedParcel): ScreenInput {
  return {
    idNumberBlind: p.idBlind,
    // An organisation sender: its handler is screened as the person, its name and code as a company (its name
    // is no person's name).
    senderName: p.organisation ? undefined : p.senderName,
    senderPhoneBlind: p.senderPhoneBlind ?? undefined,
    senderAddress: p.senderAddress ?? undefined,
    handlerIdBlind: p.handler?.idBlind,
    handlerPhoneBlind: p.handler?.phoneBlind ?? undefined,
    handlerName: p.handler?.name || undefined,
    organisationName: p.organisation?.name,
    organisationUscc: p.organisation?.uscc,
    recipientName: p.recipientName,
    recipientPhoneBlind: p.recipientPhoneBlind ?? undefined,
    recipientAddress: p.recipientAddress,
    waybillNo: p.waybillNo,
    declaredText: [p.declaredBrand, p.declaredDescription].filter(Boolean).join(' '),
  };
}

export function probesFor(i: ScreenInput): Probe[] {
  const p: Probe[] = [];
  const exact = (field: string, type: EntryType, key: string | undefined) => key && p.push({ field, types: [type], raw: '', key });
  exact('sender.idNumber', 'id_number', i.idNumberBlind);
  exact('sender.phone', 'phone', i.senderPhoneBlind);
  exact('recipient.phone', 'phone', i.recipientPhoneBlind);
  exact('waybillNo', 'waybill', i.waybillNo);
  if (i.senderName) p.push({ field: 'sender.name', types: ['person_name'], raw: i.senderName });
  if (i.recipientName) p.push({ field: 'recipient.name', types: ['person_name', 'consignee', 'company'], raw: i.recipientName });
  if (i.senderAddress) p.push({ field: 'sender.address', types: ['address'], raw: i.senderAddress });
  if (i.recipientAddress) p.push({ field: 'recipient.address', types: ['address'], raw: i.recipientAddress });
  if (i.declaredText) p.push({ field: 'declared', types: ['brand'], raw: i.declaredText });
  exact('sender.handler.idNumber', 'id_number', i.handlerIdBlind);
  exact('sender.handler.phone', 'phone', i.handlerPhoneBlind);
  if (i.handlerName) p.push({ field: 'sender.handler.name', types: ['person_name'], raw: i.handlerName });
  if (i.organisationName) p.push({ field: 'sender.organisation', types: ['company'], raw: i.organisationName });
  if (i.organisationUscc) p.push({ field: 'sender.uscc', types: ['company'], raw: i.organisationUscc });
  return p;
}

type Row = { id: string; type: EntryType; value: string; match_key: string; match_text: string | null; note: string | null; source: string | null };

/** The arguments of watchlist_candidates for one parcel: its keys as the entries store theirs. */
export type CandidateArgs = {
  exactKeys: string[];
  nameKeys: string[];
  senderNameFuzzy: string | null;
  recipientNameFuzzy: string | null;
  companyKey: string | null;
  addressKeys: string[];
  addressDoors: string[];
  brands: string[];
  brandText: string | null;
};

export function candidateArgs(i: ScreenInput): CandidateArgs {
  const exactKeys = [i.idNumberBlind, i.senderPhoneBlind, i.recipientPhoneBlind, i.waybillNo, i.handlerIdBlind, i.handlerPhoneBlind].filter((k): k is string => !!k);
  // The person at the counter: the sender, or an organisation's handler (an organisation's name is no person's).
  const personName = i.senderName ?? i.handlerName;
  const senderNameKey = personName ? nameKey(personName) : null;
  const recipientNameKey = i.recipientName ? nameKey(i.recipientName) : null;
  const nameKeys = [senderNameKey, recipientNameKey].filter((k): k is string => !!k);
  // Fuzzy name retrieval serves typos in romanised names only; a name in characters meets its entries by
  // its exact syllable key (Traditional, homophones and pinyin spellings included).
  const fuzzy = (name: string | undefined, key: string | null) => (name && !hasHan(name) ? key : null);
  const senderAddressKey = i.senderAddress ? addressKey(i.senderAddress) : null;
  const recipientAddressKey = i.recipientAddress ? addressKey(i.recipientAddress) : null;
  // Addresses and companies meet exactly on their normalised keys: prefixes, spacing, script and legal
  // form are normalised away, and a parcel to a room behind a listed door meets it by the door. A trigram
  // search on Chinese addresses read long posting lists (digits, 路, 号) for 5-13 ms each at 1M entries.
  const addressKeys = [senderAddressKey, recipientAddressKey].filter((k): k is string => !!k);
  return {
    exactKeys,
    nameKeys,
    senderNameFuzzy: fuzzy(personName, senderNameKey),
    recipientNameFuzzy: fuzzy(i.recipientName, recipientNameKey),
    companyKey: i.recipientName ? companyKey(i.recipientName) : null,
    addressKeys,
    addressDoors: addressKeys.map((k) => addressDoor(k) ?? k),
    brands: i.declaredText ? mentionedBrands(i.declaredText) : [],
    brandText: i.declaredText ? brandSearchText(i.declaredText) : null,
  };
}

export const candidateOf = (r: Row): Candidate => ({ id: r.id, type: r.type, display: r.value, matchKey: r.match_key, matchText: r.match_text, note: r.note, source: r.source });
export type CandidateRow = Row;

/** An organisation sender's name and code, as `company` entries store their keys. */
export function organisationKeys(i: ScreenInput): string[] {
  return [i.organisationName, i.organisationUscc].filter((v): v is string => !!v).map(companyKey).filter((k) => k.length >= 2);
}

/**
 * The live `company` entries on these keys. An organisation sender's name and code meet them exactly, as a
 * consignee's name does; the candidates function has one company slot (the consignee's), so this is a further
 * indexed branch: at intake part of the one screening statement, backwards (retro.ts) one read for a whole chunk,
 * limited to the run's entries.
 */
function companyEntriesSql(keys: string[], runId?: string): SQL {
  return sql`select id, type, value, match_key, match_text, note, source from watchlist_entries e
        where deleted_at is null and (expires_at is null or expires_at > now()) and type = 'company' and match_key = any(${textArray(keys)})
        ${runId ? sql`and exists (select 1 from watchlist_retro_entries re where re.run_id = ${runId} and re.entry_id = e.id)` : sql``}`;
}

export async function companyEntries(db: Queryable, keys: string[], runId: string): Promise<Row[]> {
  return queryRows<Row>(db, companyEntriesSql(keys, runId));
}

export async function fetchCandidates(db: Queryable, i: ScreenInput): Promise<Candidate[]> {
  const a = candidateArgs(i);
  const arr = textArray;
  // The query is the function watchlist_candidates (models/migrations/0005): its plan is cached per connection,
  // and the statement calling it is a named one (server/db/prepared.ts).
  const orgKeys = organisationKeys(i);
  // One statement, one round trip: the function, and the organisation's company branch when an organisation sends.
  const rows = await preparedRows<Row>(
    db,
    sql`select * from watchlist_candidates(
      ${arr(a.exactKeys)}, ${arr(a.nameKeys)}, ${a.senderNameFuzzy}::text, ${a.recipientNameFuzzy}::text,
      ${a.companyKey}::text, ${arr(a.addressKeys)}, ${arr(a.addressDoors)}, ${arr(a.brands)}, ${a.brandText}::text)
      ${orgKeys.length ? sql`union all ${companyEntriesSql(orgKeys)}` : sql``}`,
  );
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.id) && !!seen.add(r.id)).map(candidateOf);
}

export async function screen(db: Queryable, input: ScreenInput): Promise<Hit[]> {
  const probes = probesFor(input);
  if (!probes.length) return [];
  return scoreHits(probes, await fetchCandidates(db, input));
}
