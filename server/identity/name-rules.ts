// What a name may look like: pure and browser-safe, so the handheld checks names by the server's rule.
// A person's name and an organisation's name follow different rules: "Forever 21 Inc", "3M Deutschland GmbH" and
// "7-Eleven Japan" are real consignees, and a person called "Zhang3" is a typo or a dodge.

// Control (Cc) and format (Cf: bidi controls, zero-width characters, soft hyphen) characters: never in a name.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

export const PERSON_NAME_MAX = 100;
export const ORGANISATION_NAME_MAX = 100;

/** Whether a name is plausible as a person's name: letters, not digits or symbols. */
export function isPlausibleName(display: string): boolean {
  return (
    display.length >= 1 &&
    display.length <= PERSON_NAME_MAX &&
    /\p{L}/u.test(display) &&
    !/[\p{Nd}@#$%^&*=<>{}[\]\\|~]/u.test(display) &&
    !INVISIBLE.test(display)
  );
}

// Letters and marks in any script, digits, spaces, and the punctuation company names use: & . , ' ’ - ‐ – ( ) / +
// and the CJK ones （）·、・ (NFKC folds full-width ＆ （ ） into their ASCII forms before this is asked).
const ORGANISATION_CHARS = /^[\p{L}\p{M}\p{Nd} &.,'’\-‐–()/+（）·・、]+$/u;

/**
 * Whether a name is plausible as an organisation's (a consignee that may be a company, or a person: every
 * plausible person's name is one too). At least one letter, so a bare number or punctuation is not a name; it
 * starts with a letter, digit or opening bracket.
 */
export function isPlausibleOrganisationName(display: string): boolean {
  return (
    display.length >= 1 &&
    display.length <= ORGANISATION_NAME_MAX &&
    ORGANISATION_CHARS.test(display) &&
    /\p{L}/u.test(display) &&
    /^[\p{L}\p{Nd}(（]/u.test(display)
  );
}

/** A consignee (收件人) may be a person or an organisation: either rule admits the name. */
export function isPlausibleConsigneeName(display: string): boolean {
  return isPlausibleName(display) || isPlausibleOrganisationName(display);
}
