// Invisible characters: format characters (Cf: soft hyphen, zero-width space and joiners, bidi marks, word joiner,
// BOM…) and the Hangul fillers. Prose may hold them, but they must never split a word that screening looks for
// ("Gu\u2060cci", "rep\u00ADlica"). Pure and browser-safe.
const INVISIBLE = /[\p{Cf}\u115F\u1160\u3164\uFFA0]/gu;

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}
