// CN 23-like item lines (declared.items) and what a cross-border declaration must say. Advance data for customs
// (UPU ITMATT, EU ICS2) needs each line's goods, HS code, quantity and value; the lines must add up to what the
// parcel declares; and a description that is only a vague word (礼品, 样品, 配件, gift, sample, parts…) says
// nothing a customs officer can act on, so a cross-border parcel is refused until it names the goods.
import { isCountryCode } from '../geo/countries.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { isVagueWord } from './contents.js';
import type { IntakeState } from './pipeline.js';

export const ITEM_MESSAGES = defineMessages({
  INTAKE_HS_CODE_INVALID: {
    en: '“{hsCode}” is not an HS code: 6, 8 or 10 digits (dots and spaces allowed), e.g. 6404.11 or 8517.62.00.',
    zh: '“{hsCode}”不是有效的HS编码：应为6、8或10位数字（可含点和空格），如6404.11或8517.62.00。',
  },
  INTAKE_VALUE_MISMATCH: {
    en: 'The item lines add up to CNY {sum}, the parcel declares CNY {declared}: the declared value is the sum of its lines.',
    zh: '各项物品价值合计 {sum} 元，与申报总价值 {declared} 元不符：申报总价值应等于各项之和。',
  },
  INTAKE_QUANTITY_MISMATCH: {
    en: 'The item lines count {sum} pieces, the parcel declares {declared}: the declared quantity is the sum of its lines.',
    zh: '各项物品数量合计 {sum} 件，与申报数量 {declared} 件不符：申报数量应等于各项之和。',
  },
  INTAKE_DESCRIPTION_VAGUE: {
    en: '“{description}” does not say what the goods are: a cross-border parcel needs a concrete description (e.g. cotton T-shirts, green tea, phone cases).',
    zh: '“{description}”未说明具体物品：跨境邮件须如实申报具体品名（如棉质T恤、绿茶、手机壳）。',
  },
  INTAKE_ORIGIN_COUNTRY_INVALID: {
    en: '{country} is not an ISO 3166-1 alpha-2 country code.',
    zh: '{country}不是有效的国家代码（ISO 3166-1 两位字母）。',
  },
});

/** 6, 8 or 10 digits once the dots and spaces people write are taken out; null when it is not an HS code. */
export function normalizeHsCode(raw: string): string | null {
  const digits = raw.replace(/[.\s]/g, '');
  return /^(\d{6}|\d{8}|\d{10})$/.test(digits) ? digits : null;
}

const cents = (v: number) => Math.round(v * 100);

/**
 * Validates the item lines and, for a cross-border parcel, that no description is only a vague word. Fills
 * s.items (HS codes as digits). Every problem is a field error at its own path, reported together.
 */
export function checkDeclaration(s: IntakeState): void {
  const { declared, recipient } = s.request;
  const errors = s.fieldErrors;
  // The country as sent: the identity step may have refused it, the declaration is still checked.
  const crossBorder = recipient.country !== 'CN';
  const vague = (path: string, description: string) => {
    if (crossBorder && isVagueWord(description)) errors.push({ path, code: 'DESCRIPTION_VAGUE', ...bilingual(ITEM_MESSAGES.INTAKE_DESCRIPTION_VAGUE, { description: description.trim() }) });
  };
  vague('declared.description', declared.description);
  const items = declared.items;
  if (!items) return;

  const checked: NonNullable<IntakeState['items']> = [];
  items.forEach((item, i) => {
    const at = `declared.items.${i}`;
    vague(`${at}.description`, item.description);
    let hsCode: string | null = null;
    if (item.hsCode !== undefined && item.hsCode !== '') {
      hsCode = normalizeHsCode(item.hsCode);
      if (!hsCode) errors.push({ path: `${at}.hsCode`, code: 'HS_CODE_INVALID', ...bilingual(ITEM_MESSAGES.INTAKE_HS_CODE_INVALID, { hsCode: item.hsCode }) });
    }
    if (item.originCountry !== undefined && !isCountryCode(item.originCountry)) {
      errors.push({ path: `${at}.originCountry`, code: 'COUNTRY_INVALID', ...bilingual(ITEM_MESSAGES.INTAKE_ORIGIN_COUNTRY_INVALID, { country: item.originCountry }) });
    }
    checked.push({
      description: item.description,
      hsCode,
      quantity: item.quantity,
      netWeightKg: item.netWeightKg ?? null,
      valueCny: item.valueCny,
      originCountry: item.originCountry ?? null,
    });
  });
  // In cents: 0.1 + 0.2 is 0.3 here, and anything within half a fen agrees.
  const sum = items.reduce((t, item) => t + cents(item.valueCny), 0);
  if (sum !== cents(declared.valueCny)) {
    errors.push({ path: 'declared.valueCny', code: 'VALUE_MISMATCH', ...bilingual(ITEM_MESSAGES.INTAKE_VALUE_MISMATCH, { sum: (sum / 100).toFixed(2), declared: declared.valueCny.toFixed(2) }) });
  }
  const pieces = items.reduce((t, item) => t + item.quantity, 0);
  if (pieces !== declared.quantity) {
    errors.push({ path: 'declared.quantity', code: 'QUANTITY_MISMATCH', ...bilingual(ITEM_MESSAGES.INTAKE_QUANTITY_MISMATCH, { sum: pieces, declared: declared.quantity }) });
  }
  s.items = checked;
}
