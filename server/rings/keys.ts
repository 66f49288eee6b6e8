// Linking keys of a cross-border parcel (issue 5): what two parcels of one ring may share. Keys are
// hashed, so ring_keys holds no readable personal data; the blind indexes are already keyed hashes.
import { createHash } from 'node:crypto';

export type LinkInput = {
  senderIdBlind: string;
  senderPhoneBlind: string;
  senderAddressKey: string;
  /** Normalised consignee name (pinyin syllables or Latin words). */
  consigneeNameKey: string;
  country: string;
  consigneePhoneBlind: string | null;
  consigneeAddressKey: string;
  outletId: string;
  /** Calendar day at the outlet (Asia/Shanghai), YYYY-MM-DD. */
  day: string;
  category: string;
  brand: string | null;
  /** Declared just under the per-parcel limit. */
  justUnder: boolean;
  /** Declared implausibly low for its brand or category (price floors, member-facts.ts). */
  implausible: boolean;
  /**
   * An organisation's parcel: its handler's identity (document type + blind index, as a person sender's key) and
   * phone. They link like a sender's, so a handler's private parcels and several organisations they hand over for meet.
   */
  handlerIdBlind?: string | null;
  handlerPhoneBlind?: string | null;
};

export type LinkKey = { kind: string; key: string; lockId: string };

/**
 * The street and town of an address key without door, flat or unit: `12 tverskaya st apt 4 moscow` and
 * `12 tverskaya st unit 9 moscow` give `tverskaya st moscow`. Empty when nothing street-like is left.
 */
export function streetOf(addressKey: string): string {
  const s = addressKey
    .replace(/\b(apt|apartment|unit|ste|suite|fl|floor|rm|room|flat|no|bldg|building)\b/g, ' ')
    .replace(/[0-9]+[号室栋楼层房]?|单元|#/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length >= 3 ? s : '';
}

/** An address specific enough to link on: it names a door (a number) and is more than a city. */
export const isSpecificAddress = (key: string) => key.length >= 6 && /\d/.test(key);

function hashed(kind: string, value: string): LinkKey {
  const digest = createHash('sha256').update(`${kind}\u0000${value}`).digest();
  // The first 8 bytes, as a signed bigint, are the advisory lock that serialises parcels sharing the key.
  return { kind, key: `${kind}:${digest.subarray(0, 16).toString('base64url')}`, lockId: digest.readBigInt64BE(0).toString() };
}

/** An organisation sender's identity (its archive identity, id_type USCC), as indicators.ts isOrganisationKey. */
const isOrganisationSender = (senderIdBlind: string) => senderIdBlind.startsWith('USCC:');

/**
 * Sender identity, sender phone (for an organisation: its handler's identity and phone instead, as the same kinds), sender address, consignee name + country, consignee phone, consignee
 * address + country. One outlet serves thousands of unrelated people, so the outlet links only through a
 * pattern: the same counter, the same day, the same goods to the same country, declared just under the limit
 * or implausibly low (ants who rotate every identity still walk into one counter).
 */
export function linkKeys(i: LinkInput, kinds?: readonly string[]): LinkKey[] {
  // An organisation's own identity, phone and address link nothing: a contract customer's parcels are its
  // customers' parcels, not one ring (its whole volume would be one ever-growing ring, and one lock for every
  // parcel it sends). Its parcels link through the person who hands them over and through their consignees.
  const organisation = isOrganisationSender(i.senderIdBlind);
  const keys = organisation ? [] : [hashed('sender_id', i.senderIdBlind), hashed('sender_phone', i.senderPhoneBlind)];
  if (i.handlerIdBlind) keys.push(hashed('sender_id', i.handlerIdBlind));
  if (i.handlerPhoneBlind && (organisation || i.handlerPhoneBlind !== i.senderPhoneBlind)) keys.push(hashed('sender_phone', i.handlerPhoneBlind));
  if (!organisation && isSpecificAddress(i.senderAddressKey)) keys.push(hashed('sender_address', i.senderAddressKey));
  // A name alone joins strangers (Kim Minjun in Korea): it links at the same street, whatever door or flat.
  const street = streetOf(i.consigneeAddressKey);
  if (i.consigneeNameKey && street) keys.push(hashed('consignee_name', `${i.country}|${i.consigneeNameKey}|${street}`));
  if (i.consigneePhoneBlind) keys.push(hashed('consignee_phone', i.consigneePhoneBlind));
  if (isSpecificAddress(i.consigneeAddressKey)) keys.push(hashed('consignee_address', `${i.country}|${i.consigneeAddressKey}`));
  // Implausibly low declarations walk into one counter the same way values just under the limit do.
  if (i.justUnder || i.implausible) keys.push(hashed('outlet_pattern', [i.outletId, i.day, i.country, i.category, i.brand ?? ''].join('|')));
  return kinds ? keys.filter((k) => kinds.includes(k.kind)) : keys;
}
