// Big rings stay cheap (issue 16): intake throughput and latency with varied traffic, then with traffic where one
// busy sender sends half of all cross-border parcels (one ring of hundreds, then thousands), in the same run on
// the same server, through the real HTTP API; prints both and the ratio (target: the busy run keeps ≥ 80%).
//   npm run build && npx tsx scripts/bench/rings-big.ts [--n 3000] [--rounds 6] [--concurrency 32] [--busy ordinary|ring] [--database-url postgres://…]
// --busy ordinary (default): the busy sender sends ordinary goods, as in the load test that found this (one sender,
// every parcel); it is a ring of one identity that never alerts. --busy ring: it declares gifts just under the
// limit, so its ring is under alert and every one of its parcels is held and grows the alert: the dearest path.
// --n parcels of each kind, in --rounds turns.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { anOrdinaryParcel, aPerson, rng, type Person } from '../lib/traffic.js';
import { cpuSeconds, drive, login, post, postgresCpuSeconds, report, serverMemory, startServer } from './lib.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '300' },
    // Parcels of the busy sender sent before measuring: its ring is past the scored sample from the start.
    preload: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '6' },
    busy: { type: 'string', default: 'ordinary' },
    'database-url': { type: 'string' },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const busyKind = values.busy === 'ring' ? 'ring' : 'ordinary';

type Body = ReturnType<typeof anOrdinaryParcel>;
const r = rng(Date.now() % 100_000); // a fresh seed per run: no waybill collisions on a reused database
const senders = Array.from({ length: 2000 }, () => aPerson(r));
const busySender: Person = aPerson(r);
const abroad = (b: Body) => b.recipient.country !== 'CN';

/** The busy sender's parcel: always abroad; ordinary goods, or a ring's (gifts just under the limit). */
function busyParcel(): Body {
  let b = anOrdinaryParcel(r, busySender);
  while (!abroad(b)) b = anOrdinaryParcel(r, busySender);
  if (busyKind === 'ring') b.declared = { description: '礼品一份', category: 'gifts', quantity: 2, valueCny: r.int(900, 990) };
  b.inspection.matchesDeclaration = true;
  b.screening.result = 'clear';
  return b;
}
const varied = (count: number) => Array.from({ length: count }, () => anOrdinaryParcel(r, r.pick(senders)));
/** Varied traffic where every other cross-border parcel is the busy sender's instead. */
const withBusy = (count: number) => varied(count).map((b) => (abroad(b) && r.next() < 0.5 ? busyParcel() : b));

const server = await startServer(values['database-url']);
const db = values['database-url'] ? 'postgres' : 'pglite';
try {
  // startServer waits 20 s; PGlite's migrations take longer on a loaded machine.
  for (let i = 0; i < 600 && !(await fetch(`${server.url}/readyz`).then((res) => res.ok, () => false)); i++) await new Promise((res) => setTimeout(res, 200));
  const token = await login(server.url, 'courier1');
  const failures = new Map<string, number>();
  const sender = (bodies: Body[]) => async (i: number) => {
    const res = await post(`${server.url}/api/parcels`, token, bodies[i], { 'Idempotency-Key': randomUUID() });
    if (res.status !== 201) {
      const key = `${res.status} ${res.body.slice(0, 160)}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  };
  // The two kinds take turns in rounds (varied first in odd rounds, busy first in even ones): other load on the
  // machine and the tables growing weigh on both alike. Each kind's throughput is its parcels over its own time.
  type Tally = { seconds: number; latencies: number[]; serverCpu: number; pgCpu: number; count: number; crossBorder: number; busy: number };
  const tally = (): Tally => ({ seconds: 0, latencies: [], serverCpu: 0, pgCpu: 0, count: 0, crossBorder: 0, busy: 0 });
  const kinds = { varied: tally(), busy: tally() };
  const run = async (t: Tally, bodies: Body[]) => {
    const [serverCpu0, pgCpu0] = [cpuSeconds(server.proc.pid!), postgresCpuSeconds()];
    const result = await drive(bodies.length, concurrency, sender(bodies));
    t.serverCpu += cpuSeconds(server.proc.pid!) - serverCpu0;
    t.pgCpu += postgresCpuSeconds() - pgCpu0;
    t.seconds += result.seconds;
    t.latencies.push(...result.latencies);
    t.count += bodies.length;
    t.crossBorder += bodies.filter(abroad).length;
    t.busy += bodies.filter((b) => b.sender === busySender).length;
  };

  // JIT, pools and caches warm; then the busy sender's ring is grown past the sample the short windows score.
  const warm = varied(Number(values.warmup));
  await drive(warm.length, concurrency, sender(warm));
  const preload = Array.from({ length: Number(values.preload) }, busyParcel);
  await drive(preload.length, Math.min(concurrency, 8), sender(preload));

  const rounds = Math.max(1, Number(values.rounds));
  const per = Math.ceil(n / rounds);
  for (let i = 0; i < rounds; i++) {
    const order: (keyof typeof kinds)[] = i % 2 ? ['busy', 'varied'] : ['varied', 'busy'];
    for (const kind of order) await run(kinds[kind], kind === 'busy' ? withBusy(per) : varied(per));
  }
  const show = (label: string, t: Tally) => {
    const perIntake = (sec: number) => `${((sec * 1000) / t.count).toFixed(2)} ms`;
    report(`${label} on ${db} (concurrency ${concurrency})`, { seconds: t.seconds, latencies: t.latencies.sort((x, y) => x - y), throughput: t.count / t.seconds }, {
      ...serverMemory(server.proc.pid!),
      'server CPU/intake': perIntake(t.serverCpu),
      'postgres CPU/intake': perIntake(t.pgCpu),
      'cross-border': t.crossBorder,
      'busy sender': `${t.busy} (${Math.round((100 * t.busy) / Math.max(1, t.crossBorder))}% of cross-border)`,
    });
    return t.count / t.seconds;
  };
  const a = show('varied traffic', kinds.varied);
  const b = show(`one busy sender (${busyKind}), half of cross-border`, kinds.busy);
  console.log(
    `busy/varied throughput ${((100 * b) / a).toFixed(0)}% (target ≥ 80%) over ${rounds} rounds; the busy ring had ${preload.length} parcels ` +
      `before the first round and ${preload.length + kinds.busy.busy} after the last; failures ${[...failures.values()].reduce((x, y) => x + y, 0)}`,
  );
  for (const [k, v] of [...failures].slice(0, 5)) console.log(`  failure ×${v}: ${k}`);
} finally {
  await server.stop();
}
