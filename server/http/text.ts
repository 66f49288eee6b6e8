// The text guard: every string a client sends (body, query, path) is checked here before any schema or handler
// sees it. PostgreSQL cannot store U+0000 and UTF-8 cannot encode a lone surrogate (both ended as 500s); control
// characters, bidi controls and zero-width characters have no place in names and identifiers, where they hide
// or reorder what an officer reads (Trojan Source, CVE-2021-42574) or split a name so it escapes matching.
// Pure: a table of cases in test/text-input.test.ts.
import { bilingual, defineMessages } from '../i18n/messages.js';
import { ApiError, type FieldError } from './errors.js';

/**
 * How strictly a text is checked.
 * - `line`: names, identifiers, addresses, list values, search terms, path and query parameters. No control
 *   characters but ordinary whitespace (tab, line breaks: normalisation folds them into one space), no bidi
 *   controls or marks, no zero-width characters.
 * - `prose`: notes, descriptions and reasons people write in sentences. Ordinary whitespace, bidi marks
 *   (LRM, RLM, ALM: mixed Arabic or Hebrew with numbers needs them) and ZWJ/ZWNJ (emoji sequences, Persian and
 *   Indic spelling) are allowed; embeddings, overrides and isolates are not (they reorder what the console shows).
 * - `secret`: passwords. Any character a person can type, but no NUL and no lone surrogate (it cannot be
 *   encoded, so two different passwords would hash alike).
 *
 * Addresses are `line`: a ZWJ or ZWSP inside an address changes nothing a reader sees, and the only thing it
 * can do is split the text a suspect-list address is matched on.
 */
export type TextKind = 'line' | 'prose' | 'secret';

export type TextFault = 'NUL' | 'LONE_SURROGATE' | 'CONTROL' | 'BIDI_CONTROL' | 'ZERO_WIDTH' | 'NONCHARACTER';

/** Keys whose text is prose; every other key (and every query and path parameter) is a `line`. */
const PROSE_KEYS = new Set(['notes', 'note', 'text', 'description', 'reason', 'comment']);
const SECRET_KEYS = new Set(['password', 'currentPassword', 'newPassword']);

export function textKindOf(key: string): TextKind {
  if (SECRET_KEYS.has(key)) return 'secret';
  return PROSE_KEYS.has(key) ? 'prose' : 'line';
}

const WHITESPACE_CONTROLS = new Set([0x09, 0x0a, 0x0d]);
// Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): refused in every kind but secrets.
const isBidiFormatting = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
// LRM, RLM, ALM: allowed in prose only.
const isBidiMark = (c: number) => c === 0x200e || c === 0x200f || c === 0x061c;
// ZWNJ and ZWJ: orthographic in some scripts and emoji, allowed in prose.
const isJoiner = (c: number) => c === 0x200c || c === 0x200d;
// ZWSP, word joiner and invisible operators, BOM, Mongolian vowel separator, soft hyphen, Hangul fillers.
const isInvisible = (c: number) =>
  c === 0x200b || (c >= 0x2060 && c <= 0x2064) || c === 0xfeff || c === 0x180e || c === 0x00ad || c === 0x3164 || c === 0xffa0 || c === 0x115f || c === 0x1160;

/** The first character a text of that kind may not hold, or undefined when it is clean. */
export function findTextFault(text: string, kind: TextKind): { fault: TextFault; index: number; codePoint: number } | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = text.codePointAt(i)!;
        i++;
        if (kind !== 'secret' && (cp & 0xfffe) === 0xfffe) return { fault: 'NONCHARACTER', index: i - 1, codePoint: cp };
        continue;
      }
      return { fault: 'LONE_SURROGATE', index: i, codePoint: c };
    }
    if (c === 0) return { fault: 'NUL', index: i, codePoint: c };
    if (kind === 'secret') continue;
    if ((c < 0x20 || (c >= 0x7f && c <= 0x9f)) && !WHITESPACE_CONTROLS.has(c)) return { fault: 'CONTROL', index: i, codePoint: c };
    if (c === 0xfffe || c === 0xffff || (c >= 0xfdd0 && c <= 0xfdef)) return { fault: 'NONCHARACTER', index: i, codePoint: c };
    if (isBidiFormatting(c)) return { fault: 'BIDI_CONTROL', index: i, codePoint: c };
    if (kind === 'prose') continue;
    if (isBidiMark(c)) return { fault: 'BIDI_CONTROL', index: i, codePoint: c };
    if (isJoiner(c) || isInvisible(c)) return { fault: 'ZERO_WIDTH', index: i, codePoint: c };
  }
  return undefined;
}

