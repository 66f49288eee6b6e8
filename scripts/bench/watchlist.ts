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
  // Bulk: most of a national list is ID numbers and phones (keys are HMACs, generated here as random
  // 43-character strings, as the blind index is); names, addresses and companies from syllable and
  // street vocabularies, so the trigram index sees realistic text; a few hundred brands.
  await db.execute(sql`
    insert into watchlist_entries (type, value, match_key, match_text, note, source)
    select t.type,
           case when t.type in ('id_number', 'phone') then 'masked' else t.key end,
           t.key, case t.type when 'address' then coalesce(substring(t.key from '^.*?[0-9]+[号弄]'), t.key) when 'person_name' then t.key else null end,
           'bench', 'bench'
    from (
      select g, type,
        case type
          when 'id_number' then translate(encode(sha256(('i' || g)::bytea), 'base64'), '+/=', '-_')
          when 'phone' then translate(encode(sha256(('p' || g)::bytea), 'base64'), '+/=', '-_')
          when 'waybill' then 'SF' || lpad(g::text, 13, '0')
          when 'person_name' then (array['wang','li','zhang','liu','chen','yang','huang','zhao','wu','zhou','xu','sun','ma','zhu','hu','guo','he','lin','luo','gao'])[1 + (g * 7) % 20]
               || ' ' || (array['wei','fang','na','min','jing','li','qiang','lei','jun','yang','yong','yan','jie','juan','tao','ming','chao','xiu','hua','hui','jian','guo','zhi','xiao'])[1 + (g * 13) % 24]
               || ' ' || (array['an','bo','cheng','dong','feng','gang','hai','kai','long','ning','peng','rui','song','ting','wen','xin','yu','zhen'])[1 + (g * 17) % 18] || (g % 97)::text
          -- 30 first × 25 middle × 60 last names: diverse, as a real consignee list is, with some repeats
          when 'consignee' then (array['john','anna','ivan','olga','maria','david','sarah','peter','elena','mark','james','linda','sergei','natalia','ahmed','fatima','carlos','lucia','hans','greta','pierre','camille','kenji','yuki','minjun','seoyeon','raj','priya','omar','leila'])[1 + g % 30]
               || ' ' || (array['a','b','c','d','e','f','g','h','j','k','l','m','n','p','r','s','t','v','w','alexander','marie','james','lee','ann','paul'])[1 + (g / 30) % 25]
               || ' ' || (array['smith','petrov','ivanova','muller','johnson','brown','kowalski','novak','garcia','rossi','dubois','nielsen','tanaka','kim','nguyen','silva','santos','jensen','hansen','schmidt','fischer','weber','martin','bernard','moreau','lopez','gonzalez','perez','sanchez','ramirez','torres','flores','rivera','gomez','diaz','cruz','morales','ortiz','gutierrez','chavez','ramos','ruiz','alvarez','mendoza','castillo','jimenez','moreno','romero','herrera','medina','aguilar','vargas','castro','guzman','fernandez','ortega','delgado','vasquez','rojas','smirnov'])[1 + (g / 750) % 60]
          when 'address' then (array['体育','天河','中山','机场','解放','深南','稠州','宾王','江滨','人民','建设','新华','和平','光明','东风','朝阳','长安','黄河','长江','滨海'])[1 + g % 20]
               || (array['东','西','南','北','中','新','文','华','兴','德'])[1 + (g / 20) % 10] || (array['路','街','大道','巷'])[1 + (g / 200) % 4]
               || (1 + (g / 800) % 400)::text || '号' || (g % 31)::text || '栋'
          when 'company' then (array['华','盛','达','通','鑫','源','泰','恒','宏','兴'])[1 + g % 10] || (array['贸易','电子','服饰','商贸','物流','科技'])[1 + (g / 10) % 6] || (g % 50021)::text
          else 'brand' || g::text
        end as key,
        null::text as text
      from (
        select g, case when g % 100 < 40 then 'id_number' when g % 100 < 70 then 'phone' when g % 100 < 80 then 'person_name'
                       when g % 100 < 85 then 'consignee' when g % 100 < 93 then 'address' when g % 100 < 96 then 'company'
                       else 'waybill' end as type
        from generate_series(${existing + 1}::int, ${total - 500}::int) as g
      ) s
    ) t
    on conflict do nothing`);
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
