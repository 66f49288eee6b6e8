// The embedded database's files are the owner's alone, whatever the umask, and the development keys are
// not kept in the data directory they protect (issue 14 item 9).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/database.js';
import { createLogger } from '../server/logging.js';
import { createPiiVault, resolvePiiKeys } from '../server/privacy/pii.js';

/** Every path under `root` whose permission bits are not `dirs`/`files`. */
function looserThan(root: string, dirs: number, files: number): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    const mode = st.mode & 0o777;
    if (mode !== (st.isDirectory() ? dirs : files)) out.push(`${path.relative(root, p) || '.'} ${mode.toString(8)}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(root);
  return out;
}

function countFiles(root: string): number {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

describe('data at rest', () => {
  let tmp: string;
  let savedUmask: number;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-rest-'));
    savedUmask = process.umask();
  });
  afterEach(() => {
    process.umask(savedUmask);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('with a permissive umask (000), every file of the embedded database is 0600 and every folder 0700', async function () {
    this.timeout(60_000);
    const dataDir = path.join(tmp, 'data');
    // An install from an older version, left world-writable: opening must repair it too.
    fs.mkdirSync(dataDir, { mode: 0o777 });
    fs.writeFileSync(path.join(dataDir, 'left-over'), 'x', { mode: 0o666 });
    process.umask(0o000);
    fs.chmodSync(dataDir, 0o777);
    fs.chmodSync(path.join(dataDir, 'left-over'), 0o666);

    const database = await openDatabase({ dataDir });
    try {
      // Writes after opening create files too (relations, WAL): they must come out private as well.
      for (const stmt of ['create table pg_test_after_open (x int)', 'insert into pg_test_after_open values (1)', 'checkpoint']) await database.db.execute(stmt);
      const files = countFiles(dataDir);
      assert.ok(files > 500, `walked the whole database (${files} files)`);
      assert.deepEqual(looserThan(dataDir, 0o700, 0o600), []);
    } finally {
      await database.close();
    }
    assert.deepEqual(looserThan(dataDir, 0o700, 0o600), [], 'and after closing');
  });

  describe('development PII keys', () => {
    const lines: string[] = [];
    const log = createLogger(
      { logLevel: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const configFor = (dataDir: string, keysDir: string) =>
      loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, DEV_KEYS_DIR: keysDir });

    it('are generated outside DATA_DIR (file 0600, folder 0700), found again on restart, and announced loudly', () => {
      const dataDir = path.join(tmp, 'data');
      const keysDir = path.join(tmp, 'keys');
      process.umask(0o000);
      const first = resolvePiiKeys(configFor(dataDir, keysDir), log);
      const keyFiles = fs.readdirSync(keysDir);
      assert.equal(keyFiles.length, 1);
      assert.equal(fs.statSync(path.join(keysDir, keyFiles[0]!)).mode & 0o777, 0o600);
      assert.equal(fs.statSync(keysDir).mode & 0o777, 0o700);
      // DATA_DIR names the key but holds nothing that opens it.
      assert.deepEqual(fs.readdirSync(dataDir), ['dev-pii-keys.ref']);
      const ref = fs.readFileSync(path.join(dataDir, 'dev-pii-keys.ref'), 'utf8');
      assert.ok(!ref.includes(first.encryption.toString('base64')) && !ref.includes(first.blindIndex.toString('base64')));
      assert.equal(ref.trim(), createPiiVault(first).keyId);

      const again = resolvePiiKeys(configFor(dataDir, keysDir), log);
      assert.ok(again.encryption.equals(first.encryption) && again.blindIndex.equals(first.blindIndex));
      assert.match(lines.join(''), /DEVELOPMENT PII KEYS IN USE/);
      assert.match(lines.join(''), /"level":40/);
    });

    it('an old install’s key file in DATA_DIR moves out with its keys unchanged, so sealed data stays readable', () => {
      const dataDir = path.join(tmp, 'data');
      const keysDir = path.join(tmp, 'keys');
      fs.mkdirSync(dataDir);
      const old = { encryption: randomBytes(32).toString('base64'), blindIndex: randomBytes(32).toString('base64') };
      fs.writeFileSync(path.join(dataDir, 'dev-pii-keys.json'), JSON.stringify(old, null, 2), { mode: 0o600 });
      const sealed = createPiiVault({ encryption: Buffer.from(old.encryption, 'base64'), blindIndex: Buffer.from(old.blindIndex, 'base64') }).seal('id_number', '11010519491231002X');

      const keys = resolvePiiKeys(configFor(dataDir, keysDir), log);
      assert.equal(createPiiVault(keys).open('id_number', sealed), '11010519491231002X');
      assert.ok(!fs.existsSync(path.join(dataDir, 'dev-pii-keys.json')), 'the old file is gone from DATA_DIR');
      assert.equal(fs.readdirSync(keysDir).length, 1);
      // And the next start, from the new place.
      assert.equal(createPiiVault(resolvePiiKeys(configFor(dataDir, keysDir), log)).open('id_number', sealed), '11010519491231002X');
    });

    it('a data dir whose keys are missing refuses to start rather than sealing with new keys', () => {
      const dataDir = path.join(tmp, 'data');
      resolvePiiKeys(configFor(dataDir, path.join(tmp, 'keys')), log);
      assert.throws(() => resolvePiiKeys(configFor(dataDir, path.join(tmp, 'elsewhere')), log), /are not in .*elsewhere.*Restore dev-pii-keys-[0-9a-f]{8}\.json/);
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'elsewhere')), [], 'no new keys were made');
    });
  });
});
