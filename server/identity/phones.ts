// Phones as E.164 with libphonenumber-js *max* metadata: the default metadata only checks lengths.
// Browser-safe: the handheld client validates with the same code.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string; country: string | undefined; type: string | undefined } | { ok: false; message: string; messageZh: string };

/** Parses a phone as typed; numbers without a + are read in the default country (CN for senders). */
export function checkPhone(raw: string, defaultCountry: string = 'CN'): PhoneCheck {
  const text = raw.normalize('NFKC').trim();
  const phone = parsePhoneNumberFromString(text, { defaultCountry: defaultCountry as CountryCode, extract: false });
  if (!phone || !phone.isValid()) {
    return {
      ok: false,
      message: `${text} is not a valid phone number${text.startsWith('+') ? '' : ` in ${defaultCountry}`}; mainland mobiles have 11 digits starting 13–19, others need +country code.`,
      messageZh: `${text}不是有效的电话号码；大陆手机号为1开头的11位，境外号码请加国际区号（+）。`,
    };
  }
  return { ok: true, e164: phone.number, country: phone.country, type: phone.getType() };
}

/** +86 138****8000: country code, the first three and last four digits. */
export function maskPhone(e164: string): string {
  const phone = parsePhoneNumberFromString(e164);
  const cc = phone ? `+${phone.countryCallingCode} ` : '';
  const national = phone ? String(phone.nationalNumber) : e164.replace(/^\+/, '');
  if (national.length <= 7) return cc + national.slice(0, 2) + '*'.repeat(Math.max(0, national.length - 4)) + national.slice(-2);
  return cc + national.slice(0, 3) + '*'.repeat(national.length - 7) + national.slice(-4);
}
