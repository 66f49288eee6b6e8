import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { DataDirInUseError, lockDataDir, openDatabase, processStartTime, queryRows } from '../server/db/database.js';
import { startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

describe('database connections', () => {
  let s: TestServer;
  before(async function () {
    if (!usingPostgresServer()) this.skip(); // PGlite has no pool and no server to lose
    s = await startTestServer();
  });
  after(() => s?.close());

  it('idle connections killed by the server (a restart, a failover) do not crash the process; the next request works', async () => {
    const [{ db } = { db: '' }] = await queryRows<{ db: string }>(s.ctx.db, sql`select current_database() as db`);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db]);
      assert.ok(killed.rowCount! >= 1, 'the pool had idle connections to kill');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(uncaught, []);
      await s.http().get('/readyz').expect(200);
      await s.http().get('/api/outlets').set('Authorization', `Bearer ${await s.login('admin')}`).expect(200);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
    }
  });
});

describe('the embedded database’s lock', () => {
  let dataDir: string;
  let other: ChildProcess;
  const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const lockFile = () => path.join(dataDir, 'parcelguard.lock');
  before(function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip(); // start times come from /proc (Linux)
  });
  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-lock-'));
    other = spawn('sleep', ['600'], { stdio: 'ignore' });
    await new Promise((resolve) => other.once('spawn', resolve));
  });
  afterEach(() => {
    other.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a lock naming a live process with another start time (a recycled pid) is stale: the database opens', async function () {
    this.timeout(60_000);
    const startTime = processStartTime(other.pid!);
    assert.match(startTime ?? '', /^\d+$/);
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: other.pid, startTime: String(Number(startTime) - 1), bootId }));
    const database = await openDatabase({ dataDir });
    try {
      assert.equal(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid, process.pid, 'the lock is ours now');
    } finally {
      await database.close();
    }
  });

  it('a lock naming a live process with its real start time holds: DataDirInUseError', async () => {
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!), bootId }));
    await assert.rejects(openDatabase({ dataDir }), (err: Error) => err instanceof DataDirInUseError && err.message.includes(`pid ${other.pid}`));
    assert.equal(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid, other.pid, 'the holder’s lock is left alone');
  });

  it('a lock written before a reboot (another boot id) is stale, even if its pid and start time are in use again', () => {
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!), bootId: '00000000-0000-0000-0000-000000000000' }));
    // Only the lock decision is checked here (opening is covered above): a stale lock is removed and retaken.
    const release = lockDataDir(dataDir);
    assert.equal(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid, process.pid);
    release();
  });

  it('an unreadable lock is held while fresh (it may be being written) and stale once old', () => {
    fs.writeFileSync(lockFile(), '');
    assert.throws(() => lockDataDir(dataDir), DataDirInUseError);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(), old, old);
    const release = lockDataDir(dataDir);
    assert.equal(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid, process.pid);
    release();
  });

  it('releasing removes only our own lock, never one another process took meanwhile', () => {
    const release = lockDataDir(dataDir);
    const theirs = JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid!), bootId });
    fs.writeFileSync(lockFile(), theirs);
    release();
    assert.equal(fs.readFileSync(lockFile(), 'utf8'), theirs);
  });

  it('several processes starting at once on a stale lock: exactly one takes it', async function () {
    this.timeout(120_000);
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 7, startTime: '1', bootId })); // no such process
    const at = Date.now() + 4000; // each child waits for this moment, so the attempts race
    const script = `
      const { lockDataDir } = await import(${JSON.stringify(path.resolve('server/db/database.ts'))});
      while (Date.now() < ${at}) {}
      let got = false;
      try { lockDataDir(${JSON.stringify(dataDir)}); got = true; } catch (e) { if (e.name !== 'DataDirInUseError') throw e; }
      console.log(got ? 'LOCKED' : 'REFUSED');
      await new Promise((r) => setTimeout(r, 1500)); // hold it while the others try
    `;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout!.on('data', (d) => (out += d));
          child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${out}`))));
        }),
      ),
    );
    assert.deepEqual(outcomes.sort(), ['LOCKED', 'REFUSED', 'REFUSED', 'REFUSED']);
  });
});
