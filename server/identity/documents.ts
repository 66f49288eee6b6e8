// Identity documents accepted for 寄递实名制 (real-name sending), each checked by its real format and check
// digits where it has them (../shared/DOMAIN.md). Pure and free of Node APIs: the handheld client bundles it.

export const ID_TYPES = [
  'CN_RESIDENT_ID',
  'HMT_RESIDENCE_PERMIT',
  'HK_MACAU_PERMIT',
  'TW_PERMIT',
  'FOREIGN_PERMANENT_RESIDENT_ID',
  'PASSPORT',
] as const;
export type IdType = (typeof ID_TYPES)[number];

/** `code` is the contract's field code (ID_INVALID, MRZ_INVALID); `reason` says exactly what is wrong. */
export type DocumentProblem = { code: 'ID_INVALID' | 'MRZ_INVALID'; reason: string; message: string; messageZh: string };
export type DocumentCheck = { ok: true; normalized: string; birthDate?: string; sex?: 'M' | 'F' } | ({ ok: false } & DocumentProblem);

// GB/T 2260 province-level codes that appear in resident ID numbers. County codes change over time and old
// cards keep their old code, so only the province is checked (DOMAIN.md: accept conservatively).
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
]);

const MOD11_2_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const MOD11_2_CHECK = '10X98765432';

/** ISO 7064 MOD 11-2 check character over the first 17 digits (GB 11643). */
export function mod11_2CheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * MOD11_2_WEIGHTS[i]!;
  return MOD11_2_CHECK[sum % 11]!;
}

/** Upper-case, full-width to half-width, separators removed: what a person typed into what the card says. */
export function normalizeDocumentNumber(raw: string): string {
  return raw.normalize('NFKC').toUpperCase().replace(/[\s\-–—_.·]/g, '');
}

const fail = (reason: string, message: string, messageZh: string): DocumentCheck => ({
  ok: false,
  code: reason.startsWith('MRZ') ? 'MRZ_INVALID' : 'ID_INVALID',
  reason,
  message,
  messageZh,
});

function checkBirthDate(yyyymmdd: string, today: Date): string | null {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1900 || date.getTime() > today.getTime()) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** 18-character numbers with a birth date and a MOD 11-2 check: resident IDs and HMT residence permits. */
function checkEighteen(n: string, today: Date, what: string, whatZh: string): DocumentCheck {
  if (!/^\d{17}[\dX]$/.test(n)) {
    return fail('FORMAT', `A ${what} has 17 digits and a final digit or X (${n.length} characters given).`, `${whatZh}应为17位数字加1位校验码（数字或X），当前${n.length}位。`);
  }
  const birthDate = checkBirthDate(n.slice(6, 14), today);
  if (!birthDate) {
    return fail('BIRTH_DATE', `The birth date ${n.slice(6, 14)} in this ${what} is not a real date between 1900 and today.`, `${whatZh}中的出生日期${n.slice(6, 14)}无效。`);
  }
  const expected = mod11_2CheckChar(n.slice(0, 17));
  if (n[17] !== expected) {
    return fail('CHECK_DIGIT', `The check character of this ${what} does not match (ISO 7064 MOD 11-2): re-read the number.`, `${whatZh}校验码不正确，请核对号码。`);
  }
  return { ok: true, normalized: n, birthDate, sex: Number(n[16]) % 2 === 1 ? 'M' : 'F' };
}

export function checkResidentId(raw: string, today = new Date()): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  if (/^\d{15}$/.test(n)) {
    return fail('LEGACY_15', 'This is a 15-digit first-generation ID number; ask for the current 18-digit card.', '这是15位第一代身份证号码，请出示现行18位居民身份证。');
  }
  if (/^8[123]0000/.test(n)) {
    return fail('TYPE_MISMATCH', 'This number starts like a 港澳台居民居住证 (HMT_RESIDENCE_PERMIT); choose that document type.', '该号码为港澳台居民居住证号码，请选择对应证件类型。');
  }
  const checked = checkEighteen(n, today, 'resident ID number', '居民身份证号码');
  if (checked.ok && !PROVINCES.has(n.slice(0, 2))) {
    return fail('REGION', `${n.slice(0, 2)} is not a province code (GB/T 2260); re-read the number.`, `号码前两位${n.slice(0, 2)}不是有效的省级行政区划代码。`);
  }
  return checked;
}

export function checkHmtResidencePermit(raw: string, today = new Date()): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  // 810000 Hong Kong, 820000 Macau, 830000 Taiwan; other prefixes are *uncertain* and refused.
  if (/^\d{17}[\dX]$/.test(n) && !/^8[123]0000/.test(n)) {
    return fail('FORMAT', 'A 港澳台居民居住证 number starts with 810000 (Hong Kong), 820000 (Macau) or 830000 (Taiwan).', '港澳台居民居住证号码应以810000、820000或830000开头。');
  }
  return checkEighteen(n, today, 'residence permit number', '港澳台居民居住证号码');
}

