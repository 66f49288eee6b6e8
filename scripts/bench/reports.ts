// The weekly report and the overview over a busy province, on a PostgreSQL server, and the plans they use.
//   eval "$(scripts/pg-throwaway.sh start)"
//   npx tsx scripts/bench/reports.ts --database-url "$PG_THROWAWAY_URL" [--parcels 500000] [--runs 20]
// Loads synthetic history once per database (parcels over 90 days at 12 outlets in 3 provinces, a fifth of
// them held or refused with reasons, cross-border with customs rows, alerts linked to parcels), then times
// buildWeeklyReport and buildOverview (30 days) for a province and for the whole country: p50/p95, memory,
// and EXPLAIN ANALYZE of the heaviest queries.
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, queryRows } from '../../server/db/database.js';
import { between } from '../../server/reports/counts.js';
import { buildOverview } from '../../server/reports/overview.js';
import { chinaDay, isoWeekOf, parseIsoWeek } from '../../server/reports/period.js';
import { alertsIn, parcelsIn, type ReportScope } from '../../server/reports/scope.js';
import { buildWeeklyReport } from '../../server/reports/weekly.js';
import { percentile } from './lib.js';

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, parcels: { type: 'string', default: '500000' }, runs: { type: 'string', default: '20' }, database: { type: 'string', default: 'pg_bench_reports' } },
});
if (!values['database-url']) throw new Error('--database-url postgres://… is required (a PostgreSQL server; see scripts/pg-throwaway.sh)');
const total = Number(values.parcels);
const runs = Number(values.runs);

const admin = new pg.Client({ connectionString: values['database-url'] });
await admin.connect();
if (!(await admin.query('select 1 from pg_database where datname = $1', [values.database])).rowCount) await admin.query(`create database ${values.database}`);
await admin.end();
const url = new URL(values['database-url']);
url.pathname = `/${values.database}`;
const { db, close } = await openDatabase({ url: url.toString(), poolSize: 4 });

const [{ n: existing } = { n: 0 }] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from parcels`);
if (existing < total) {
  const t0 = performance.now();
  await db.execute(sql`
    insert into outlets (id, name, region_code)
    select 'B-' || r, 'Bench outlet ' || r, r from unnest(array['440106','440111','440304','440305','440604','441900','330782','330106','330203','310101','310104','310115']) r
    on conflict do nothing`);
  await db.execute(sql`insert into users (username, password_hash, role, outlet_id) values ('bench-courier', 'x', 'courier', 'B-440106') on conflict do nothing`);
  await db.execute(sql`
    insert into senders (id_type, id_blind, id_sealed, id_masked, name, name_simplified, name_pinyin)
    select 'CN_RESIDENT_ID', 'b' || g, 's', '440106********' || lpad((g % 10000)::text, 4, '0'), '张三', '张三', 'zhang san' from generate_series(1, 5000) g
    on conflict do nothing`);
  // Parcels: spread over 90 days; 60% cross-border; 12% held, 6% refused, each with its reasons.
  await db.execute(sql`
    with s as (select array_agg(id) ids from senders), c as (select id from users where username = 'bench-courier'),
    o as (select array_agg(id order by id) ids, array_agg(region_code order by id) regions from outlets where id like 'B-%')
    insert into parcels (waybill_no, carrier, channel, outlet_id, region_code, courier_id, sender_id, sender_name, sender_phone_blind, sender_phone_sealed,
      sender_phone_masked, sender_address, recipient_name, recipient_name_simplified, recipient_name_pinyin, recipient_address, recipient_country, cross_border,
      declared_description, declared_category, declared_quantity, declared_value_cny, verdict, status, reasons, created_at)
    select 'BENCH' || lpad(g::text, 10, '0'), 'EMS', 'postal', o.ids[1 + g % 12], o.regions[1 + g % 12], c.id, s.ids[1 + g % 5000], '张三', 'p' || (g % 20000), 's',
      '138****0000', '广东省广州市', 'John', 'John', 'john', '1 Main St',
      case when g % 10 < 6 then (array['US','RU','JP','KR','GB','DE','FR','AU','MY','TH'])[1 + g % 10] else 'CN' end, g % 10 < 6,
      '礼品', 'gifts', 1, 100 + g % 900,
      v.verdict, v.verdict, v.reasons,
      now() - ((g % 90) || ' days')::interval - ((g % 86400) || ' seconds')::interval
    from generate_series(${existing + 1}::int, ${total}::int) g, s, c, o,
    lateral (select case when g % 50 < 3 then 'rejected' when g % 50 < 9 then 'held' else 'accepted' end as verdict,
                    case when g % 50 < 3 then jsonb_build_array(jsonb_build_object('code', (array['INSPECTION_REFUSED','PROHIBITED_ITEM','SCREENING_PROHIBITED'])[1 + g % 3], 'message', 'x'))
                         when g % 50 < 9 then jsonb_build_array(jsonb_build_object('code', (array['WATCHLIST_HIT','ANT_MOVING_SUSPECTED','SCREENING_SUSPECT','INSPECTION_MISMATCH'])[1 + g % 4], 'message', 'x'))
                         else '[]'::jsonb end as reasons) v`);
  await db.execute(sql`
    insert into customs_inspections (parcel_id, waybill_no, route_key, origin_city, rate, key_id, draw, selected, created_at, outcome, decided_at)
    select p.id, p.waybill_no, left(p.region_code, 4) || '-' || p.recipient_country || '-postal', left(p.region_code, 4), 0.05, 'bench', random(), (hashtext(p.waybill_no) % 20) = 0,
           p.created_at, case when (hashtext(p.waybill_no) % 20) = 0 and hashtext(p.waybill_no) % 3 = 0 then 'seized' end,
           case when (hashtext(p.waybill_no) % 20) = 0 and hashtext(p.waybill_no) % 3 = 0 then p.created_at + interval '1 day' end
      from parcels p where p.cross_border and p.waybill_no like 'BENCH%' on conflict do nothing`);
  // One alert per 200 cross-border parcels, linked to 10 of them; a third resolved confirmed, a sixth false positive.
  await db.execute(sql`
    with a as (
      insert into alerts (type, severity, group_key, jurisdiction, owner_jurisdiction, region_codes, cross_border, route_key, summary, parcel_count, total_value_cny, created_at, updated_at, status, resolution, resolved_at)
      select 'ANT_MOVING', (array['low','medium','high'])[1 + g % 3], 'bench:' || g, left(r, 2), left(r, 2), array[r], true, left(r, 4) || '-US-postal', 'bench', 10, 9000,
             now() - ((g % 90) || ' days')::interval, now() - ((g % 90) || ' days')::interval,
             case when g % 2 = 0 then 'resolved' else 'open' end, case when g % 6 = 0 then 'false_positive' when g % 2 = 0 then 'confirmed' end,
             case when g % 2 = 0 then now() - ((g % 90) || ' days')::interval + interval '2 hours' end
        from generate_series(1, ${Math.ceil((total * 0.6) / 200)}::int) g, lateral (select (array['440106','440304','330782','310101'])[1 + g % 4] as r) x
      returning id, region_codes[1] as region, created_at)
    insert into alert_parcels (alert_id, parcel_id)
    select a.id, p.id from a cross join lateral (
      select id from parcels p where p.region_code = a.region and p.cross_border and p.created_at <= a.created_at order by p.created_at desc limit 10) p
    on conflict do nothing`);
  await db.execute(sql`analyze`);
  console.log(`loaded ${total - existing} parcels, customs rows and alerts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const [{ parcels, alerts } = { parcels: 0, alerts: 0 }] = await queryRows<{ parcels: number; alerts: number }>(
  db,
  sql`select (select count(*)::int from parcels) as parcels, (select count(*)::int from alerts) as alerts`,
);
console.log(`database: ${parcels} parcels, ${alerts} alerts`);

