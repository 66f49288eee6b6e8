// `libphonenumber-js/max` as the handheld's bundle has it (scripts/build-web.mjs points that import here; the
// server keeps the package itself). The full metadata — every country's number patterns — is 157 kB (34 kB
// brotli), more than half of what a cold start would download: on a 400 kbps counter link it alone kept the
// login screen from showing within 2 s. So it is its own chunk, fetched as soon as the app has started (and
// precached by the service worker, so offline it is there at once); the phone field comes two screens after the
// login. Until it has arrived, numbers are checked with the same patterns for mainland China only, which the
// builder cuts out of the same metadata (PHONE_METADATA_CN): a mainland number is judged exactly as later.
import { parsePhoneNumberFromString as parseWith, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';

export type { CountryCode } from 'libphonenumber-js/core';
declare const PHONE_METADATA_CN: MetadataJson;

let metadata: MetadataJson = PHONE_METADATA_CN;
/** Settles once every country's patterns are in use. */
export const fullMetadata: Promise<void> = import('libphonenumber-js/metadata.max.json').then(
  (m) => void (metadata = m.default as MetadataJson),
  () => undefined, // offline before the first full load: mainland numbers still check
);

type Options = CountryCode | { defaultCountry?: CountryCode; defaultCallingCode?: string; extract?: boolean };

export function parsePhoneNumberFromString(text: string, options?: Options) {
  return options === undefined ? parseWith(text, metadata) : parseWith(text, options, metadata);
}
