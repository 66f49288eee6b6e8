// Bulk intake against counter intakes, in one run on a PostgreSQL server (issue 18's benchmark):
//   npm run build && npx tsx scripts/bench/batch.ts --database-url postgres://… [--n 10000] [--single 300] [--counters 4]
// 1. The single-intake rate: POST /api/parcels one after another (one counter, one request at a time).
// 2. Counter latency idle: `counters` counters each sending one intake after another with a pause (think time) between.
// 3. A 10,000-parcel batch of one approved organisation, and the same counter load while it runs.
// Prints the batch's parcels/s (its first to its last parcel, from the batch row), the single-intake rate, their
// ratio, and the counters' p50/p95/p99 idle and during the batch. Server settings: BATCH_WORKERS, BATCH_GROUP.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { orgCodeCheckChar, usccCheckChar } from '../../server/organisations/uscc.js';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { drive, login, percentile, post, startServer } from './lib.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: process.env.DATABASE_URL },
    n: { type: 'string', default: '10000' },
    single: { type: 'string', default: '300' },
    counters: { type: 'string', default: '4' },
    'think-ms': { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '20' },
  },
});
if (!values['database-url']) {
  console.error('Give a PostgreSQL server: --database-url postgres://… (or DATABASE_URL).');
  process.exit(2);
}
const n = Number(values.n);
const counters = Number(values.counters);
const thinkMs = Number(values['think-ms']);

const server = await startServer(values['database-url']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  const [courier, admin] = [await login(server.url, 'courier1'), await login(server.url, 'admin')];
  const r = rng(Date.now() % 100_000);
  const senders = Array.from({ length: 2000 }, () => aPerson(r));
  const intake = () => anOrdinaryParcel(r, r.pick(senders));
  const failures = new Map<string, number>();
  const send = async () => {
    const res = await post(`${server.url}/api/parcels`, courier, intake(), { 'Idempotency-Key': randomUUID() });
    if (res.status !== 201) failures.set(`${res.status} ${res.body.slice(0, 120)}`, (failures.get(`${res.status} ${res.body.slice(0, 120)}`) ?? 0) + 1);
  };

  // Warm-up (JIT, pools, caches), then the single-intake rate: one request at a time.
  await drive(200, 8, send);
  const single = await drive(Number(values.single), 1, send);
  console.log(`single intakes, one at a time: ${single.throughput.toFixed(1)}/s`);

  /** `counters` counters sending until `until()` says stop; each intake's latency. */
  async function counterLoad(until: () => boolean): Promise<number[]> {
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: counters }, async () => {
        while (!until()) {
          const t = performance.now();
          await send();
          latencies.push(performance.now() - t);
          await sleep(thinkMs);
        }
      }),
    );
    return latencies.sort((a, b) => a - b);
  }
  const idleEnds = Date.now() + Number(values['idle-seconds']) * 1000;
  const idle = await counterLoad(() => Date.now() > idleEnds);
  console.log(`counters idle: p99 ${percentile(idle, 99).toFixed(1)} ms`);

  // One approved organisation (registered and approved by the admin), and its batch.
  const body8 = String(10_000_000 + r.int(0, 89_999_999));
  const first17 = `91440106${body8}${orgCodeCheckChar(body8)}`;
  const uscc = first17 + usccCheckChar(first17);
  const reg = await post(`${server.url}/api/organisations`, admin, {
    name: '广州天河优选电子商务有限公司', uscc, address: '广东省广州市天河区天河路100号', phone: '13900139000',
    legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aPerson(r).idNumber, name: '王建国' },
  });
  if (reg.status !== 201) throw new Error(`registering the organisation: ${reg.status} ${reg.body}`);
  const orgId = (JSON.parse(reg.body) as { id: string }).id;
  const approved = await post(`${server.url}/api/organisations/${orgId}/review`, admin, { decision: 'approve', reason: 'bench' });
  if (approved.status !== 200) throw new Error(`approving: ${approved.status} ${approved.body}`);
  const parcels = Array.from({ length: n }, () => {
    const { sender: _s, ...p } = intake();
    return p;
  });
  const t0 = performance.now();
  const sent = await post(`${server.url}/api/parcels/batch`, courier, { uscc, parcels }, { 'Idempotency-Key': randomUUID() });
  if (sent.status !== 202) throw new Error(`batch: ${sent.status} ${sent.body.slice(0, 300)}`);
  const submitMs = performance.now() - t0;
  const { batchId } = JSON.parse(sent.body) as { batchId: string };
  type Batch = { status: string; done: number; total: number; counts: Record<string, number>; startedAt: string | null; finishedAt: string | null };
  let batch: Batch | undefined;
  const poll = async () => {
    const res = await fetch(`${server.url}/api/parcels/batch/${batchId}?limit=1`, { headers: { authorization: `Bearer ${courier}` } });
    batch = (await res.json()) as Batch;
  };
  // Counters measured only while the batch is actually being taken in.
  while ((await poll(), batch!.status === 'queued')) await sleep(50);
  let finished = false;
  const poller = (async () => {
    while (!finished) {
      await poll();
      finished = batch!.status === 'done';
      if (!finished) await sleep(250);
    }
  })();
  const during = await counterLoad(() => finished);
  await poller;
  const b = batch!;
  const batchSeconds = (Date.parse(b.finishedAt!) - Date.parse(b.startedAt!)) / 1000;
  const batchRate = b.total / batchSeconds;

  const p = (l: number[]) => `p50 ${percentile(l, 50).toFixed(1)} p95 ${percentile(l, 95).toFixed(1)} p99 ${percentile(l, 99).toFixed(1)} ms (${l.length} intakes)`;
  console.log(`batch: ${b.total} parcels in ${batchSeconds.toFixed(1)} s = ${batchRate.toFixed(0)} parcels/s (submission ${submitMs.toFixed(0)} ms); counts ${JSON.stringify(b.counts)}`);
  console.log(`single intakes, one at a time: ${single.throughput.toFixed(1)}/s (p50 ${percentile(single.latencies, 50).toFixed(1)} ms)`);
  console.log(`ratio batch / single: ${(batchRate / single.throughput).toFixed(2)}× (target ≥ 2×)`);
  console.log(`counters (${counters}, ${thinkMs} ms think time) idle:   ${p(idle)}`);
  console.log(`counters during the batch:              ${p(during)}`);
  console.log(`p99 during / idle: ${(percentile(during, 99) / percentile(idle, 99)).toFixed(2)}× (target < 2×)`);
  if (failures.size) for (const [k, v] of [...failures].slice(0, 5)) console.log(`  counter failure ×${v}: ${k}`);
} finally {
  await server.stop();
}
