// Names as people write them, in forms that match: NFKC, spaces collapsed, a Simplified form and a
// pinyin form in surname mode (单 Shan, 曾 Zeng, 区 Ou). Server-only: the converters are large.
import * as OpenCC from 'opencc-js';
export { isPlausibleConsigneeName, isPlausibleName, isPlausibleOrganisationName } from './name-rules.js';
import { pinyin } from 'pinyin-pro';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { stripInvisible } from './invisible.js';

const nameMessages = defineMessages({
  NAME_INVALID_PERSON: { en: "A person's name has letters and no digits or symbols.", zh: '姓名只能包含文字，不能有数字或符号。' },
  NAME_INVALID_CONSIGNEE: {
    en: "A consignee's name has letters; a company's may also have digits and & . , ' - ( ) / + (at most 100 characters).",
    zh: '收件人名称须包含文字；公司名称还可以包含数字及 & . , \' - ( ) / + （）·、（最多 100 个字符）。',
  },
});

/** Why a sender's (a person's) name is refused, in both languages. */
export const personNameInvalid = () => bilingual(nameMessages.NAME_INVALID_PERSON);
/** Why a consignee's (a person's or an organisation's) name is refused, in both languages. */
export const consigneeNameInvalid = () => bilingual(nameMessages.NAME_INVALID_CONSIGNEE);

const toSimplified = [
  OpenCC.Converter({ from: 'hk', to: 'cn' }),
  OpenCC.Converter({ from: 'tw', to: 'cn' }),
  OpenCC.Converter({ from: 't', to: 'cn' }),
];
// Variant characters opencc-js does not fold (DOMAIN.md): a small table.
const VARIANTS: Record<string, string> = { 淸: '清', 靑: '青', 衞: '卫', 綫: '线', 竪: '竖', 峯: '峰', 羣: '群', 着: '着', 裏: '里' };

const HAN = /\p{Script=Han}/u;

/** Whether a text has Chinese characters (names in characters are matched differently from romanised ones). */
export const hasHan = (text: string): boolean => HAN.test(text);

export type NormalizedName = { display: string; simplified: string; pinyin: string };

export function normalizeSpaces(raw: string): string {
  return stripInvisible(raw.normalize('NFKC'))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The same text is converted several times per intake (a name for the archive, the screening and the rings; an
 * address for its screening and ring keys) and again when a sender returns: three opencc passes and a pinyin
 * segmentation were a tenth of the server's CPU per intake (scripts/bench/intake.ts profile). A small bounded memo,
 * oldest out first; it holds in memory only what the requests being served carried anyway, never on disk.
 */
function memo(convert: (text: string) => string, max = 4096): (text: string) => string {
  const known = new Map<string, string>();
  return (text) => {
    let out = known.get(text);
    if (out === undefined) {
      out = convert(text);
      if (known.size >= max) known.delete(known.keys().next().value!);
      known.set(text, out);
    }
    return out;
  };
}

export const toSimplifiedChinese: (text: string) => string = memo((text) => {
  let out = text.replace(/./gu, (c) => VARIANTS[c] ?? c);
  for (const convert of toSimplified) out = convert(out);
  return out;
});

/** Lower-case pinyin syllables without tones, surname-aware, for Chinese; lower-case words for others. */
export const romanize: (simplified: string) => string = memo((simplified) => {
  if (!HAN.test(simplified)) return simplified.toLowerCase().replace(/[^\p{L}\p{N} ]/gu, '').trim();
  const han = simplified.replace(/[\s·•.]/g, '');
  return pinyin(han, { mode: 'surname', toneType: 'none', type: 'array', v: true }).join(' ').toLowerCase();
});

export function normalizeName(raw: string): NormalizedName {
  const display = normalizeSpaces(raw);
  const simplified = toSimplifiedChinese(display);
  return { display, simplified, pinyin: romanize(simplified) };
}

