// Personal data at rest: ID numbers and phones are sealed with AES-256-GCM and matched through a keyed
// blind index (HMAC-SHA256), so a database or list leak does not leak identities.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** What a sealed value is; bound into the ciphertext (AAD) and the blind index, so values cannot be swapped. */
/** search_term: what an officer searched for, kept in the append-only audit log only as a keyed hash. */
/** audit_anchor: the keyed signature of a checkpoint of the audit chain's head (server/audit/chain.ts). */
export type PiiPurpose = 'id_number' | 'phone' | 'selection_key' | 'search_term' | 'audit_anchor' | 'batch_item' | 'webhook_secret' | 'api_key';

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
 * Keys from the environment; outside production, when unset, keys generated once (so a demo's data stays
 * readable across restarts), or in memory for tests without a DATA_DIR.
 *
 * Development keys are kept in DEV_KEYS_DIR, not in DATA_DIR: a copy of the data directory (a backup, a
 * bug report) must not carry the key that opens it. DATA_DIR keeps only a reference, `dev-pii-keys.ref`
 * (the key id, a hash prefix that reveals nothing), so several data directories on one machine each find
 * their own keys, and moving a data directory keeps it readable. A key file an older version left in
 * DATA_DIR is moved out on start, keys unchanged: losing them would make every stored number unreadable.
 */
export function resolvePiiKeys(config: Config, log: Logger): PiiKeys {
  if (config.piiEncryptionKey && config.piiBlindIndexKey) return { encryption: config.piiEncryptionKey, blindIndex: config.piiBlindIndexKey };
  if (config.env === 'production') throw new Error('PII keys are required in production');
  if (!config.dataDir) return { encryption: randomBytes(32), blindIndex: randomBytes(32) };
  const keys = developmentKeys(config.dataDir, config.devKeysDir, log);
  log.warn(
    { keysFile: keys.file, dataDir: config.dataDir },
    'DEVELOPMENT PII KEYS IN USE: PII_ENCRYPTION_KEY / PII_BLIND_INDEX_KEY are unset, so ID numbers and phones are sealed with ' +
      'generated keys kept in DEV_KEYS_DIR. Anyone who can read that file can read them; losing it makes them unreadable. ' +
      'Set both variables (openssl rand -base64 32) for any real data.',
  );
  return keys.keys;
}

type StoredKeys = { encryption: string; blindIndex: string };

const LEGACY_FILE = 'dev-pii-keys.json';
const REF_FILE = 'dev-pii-keys.ref';

function developmentKeys(dataDir: string, keysDir: string, log: Logger): { keys: PiiKeys; file: string } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(keysDir, 0o700);
  const refFile = path.join(dataDir, REF_FILE);
  const legacyFile = path.join(dataDir, LEGACY_FILE);
  const keysFileOf = (id: string) => path.join(keysDir, `dev-pii-keys-${id}.json`);

  let id = fs.existsSync(refFile) ? fs.readFileSync(refFile, 'utf8').trim() : undefined;
  if (id !== undefined && !/^[0-9a-f]{8}$/.test(id)) throw new Error(`${refFile} does not name a key (expected 8 hex digits)`);
  if (fs.existsSync(legacyFile)) {
    const legacy = parseKeys(fs.readFileSync(legacyFile, 'utf8'), legacyFile);
    const legacyId = keyIdOf(legacy);
    if (id !== undefined && id !== legacyId) {
      // Two different keys for one data dir: keep both files and let a person decide which sealed the data.
      log.error({ legacyFile, refFile }, 'DATA_DIR holds a development key file that differs from the one it refers to; using the referenced keys and leaving the old file where it is.');
    } else {
      // Written (and flushed) to its new place before the old copy goes, so a crash midway loses nothing.
      writeKeysFile(keysFileOf(legacyId), legacy);
      writeFileDurably(refFile, `${legacyId}\n`);
      fs.rmSync(legacyFile);
      id = legacyId;
      log.warn({ from: legacyFile, to: keysFileOf(legacyId) }, 'moved the development PII keys out of DATA_DIR');
    }
  }
  if (id === undefined) {
    const generated = { encryption: randomBytes(32).toString('base64'), blindIndex: randomBytes(32).toString('base64') };
    id = keyIdOf(generated);
    writeKeysFile(keysFileOf(id), generated);
    writeFileDurably(refFile, `${id}\n`);
  }
  const file = keysFileOf(id);
  if (!fs.existsSync(file)) {
    // Never generate new keys here: the data in DATA_DIR was sealed with the missing ones.
    throw new Error(
      `The development PII keys for ${dataDir} (key ${id}) are not in ${keysDir}. Restore ${path.basename(file)} there, ` +
        'or set DEV_KEYS_DIR to the folder that holds it.',
    );
  }
  fs.chmodSync(file, 0o600);
  const stored = parseKeys(fs.readFileSync(file, 'utf8'), file);
  return { keys: { encryption: Buffer.from(stored.encryption, 'base64'), blindIndex: Buffer.from(stored.blindIndex, 'base64') }, file };
}

function parseKeys(text: string, file: string): StoredKeys {
  const o = JSON.parse(text) as Partial<StoredKeys>;
  if (typeof o.encryption !== 'string' || typeof o.blindIndex !== 'string') throw new Error(`${file} is not a development key file`);
  return { encryption: o.encryption, blindIndex: o.blindIndex };
}

/** The vault's key id (createPiiVault), so the reference names the same key the sealed values name. */
function keyIdOf(keys: StoredKeys): string {
  return createHash('sha256').update(Buffer.from(keys.encryption, 'base64')).digest('hex').slice(0, 8);
}

function writeKeysFile(file: string, keys: StoredKeys) {
  if (fs.existsSync(file)) {
    const existing = parseKeys(fs.readFileSync(file, 'utf8'), file);
    if (existing.encryption === keys.encryption && existing.blindIndex === keys.blindIndex) return;
    throw new Error(`${file} exists with other keys; not overwriting it`);
  }
  writeFileDurably(file, JSON.stringify(keys, null, 2), 0o600);
}

function writeFileDurably(file: string, text: string, mode = 0o600) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
