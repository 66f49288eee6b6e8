// 运单信息核对: waybill numbers. UPU S10 for international postal items (with its check digit); the express
// carriers publish no formats, so their community patterns (*uncertain*, DOMAIN.md) only recognise a carrier
// and catch typos in length and alphabet. Pure and browser-safe.

export const CARRIERS = ['EMS', 'CHINA_POST', 'SF', 'YTO', 'JT', 'JD', 'ZTO', 'STO', 'YUNDA', 'OTHER'] as const;
export type Carrier = (typeof CARRIERS)[number];
export type Channel = 'postal' | 'express';

export type WaybillCheck =
  | { ok: true; normalized: string; format: 'S10' | 'EXPRESS'; channel: Channel; carrier: Carrier | undefined; s10?: { service: string; country: string } }
  | { ok: false; code: string; reason: string; message: string; messageZh: string };

const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

/** UPU S10 check digit over the 8 serial digits: C = 11 − (S mod 11); 10 → 0, 11 → 5. */
export function s10CheckDigit(serial8: string): number {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(serial8[i]) * S10_WEIGHTS[i]!;
  const c = 11 - (sum % 11);
  return c === 10 ? 0 : c === 11 ? 5 : c;
}

// Known first letters of S10 service indicators; others are *uncertain* and accepted.
const S10_SERVICES: Record<string, string> = {
  E: 'EMS', R: 'registered', C: 'parcel', L: 'letter express', V: 'insured', U: 'customs-controlled letter post', H: 'e-commerce parcel', M: 'M-bag',
};

/** Express patterns by distinctive prefix. Plain digit numbers (ZTO, STO, Yunda, domestic EMS) have none. */
const EXPRESS_PREFIXES: { prefix: RegExp; carrier: Carrier; pattern: RegExp; describe: string; describeZh: string }[] = [
  { prefix: /^SF/, carrier: 'SF', pattern: /^SF\d{13}$/, describe: 'SF + 13 digits', describeZh: 'SF加13位数字' },
  { prefix: /^YT/, carrier: 'YTO', pattern: /^YT\d{13}$/, describe: 'YT + 13 digits', describeZh: 'YT加13位数字' },
  { prefix: /^JT/, carrier: 'JT', pattern: /^JT\d{13}$/, describe: 'JT + 13 digits', describeZh: 'JT加13位数字' },
  { prefix: /^JD/, carrier: 'JD', pattern: /^JD[VXK]\d{9,15}$/, describe: 'JDV, JDX or JDK + digits', describeZh: 'JDV/JDX/JDK加数字' },
];

export function normalizeWaybill(raw: string): string {
  return raw.normalize('NFKC').toUpperCase().replace(/[\s\-_]/g, '');
}

const invalid = (reason: string, message: string, messageZh: string): WaybillCheck => ({ ok: false, code: 'WAYBILL_INVALID', reason, message, messageZh });

export function checkWaybill(raw: string, isCountryCode: (alpha2: string) => boolean, carrier?: Carrier): WaybillCheck {
  const n = normalizeWaybill(raw);
  if (!/^[A-Z0-9]+$/.test(n)) return invalid('ALPHABET', 'A waybill number has only letters and digits.', '运单号只能包含字母和数字。');

  // UPU S10: AA 12345678 9 CC
  if (/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(n)) {
    const expected = s10CheckDigit(n.slice(2, 10));
    if (Number(n[10]) !== expected) {
      return invalid('CHECK_DIGIT', `The S10 check digit of ${n} should be ${expected}: re-read or re-scan the number.`, `S10邮件号${n}校验位应为${expected}，请重新核对或扫描。`);
    }
    const country = n.slice(11, 13);
    if (!isCountryCode(country)) return invalid('COUNTRY', `${country} is not an ISO country code.`, `${country}不是有效的国家代码。`);
    if (carrier && carrier !== 'EMS' && carrier !== 'CHINA_POST' && carrier !== 'OTHER') {
      return { ok: false, code: 'WAYBILL_CARRIER_MISMATCH', reason: 'CARRIER', message: `${n} is a UPU postal item number, not a ${carrier} waybill.`, messageZh: `${n}为邮政S10邮件号，不是${carrier}运单号。` };
    }
    const service = S10_SERVICES[n[0]!] ?? 'postal item';
    return { ok: true, normalized: n, format: 'S10', channel: 'postal', carrier: carrier ?? (n[0] === 'E' ? 'EMS' : 'CHINA_POST'), s10: { service, country } };
  }
  if (/^[A-Z]{2}\d{8,9}[A-Z]{0,2}$/.test(n) && n.length <= 13) {
    return invalid('LENGTH', `${n} looks like a UPU S10 number but S10 is 2 letters, 9 digits and 2 letters (e.g. EA123456785CN).`, `${n}像S10邮件号，但S10格式为2位字母+9位数字+2位字母。`);
  }

  for (const p of EXPRESS_PREFIXES) {
    if (p.prefix.test(n)) {
      if (!p.pattern.test(n)) return invalid('LENGTH', `${p.carrier} waybills are ${p.describe}; ${n} has ${n.length} characters.`, `${p.carrier}运单号格式为${p.describeZh}，当前${n.length}位。`);
      if (carrier && carrier !== p.carrier && carrier !== 'OTHER') {
        return { ok: false, code: 'WAYBILL_CARRIER_MISMATCH', reason: 'CARRIER', message: `${n} is a ${p.carrier} waybill, not ${carrier}.`, messageZh: `${n}为${p.carrier}运单号，不是${carrier}。` };
      }
      return { ok: true, normalized: n, format: 'EXPRESS', channel: 'express', carrier: p.carrier };
    }
  }
  if (/^\d{10,20}$/.test(n)) return { ok: true, normalized: n, format: 'EXPRESS', channel: 'express', carrier };
  if (/^[A-Z]{1,4}\d{8,20}$/.test(n)) return { ok: true, normalized: n, format: 'EXPRESS', channel: 'express', carrier };
  return invalid('FORMAT', `${n} matches no waybill format: UPU S10 (EA123456785CN), a carrier prefix and digits (SF…), or 10–20 digits.`, `${n}不符合任何运单号格式。`);
}
