// 蚂蚁搬家 detection, measured: replays a labelled stream through the HTTP API of a real server (its own
// process) while regulators listen on sockets, then prints precision, recall, time-to-detect and live delivery.
//   npm run build && npx tsx scripts/eval/rings.ts [--seed 5] [--rings-per-kind 8] [--concurrency 4] [--database-url postgres://…]
// Labels never reach the server: it sees intakes only. A ring counts as detected when one of its parcels'
// intake answers names an ANT_MOVING alert; time-to-detect is that parcel's position in the ring.
import { parseArgs } from 'node:util';
import { io as connect } from 'socket.io-client';
import { drive, login, percentile, post, serverMemory, startServer } from '../bench/lib.js';
import { EVAL_OUTLETS, RING_KINDS, ringStream, type Item } from '../lib/ring-traffic.js';
import { rng } from '../lib/traffic.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '5' },
    'rings-per-kind': { type: 'string', default: '8' },
    individuals: { type: 'string', default: '1500' },
    families: { type: 'string', default: '250' },
    shops: { type: 'string', default: '10' },
    'shop-parcels': { type: 'string', default: '120' },
    sellers: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'database-url': { type: 'string' },
  },
});

const r = rng(Number(values.seed));
const stream = ringStream(r, {
  individuals: Number(values.individuals),
  shops: Number(values.shops),
  shopParcels: Number(values['shop-parcels']),
  families: Number(values.families),
  sellers: Number(values.sellers),
  ringsPerKind: Number(values['rings-per-kind']),
});
const crossBorder = stream.items.filter((i) => (i.body.recipient as { country: string }).country !== 'CN').length;
console.log(`stream: ${stream.items.length} intakes (${crossBorder} cross-border), ${stream.rings.length} rings of ${RING_KINDS.length} kinds, ${stream.rings.reduce((s, x) => s + x.parcels, 0)} ring parcels`);

