// WEB_CONCURRENCY: `npm start` as a node:cluster primary with two workers, beside a separate single process, all on
// one PostgreSQL server. Real processes: requests reach both workers; a session, an Idempotency-Key, a live alert and
// a scheduled job hold across them; a killed worker is replaced; SIGTERM drains every worker. PostgreSQL only
// (PGlite serves one process); the configuration checks run on both.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { restartDelayMs } from '../server/cluster.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { aParcel, aResidentId } from './helpers/factories.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from './helpers/process.js';
import { DEMO_PASSWORD, freshDatabase, usingPostgresServer } from './helpers/server.js';

/** A request on a connection of its own: the cluster hands each new connection to its next worker. */
async function fresh(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, headers: { connection: 'close', ...(init.headers as Record<string, string>) } });
  await res.arrayBuffer();
  return { status: res.status, servedBy: res.headers.get('x-served-by') };
}

/**
 * Sends `make()` on fresh connections until both of the cluster's current workers have answered; returns the answers.
 * `starting`: a worker still starting may answer (it listens before it names itself) and is not counted yet.
 */
async function onEveryWorker(make: () => Promise<{ status: number; servedBy: string | null }>, o: { workers?: number; deadlineMs?: number; starting?: boolean } = {}) {
  const seen = new Map<string, number[]>();
  const deadline = Date.now() + (o.deadlineMs ?? 20_000);
  while (seen.size < (o.workers ?? 2)) {
    if (Date.now() > deadline) throw new Error(`only workers ${[...seen.keys()].join(', ')} answered`);
    const r = await make();
    if (o.starting && (!r.servedBy || r.status !== 200)) {
      await new Promise((res) => setTimeout(res, 100));
      continue;
    }
    assert.ok(r.servedBy, 'every answer under the cluster names its worker');
    seen.set(r.servedBy, [...(seen.get(r.servedBy) ?? []), r.status]);
  }
  return seen;
}

