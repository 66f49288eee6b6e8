// Intake throughput and latency through the real HTTP API, on PGlite and/or a PostgreSQL server.
//   npm run build && npx tsx scripts/bench/intake.ts [--n 5000] [--concurrency 32] [--database-url postgres://…] [--processes N]
// --processes N runs the server with WEB_CONCURRENCY=N (PostgreSQL only); its CPU and memory are then the
// primary's and all its workers' together.
// Without --database-url it benchmarks the embedded PGlite. Each intake carries an Idempotency-Key, as the
// handheld's do; senders repeat (a pool of 2,000), so the archive upsert takes both of its paths.
// On PostgreSQL the same run then measures the floor (./floor-server.ts: the least an intake must write, over HTTP
// and `pg` in the same process shape, one process) with the same concurrency, and prints intake / floor.
// --watchlist N first loads N synthetic suspect-list entries (./watchlist-load.ts) into the database; --no-floor skips
// the floor.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../../server/db/database.js';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { startFloorServer } from './floor.js';
import { cpuSeconds, drive, login, post, postgresCpuSeconds, report, serverCpuSeconds, serverMemory, startServer } from './lib.js';
import { loadSyntheticEntries } from './watchlist-load.js';

const { values } = parseArgs({
  options: { watchlist: { type: 'string', default: '0' }, 'no-floor': { type: 'boolean', default: false }, n: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '32' }, 'database-url': { type: 'string' }, warmup: { type: 'string', default: '300' }, processes: { type: 'string', default: '1' } },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const processes = Number(values.processes);

const r = rng(Date.now() % 100_000); // a fresh seed per run: no waybill collisions on a reused database
const senders = Array.from({ length: 2000 }, () => aPerson(r));
const perIntake = (sec: number) => `${((sec * 1000) / n).toFixed(2)} ms`;
let intakeRate = 0;

const server = await startServer(values['database-url'], { processes });
try {
  const token = await login(server.url, 'courier1');
  const entries = Number(values.watchlist);
  if (entries > 0) {
    if (!values['database-url']) throw new Error('--watchlist needs --database-url (a PostgreSQL server)');
    const loader = await openDatabase({ url: values['database-url'], poolSize: 1 });
    try {
      const [{ n: existing } = { n: 0 }] = await queryRows<{ n: number }>(loader.db, sql`select count(*)::int as n from watchlist_entries`);
      const t0 = performance.now();
      await loadSyntheticEntries(loader.db, existing + 1, entries);
      await loader.db.execute(sql`analyze watchlist_entries`);
      console.log(`suspect list: ${entries.toLocaleString('en-US')} entries (${Math.max(0, entries - existing).toLocaleString('en-US')} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } finally {
      await loader.close();
    }
  }
  const bodies = Array.from({ length: n + Number(values.warmup) }, () => anOrdinaryParcel(r, r.pick(senders)));
  const failures = new Map<string, number>();
  const send = async (i: number) => {
    const res = await post(`${server.url}/api/parcels`, token, bodies[i], { 'Idempotency-Key': randomUUID() });
    if (res.status !== 201) {
      const key = `${res.status} ${res.body.slice(0, 160)}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  };
  await drive(Number(values.warmup), concurrency, (i) => send(n + i)); // JIT, pools and caches warm
  const [serverCpu0, pgCpu0, clientCpu0] = [serverCpuSeconds(server.proc.pid!), postgresCpuSeconds(), process.cpuUsage()];
  const result = await drive(n, concurrency, send);
  intakeRate = result.throughput;
  const cpu = {
    'server CPU/intake': perIntake(serverCpuSeconds(server.proc.pid!) - serverCpu0),
    'postgres CPU/intake': perIntake(postgresCpuSeconds() - pgCpu0),
    'load generator CPU/intake': perIntake(Object.values(process.cpuUsage(clientCpu0)).reduce((a, b) => a + b, 0) / 1e6),
  };
  const db = values['database-url'] ? 'postgres' : 'pglite';
  report(`intake on ${db} (concurrency ${concurrency})`, result, { ...serverMemory(server.proc.pid!), ...cpu, failures: [...failures.values()].reduce((a, b) => a + b, 0) });
  for (const [k, v] of [...failures].slice(0, 5)) console.log(`  failure ×${v}: ${k}`);
} finally {
  await server.stop();
}

// The floor, after ParcelGuard's server has stopped (nothing else on the machine's CPU).
if (values['database-url'] && !values['no-floor']) {
  const floor = await startFloorServer(values['database-url']);
  try {
    const floorBodies = Array.from({ length: n + Number(values.warmup) }, () => anOrdinaryParcel(r, r.pick(senders)));
    let floorFailures = 0;
    const sendFloor = async (i: number) => {
      const res = await post(`${floor.url}/intake`, '', floorBodies[i]);
      if (res.status !== 201) floorFailures++;
    };
    await drive(Number(values.warmup), concurrency, (i) => sendFloor(n + i));
    const [floorCpu0, floorPgCpu0] = [cpuSeconds(floor.proc.pid!), postgresCpuSeconds()];
    const floorResult = await drive(n, concurrency, sendFloor);
    report(`floor on postgres (concurrency ${concurrency})`, floorResult, {
      'server CPU/intake': perIntake(cpuSeconds(floor.proc.pid!) - floorCpu0),
      'postgres CPU/intake': perIntake(postgresCpuSeconds() - floorPgCpu0),
      failures: floorFailures,
    });
    console.log(`intake / floor: ${(intakeRate / floorResult.throughput).toFixed(2)} (target ≥ 0.5; ≥ 0.4 with 1,000,000 suspect-list entries)`);
  } finally {
    await floor.stop();
  }
}
