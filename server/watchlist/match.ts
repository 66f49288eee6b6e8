// Suspect-list matching, explained: which parcel field meets which entry, how strongly, and why in words.
// Pure: the SQL in screen.ts only fetches candidates; every score is decided here, for intake and for
// POST /api/watchlist/check alike.
import { hasHan, toSimplifiedChinese } from '../identity/names.js';
import { addressKey, brandSearchText, companyKey, mentionedBrands, nameChars, nameKey } from './normalize.js';

export const ENTRY_TYPES = ['id_number', 'phone', 'person_name', 'address', 'consignee', 'company', 'waybill', 'brand'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/**
 * Scores at or above which a candidate is a hit. Exact types are 1; fuzzy defaults were chosen from
 * precision/recall on the labelled set of scripts/eval/watchlist-matching.ts (see the README).
 */
export const DEFAULT_THRESHOLDS: Record<EntryType, number> = {
  id_number: 1,
  phone: 1,
  waybill: 1,
  person_name: 0.85,
  consignee: 0.85,
  company: 0.85,
  address: 0.8,
  brand: 0.9,
};

/** A field of a parcel to screen: its text, and for exact types its key (blind index or normalised number). */
export type Probe = { field: string; types: EntryType[]; raw: string; key?: string };
export type Candidate = { id: string; type: EntryType; display: string; matchKey: string; matchText: string | null; note: string | null; source: string | null };
export type Hit = { entryId: string; listType: EntryType; field: string; score: number; reason: string; reasonZh: string; entry: string };


/** Edit distance counting a swap of neighbours as one edit (optimal string alignment): typists swap letters. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Dice coefficient over character bigrams: robust for Chinese text, where words are not spaced. */
export function bigramSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const grams = (s: string) => {
    const m = new Map<string, number>();
    for (let i = 0; i < s.length - 1; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  for (const [g, n] of ga) shared += Math.min(n, gb.get(g) ?? 0);
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}

type Scored = { score: number; reason: string; reasonZh: string };
const none: Scored = { score: 0, reason: '', reasonZh: '' };

export function scoreName(raw: string, c: Candidate): Scored {
  const chars = nameChars(raw);
  const key = nameKey(raw);
  if (c.matchText && chars === c.matchText) {
    const traditional = toSimplifiedChinese(raw) !== raw && hasHan(raw);
    return traditional
      ? { score: 1, reason: `the same name written in Traditional characters (${raw} = ${c.display})`, reasonZh: `繁简体写法不同的同一姓名（${raw} = ${c.display}）` }
      : { score: 1, reason: `the same name (${c.display})`, reasonZh: `姓名相同（${c.display}）` };
  }
  if (key === c.matchKey) {
    const bothHan = hasHan(raw) && hasHan(c.display);
    if (bothHan) {
      // Same syllables, other characters: a homophone (张伟/张玮). Weaker, since common names collide.
      return { score: 0.86, reason: `a name that sounds the same (${raw} / ${c.display}, ${key})`, reasonZh: `同音姓名（${raw} / ${c.display}）` };
    }
    return { score: 0.92, reason: `the same name romanised or reordered (${raw} = ${c.display})`, reasonZh: `拼音或顺序不同的同一姓名（${raw} = ${c.display}）` };
  }
  // A slip of the keyboard: one edit in a name of 6+ letters, two in one of 10+. Shorter keys differ
  // by one letter between different people too often (li na / li ma). Not for names in characters:
  // there one letter of pinyin is another character, another person (张伟 wei / 张文 wen).
  if (hasHan(raw) || hasHan(c.display)) return none;
  const distance = editDistance(key, c.matchKey);
  const length = Math.min(key.length, c.matchKey.length);
  const score = distance === 1 && length >= 6 ? 0.9 : distance === 2 && length >= 10 ? 0.86 : 0;
  return score
    ? { score, reason: `a name spelled nearly the same (${raw} / ${c.display}, ${distance} letter${distance > 1 ? 's' : ''} apart)`, reasonZh: `拼写相近的姓名（${raw} / ${c.display}）` }
    : none;
}

const numbersIn = (s: string) => s.match(/\d+/g) ?? [];

/** Whether the house, building and room numbers agree: one may add detail (a room), never contradict. */
function numbersAgree(a: string, b: string): boolean {
  const [na, nb] = [numbersIn(a), numbersIn(b)];
  const [short, long] = na.length <= nb.length ? [na, nb] : [nb, na];
  return short.every((n, i) => n === long[i]);
}

function scoreText(raw: string, c: Candidate, keyOf: (s: string) => string, what: string, whatZh: string): Scored {
  const key = keyOf(raw);
  if (!key) return none;
  // 体育西路1号 and 体育西路101号 share most of their text but are different doors.
  if (!numbersAgree(key, c.matchKey)) return none;
  if (key === c.matchKey) {
    return { score: 1, reason: `the same ${what} (${c.display})`, reasonZh: `${whatZh}相同（${c.display}）` };
  }
  const [shorter, longer] = key.length <= c.matchKey.length ? [key, c.matchKey] : [c.matchKey, key];
  if (shorter.length >= 6 && longer.includes(shorter)) {
    return { score: 0.9, reason: `the ${what} contains the listed one (${c.display})`, reasonZh: `${whatZh}包含名单中的${whatZh}（${c.display}）` };
  }
  const similarity = bigramSimilarity(key, c.matchKey);
  return similarity > 0
    ? { score: similarity, reason: `a ${what} ${Math.round(similarity * 100)}% alike (${c.display})`, reasonZh: `${whatZh}相似度${Math.round(similarity * 100)}%（${c.display}）` }
    : none;
}

export function scoreBrand(text: string, c: Candidate): Scored {
  if (mentionedBrands(text).includes(c.matchKey)) {
    return { score: 1, reason: `declares the protected brand ${c.display}`, reasonZh: `申报受保护品牌${c.display}` };
  }
  if (c.matchText && c.matchText.length >= 2 && brandSearchText(text).includes(c.matchText)) {
    return { score: 0.95, reason: `mentions the protected brand ${c.display}`, reasonZh: `提及受保护品牌${c.display}` };
  }
  return none;
}

const EXACT = new Set<EntryType>(['id_number', 'phone', 'waybill']);

export function scoreCandidate(probe: Probe, c: Candidate): Scored {
  if (EXACT.has(c.type) && probe.key !== c.matchKey) return none;
  switch (c.type) {
    case 'id_number':
      return { score: 1, reason: `the ID number is on the suspect list (${c.display})`, reasonZh: `证件号码在嫌疑名单中（${c.display}）` };
    case 'phone':
      return { score: 1, reason: `the phone is on the suspect list (${c.display})`, reasonZh: `电话号码在嫌疑名单中（${c.display}）` };
    case 'waybill':
      return { score: 1, reason: `the waybill is on the suspect list (${c.display})`, reasonZh: `运单号在嫌疑名单中（${c.display}）` };
    case 'person_name':
    case 'consignee':
      return scoreName(probe.raw, c);
    case 'company':
      return scoreText(probe.raw, c, companyKey, 'company', '公司');
    case 'address':
      return scoreText(probe.raw, c, addressKey, 'address', '地址');
    case 'brand':
      return scoreBrand(probe.raw, c);
  }
}

/** Hits over the thresholds, best first, one per entry and field. */
export function scoreHits(probes: Probe[], candidates: Candidate[], thresholds = DEFAULT_THRESHOLDS): Hit[] {
  const hits = new Map<string, Hit>();
  for (const probe of probes) {
    for (const c of candidates) {
      if (!probe.types.includes(c.type)) continue;
      const { score, reason, reasonZh } = scoreCandidate(probe, c);
      if (score < thresholds[c.type]) continue;
      const id = `${c.id}|${probe.field}`;
      if ((hits.get(id)?.score ?? 0) >= score) continue;
      hits.set(id, { entryId: c.id, listType: c.type, field: probe.field, score: Math.round(score * 100) / 100, reason: `${probe.field}: ${reason}`, reasonZh, entry: c.display });
    }
  }
  return [...hits.values()].sort((a, b) => b.score - a.score);
}