export function checkHkMacauPermit(raw: string): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  // H (Hong Kong) or M (Macau) + 8 digits; older cards + 10 digits. No public check digit.
  if (!/^[HM](\d{8}|\d{10})$/.test(n)) {
    return fail('FORMAT', 'A 港澳居民来往内地通行证 number is H or M followed by 8 digits (older cards: 10).', '港澳居民来往内地通行证号码应为H或M加8位数字（旧证10位）。');
  }
  return { ok: true, normalized: n };
}

export function checkTaiwanPermit(raw: string): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  // Current cards: 8 digits. Older ones: 10 digits, sometimes with a letter (*uncertain*, accepted conservatively).
  if (!/^(\d{8}|\d{10}[A-Z]?)$/.test(n)) {
    return fail('FORMAT', 'A 台湾居民来往大陆通行证 number has 8 digits (older cards: 10 digits, maybe a letter).', '台湾居民来往大陆通行证号码应为8位数字（旧证10位）。');
  }
  return { ok: true, normalized: n };
}

export function checkForeignPermanentResidentId(raw: string, today = new Date()): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  if (/^[A-Z]{3}\d{12}$/.test(n)) return { ok: true, normalized: n }; // 2017 card: nationality + 12 digits
  if (/^9\d{16}[\dX]$/.test(n)) {
    // 2023 card: 18 characters starting with 9, MOD 11-2 like the resident ID.
    if (n[17] !== mod11_2CheckChar(n.slice(0, 17))) {
      return fail('CHECK_DIGIT', 'The check character of this permanent residence ID does not match (MOD 11-2).', '外国人永久居留身份证校验码不正确。');
    }
    return { ok: true, normalized: n };
  }
  return fail('FORMAT',
    'A 外国人永久居留身份证 number is 3 letters and 12 digits (2017 card) or 18 characters starting with 9 (2023 card).',
    '外国人永久居留身份证号码应为3位字母加12位数字（2017版）或以9开头的18位（2023版）。',
  );
}

/** ICAO 9303 check digit: weights 7 3 1, A=10…Z=35, < = 0. */
export function mrzCheckDigit(field: string): number {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    const v = c === '<' ? 0 : /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    sum += v * weights[i % 3]!;
  }
  return sum % 10;
}

/**
 * A passport number (ICAO 9303 document number: up to 9 letters and digits). When the second MRZ line of a
 * TD3 passport is given, its document-number check digit must hold and the number must match it.
 */
export function checkPassport(raw: string, mrzLine2?: string): DocumentCheck {
  const n = normalizeDocumentNumber(raw);
  if (!/^[A-Z0-9]{5,9}$/.test(n) || !/\d/.test(n)) {
    return fail('FORMAT', 'A passport number has 5 to 9 letters and digits, at least one of them a digit.', '护照号码应为5至9位字母和数字。');
  }
  if (mrzLine2 !== undefined) {
    const mrz = mrzLine2.normalize('NFKC').toUpperCase().replace(/\s/g, '');
    if (!/^[A-Z0-9<]{44}$/.test(mrz)) {
      return fail('MRZ_FORMAT', 'The MRZ line must be the 44-character second line of the passport.', '机读码应为护照第二行的44个字符。');
    }
    const docField = mrz.slice(0, 9);
    if (mrzCheckDigit(docField) !== Number(mrz[9])) {
      return fail('MRZ_CHECK_DIGIT', 'The MRZ check digit of the document number does not match: re-scan the MRZ.', '机读码中证件号码的校验位不正确，请重新扫描。');
    }
    if (docField.replace(/<+$/, '') !== n) {
      return fail('MRZ_MISMATCH', 'The passport number differs from the one in the MRZ.', '护照号码与机读码不一致。');
    }
  }
  return { ok: true, normalized: n };
}

export function checkDocument(idType: IdType, raw: string, opts: { mrz?: string; today?: Date } = {}): DocumentCheck {
  const today = opts.today ?? new Date();
  switch (idType) {
    case 'CN_RESIDENT_ID':
      return checkResidentId(raw, today);
    case 'HMT_RESIDENCE_PERMIT':
      return checkHmtResidencePermit(raw, today);
    case 'HK_MACAU_PERMIT':
      return checkHkMacauPermit(raw);
    case 'TW_PERMIT':
      return checkTaiwanPermit(raw);
    case 'FOREIGN_PERMANENT_RESIDENT_ID':
      return checkForeignPermanentResidentId(raw, today);
    case 'PASSPORT':
      return checkPassport(raw, opts.mrz);
  }
}
