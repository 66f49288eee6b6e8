import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { enqueueJob } from '../server/jobs/store.js';
import { aHeldParcel, aParcel, aResidentId, unlinkedParties } from './helpers/factories.js';
import { startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

const TOKEN = 'scrape-token-0123456789abcdef';
const STEPS = ['identity', 'waybill', 'inspection', 'screening', 'contents', 'archive', 'watchlist', 'rings', 'customs', 'hold'];

/** The value of one sample, `name{labels}` exactly as exposed (labels in declaration order); undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (Prometheus)', () => {
  describe('without METRICS_TOKEN', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(() => s?.close());

    it('does not exist: 404 as any unknown path, token or not, and it is not in the OpenAPI document', async () => {
      await s.http().get('/metrics').expect(404);
      await s.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
      const doc = await s.http().get('/api/openapi.json').expect(200);
      assert.ok(!Object.keys(doc.body.paths).some((p) => p.includes('metrics')));
    });
  });

  describe('with METRICS_TOKEN', () => {
    let s: TestServer;
    let courier: string;
    const sent: string[] = []; // every personal value and waybill the intakes below carried
    const scrape = async () => (await s.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;
    const intake = (body: object) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
    const remember = (body: ReturnType<typeof aParcel>) => {
      sent.push(body.waybillNo, body.sender.idNumber, body.sender.phone, body.sender.name, body.sender.address, body.recipient.name, body.recipient.phone, body.recipient.address);
      return body;
    };

    before(async () => {
      // No job runner: a queued job stays queued for the backlog gauge to see.
      s = await startTestServer({ METRICS_TOKEN: TOKEN, JOBS_ENABLED: 'false' });
      courier = await s.login('courier1');
      // Queued before the first scrape: the backlog read is then cached for 5 s.
      await enqueueJob(s.ctx.db, { kind: 'metrics.test', key: 'metrics-test-1', runAt: new Date(Date.now() - 60_000) });
    });
    after(() => s?.close());

    it('a wrong, missing or non-Bearer token is 401 problem+json METRICS_TOKEN_INVALID, in both languages', async () => {
      for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, undefined]) {
        const req = s.http().get('/metrics');
        const res = await (header === undefined ? req : req.set('Authorization', header)).expect(401);
        assert.match(res.headers['content-type']!, /application\/problem\+json/);
        assert.equal(res.body.code, 'METRICS_TOKEN_INVALID');
        assert.ok(res.body.detailZh, 'the Chinese detail');
        assert.equal(res.headers['www-authenticate'], 'Bearer');
        assert.doesNotMatch(res.text, /parcelguard_/);
      }
      // A session token is not the scrape token.
      await s.http().get('/metrics').set('Authorization', `Bearer ${await s.login('admin')}`).expect(401);
    });

    it('the right token gets the text exposition, with Node runtime metrics (event-loop lag, heap, GC)', async () => {
      const res = await s.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      assert.match(res.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
      assert.equal(res.headers['cache-control'], 'no-store');
      for (const name of ['parcelguard_nodejs_eventloop_lag_seconds', 'parcelguard_nodejs_heap_size_used_bytes', 'parcelguard_process_cpu_seconds_total']) {
        assert.ok(sample(res.text, name) !== undefined, name);
      }
      assert.match(res.text, /^# TYPE parcelguard_nodejs_gc_duration_seconds histogram$/m);
    });

    it('intakes are counted and timed by verdict, errors by status class; every pipeline step is timed; no URL, ID, phone, name or waybill appears', async () => {
      const before = await scrape();
      const count = (text: string, verdict: string, cls: string) =>
        sample(text, `parcelguard_intake_duration_seconds_count{verdict="${verdict}",status_class="${cls}"}`) ?? 0;
      for (let i = 0; i < 3; i++) assert.equal((await intake(remember(aParcel(unlinkedParties()))).expect(201)).body.verdict, 'accepted');
      for (let i = 0; i < 2; i++) assert.equal((await intake(remember(aHeldParcel())).expect(201)).body.verdict, 'held');
      const badId = remember(aParcel({ ...unlinkedParties(), sender: { idNumber: aResidentId().slice(0, -1) + 'Y' } }));
      await intake(badId).expect(422);
      const taken = remember(aParcel(unlinkedParties()));
      await intake(taken).expect(201);
      await intake({ ...taken, sender: { ...taken.sender } }).expect(409); // the waybill again
      // The stored record read back: counted under its route template, never its URL.
      await s.http().get(`/api/parcels/${taken.waybillNo}`).set('Authorization', `Bearer ${courier}`).expect(200);

      const after = await scrape();
      assert.equal(count(after, 'accepted', '2xx') - count(before, 'accepted', '2xx'), 4);
      assert.equal(count(after, 'held', '2xx') - count(before, 'held', '2xx'), 2);
      assert.equal(count(after, 'rejected', '2xx') - count(before, 'rejected', '2xx'), 0);
      assert.equal(count(after, 'error', '4xx') - count(before, 'error', '4xx'), 2);
      assert.equal(sample(after, 'parcelguard_intakes_total{verdict="held",status_class="2xx"}'), count(after, 'held', '2xx'));
      // The slowest bucket holds every intake, and the time is real.
      assert.equal(sample(after, 'parcelguard_intake_duration_seconds_bucket{le="+Inf",verdict="accepted",status_class="2xx"}'), count(after, 'accepted', '2xx'));
      assert.ok(sample(after, 'parcelguard_intake_duration_seconds_sum{verdict="accepted",status_class="2xx"}')! > 0);

      for (const step of STEPS) {
        const phases = ['validate', 'check', 'record'].map((phase) => sample(after, `parcelguard_intake_step_seconds_count{step="${step}",phase="${phase}"}`) ?? 0);
        assert.ok(Math.max(...phases) >= 6, `step ${step} timed: ${phases}`);
      }
      // Validation ran for all 8 intakes; the refused ID stopped before any check.
      assert.equal((sample(after, 'parcelguard_intake_step_seconds_count{step="identity",phase="validate"}') ?? 0) - (sample(before, 'parcelguard_intake_step_seconds_count{step="identity",phase="validate"}') ?? 0), 8);

      assert.equal(sample(after, 'parcelguard_http_requests_total{method="GET",route="/api/parcels/:waybillNo",status_class="2xx"}'), 1);
      assert.ok(sample(after, 'parcelguard_http_requests_total{method="POST",route="/api/parcels",status_class="2xx"}')! >= 6);
      assert.ok(sample(after, 'parcelguard_http_requests_total{method="POST",route="/api/parcels",status_class="4xx"}')! >= 2);
      for (const value of sent) assert.ok(!after.includes(value), `personal data or waybill in the metrics: ${value}`);
      // Label values are the only text a metric carries: none looks like a phone, an ID number or a waybill.
      const labelValues = [...after.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
      assert.ok(labelValues.length > 50);
      for (const v of labelValues) assert.doesNotMatch(v, /\d{6,}|[A-Z]{2}\d{9}[A-Z]{2}/, `label value ${v}`);
    });

    it('connections per namespace follow an open socket', async () => {
      const gauge = async () => sample(await scrape(), 'parcelguard_socket_connections{namespace="/alerts"}');
      assert.equal(await gauge(), 0);
      const c: Socket = connect(`${s.url}/alerts`, { auth: { token: await s.login('regulator1') }, transports: ['websocket'], reconnection: false });
      try {
        await new Promise((resolve, reject) => {
          c.once('ready', resolve);
          c.once('connect_error', reject);
        });
        assert.equal(await gauge(), 1);
        assert.equal(sample(await scrape(), 'parcelguard_socket_connections{namespace="/outlet"}'), 0);
      } finally {
        c.close();
      }
      for (let i = 0; i < 50 && (await gauge()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await gauge(), 0);
    });

    it('the job backlog shows a queued job by kind, and how long the oldest due one has waited', async () => {
      const text = await scrape();
      assert.equal(sample(text, 'parcelguard_jobs{kind="metrics.test",state="queued"}'), 1);
      assert.ok(sample(text, 'parcelguard_jobs_oldest_due_seconds{kind="metrics.test"}')! >= 59);
    });

    it('the database: the PostgreSQL pool, or the embedded database thread', async () => {
      const text = await scrape();
      const client = (s.database.db as unknown as { $client: { worker?: unknown } }).$client;
      if (usingPostgresServer()) {
        assert.ok(sample(text, 'parcelguard_db_pool_clients{state="total"}')! >= 1);
        assert.ok(sample(text, 'parcelguard_db_pool_clients{state="idle"}')! >= 0);
        assert.equal(sample(text, 'parcelguard_db_pool_clients{state="waiting"}'), 0);
        assert.equal(sample(text, 'parcelguard_db_pool_max'), s.ctx.config.databasePoolSize);
      } else if (client.worker) {
        assert.ok(sample(text, 'parcelguard_db_pglite_thread_busy_seconds_total')! > 0);
      }
    });
  });
});
