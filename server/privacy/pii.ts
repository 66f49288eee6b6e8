// Personal data at rest: ID numbers and phones are sealed with AES-256-GCM and matched through a keyed
// blind index (HMAC-SHA256), so a database or list leak does not leak identities.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** What a sealed value is; bound into the ciphertext (AAD) and the blind index, so values cannot be swapped. */
export type PiiPurpose = 'id_number' | 'phone' | 'selection_key';

export type PiiVault = {
  /** Names the encryption key; every sealed value starts `v1.<keyId>.`. */
  readonly keyId: string;
  seal(purpose: PiiPurpose, plaintext: string): string;
  open(purpose: PiiPurpose, sealed: string): string;
  /** Deterministic keyed index of a normalized value, for exact matching without decrypting. */
  blind(purpose: PiiPurpose, normalized: string): string;
};

export type PiiKeys = { encryption: Buffer; blindIndex: Buffer };

export function createPiiVault(keys: PiiKeys): PiiVault {
  // The envelope names its key, so a rotated or wrong key is reported, not silently garbled.
  const keyId = createHash('sha256').update(keys.encryption).digest('hex').slice(0, 8);
  return {
    keyId,
    seal(purpose, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(purpose, sealed) {
      const [version, kid, payload] = sealed.split('.');
      if (version !== 'v1' || !payload) throw new Error('not a sealed value');
      if (kid !== keyId) throw new Error(`sealed with key ${kid}, but the configured PII_ENCRYPTION_KEY is ${keyId}`);
      const raw = Buffer.from(payload, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', keys.encryption, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    blind(purpose, normalized) {
      return createHmac('sha256', keys.blindIndex).update(`${purpose}\u0000${normalized}`).digest('base64url');
    },
  };
}

/**
 * Keys from the environment; outside production, when unset, keys generated once and kept in DATA_DIR
 * (so a demo's data stays readable across restarts), or in memory for tests without a DATA_DIR.
 */
export function resolvePiiKeys(config: Config, log: Logger): PiiKeys {
  if (config.piiEncryptionKey && config.piiBlindIndexKey) return { encryption: config.piiEncryptionKey, blindIndex: config.piiBlindIndexKey };
  if (config.env === 'production') throw new Error('PII keys are required in production');
  if (!config.dataDir) return { encryption: randomBytes(32), blindIndex: randomBytes(32) };
  const file = path.join(config.dataDir, 'dev-pii-keys.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const generated = { encryption: randomBytes(32).toString('base64'), blindIndex: randomBytes(32).toString('base64') };
    fs.writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600, flag: 'wx' });
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { encryption: string; blindIndex: string };
  log.warn({ file }, 'PII_ENCRYPTION_KEY / PII_BLIND_INDEX_KEY unset: using development keys from the data directory. Set both in production.');
  return { encryption: Buffer.from(stored.encryption, 'base64'), blindIndex: Buffer.from(stored.blindIndex, 'base64') };
}
