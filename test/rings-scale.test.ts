// Big rings stay cheap (issue 16): the ring step reads a bounded sample of a ring's newest members and its day
// totals, never all of its members; the totals stay exact, merges and seizures keep them so, and the larger ring
// survives a merge so a parcel moves between rings a few times at most.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../server/config.js';
import { loadTotals, rebuildDays } from '../server/rings/aggregates.js';
import { ringSeizure } from '../server/rings/step.js';
import { loadMembers, loadSample, markSeized, MAX_MEMBERS_SCORED } from '../server/rings/store.js';
import { aConsignee, aParcel, aResidentId } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const policy = loadConfig({}).ring;
const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;
type Day = { day: string; parcels: number; value_cny: number; under_limit: number; just_under: number; vague: number; brands: unknown; categories: unknown; senders: string[] };

describe('big rings stay cheap', () => {
  let s: TestServer;
  let courier: string;
  before(async () => {
    s = await startTestServer();
    courier = await s.login('courier1');
  });
  after(() => s?.close());

  const intake = (body: object) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
  const get = async (path: string) => s.http().get(path).set('Authorization', `Bearer ${await s.login('regulator1')}`);
  const ringOf = async (waybillNo: string) =>
    rows<{ r: string }>(await s.database.db.execute(sql`select ring_id as r from ring_members where waybill_no = ${waybillNo}`))[0]!.r;
  const days = async (ringId: string) =>
    rows<Day>(await s.database.db.execute(sql`
      select day::text as day, parcels, value_cny::float8 as value_cny, under_limit, just_under, vague, brands, categories, senders
      from ring_days where ring_id = ${ringId} order by day`)).map((d) => ({ ...d, senders: [...d.senders].sort() }));
  const person = (n: number) => ({
    idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', String(100 + (n % 900))), name: '赵军', phone: `1396665${String(n).padStart(4, '0')}`,
    address: `广东省广州市天河区林和西路${n}号`,
  });

  it('a ring of more parcels than the sample: exact count and value on its alert, bounded reads, day totals as a rebuild gives them', async function () {
    this.timeout(600_000);
    const N = MAX_MEMBERS_SCORED + 30;
    const who = person(2001);
    let alertId = '';
    let last = '';
    for (let i = 0; i < N; i++) {
      const res = await intake(aParcel({
        sender: who, recipient: aConsignee(80 + (i % 7)),
        declared: { description: '礼品一份', category: 'gifts', quantity: 1, valueCny: 900 + (i % 50), brand: undefined },
      })).expect(201);
      alertId = res.body.alerts[0]?.id ?? alertId;
      last = res.body.parcel.waybillNo;
    }
    const ringId = await ringOf(last);
    const alert = (await get(`/api/alerts/${alertId}`)).body;
    const expectedValue = Array.from({ length: N }, (_, i) => 900 + (i % 50)).reduce((a, b) => a + b, 0);
    assert.equal(alert.parcelCount, N, 'the count is the ring\'s, not the sample\'s');
    assert.equal(Number(alert.totalValueCny), expectedValue);
    const linked = rows<{ n: number }>(await s.database.db.execute(sql`select count(*)::int as n from alert_parcels where alert_id = ${alertId}`))[0]!.n;
    assert.equal(linked, N, 'every parcel is linked to the alert as it comes');

    const db = s.database.db;
    const sample = await loadSample(db, [ringId], new Date(Date.now() - policy.linkMs));
    assert.equal(sample.length, MAX_MEMBERS_SCORED, 'the ring step reads no more than the sample');
    assert.equal(sample[0]!.waybillNo, last, 'newest first');
    const loaded = await loadMembers(db, [ringId], new Date(Date.now() - 30 * 86_400_000));
    assert.deepEqual([loaded.members.length, loaded.count, loaded.valueCny], [MAX_MEMBERS_SCORED, N, expectedValue]);
    const totals = await loadTotals(db, [ringId], [90 * 86_400_000, policy.linkMs], new Date(), null);
    assert.equal(totals.windows[0]!.parcels, N);
    assert.equal(totals.windows[0]!.justUnder, N);
    assert.equal(totals.windows[0]!.vague, N);
    assert.equal(totals.windows[0]!.senders, 1);

    // The day totals kept parcel by parcel are what the members give when counted afresh.
    const kept = await days(ringId);
    await rebuildDays(db, ringId, policy);
    assert.deepEqual(await days(ringId), kept);
  });

  it('a merge keeps the larger ring and adds the absorbed ring\'s days to it', async () => {
    const tea = (n: number, consignee: number) =>
      aParcel({ sender: person(n), recipient: aConsignee(consignee), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined } });
    // The smaller ring is the older one: size, not age, decides when neither is under alert.
    const small = [await intake(tea(2101, 91)).expect(201), await intake(tea(2101, 91)).expect(201)];
    const large = [await intake(tea(2102, 92)).expect(201), await intake(tea(2102, 92)).expect(201), await intake(tea(2102, 92)).expect(201)];
    const smallRing = await ringOf(small[0]!.body.parcel.waybillNo);
    const largeRing = await ringOf(large[0]!.body.parcel.waybillNo);
    assert.notEqual(smallRing, largeRing);
    const bridge = await intake(tea(2102, 91)).expect(201);
    assert.deepEqual(bridge.body.alerts, []);
    assert.equal(await ringOf(bridge.body.parcel.waybillNo), largeRing, 'the larger ring survives');
    assert.equal(await ringOf(small[0]!.body.parcel.waybillNo), largeRing, 'the smaller ring\'s parcels moved');
    const merged = await days(largeRing);
    assert.equal(merged.reduce((n, d) => n + d.parcels, 0), 6);
    assert.equal(merged[0]!.senders.length, 2, 'both identities');
    assert.deepEqual(await days(smallRing), [], 'the absorbed ring has no days left');
    const pointer = rows<{ m: string }>(await s.database.db.execute(sql`select merged_into as m from rings where id = ${smallRing}`))[0]!.m;
    assert.equal(pointer, largeRing);
    const kept = await days(largeRing);
    await rebuildDays(s.database.db, largeRing, policy);
    assert.deepEqual(await days(largeRing), kept);

    // A seizure counts once in its day, and the ring is scored again with it.
    const parcelId = bridge.body.parcel.id;
    const changes = await s.database.db.transaction(async (tx) => ringSeizure(tx, parcelId, policy, new Date()));
    assert.deepEqual(changes, [], 'one seizure among cheap tea is not yet a ring');
    assert.equal(await markSeized(s.database.db, parcelId), largeRing, 'a second outcome finds the ring');
    const seized = rows<{ n: number }>(await s.database.db.execute(sql`select sum(seized)::int as n from ring_days where ring_id = ${largeRing}`))[0]!.n;
    assert.equal(seized, 1);
  });
});
