// How long the HTTP server takes to answer /healthz while it is taking intakes as fast as it can: the event loop's
// responsiveness under load (on PGlite, whether the embedded database blocks it).
//   npm run build && npx tsx scripts/bench/healthz-under-load.ts [--n 2000] [--concurrency 8] [--database-url postgres://…]
// Prints the intake throughput and latency, then /healthz p50/p95/p99, polled every 20 ms on its own connection
// during the measured intakes. PGLITE_WORKER=off in the environment runs the server with PGlite on its event loop
// (the mode before the worker), for a before/after on the same build.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { drive, login, percentile, post, report, startServer } from './lib.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    'database-url': { type: 'string' },
    warmup: { type: 'string', default: '300' },
    interval: { type: 'string', default: '20' },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const intervalMs = Number(values.interval);

/**
 * One GET on the probes' own keep-alive connections (not queued behind the intakes' sockets, and never behind each
 * other: a slow probe does not delay the next one); resolves to the ms it took.
 */
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
function timedGet(url: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: probeAgent }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      })
      .on('error', reject);
  });
}

const server = await startServer(values['database-url']);
try {
  const token = await login(server.url, 'courier1');
  const r = rng(Date.now() % 100_000);
  const senders = Array.from({ length: 2000 }, () => aPerson(r));
  const bodies = Array.from({ length: n + Number(values.warmup) }, () => anOrdinaryParcel(r, r.pick(senders)));
  let failures = 0;
  const send = async (i: number) => {
    const res = await post(`${server.url}/api/parcels`, token, bodies[i], { 'Idempotency-Key': randomUUID() });
    if (res.status !== 201) failures++;
  };
  await drive(Number(values.warmup), concurrency, (i) => send(n + i));

  // A probe every interval whatever the previous one is doing: a blocked loop shows as long probes, not as fewer.
  const healthz: number[] = [];
  let probeErrors = 0; // a reset or refused probe is counted, not fatal: the figure says how many
  const probes: Promise<void>[] = [];
  const probe = () => timedGet(`${server.url}/healthz`).then((ms) => void healthz.push(ms), () => void probeErrors++);
  const timer = setInterval(() => probes.push(probe()), intervalMs);
  const result = await drive(n, concurrency, send);
  clearInterval(timer);
  await Promise.all(probes);

  const db = values['database-url'] ? 'postgres' : `pglite${process.env.PGLITE_WORKER === 'off' ? ' in the server thread' : ' in a worker'}`;
  report(`intake on ${db} (concurrency ${concurrency})`, result, { failures });
  healthz.sort((a, b) => a - b);
  const p = (q: number) => percentile(healthz, q).toFixed(1);
  console.log(`/healthz meanwhile, every ${intervalMs} ms: ${healthz.length} probes; ms p50 ${p(50)} p95 ${p(95)} p99 ${p(99)} max ${healthz[healthz.length - 1]!.toFixed(1)}; errors ${probeErrors}`);
} finally {
  await server.stop();
}
