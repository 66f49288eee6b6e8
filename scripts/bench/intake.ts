// Intake throughput and latency through the real HTTP API, on PGlite and/or a PostgreSQL server.
//   npm run build && npx tsx scripts/bench/intake.ts [--n 5000] [--concurrency 32] [--database-url postgres://…]
// Without --database-url it benchmarks the embedded PGlite. Each intake carries an Idempotency-Key, as the
// handheld's do; senders repeat (a pool of 2,000), so the archive upsert takes both of its paths.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { cpuSeconds, drive, login, post, postgresCpuSeconds, report, serverMemory, startServer } from './lib.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '32' }, 'database-url': { type: 'string' }, warmup: { type: 'string', default: '300' } },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);

const server = await startServer(values['database-url']);
try {
  const token = await login(server.url, 'courier1');
  const r = rng(Date.now() % 100_000); // a fresh seed per run: no waybill collisions on a reused database
  const senders = Array.from({ length: 2000 }, () => aPerson(r));
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
  const [serverCpu0, pgCpu0, clientCpu0] = [cpuSeconds(server.proc.pid!), postgresCpuSeconds(), process.cpuUsage()];
  const result = await drive(n, concurrency, send);
  const perIntake = (sec: number) => `${((sec * 1000) / n).toFixed(2)} ms`;
  const cpu = {
    'server CPU/intake': perIntake(cpuSeconds(server.proc.pid!) - serverCpu0),
    'postgres CPU/intake': perIntake(postgresCpuSeconds() - pgCpu0),
    'load generator CPU/intake': perIntake(Object.values(process.cpuUsage(clientCpu0)).reduce((a, b) => a + b, 0) / 1e6),
  };
  const db = values['database-url'] ? 'postgres' : 'pglite';
  report(`intake on ${db} (concurrency ${concurrency})`, result, { ...serverMemory(server.proc.pid!), ...cpu, failures: [...failures.values()].reduce((a, b) => a + b, 0) });
  for (const [k, v] of [...failures].slice(0, 5)) console.log(`  failure ×${v}: ${k}`);
} finally {
  await server.stop();
}