/** The cluster's worker processes: the primary's children that run the server (tsx may add an esbuild child). */
function workerPids(primaryPid: number): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === primaryPid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('server/main.')) pids.push(Number(d));
    } catch {
      // ended meanwhile
    }
  }
  return pids.sort();
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('several server processes (WEB_CONCURRENCY)', () => {
  describe('configuration', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.join('\n');
      }
      return '';
    };

    it('unset or 1 is one process; a number or auto (one per core) with a database server', () => {
      assert.equal(loadConfig({}).webConcurrency, 1);
      assert.equal(loadConfig({ WEB_CONCURRENCY: '1' }).webConcurrency, 1);
      assert.equal(loadConfig({ WEB_CONCURRENCY: '3', DATABASE_URL: 'postgres://h/db' }).webConcurrency, 3);
      assert.ok(loadConfig({ WEB_CONCURRENCY: 'auto', DATABASE_URL: 'postgres://h/db' }).webConcurrency >= 1);
    });

    it('refuses a bad value, several processes on the embedded database, and several without the socket adapter', () => {
      assert.match(problems({ WEB_CONCURRENCY: 'many' }), /WEB_CONCURRENCY: must be a whole number from 1 to 256, or auto/);
      assert.match(problems({ WEB_CONCURRENCY: '0', DATABASE_URL: 'postgres://h/db' }), /WEB_CONCURRENCY/);
      assert.match(problems({ WEB_CONCURRENCY: '2' }), /WEB_CONCURRENCY=2 .*needs DATABASE_URL/);
      assert.match(problems({ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://h/db', REALTIME_ADAPTER: 'memory' }), /needs REALTIME_ADAPTER=postgres/);
    });

    it('a dead worker is replaced after 1 s, doubling with each death in the minute, never more than 30 s', () => {
      assert.deepEqual([1, 2, 3, 4, 10].map(restartDelayMs), [1000, 2000, 4000, 8000, 30_000]);
    });
  });

  describe('a cluster of two workers and a single process on one PostgreSQL server', function () {
    // Each worker compiles the server through tsx; on a loaded 2-core machine one takes up to half a minute.
    this.timeout(240_000);
    let db: Awaited<ReturnType<typeof freshDatabase>>;
    let admin: pg.Client;
    let cluster: ServerProcess | undefined;
    let single: ServerProcess | undefined;
    const sockets: Socket[] = [];
    const METRICS_TOKEN = randomBytes(16).toString('hex');

    before(async function () {
      if (!usingPostgresServer()) this.skip(); // several processes need a database server
      db = await freshDatabase();
      admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      const env = {
        DATABASE_URL: db.url!, DEMO_PASSWORD, JOBS_POLL_MS: '200', DATA_DIR: path.join('/tmp', `pg-cluster-${randomBytes(4).toString('hex')}`),
        // Every process must seal and blind-index with the same keys.
        PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
        METRICS_TOKEN,
      };
      cluster = await startServerProcess({ ...env, WEB_CONCURRENCY: '2' }, 180_000); // the first worker migrates and seeds
      await onEveryWorker(() => fresh(`${cluster!.url}/readyz`), { deadlineMs: 180_000, starting: true });
      single = await startServerProcess(env, 180_000);
    });
    after(async () => {
      sockets.forEach((c) => c.close());
      await Promise.all([stopServerProcess(cluster), stopServerProcess(single)]);
      await admin?.end();
      await db?.drop();
    });

    const login = async (url: string, username: string) =>
      (await request(url).post('/api/session').send({ username, password: DEMO_PASSWORD }).expect(200)).body.token as string;

    it('one port, two workers: new connections are served by both in turn; a single process names no worker', async () => {
      const seen = await onEveryWorker(() => fresh(`${cluster!.url}/healthz`));
      assert.equal(seen.size, 2);
      for (const statuses of seen.values()) assert.ok(statuses.every((s) => s === 200));
      assert.equal((await fresh(`${single!.url}/healthz`)).servedBy, null);
    });

    it('a session opened on one process works on every other, and a logout anywhere ends it everywhere at once', async () => {
      const token = await login(cluster!.url, 'regulator1');
      const whoAmI = (url: string) => () => fresh(`${url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await whoAmI(single!.url)()).status, 200);
      // Both workers now hold the session in their few-second cache: the logout must reach that cache too.
      for (const statuses of (await onEveryWorker(whoAmI(cluster!.url))).values()) assert.deepEqual(statuses, [200]);
      await request(single!.url).delete('/api/session').set('Authorization', `Bearer ${token}`).expect(204);
      for (const statuses of (await onEveryWorker(whoAmI(cluster!.url))).values()) assert.ok(statuses.every((s) => s === 401), `refused at once: ${statuses}`);
    });

    it('one Idempotency-Key sent to both processes at the same moment makes one parcel, and every answer is the same', async () => {
      const courier = await login(single!.url, 'courier1');
      const body = aParcel();
      const key = randomUUID();
      const send = (url: string) => request(url).post('/api/parcels').set('Authorization', `Bearer ${courier}`).set('Idempotency-Key', key).send(body);
      const results = await Promise.all([send(single!.url), send(cluster!.url), send(single!.url), send(cluster!.url)]);
      assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201]);
      assert.equal(new Set(results.map((r) => r.body.parcel.id)).size, 1);
      for (const r of results.slice(1)) assert.deepEqual(r.body, results[0]!.body);
      assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 3);
      const { rows } = await admin.query('select count(*)::int as n from parcels where waybill_no = $1', [body.waybillNo]);
      assert.equal(rows[0].n, 1);
    });

    it("a ring taken in at the single process alerts regulators on both of the cluster's workers, once each", async () => {
      async function listen(url: string) {
        const c = connect(`${url}/alerts`, { auth: { token: await login(url, 'regulator1') }, transports: ['websocket'], reconnection: false });
        sockets.push(c);
        const events: string[] = [];
        c.on('alert:new', () => events.push('alert:new'));
        c.on('alert:updated', () => events.push('alert:updated'));
        await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
        return events;
      }
      // Two connections in a row to the idle cluster go to its two workers in turn.
      const onCluster = [await listen(cluster!.url), await listen(cluster!.url)];
      const onSingle = await listen(single!.url);
      const courier = await login(single!.url, 'courier1');
      for (let i = 0; i < 4; i++) {
        await request(single!.url)
          .post('/api/parcels')
          .set('Authorization', `Bearer ${courier}`)
          .send(aParcel({
            sender: { idNumber: aResidentId('440106', `1981020${i + 1}`, '246'), name: '吴刚', phone: '13833334444', address: '广东省广州市白云区机场路9号' },
            recipient: { name: 'Sato Ken', phone: '+81 90 2345 6701', address: '4-5-6 Shinjuku, Tokyo', country: 'JP' },
            declared: { description: '样品一批', category: 'samples', quantity: 2, valueCny: 930, brand: undefined },
          }))
          .expect(201);
      }
      for (const events of [...onCluster, onSingle]) {
        await until('the alert on every socket', () => events.length >= 2, 5000);
      }
      await new Promise((r) => setTimeout(r, 300)); // nothing arrives twice
      for (const events of [...onCluster, onSingle]) assert.deepEqual(events, ['alert:new', 'alert:updated']);
    });

    it('a scheduled job that falls due runs exactly once across the three job runners', async () => {
      const since = new Date();
      await admin.query(`update job_schedules set next_run_at = now() - interval '1 second' where name = 'housekeeping'`);
      const done = await until(
        'the housekeeping job',
        async () => (await admin.query(`select * from jobs where kind = 'housekeeping' and created_at >= $1 and state = 'done'`, [since])).rows[0],
        20_000,
      );
      await new Promise((r) => setTimeout(r, 1000)); // five more polls of every runner
      const { rows } = await admin.query(`select key, state, attempts from jobs where kind = 'housekeeping' and created_at >= $1`, [since]);
      assert.deepEqual(rows, [{ key: done.key, state: 'done', attempts: 1 }], 'enqueued once, claimed once');
    });

    it("GET /metrics on either worker answers for the whole cluster: intakes served by both are counted once each", async () => {
      /** Intakes answered, all verdicts and classes, as the worker that got the scrape reports them (and which worker that was). */
      const scrape = async () => {
        const res = await fetch(`${cluster!.url}/metrics`, { headers: { connection: 'close', authorization: `Bearer ${METRICS_TOKEN}` } });
        assert.equal(res.status, 200);
        const text = await res.text();
        const intakes = [...text.matchAll(/^parcelguard_intakes_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
        return { status: res.status, servedBy: res.headers.get('x-served-by'), intakes };
      };
      const before = (await scrape()).intakes;
      const courier = await login(single!.url, 'courier1');
      const servedBy: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${cluster!.url}/api/parcels`, {
          method: 'POST',
          headers: { connection: 'close', 'content-type': 'application/json', authorization: `Bearer ${courier}` },
          body: JSON.stringify(aParcel()),
        });
        assert.equal(res.status, 201);
        servedBy.push(res.headers.get('x-served-by')!);
      }
      assert.equal(new Set(servedBy).size, 2, 'the intakes went to both workers');
      const counts = new Set<number>();
      const workers = new Set<string>();
      while (workers.size < 2) {
        const r = await scrape();
        workers.add(r.servedBy!);
        counts.add(r.intakes);
      }
      assert.deepEqual([...counts], [before + 6], 'each worker reports the sum over both');
    });

    it('a worker killed outright is replaced by the primary, and the cluster serves on two workers again', async () => {
      const before = workerPids(cluster!.child.pid!);
      assert.equal(before.length, 2);
      const idsBefore = new Set((await onEveryWorker(() => fresh(`${cluster!.url}/healthz`))).keys());
      process.kill(before[0]!, 'SIGKILL');
      await until('the killed worker gone', () => !alive(before[0]!));
      const after = await until('a replacement worker', () => {
        const now = workerPids(cluster!.child.pid!);
        return now.length === 2 && !now.includes(before[0]!) ? now : undefined;
      }, 120_000);
      assert.ok(after.includes(before[1]!), 'the other worker was left alone');
      const idsAfter = new Set((await onEveryWorker(() => fresh(`${cluster!.url}/readyz`), { deadlineMs: 120_000, starting: true })).keys());
      assert.equal([...idsAfter].filter((id) => !idsBefore.has(id)).length, 1, 'one new worker answers');
    });

    it('SIGTERM to the primary drains and stops every worker, then the primary exits 0', async () => {
      const workers = workerPids(cluster!.child.pid!);
      const exited = new Promise<number | null>((resolve) => cluster!.child.once('exit', (code) => resolve(code)));
      cluster!.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(workers.length, 2);
      await until('no worker left behind', () => workers.every((pid) => !alive(pid)), 2000);
    });
  });
});
