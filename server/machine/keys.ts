// API keys of service accounts: `pgk_<prefix>_<secret>`. The prefix is public (it finds the row and keys the rate
// limit); only SHA-256 of the secret is stored and compared in constant time, so a database leak yields no key.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_MARK = 'pgk_';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // 32 symbols: one byte & 31 is unbiased, and nothing to mistype
const PREFIX_LENGTH = 12;
const SECRET_LENGTH = 40; // 200 bits
const KEY_FORM = new RegExp(`^${API_KEY_MARK}([${ALPHABET}]{${PREFIX_LENGTH}})_([${ALPHABET}]{${SECRET_LENGTH}})$`);

function randomText(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += ALPHABET[b & 31];
  return out;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new key: what is shown once, and what is stored. */
export function newApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomText(PREFIX_LENGTH);
  const secret = randomText(SECRET_LENGTH);
  return { key: `${API_KEY_MARK}${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

/** The prefix and secret of a well-formed key, or null. */
export function parseApiKey(raw: string): { prefix: string; secret: string } | null {
  const m = KEY_FORM.exec(raw);
  return m ? { prefix: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The API key a request carries: `Authorization: Bearer pgk_…` or `X-Api-Key: pgk_…`; undefined when none. */
export function apiKeyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x) return x.trim();
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(pgk_\S*)$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}