export const TEXT_INVALID_CHARACTER = 'TEXT_INVALID_CHARACTER';

const messages = defineMessages({
  TEXT_FAULT_NUL: { en: '{path} contains a NUL character (U+0000), which text may not hold.', zh: '{path} 含有空字符（U+0000），文本中不允许出现。' },
  TEXT_FAULT_LONE_SURROGATE: { en: '{path} contains a broken character ({codePoint}, half of a surrogate pair).', zh: '{path} 含有损坏的字符（{codePoint}，不成对的代理项）。' },
  TEXT_FAULT_CONTROL: { en: '{path} contains a control character ({codePoint}); only spaces, tabs and line breaks are allowed.', zh: '{path} 含有控制字符（{codePoint}）；只允许空格、制表符和换行。' },
  TEXT_FAULT_BIDI_CONTROL: { en: '{path} contains an invisible text-direction character ({codePoint}), which can disguise what is shown.', zh: '{path} 含有不可见的文字方向控制字符（{codePoint}），可能伪装显示内容。' },
  TEXT_FAULT_ZERO_WIDTH: { en: '{path} contains an invisible zero-width character ({codePoint}), which names and identifiers may not hold.', zh: '{path} 含有不可见的零宽字符（{codePoint}），姓名和编号中不允许出现。' },
  TEXT_FAULT_NONCHARACTER: { en: '{path} contains a character that is not text ({codePoint}).', zh: '{path} 含有非文本字符（{codePoint}）。' },
  TEXT_INVALID_CHARACTER: { en: 'The request holds characters that are not allowed: {paths}.', zh: '请求中含有不允许的字符：{paths}。' },
});

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** A path segment as a client can read it: a key with a bad character in it is shown with \u escapes. */
function segment(key: string): string {
  return findTextFault(key, 'line') ? key.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : key;
}

/**
 * Every string in a JSON value (object keys included) checked by its key's kind; one field error per bad text.
 * Iterative, so a deeply nested body cannot overflow the stack. `prefix` is '' for a body, 'query' or 'params'.
 */
export function findInvalidText(input: unknown, prefix: string, kindOf: (key: string) => TextKind = textKindOf): FieldError[] {
  const errors: FieldError[] = [];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  const stack: { value: unknown; path: string; kind: TextKind }[] = [{ value: input, path: prefix, kind: 'line' }];
  while (stack.length) {
    const { value, path, kind } = stack.pop()!;
    if (typeof value === 'string') {
      const found = findTextFault(value, kind);
      if (found) errors.push(fieldError(path || 'body', found.fault, found.codePoint));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: join(path, String(i)), kind });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, v] = entries[i]!;
        const keyFault = findTextFault(key, 'line');
        if (keyFault) errors.push(fieldError(join(path, segment(key)), keyFault.fault, keyFault.codePoint));
        else stack.push({ value: v, path: join(path, key), kind: kindOf(key) });
      }
    }
  }
  return errors;
}

function fieldError(path: string, fault: TextFault, codePoint: number): FieldError {
  return { path, code: TEXT_INVALID_CHARACTER, reason: fault, ...bilingual(`TEXT_FAULT_${fault}`, { path, codePoint: hex(codePoint) }) };
}

/** 400 naming each field whose text holds a character it may not (the value itself is never echoed). */
export class InvalidTextError extends ApiError {
  constructor(errors: FieldError[]) {
    const text = bilingual(messages.TEXT_INVALID_CHARACTER, { paths: errors.map((e) => e.path).join(', ') });
    super(400, TEXT_INVALID_CHARACTER, 'Malformed request', text.message, errors);
    this.detailZh = text.messageZh;
  }
}

/** Throws InvalidTextError when any text in the input holds a character it may not. */
export function assertCleanText(input: unknown, prefix: string): void {
  const errors = findInvalidText(input, prefix);
  if (errors.length) throw new InvalidTextError(errors.slice(0, 20));
}
