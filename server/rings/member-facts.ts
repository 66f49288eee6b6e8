// What the ring step records about a parcel beyond who sends what where (issue 16): whether its declared value
// is implausibly low for its brand or category (price floors kept as data), the sender's name as a key (one ID
// number under several names is a lent identity), and what the ID number itself contradicts.
//
// "Declared elsewhere", for an identity, is: the birth date and sex printed on the document face
// (sender.birthDate / sender.sex, typed or filled by the handheld's OCR), the birth date and sex in a passport's
// MRZ, and the birth date the sender archive already holds for the same document (first seen wins there). A
// resident ID or HMT residence permit encodes both in its number (GB 11643: digits 7–14, and the 17th odd for
// men); a passport's MRZ encodes them in its second line (ICAO 9303 TD3).
import type { RingPolicy } from '../config.js';
import { mrzCheckDigit } from '../identity/documents.js';
import { personSenderOf, type IntakeState } from '../intake/pipeline.js';
import { nameKey } from '../watchlist/normalize.js';
import { floorAndArchivedBirth, isImplausible } from './price-floors.js';

export type MemberFacts = {
  /** A protected brand or priority category declared far below its price floor. */
  implausible: boolean;
  /** The sender's name as a matching key (see watchlist/normalize nameKey). */
  senderNameKey: string;
  /** BIRTH_DATE or SEX when the ID number contradicts what is declared elsewhere, else null. */
  identityConflict: string | null;
};

export type Sex = 'M' | 'F';
export type IdentityTraits = { birthDate: string | null; sex: Sex | null };

/** Document types whose number carries the birth date and sex (GB 11643 layout). */
const ENCODED_IN_NUMBER = new Set(['CN_RESIDENT_ID', 'HMT_RESIDENCE_PERMIT']);

/**
 * Birth date and sex from a TD3 MRZ second line: birth YYMMDD at 14–19 with its check digit, sex at 21. A
 * birth date whose check digit fails is a misread and is ignored (never a contradiction of its own).
 */
export function mrzTraits(mrzLine2: string | undefined, today: Date): IdentityTraits {
  const mrz = mrzLine2?.normalize('NFKC').toUpperCase().replace(/\s/g, '') ?? '';
  if (!/^[A-Z0-9<]{44}$/.test(mrz)) return { birthDate: null, sex: null };
  const yymmdd = mrz.slice(13, 19);
  let birthDate: string | null = null;
  if (/^\d{6}$/.test(yymmdd) && mrzCheckDigit(yymmdd) === Number(mrz[19])) {
    const yy = Number(yymmdd.slice(0, 2));
    // Two-digit years: the most recent century that does not put the birth in the future.
    const century = 2000 + yy > today.getUTCFullYear() ? 1900 : 2000;
    const candidate = `${century + yy}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
    if (isRealDate(candidate)) birthDate = candidate;
  }
  const sexChar = mrz[20];
  return { birthDate, sex: sexChar === 'M' || sexChar === 'F' ? sexChar : null };
}

export function isRealDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** What the document itself says about its holder: from the number (resident IDs, HMT permits) or the MRZ. */
export function encodedTraits(idType: string, normalizedId: string, birthDateFromNumber: string | null, mrz: string | undefined, today: Date): IdentityTraits {
  if (ENCODED_IN_NUMBER.has(idType) && /^\d{17}[\dX]$/.test(normalizedId)) {
    return { birthDate: birthDateFromNumber, sex: Number(normalizedId[16]) % 2 === 1 ? 'M' : 'F' };
  }
  if (idType === 'PASSPORT') return mrzTraits(mrz, today);
  return { birthDate: null, sex: null };
}

/**
 * What contradicts what: BIRTH_DATE when the document's own birth date differs from the one declared on its
 * face, SEX likewise, ARCHIVE_BIRTH_DATE when the archive holds another birth date for the same document
 * (one passport number, two people). Comma-separated, or null when nothing contradicts.
 */
export function identityConflicts(encoded: IdentityTraits, declared: Partial<IdentityTraits>, archivedBirthDate: string | null, presentedBirthDate: string | null): string | null {
  const conflicts: string[] = [];
  if (encoded.birthDate && declared.birthDate && encoded.birthDate !== declared.birthDate) conflicts.push('BIRTH_DATE');
  if (encoded.sex && declared.sex && encoded.sex !== declared.sex) conflicts.push('SEX');
  if (archivedBirthDate && presentedBirthDate && archivedBirthDate !== presentedBirthDate) conflicts.push('ARCHIVE_BIRTH_DATE');
  return conflicts.length ? conflicts.join(',') : null;
}

/** Facts about one intake for the ring step. Runs inside the intake transaction (`s.tx`); one round trip at most. */
export async function memberFacts(s: IntakeState, brand: string | null, policy: Pick<RingPolicy, 'implausibleShare'>): Promise<MemberFacts> {
  const sender = s.sender!;
  const { declared } = s.request;
  const asSent = personSenderOf(s.request);
  const encoded = encodedTraits(sender.idType, sender.id.normalized, sender.birthDate, asSent?.mrz, s.now);
  // The archive can only disagree where the birth date is not in the number itself (passports and permits).
  const askArchive = !ENCODED_IN_NUMBER.has(sender.idType) && sender.birthDate !== null;
  const { floorCny, archivedBirthDate } = await floorAndArchivedBirth(
    s.tx,
    brand,
    declared.category,
    askArchive ? { idType: sender.idType, blind: sender.id.blind } : null,
  );
  return {
    implausible: isImplausible(declared.valueCny, declared.quantity, floorCny, policy.implausibleShare),
    senderNameKey: nameKey(sender.name.display),
    identityConflict: identityConflicts(encoded, { birthDate: asSent?.birthDate ?? null, sex: asSent?.sex ?? null }, archivedBirthDate, askArchive ? sender.birthDate : null),
  };
}
