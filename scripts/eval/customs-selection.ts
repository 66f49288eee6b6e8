// How the customs selection behaves. First the keyed draw alone over many waybills: the share selected at
// each rate against the binomial bound, uniformity (chi-square over 100 bins), independence of neighbouring
// numbers (lag-1 autocorrelation), the overlap after a key rotation, and the cost of a draw. Then with
// targeted grounds switched on, through the real intake of a server in this process: ordinary cross-border
// traffic mixed with ant-moving rings, suspect-list senders and a brand under a goods rule; the random
// share (RANDOM) among all parcels, among parcels with no targeted ground and among targeted parcels, each
// against the route's rate with a binomial check, and what each targeted ground selected.
//   npx tsx scripts/eval/customs-selection.ts [--n 100000] [--seed-key hex] [--intakes 3000] [--seed 17] [--database-url postgres://…]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../server/config.js';
import { isSelected, selectionDraw } from '../../server/customs/selection.js';
import { queryRows } from '../../server/db/database.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/server.js';
import { s10CheckDigit } from '../../server/waybill/waybills.js';
import { drive, login, post } from '../bench/lib.js';
import { chiSquareUniform, lag1Autocorrelation } from '../lib/stats.js';
import { aConsignee, anOrdinaryParcel, aPerson, aWaybillFor, rng } from '../lib/traffic.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    'seed-key': { type: 'string' },
    intakes: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '17' },
    'route-rate': { type: 'string', default: '0.1' },
    'goods-rate': { type: 'string', default: '0.4' },
    concurrency: { type: 'string', default: '4' },
    'database-url': { type: 'string' },
  },
});

// ── 1. The keyed draw ────────────────────────────────────────────────────────────────────────────────────
const n = Number(values.n);
const keyA = values['seed-key'] ? Buffer.from(values['seed-key'], 'hex') : randomBytes(32);
const keyB = randomBytes(32);
const waybills = Array.from({ length: n }, (_, i) => {
  const serial = String(20_000_000 + i).padStart(8, '0');
  return `EA${serial}${s10CheckDigit(serial)}CN`;
});

const t0 = process.hrtime.bigint();
const draws = waybills.map((w) => selectionDraw(keyA, w));
const ns = Number(process.hrtime.bigint() - t0);
const drawsB = waybills.map((w) => selectionDraw(keyB, w));

console.log(`${n.toLocaleString('en-US')} consecutive S10 waybills; ${(ns / n / 1000).toFixed(2)} µs per draw (${Math.round(n / (ns / 1e9)).toLocaleString('en-US')} draws/s)`);
for (const rate of [0.01, 0.05, 0.1, 0.2, 0.5]) {
  const share = draws.filter((d) => isSelected(d, rate)).length / n;
  const sd = Math.sqrt((rate * (1 - rate)) / n);
  const both = draws.filter((d, i) => isSelected(d, rate) && isSelected(drawsB[i]!, rate)).length / n;
  console.log(
    `rate ${rate.toFixed(2)}: selected ${share.toFixed(4)} (${((share - rate) / sd).toFixed(2)} sd); after rotation both keys select ${both.toFixed(4)} (independent: ${(rate * rate).toFixed(4)})`,
  );
}
const chi2 = chiSquareUniform(draws);
console.log(`chi-square over 100 bins: ${chi2.toFixed(1)} (99 df; 0.1% critical value 148.2)`);
console.log(`lag-1 autocorrelation: ${lag1Autocorrelation(draws).toFixed(5)} (1/sqrt(n) = ${(1 / Math.sqrt(n)).toFixed(5)})`);

// ── 2. With targeted grounds, through the real intake ───────────────────────────────────────────────────
const intakes = Number(values.intakes);
if (intakes > 0) await targeted();

/** k of n against p: the z score and the two-sided p-value (normal approximation; n·p is large here). */
function binomial(k: number, total: number, p: number) {
  const sd = Math.sqrt(total * p * (1 - p));
  const z = sd ? (k - total * p) / sd : 0;
  // erfc by Abramowitz–Stegun 7.1.26 (error < 1.5e-7): enough for a p-value.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return { z, p: erfc, line: `${k}/${total} = ${total ? (k / total).toFixed(4) : '—'} vs ${p.toFixed(4)}: z ${z.toFixed(2)}, two-sided p ${erfc.toFixed(3)} ${Math.abs(z) <= 3 ? '(consistent)' : '(NOT consistent)'}` };
}

