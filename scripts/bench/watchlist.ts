// Screening latency with a large suspect list on a PostgreSQL server, and the plan it uses.
//   eval "$(scripts/pg-throwaway.sh start)"
//   npx tsx scripts/bench/watchlist.ts --database-url "$PG_THROWAWAY_URL" [--entries 1000000] [--n 3000]
// Loads the entries (once per database: it skips loading when they are there), then screens generated
// parcels, all fields, through the same function intake uses, and prints p50/p95/p99 and EXPLAIN.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { checkPhone } from '../../server/identity/phones.js';
import { openDatabase, queryRows } from '../../server/db/database.js';
import { createPiiVault } from '../../server/privacy/pii.js';
import { insertEntries, prepareEntry, type PreparedEntry } from '../../server/watchlist/entries.js';
import { fetchCandidates, screen, type ScreenInput } from '../../server/watchlist/screen.js';
import { anOrdinaryParcel, aPerson, rng } from '../lib/traffic.js';
import { percentile } from './lib.js';
import { loadSyntheticEntries } from './watchlist-load.js';

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, entries: { type: 'string', default: '1000000' }, n: { type: 'string', default: '3000' }, database: { type: 'string', default: 'pg_bench_watchlist' } },
});
if (!values['database-url']) throw new Error('--database-url postgres://… is required (a PostgreSQL server; see scripts/pg-throwaway.sh)');
const total = Number(values.entries);

// A database of its own on the server, so the test suite's databases are not touched.
const adminUrl = values['database-url'];
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
if (!(await admin.query('select 1 from pg_database where datname = $1', [values.database])).rowCount) await admin.query(`create database ${values.database}`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${values.database}`;

const database = await openDatabase({ url: url.toString(), poolSize: 4 });
const { db } = database;
const vault = createPiiVault({ encryption: randomBytes(32), blindIndex: randomBytes(32) });
const r = rng(11);

const [{ n: existing } = { n: 0 }] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from watchlist_entries`);
if (existing < total) {
  const t0 = performance.now();
  await loadSyntheticEntries(db, existing + 1, total - 500);
  // Real entries through the real preparation: these are what the screened parcels can hit.
  const real: PreparedEntry[] = [];
  for (let i = 0; i < 500; i++) {
    const p = aPerson(r);
    const e = [
      { type: 'phone' as const, value: p.phone },
      { type: 'person_name' as const, value: p.name },
      { type: 'address' as const, value: p.address },
      { type: 'brand' as const, value: `Brand${i}` },
    ][i % 4]!;
    const prepared = prepareEntry(e, vault);
    if (prepared.ok) real.push(prepared.entry);
  }
  for (const brand of ['Nike', 'Adidas', 'Gucci', 'Louis Vuitton', 'Rolex', 'Chanel']) {
    const prepared = prepareEntry({ type: 'brand', value: brand }, vault);
    if (prepared.ok) real.push(prepared.entry);
  }
  await insertEntries(db, real, null);
  await db.execute(sql`analyze watchlist_entries`);
  console.log(`loaded ${total - existing} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const [{ n: count } = { n: 0 }] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from watchlist_entries`);

const inputs: ScreenInput[] = Array.from({ length: Number(values.n) }, () => {
  const parcel = anOrdinaryParcel(r);
  const phone = checkPhone(parcel.sender.phone, 'CN');
  return {
    idNumberBlind: vault.blind('id_number', parcel.sender.idNumber),
    senderName: parcel.sender.name,
    senderPhoneBlind: phone.ok ? vault.blind('phone', phone.e164) : undefined,
    senderAddress: parcel.sender.address,
    recipientName: parcel.recipient.name,
    recipientAddress: parcel.recipient.address,
    waybillNo: parcel.waybillNo,
    declaredText: [parcel.declared.brand, parcel.declared.description].filter(Boolean).join(' '),
  };
});
for (const input of inputs.slice(0, 100)) await screen(db, input); // warm the caches
const latencies: number[] = [];
let hits = 0;
let slowest = { ms: 0, input: inputs[0]! };
const t = performance.now();
for (const input of inputs) {
  const s = performance.now();
  hits += (await screen(db, input)).length ? 1 : 0;
  const ms = performance.now() - s;
  latencies.push(ms);
  if (ms > slowest.ms) slowest = { ms, input };
}
const seconds = (performance.now() - t) / 1000;
latencies.sort((a, b) => a - b);
console.log(
  `screening with ${count} entries: ${inputs.length} parcels (every field) in ${seconds.toFixed(1)} s; ` +
    `ms p50 ${percentile(latencies, 50).toFixed(2)} p95 ${percentile(latencies, 95).toFixed(2)} p99 ${percentile(latencies, 99).toFixed(2)} max ${latencies[latencies.length - 1]!.toFixed(2)}; ` +
    `${hits} parcels with hits`,
);

// The plan of the slowest screening, to show every branch on an index and where the time went.
const sample = slowest.input;
console.log(`slowest screening (${slowest.ms.toFixed(1)} ms): ${JSON.stringify({ ...sample, idNumberBlind: undefined, senderPhoneBlind: undefined, recipientPhoneBlind: undefined })}`);
const explainPool = new pg.Pool({ connectionString: url.toString(), max: 1, options: '-c pg_trgm.similarity_threshold=0.4 -c max_parallel_workers_per_gather=0' });
const client = await explainPool.connect();
// Capture the statement fetchCandidates runs, through a stand-in that only records it.
let captured: { sql: string; params: unknown[] } | undefined;
const recorder = {
  execute: async (query: unknown) => {
    const built = (db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string; params: unknown[] } } }).dialect.sqlToQuery(query);
    captured = built;
    return { rows: [] };
  },
};
await fetchCandidates(recorder as never, sample);
// The candidate query runs inside a PL/pgSQL function; auto_explain shows its inner plan (needs a superuser,
// as the throw-away cluster's user is).
const notices: string[] = [];
client.on('notice', (n) => notices.push(String(n.message)));
await client.query("load 'auto_explain'");
await client.query('set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_analyze = on; set client_min_messages = log');
await client.query(captured!.sql, captured!.params as unknown[]);
const lines = notices.join('\n').split('\n');
console.log('EXPLAIN ANALYZE of the slowest screening (inside watchlist_candidates):');
for (const line of lines.filter((l) => process.env.FULL_PLAN || /Scan using|Scan on|Index Cond|actual time/.test(l)).filter((l) => /Scan|Cond/.test(l))) console.log(`  ${line.trim()}`);
client.release();
await explainPool.end();
await database.close();
