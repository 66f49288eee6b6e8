// Intake latency while new suspect-list entries screen the parcels of the last 90 days in the background.
//   npm run build && npx tsx scripts/bench/watchlist-retro.ts [--past 20000] [--n 1500] [--concurrency 4] [--database-url postgres://…]
// Takes in --past parcels (a pool of 2,000 repeat senders), then drives --n intakes at --concurrency twice: without
// a screening, and right after listing three of the senders (phone, name, address), while the job screens the past
// parcels. Prints p50/p95/p99 of both, the screening's duration and counts. WATCHLIST_RETRO_* from the environment
// reach the server (lib.ts passes its environment on).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { drive, login, post, report, startServer } from './lib.js';

const { values } = parseArgs({
  options: {
    past: { type: 'string', default: '20000' },
    n: { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '4' },
    'database-url': { type: 'string' },
  },
});
const past = Number(values.past);
const n = Number(values.n);
const concurrency = Number(values.concurrency);

const server = await startServer(values['database-url']);
try {
  // Migrating and seeding a fresh database can outlast startServer's own wait on a busy machine.
  for (let i = 0; i < 600 && !(await fetch(`${server.url}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
  const courier = await login(server.url, 'courier1');
  const regulator = await login(server.url, 'regulator1');
  const r = rng(Date.now() % 100_000);
  const senders = Array.from({ length: 2000 }, () => aPerson(r));
  const intake = async () => {
    const res = await post(`${server.url}/api/parcels`, courier, anOrdinaryParcel(r, r.pick(senders)), { 'Idempotency-Key': randomUUID() });
    if (res.status !== 201) throw new Error(`intake ${res.status} ${res.body.slice(0, 200)}`);
  };

  const t0 = performance.now();
  await drive(past, 32, intake);
  console.log(`${past} past parcels taken in in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const without = await drive(n, concurrency, intake);
  report(`intake without a screening (concurrency ${concurrency})`, without);

  const [a, b, c] = senders;
  const listed = await post(`${server.url}/api/watchlist/entries`, regulator, {
    entries: [
      { type: 'phone', value: a!.phone, source: 'bench' },
      { type: 'person_name', value: b!.name, source: 'bench' },
      { type: 'address', value: c!.address, source: 'bench' },
    ],
  });
  const { retroScreening } = JSON.parse(listed.body) as { retroScreening: { jobId: string } };
  const started = performance.now();
  type Run = { status: string; parcelsScreened: number; matched: number; alertsOpened: number; flaggedInNetwork: number; entries: number };
  const runOf = async (): Promise<Run> => (await (await fetch(`${server.url}/api/watchlist/retro/${retroScreening.jobId}`, { headers: { authorization: `Bearer ${regulator}` } })).json()) as Run;
  let run = await runOf();
  let doneAfter: number | undefined;
  const watch = (async () => {
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((res) => setTimeout(res, 250));
      run = await runOf();
    }
    doneAfter = (performance.now() - started) / 1000;
  })();
  // Each intake is counted as "while screening" if it began before the screening was seen done.
  const overlapped: number[] = [];
  const all = await drive(n, concurrency, async () => {
    const screening = doneAfter === undefined;
    const t = performance.now();
    await intake();
    if (screening) overlapped.push(performance.now() - t);
  });
  const screenedWhileDriving = run.parcelsScreened;
  await watch;
  overlapped.sort((x, y) => x - y);
  report(`intake begun while screening (concurrency ${concurrency})`, { seconds: doneAfter!, latencies: overlapped, throughput: overlapped.length / doneAfter! });
  report(`all ${n} intakes of the second run`, all, { 'parcels screened meanwhile': screenedWhileDriving });
  console.log(
    `screening: ${run.status} in ${doneAfter!.toFixed(1)} s, ${run.parcelsScreened} parcels (${Math.round(run.parcelsScreened / doneAfter!)}/s), ` +
      `${run.entries} entries, matched ${run.matched}, alerts opened ${run.alertsOpened}, flagged in network ${run.flaggedInNetwork}`,
  );
  if (screenedWhileDriving < run.parcelsScreened) {
    console.log(`note: the screening outlasted the ${n} intakes (${screenedWhileDriving} of ${run.parcelsScreened} parcels screened while they ran); raise --n to overlap it fully`);
  }
} finally {
  await server.stop();
}