async function targeted() {
  const routeRate = Number(values['route-rate']);
  const goodsRate = Number(values['goods-rate']);
  const r = rng(Number(values.seed));
  const config = {
    ...loadConfig({
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_COST: '10',
      DATABASE_POOL_SIZE: '20',
      DATABASE_URL: values['database-url'] ?? '',
      JOBS_ENABLED: 'false',
      // Every route selects at this rate: the random share to find again.
      CUSTOMS_BASE_RATE: String(routeRate),
    }),
    dataDir: undefined,
  };
  const server = await startServer(config, createLogger(config));
  try {
    const courier = await login(server.url, 'courier1');
    const customs = await login(server.url, 'customs1');
    const regulator = await login(server.url, 'regulator1');

    // The targeted traffic: suspect-list senders, a protected brand under a goods rule, ant-moving rings.
    const listedPhones = Array.from({ length: 10 }, () => aPerson(r).phone);
    const listed = await post(`${server.url}/api/watchlist/entries`, regulator, { entries: listedPhones.map((value) => ({ type: 'phone', value, note: 'evaluation' })) });
    if (listed.status !== 201) throw new Error(`watchlist: ${listed.status} ${listed.body}`);
    const rule = await fetch(`${server.url}/api/customs/goods-rules/${encodeURIComponent('brand:劳力士')}/inspection-rate`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customs}` },
      body: JSON.stringify({ rate: goodsRate, reason: 'evaluation: a brand under a goods rule' }),
    });
    if (rule.status !== 200) throw new Error(`goods rule: ${rule.status} ${await rule.text()}`);
    const rings = Array.from({ length: Math.max(1, Math.round(intakes / 100)) }, () => ({ phone: aPerson(r).phone, address: aPerson(r).address, consignee: aConsignee(r) }));

    type Kind = 'ordinary' | 'list' | 'goods' | 'ring';
    const abroad = () => {
      const p = anOrdinaryParcel(r);
      const channel = r.next() < 0.6 ? 'postal' : 'express';
      return { ...p, ...aWaybillFor(r, channel), recipient: aConsignee(r) };
    };
    const make = (kind: Kind) => {
      const p = abroad();
      if (kind === 'list') p.sender = { ...p.sender, phone: r.pick(listedPhones) };
      if (kind === 'goods') {
        // Declared at a plausible price: a Rolex at a few hundred yuan is a ring indicator of its own.
        p.declared = { description: r.pick(['劳力士手表', '手表', '男士腕表']), category: 'watches', quantity: 1, valueCny: r.int(25_000, 60_000), brand: r.pick(['Rolex', '劳力士']) };
      }
      if (kind === 'ring') {
        const ring = r.pick(rings);
        p.sender = { ...aPerson(r), phone: ring.phone, address: ring.address };
        p.recipient = ring.consignee;
        p.declared = { description: '礼品一份', category: 'gifts', quantity: 3, valueCny: r.int(950, 990) };
      }
      return p;
    };
    const kinds: Kind[] = Array.from({ length: intakes }, () => {
      const x = r.next();
      return x < 0.1 ? 'list' : x < 0.25 ? 'goods' : x < 0.4 ? 'ring' : 'ordinary';
    });
    const bodies = kinds.map(make);
    let failed = 0;
    const run = await drive(intakes, Number(values.concurrency), async (i) => {
      const res = await post(`${server.url}/api/parcels`, courier, bodies[i]);
      if (res.status !== 201) failed++;
    });
    console.log(
      `\nwith targeted grounds: ${intakes} cross-border intakes through the API in ${run.seconds.toFixed(0)} s (${failed} refused as invalid); ` +
        `route rate ${routeRate}, goods rule brand:rolex at ${goodsRate}; ` +
        `${kinds.filter((k) => k === 'ring').length} ring, ${kinds.filter((k) => k === 'list').length} listed-sender, ${kinds.filter((k) => k === 'goods').length} Rolex parcels`,
    );

    const rows = await queryRows<{ draw: number; grounds: string[]; route_rate: number; rate: number; goods_rule_key: string | null; goods_keys: string[]; selected: boolean; verdict: string }>(
      server.ctx.db,
      sql`select ci.draw, ci.grounds, ci.route_rate, ci.rate, ci.goods_rule_key, ci.goods_keys, ci.selected, p.verdict
          from customs_inspections ci join parcels p on p.id = ci.parcel_id`,
    );
    const leaving = rows.filter((x) => x.verdict !== 'rejected');
    const has = (x: (typeof rows)[number], g: string) => x.grounds.includes(g);
    const targetedRow = (x: (typeof rows)[number]) => has(x, 'RING_ALERT') || has(x, 'WATCHLIST_HIT') || x.goods_rule_key !== null;
    const inconsistent = rows.filter((x) => has(x, 'RANDOM') !== (x.verdict !== 'rejected' && x.draw < x.route_rate)).length;
    const random = (xs: typeof rows) => xs.filter((x) => has(x, 'RANDOM')).length;
    const plain = leaving.filter((x) => !targetedRow(x));
    const targetedRows = leaving.filter(targetedRow);
    const underRule = leaving.filter((x) => x.goods_rule_key !== null);
    const count = (g: string) => leaving.filter((x) => has(x, g)).length;
    const only = (g: string) => leaving.filter((x) => has(x, g) && x.grounds.length === 1).length;

    console.log(`rows: ${rows.length} cross-border, ${rows.length - leaving.length} refused at the counter (never selected: ${rows.filter((x) => x.verdict === 'rejected' && x.selected).length} selected)`);
    console.log(`RANDOM exactly when draw < route rate: ${rows.length - inconsistent}/${rows.length}`);
    console.log(`random share, all parcels leaving:            ${binomial(random(leaving), leaving.length, routeRate).line}`);
    console.log(`random share, no targeted ground (selected):  ${binomial(plain.filter((x) => x.selected).length, plain.length, routeRate).line}`);
    console.log(`random share among targeted parcels:          ${binomial(random(targetedRows), targetedRows.length, routeRate).line}`);
    console.log(`GOODS_RULE share under the rule (goods − route): ${binomial(underRule.filter((x) => has(x, 'GOODS_RULE')).length, underRule.length, goodsRate - routeRate).line}`);
    console.log(
      `targeted grounds: RING_ALERT ${count('RING_ALERT')} (alone ${only('RING_ALERT')}), WATCHLIST_HIT ${count('WATCHLIST_HIT')} (alone ${only('WATCHLIST_HIT')}), ` +
        `GOODS_RULE ${count('GOODS_RULE')}; selected ${leaving.filter((x) => x.selected).length} of ${leaving.length} ` +
        `(${random(leaving)} by the route's draw, ${leaving.filter((x) => x.selected && !has(x, 'RANDOM')).length} only on targeted grounds)`,
    );
  } finally {
    await server.close();
  }
}
