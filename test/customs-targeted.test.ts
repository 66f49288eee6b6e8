// Customs selection aimed at risk, through the real intake: a parcel of a ring under alert, a suspect-list
// hit and a goods rule each select a parcel the route's random draw would not (base rate 0), the answer says
// which ground and where the rate came from, the higher of a route and a goods rate applies, a refused
// parcel is never selected, and every decision is reproduced for audit with its grounds. Goods rules are
// scoped (customs1's apply to Guangdong, 44): the answer names the rule's scope.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { aParcel, ringParcel, unlinkedParties } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROUTE = '4401-US-postal';
type Answer = { selected: boolean; rate: number; routeKey: string; grounds: string[]; rateSource: string; routeRate: number; goodsRule?: { ruleKey: string; rate: number; scope: string } };

describe('customs selection aimed at risk (intake)', () => {
  let s: TestServer;
  const as = async (u: string) => ({ Authorization: `Bearer ${await s.login(u)}` });
  const intake = async (body: object) => {
    const res = await s.http().post('/api/parcels').set(await as('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { parcel: { waybillNo: string }; verdict: string; reasons: { code: string }[]; customsInspection: Answer };
  };
  /** A cross-border parcel of its own sender and consignee (no ring), declaring what a test says. */
  const parcel = (declared: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    aParcel({ ...unlinkedParties(), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined, ...declared }, ...over });
  const reproduce = async (waybillNo: string) => {
    const res = await s.http().get(`/api/parcels/${waybillNo}/customs-inspection`).set(await as('customs1'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { selected: boolean; grounds: string[]; rate: number; routeRate: number; goodsRuleKey: string | null; goodsKeys: string[]; draw: number; reproduced: boolean };
  };
  const setGoodsRate = async (ruleKey: string, rate: number, reason = 'targeted test') =>
    s.http().put(`/api/customs/goods-rules/${encodeURIComponent(ruleKey)}/inspection-rate`).set(await as('customs1')).send({ rate, reason });
  const setRouteRate = async (rate: number) => s.http().put(`/api/routes/${ROUTE}/inspection-rate`).set(await as('customs1')).send({ rate, reason: 'targeted test' });

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
  });
  after(() => s?.close());

  it('an ordinary parcel at rate 0 is not selected and has no grounds', async () => {
    const res = await intake(parcel());
    assert.deepEqual(res.customsInspection, { selected: false, rate: 0, routeKey: ROUTE, grounds: [], rateSource: 'route', routeRate: 0 });
    const audit = await reproduce(res.parcel.waybillNo);
    assert.deepEqual([audit.reproduced, audit.grounds, audit.goodsKeys], [true, [], ['category:tea']]);
  });

  it('selects a parcel of a ring under alert (RING_ALERT) though its draw is not under the rate', async () => {
    const phone = '13912340077';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await intake(ringParcel(phone)));
    // The first two are not a ring yet; from the third the ring is under alert.
    assert.deepEqual(answers.map((a) => a.customsInspection.grounds), [[], [], ['RING_ALERT'], ['RING_ALERT']]);
    const third = answers[2]!;
    assert.ok(third.reasons.some((r) => r.code === 'ANT_MOVING_SUSPECTED'));
    assert.deepEqual(third.customsInspection, { selected: true, rate: 0, routeKey: '4401-RU-postal', grounds: ['RING_ALERT'], rateSource: 'route', routeRate: 0 });
    const audit = await reproduce(third.parcel.waybillNo);
    assert.deepEqual([audit.selected, audit.grounds, audit.reproduced], [true, ['RING_ALERT'], true]);
    // It waits in the customs queue like a randomly selected parcel.
    const queue = await s.http().get('/api/customs/inspections?status=pending').set(await as('customs1'));
    const row = queue.body.inspections.find((x: { waybillNo: string }) => x.waybillNo === third.parcel.waybillNo);
    assert.deepEqual(row?.grounds, ['RING_ALERT']);
  });

  it('selects a parcel that hits a suspect list (WATCHLIST_HIT)', async () => {
    const added = await s.http().post('/api/watchlist/entries').set(await as('regulator1')).send({ entries: [{ type: 'phone', value: '13700001234', note: 'targeted test' }] });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const body = parcel();
    body.sender.phone = '13700001234';
    const res = await intake(body);
    assert.equal(res.verdict, 'held');
    assert.deepEqual(res.customsInspection.grounds, ['WATCHLIST_HIT']);
    assert.equal(res.customsInspection.selected, true);
    assert.equal((await reproduce(res.parcel.waybillNo)).reproduced, true);
  });

  it('selects every parcel naming a brand under a rule at rate 1 (GOODS_RULE), by any of its names', async () => {
    const set = await setGoodsRate('brand:劳力士', 1);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.ruleKey, 'brand:rolex');
    // Declared at a plausible price: a Rolex at a few hundred yuan would (rightly) link the parcels into a ring.
    for (const declared of [{ description: '劳力士手表', category: 'watches' }, { description: 'wrist watch', category: 'watches', brand: 'ROLEX' }, { description: '勞力士 手錶', category: 'watches' }]) {
      const res = await intake(parcel({ ...declared, valueCny: 30_000 }));
      assert.deepEqual(
        res.customsInspection,
        { selected: true, rate: 1, routeKey: ROUTE, grounds: ['GOODS_RULE'], rateSource: 'goods', routeRate: 0, goodsRule: { ruleKey: 'brand:rolex', rate: 1, scope: '44' } },
        JSON.stringify(declared),
      );
      const audit = await reproduce(res.parcel.waybillNo);
      assert.deepEqual([audit.goodsRuleKey, audit.routeRate, audit.rate, audit.reproduced], ['brand:rolex', 0, 1, true]);
      assert.ok(audit.goodsKeys.includes('brand:rolex'));
    }
    // Another brand's watch is not selected by it.
    assert.deepEqual((await intake(parcel({ description: '欧米茄手表', category: 'watches', valueCny: 30_000 }))).customsInspection.grounds, []);
    // A parcel refused at the counter never leaves it: not selected, whatever the rule.
    const refused = await intake(parcel({ description: '劳力士手表', category: 'watches', valueCny: 30_000 }, { screening: { result: 'prohibited', machineId: 'XR-01' } }));
    assert.equal(refused.verdict, 'rejected');
    assert.deepEqual([refused.customsInspection.selected, refused.customsInspection.grounds], [false, []]);
    assert.equal((await reproduce(refused.parcel.waybillNo)).reproduced, true);
    // Stored for audit: the grounds and the rule on the row.
    const [row] = await queryRows<{ grounds: string[]; goods_rule_key: string; route_rate: number }>(
      s.ctx.db,
      sql`select grounds, goods_rule_key, route_rate from customs_inspections where goods_rule_key = 'brand:rolex' limit 1`,
    );
    assert.deepEqual([row?.grounds, row?.goods_rule_key, row?.route_rate], [['GOODS_RULE'], 'brand:rolex', 0]);
    await s.http().delete(`/api/customs/goods-rules/brand:rolex/inspection-rate`).set(await as('customs1')).send({ reason: 'done' });
  });

  it('a parcel can hold several grounds at once, all of them said', async () => {
    await setGoodsRate('category:bags', 1);
    const body = parcel({ description: '女士手提包', category: 'bags' });
    body.sender.phone = '13700001234'; // the listed phone
    const res = await intake(body);
    assert.deepEqual(res.customsInspection.grounds, ['WATCHLIST_HIT', 'GOODS_RULE']);
    await s.http().delete('/api/customs/goods-rules/category:bags/inspection-rate').set(await as('customs1')).send({ reason: 'done' });
  });

  it('where a route and a goods rate both apply the higher selects, and the answer says which', async () => {
    assert.equal((await setRouteRate(0.5)).status, 200);
    assert.equal((await setGoodsRate('category:watches', 0.2)).status, 200);
    const lower = await intake(parcel({ description: 'wrist watch', category: 'watches' }));
    assert.deepEqual(
      { ...lower.customsInspection, selected: undefined, grounds: undefined },
      { selected: undefined, grounds: undefined, rate: 0.5, routeKey: ROUTE, rateSource: 'route', routeRate: 0.5, goodsRule: { ruleKey: 'category:watches', rate: 0.2, scope: '44' } },
    );
    assert.equal((await reproduce(lower.parcel.waybillNo)).goodsRuleKey, null, 'a goods rule that did not apply is not on the row');

    assert.equal((await setGoodsRate('category:watches', 0.8)).status, 200);
    let random = 0;
    let goods = 0;
    for (let i = 0; i < 24; i++) {
      const res = await intake(parcel({ description: 'wrist watch', category: 'watches' }));
      const c = res.customsInspection;
      assert.deepEqual([c.rate, c.rateSource, c.routeRate, c.goodsRule], [0.8, 'goods', 0.5, { ruleKey: 'category:watches', rate: 0.8, scope: '44' }]);
      const audit = await reproduce(res.parcel.waybillNo);
      assert.equal(audit.reproduced, true);
      // One draw decides both: RANDOM under the route's rate, GOODS_RULE between it and the goods rate.
      const expected = audit.draw < 0.5 ? ['RANDOM'] : audit.draw < 0.8 ? ['GOODS_RULE'] : [];
      assert.deepEqual(c.grounds, expected, `draw ${audit.draw}`);
      assert.equal(c.selected, expected.length > 0);
      if (expected[0] === 'RANDOM') random++;
      if (expected[0] === 'GOODS_RULE') goods++;
    }
    assert.ok(random > 0 && goods > 0, `both grounds seen (${random} random, ${goods} goods)`);
    // A parcel of another class on the route: the route's rate alone.
    const tea = await intake(parcel());
    assert.deepEqual([tea.customsInspection.rate, tea.customsInspection.rateSource, tea.customsInspection.goodsRule], [0.5, 'route', undefined]);
  });

  it('an expired goods rule stops applying at the next intake (no job to wait for)', async () => {
    assert.equal((await setRouteRate(0)).status, 200);
    assert.equal((await setGoodsRate('category:toys', 1)).status, 200);
    assert.deepEqual((await intake(parcel({ description: '积木', category: 'toys' }))).customsInspection.grounds, ['GOODS_RULE']);
    // Time moves on: the rule's expiry is now behind us.
    await s.ctx.db.execute(sql`update customs_goods_rules set expires_at = now() - interval '1 second' where rule_key = 'category:toys'`);
    const after = await intake(parcel({ description: '积木', category: 'toys' }));
    assert.deepEqual(after.customsInspection, { selected: false, rate: 0, routeKey: ROUTE, grounds: [], rateSource: 'route', routeRate: 0 });
  });
});