const week = parseIsoWeek(isoWeekOf(new Date(Date.now() - 7 * 86_400_000)))!;
const to = chinaDay(new Date());
const from = chinaDay(new Date(Date.now() - 29 * 86_400_000));
const scopes: [string, ReportScope][] = [
  ['province 44', { prefix: '44', crossBorderOnly: false }],
  ['province 44, customs', { prefix: '44', crossBorderOnly: true }],
  ['whole country (admin)', { prefix: null, crossBorderOnly: false }],
];

async function time(fn: () => Promise<unknown>) {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return `p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms`;
}

for (const [name, scope] of scopes) {
  const weekly = await buildWeeklyReport(db, scope, week, 'bench');
  console.log(`weekly ${week.week} ${name}: ${weekly.intakes.total} intakes, ${weekly.alerts.opened} alerts opened — ${await time(() => buildWeeklyReport(db, scope, week, 'bench'))}`);
  const overview = await buildOverview(db, scope, from, to);
  console.log(`overview 30 days ${name}: ${overview.totals.intakes} intakes — ${await time(() => buildOverview(db, scope, from, to))}`);
}
console.log(`memory: rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);

const scope = scopes[0]![1];
const [f, t] = [week.from.toISOString(), week.to.toISOString()];
for (const [name, query] of [
  ['weekly reasons (province 44)', sql`select p.verdict, r.value->>'code', count(*) from parcels p cross join lateral jsonb_array_elements(p.reasons) r where ${parcelsIn(scope)} and ${between('p.created_at', f, t)} and p.verdict <> 'accepted' group by 1, 2`],
  ['weekly alerts (province 44)', sql`select count(*) from alerts a where ${alertsIn(scope)} and (${between('a.created_at', f, t)} or ${between('a.resolved_at', f, t)} or a.status <> 'resolved')`],
] as const) {
  const plan = await queryRows<{ 'QUERY PLAN': string }>(db, sql`explain (analyze, buffers off) ${query}`);
  console.log(`\nEXPLAIN ANALYZE ${name}:\n${plan.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
}
await close();