const server = await startServer(values['database-url']);
try {
  const admin = await login(server.url, 'admin');
  // Outlets and one courier each (the demo has some of them).
  const couriers = new Map<string, string>();
  for (const o of EVAL_OUTLETS) {
    await post(`${server.url}/api/outlets`, admin, { id: o.id, name: `评估网点 ${o.id}`, regionCode: o.regionCode });
    const username = `eval-${o.id.toLowerCase()}`;
    await post(`${server.url}/api/users`, admin, { username, password: 'evaluation-pass', role: 'courier', outletId: o.id });
    couriers.set(o.id, await login(server.url, username, 'evaluation-pass'));
  }

  // Regulators and customs listen live; every event is checked against their jurisdiction.
  type Heard = { at: number; id: string; event: string; regionCodes?: string[]; jurisdiction: string; parcelCount: number; evidence: { code: string }[] };
  const listeners = await Promise.all(
    [['regulator1', '44'], ['regulator2', '33'], ['customs1', '44']].map(async ([username, area]) => {
      const socket = connect(`${server.url}/alerts`, { auth: { token: await login(server.url, username!) }, transports: ['websocket'] });
      const heard: Heard[] = [];
      const on = (event: string) => (a: Heard & { waybills: string[] }) => heard.push({ ...a, at: performance.now(), event });
      socket.on('alert:new', on('alert:new'));
      socket.on('alert:updated', on('alert:updated'));
      await new Promise((resolve) => socket.once('ready', resolve));
      return { username: username!, area: area!, socket, heard };
    }),
  );

  // Replay.
  type Result = { item: Item; alerts: { id: string; type: string }[]; verdict: string; sentAt: number; answeredAt: number };
  const results: Result[] = new Array(stream.items.length);
  let failures = 0;
  const run = await drive(stream.items.length, Number(values.concurrency), async (i) => {
    const item = stream.items[i]!;
    const sentAt = performance.now();
    const res = await post(`${server.url}/api/parcels`, couriers.get(item.outlet.id)!, item.body);
    if (res.status !== 201) {
      failures++;
      if (failures <= 5) console.log(`intake failed ${res.status}: ${res.body.slice(0, 300)}`);
      return;
    }
    const body = JSON.parse(res.body) as { alerts: { id: string; type: string }[]; verdict: string };
    results[i] = { item, alerts: body.alerts.filter((a) => a.type === 'ANT_MOVING'), verdict: body.verdict, sentAt, answeredAt: performance.now() };
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // the last live events

  // Which parcels each alert rests on, as intake answers named them.
  const alertParcels = new Map<string, Result[]>();
  for (const res of results) if (res) for (const a of res.alerts) alertParcels.set(a.id, [...(alertParcels.get(a.id) ?? []), res]);

  // Rings: detection and time to detect (position of the first parcel answered with an alert).
  const byRing = new Map<string, Result[]>();
  for (const res of results) if (res?.item.label.ring) byRing.set(res.item.label.ring, [...(byRing.get(res.item.label.ring) ?? []), res]);
  const detectedAt = new Map<string, number>();
  for (const [ring, rs] of byRing) {
    const i = rs.findIndex((x) => x.alerts.length > 0);
    if (i >= 0) detectedAt.set(ring, i + 1);
  }
  const recall = detectedAt.size / stream.rings.length;

  // Alerts: true when most of the parcels they rest on belong to rings.
  let trueAlerts = 0;
  const falseAlerts: string[] = [];
  for (const [id, rs] of alertParcels) {
    const ringShare = rs.filter((x) => x.item.label.ring).length / rs.length;
    if (ringShare > 0.5) trueAlerts++;
    else falseAlerts.push(`${id}: ${[...new Set(rs.map((x) => x.item.label.actor))].join(', ')}`);
  }
  const precision = alertParcels.size ? trueAlerts / alertParcels.size : 1;
  const heldLegit = results.filter((x) => x && !x.item.label.ring && x.alerts.length);
  const legitCrossBorder = results.filter((x) => x && !x.item.label.ring && (x.item.body.recipient as { country: string }).country !== 'CN').length;

  const times = [...detectedAt.values()].sort((a, b) => a - b);
  console.log(`\nreplay: ${run.latencies.length} intakes in ${run.seconds.toFixed(1)} s = ${run.throughput.toFixed(0)}/s, p50 ${percentile(run.latencies, 50).toFixed(1)} ms, p95 ${percentile(run.latencies, 95).toFixed(1)} ms, p99 ${percentile(run.latencies, 99).toFixed(1)} ms; failures ${failures}; server ${JSON.stringify(serverMemory(server.proc.pid!))}`);
  console.log(`\nrings detected: ${detectedAt.size} of ${stream.rings.length} → recall ${recall.toFixed(3)}`);
  console.log(`alerts: ${alertParcels.size} ANT_MOVING, ${trueAlerts} on rings → precision ${precision.toFixed(3)}`);
  console.log(`legitimate parcels held as ant-moving: ${heldLegit.length} of ${legitCrossBorder} legitimate cross-border parcels`);
  console.log(`time to detect (parcels into the ring): p50 ${percentile(times, 50)}, p95 ${percentile(times, 95)}, max ${times[times.length - 1]}; by the 5th parcel: ${times.filter((t) => t <= 5).length} of ${times.length}`);
  console.log('\nby kind:');
  for (const kind of RING_KINDS) {
    const rings = stream.rings.filter((x) => x.kind === kind);
    const found = rings.filter((x) => detectedAt.has(x.id));
    const ttd = found.map((x) => detectedAt.get(x.id)!);
    console.log(`  ${kind.padEnd(17)} ${found.length}/${rings.length} detected, first alert at parcel ${ttd.length ? `${Math.min(...ttd)}–${Math.max(...ttd)} (mean ${(ttd.reduce((a, b) => a + b, 0) / ttd.length).toFixed(1)})` : '—'}`);
  }
  const legitKinds = new Map<string, number>();
  for (const x of heldLegit) legitKinds.set(x.item.label.kind, (legitKinds.get(x.item.label.kind) ?? 0) + 1);
  if (legitKinds.size) console.log(`legitimate parcels held, by sender kind: ${[...legitKinds].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const f of falseAlerts.slice(0, 10)) console.log(`  false alert ${f}`);

  // Live delivery: each ring alert's first announcement, from the tipping intake being sent to the socket.
  console.log('\nlive (socket.io /alerts):');
  const firstAnswer = new Map<string, Result>();
  for (const res of results) if (res) for (const a of res.alerts) if (!firstAnswer.has(a.id)) firstAnswer.set(a.id, res);
  for (const l of listeners) {
    const outOfArea = l.heard.filter((h) => !(h.regionCodes ?? []).some((c) => c.startsWith(l.area)) && !h.jurisdiction.startsWith(l.area));
    const news = l.heard.filter((h) => h.event === 'alert:new' && firstAnswer.has(h.id));
    const lat = news.map((h) => h.at - firstAnswer.get(h.id)!.sentAt).sort((a, b) => a - b);
    const expected = [...firstAnswer.values()].filter((res) => res.item.outlet.regionCode.startsWith(l.area)).length;
    console.log(
      `  ${l.username} (${l.area}): ${l.heard.length} events, ${news.length} ring alerts opened live (of ${expected} opened by its outlets), ` +
        `outside jurisdiction ${outOfArea.length}; tipping intake sent → alert:new p50 ${lat.length ? percentile(lat, 50).toFixed(0) : '—'} ms, p95 ${lat.length ? percentile(lat, 95).toFixed(0) : '—'} ms, max ${lat.length ? lat[lat.length - 1]!.toFixed(0) : '—'} ms`,
    );
    const sample = l.heard.find((h) => h.event === 'alert:updated' && h.parcelCount >= 5);
    if (sample && l.username === 'regulator1') console.log(`  a live update regulator1 received: ${JSON.stringify({ parcelCount: sample.parcelCount, evidence: sample.evidence.map((e) => e.code) })}`);
    l.socket.close();
  }
} finally {
  await server.stop();
}
