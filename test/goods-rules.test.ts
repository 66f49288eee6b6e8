// Goods rules (重点监管商品) through the API, kept exactly like route rates: canonical keys (brand:劳力士 is
// brand:rolex), refusals with codes and paths, history, audit, expiry and restore, roles; the goods
// classes' risk: seizure share per category and brand over 30 days with a suggested rate and evidence; and
// their scope: an officer's rule applies to parcels leaving their jurisdiction only, an admin's nationally,
// the highest in force selects.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { aParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Rule = {
  ruleKey: string; kind: string; value: string; label: string; labelZh: string; baseRate: number; rate: number; raised: boolean; raisedUntil: string | null;
  reason: string | null; setBy: string | null; scope: string | null; rules: { scope: string; rate: number; setBy: string | null }[]; parcels30d: number; selected30d: number; decided30d: number; seized30d: number;
  risk: { level: string; seizureShare: number | null; suggested: boolean; suggestedRate: number | null; evidence: { code: string; message: string; messageZh: string }[] };
};

describe('goods rules (API)', () => {
  let s: TestServer;
  const as = async (u: string) => ({ Authorization: `Bearer ${await s.login(u)}` });
  const put = async (ruleKey: string, body: object, user = 'customs1') =>
    s.http().put(`/api/customs/goods-rules/${encodeURIComponent(ruleKey)}/inspection-rate`).set(await as(user)).send(body);
  const del = async (ruleKey: string, body: object, user = 'customs1') =>
    s.http().delete(`/api/customs/goods-rules/${encodeURIComponent(ruleKey)}/inspection-rate`).set(await as(user)).send(body);
  const getOne = async (ruleKey: string, user = 'customs1') => s.http().get(`/api/customs/goods-rules/${encodeURIComponent(ruleKey)}`).set(await as(user));
  const list = async (user = 'customs1', query = '') => (await s.http().get(`/api/customs/goods-rules${query}`).set(await as(user)).expect(200)).body.rules as Rule[];
  const intake = async (declared: Record<string, unknown>) => {
    const body = aParcel({ ...unlinkedParties(), declared: { quantity: 1, valueCny: 300, brand: undefined, ...declared } });
    const res = await s.http().post('/api/parcels').set(await as('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0.05' });
  });
  after(() => s?.close());

  it('refuses keys that name no goods class, at params.ruleKey, and bad rates, reasons and expiries', async () => {
    for (const key of ['watches', 'category:spaceships', 'category:firearms', 'brand:nosuchbrand', 'colour:red', 'brand:']) {
      const res = await put(key, { rate: 0.5, reason: 'x' });
      const body = expectProblem(res, 422, 'GOODS_RULE_KEY_INVALID');
      assert.equal(body.errors?.[0]?.path, 'params.ruleKey', key);
      assert.ok(res.body.errors[0].messageZh, 'said in Chinese too');
    }
    expectProblem(await getOne('brand:nosuchbrand'), 422, 'GOODS_RULE_KEY_INVALID');
    expectProblem(await put('category:watches', { rate: 1.5, reason: 'x' }), 400, 'RATE_OUT_OF_RANGE');
    expectProblem(await put('category:watches', { rate: 0.5 }), 400, 'REASON_REQUIRED');
    expectProblem(await put('category:watches', { rate: 0.5, reason: 'x', expiresAt: new Date(Date.now() - 1000).toISOString() }), 422, 'EXPIRY_IN_PAST');
    expectProblem(await put('category:watches', { rate: 0.5, reason: 'x', expiresAt: '2062-01-01T00:00:00Z' }), 422, 'EXPIRY_TOO_FAR');
    expectProblem(await put('category:watches', { rate: 0.5, reason: 'x' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');
    expectProblem(await put('category:watches', { rate: 0.5, reason: 'x' }, 'courier1'), 403, 'ROLE_FORBIDDEN');
    expectProblem(await s.http().get('/api/customs/goods-rules').set(await as('courier1')), 403, 'ROLE_FORBIDDEN');
    assert.deepEqual((await getOne('category:watches')).body.changes, [], 'nothing refused was written');
  });

  it('sets a brand rule by any of its names under the canonical key, with history and audit', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await put('brand:劳力士', { rate: 0.6, reason: '劳力士侵权高发（海关总署通报）', expiresAt });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      [res.body.ruleKey, res.body.kind, res.body.value, res.body.label, res.body.labelZh, res.body.baseRate, res.body.rate, res.body.raised, res.body.raisedUntil, res.body.setBy],
      ['brand:rolex', 'brand', 'rolex', 'Rolex', '劳力士', 0, 0.6, true, expiresAt, 'customs1'],
    );
    // customs1 is Guangdong's (44): the rule is Guangdong's.
    assert.equal(res.body.scope, '44');
    assert.deepEqual([res.body.change.action, res.body.change.rate, res.body.change.previousRate, res.body.change.ruleKey, res.body.change.scope], ['set', 0.6, 0, 'brand:rolex', '44']);

    // The same rule by another of its names; regulators read it.
    const one = await getOne('brand:ROLEX', 'regulator1');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.ruleKey, 'brand:rolex');
    assert.deepEqual(one.body.changes.map((c: { action: string; reason: string; changedBy: string }) => [c.action, c.reason, c.changedBy]), [['set', '劳力士侵权高发（海关总署通报）', 'customs1']]);
    const [audit] = await queryRows<{ actor_username: string; subject_type: string; details: { rate: number; previousRate: number; reason: string; scope: string } }>(
      s.ctx.db,
      sql`select actor_username, subject_type, details from audit_log where action = 'goods_rule.rate.set' and subject_id = 'brand:rolex'`,
    );
    assert.deepEqual([audit?.actor_username, audit?.subject_type, audit?.details.rate, audit?.details.previousRate, audit?.details.scope], ['customs1', 'goods_rule', 0.6, 0, '44']);
    const listed = (await list('regulator1')).find((r) => r.ruleKey === 'brand:rolex');
    assert.equal(listed?.rate, 0.6);
  });

  it('restores early with a reason, once; an expired rule reads as not raised', async () => {
    const restored = await del('brand:rolex', { reason: '专项行动结束' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual([restored.body.rate, restored.body.raised, restored.body.change.action, restored.body.change.previousRate], [0, false, 'restore', 0.6]);
    const again = await del('brand:rolex', { reason: '再次' });
    assert.equal(again.body.change, null, 'nothing in force, nothing written');
    expectProblem(await del('brand:rolex', {}), 400, 'REASON_REQUIRED');
    const history = (await getOne('brand:rolex')).body.changes.map((c: { action: string }) => c.action);
    assert.deepEqual(history, ['restore', 'set']);
    const [restoreAudit] = await queryRows<{ n: string }>(s.ctx.db, sql`select count(*) as n from audit_log where action = 'goods_rule.rate.restore' and subject_id = 'brand:rolex'`);
    assert.equal(Number(restoreAudit?.n), 1);

    // A short expiry: a second later the rule no longer applies, in the list and at the counter.
    const expiresAt = new Date(Date.now() + 1000).toISOString();
    assert.equal((await put('category:shoes', { rate: 1, reason: '短期', expiresAt })).status, 200);
    assert.deepEqual((await intake({ description: '运动鞋', category: 'shoes' })).customsInspection.grounds, ['GOODS_RULE']);
    await new Promise((r) => setTimeout(r, Date.parse(expiresAt) - Date.now() + 50));
    const shoes = (await getOne('category:shoes')).body;
    assert.deepEqual([shoes.rate, shoes.raised, shoes.raisedUntil], [0, false, null]);
    assert.equal((await intake({ description: '运动鞋', category: 'shoes' })).customsInspection.rateSource, 'route');
  });

  it('ranks goods classes by their seizures, with the share, evidence and a suggested rate', async () => {
    // Every parcel of bags and of one brand is selected; customs seize most of them.
    assert.equal((await put('category:bags', { rate: 1, reason: '箱包查验' })).status, 200);
    assert.equal((await put('category:handicrafts', { rate: 1, reason: '对照组' })).status, 200);
    const bags = [];
    for (let i = 0; i < 4; i++) bags.push(await intake({ description: '古驰女包', category: 'bags', brand: 'Gucci', valueCny: 6000 }));
    const crafts = [];
    for (let i = 0; i < 4; i++) crafts.push(await intake({ description: '木雕', category: 'handicrafts' }));
    const outcome = async (waybillNo: string, outcome: string) =>
      assert.equal((await s.http().post(`/api/parcels/${waybillNo}/customs-outcome`).set(await as('customs1')).send({ outcome, note: '查验结果' })).status, 200);
    for (const b of bags.slice(0, 3)) await outcome(b.parcel.waybillNo, 'seized');
    await outcome(bags[3].parcel.waybillNo, 'cleared');
    for (const c of crafts) await outcome(c.parcel.waybillNo, 'cleared');

    const rules = await list();
    const bagRule = rules.find((r) => r.ruleKey === 'category:bags')!;
    const gucci = rules.find((r) => r.ruleKey === 'brand:gucci')!;
    const craftRule = rules.find((r) => r.ruleKey === 'category:handicrafts')!;
    assert.deepEqual([bagRule.parcels30d, bagRule.selected30d, bagRule.decided30d, bagRule.seized30d, bagRule.risk.seizureShare], [4, 4, 4, 3, 0.75]);
    assert.deepEqual([gucci.kind, gucci.label, gucci.labelZh, gucci.seized30d, gucci.rate], ['brand', 'Gucci', '古驰', 3, 0]);
    assert.equal(gucci.risk.level, 'high');
    assert.equal(gucci.risk.suggestedRate, 0.3, 'four times the base rate, at least 30%');
    assert.equal(gucci.risk.suggested, true, 'its own rate (none) is below the suggestion');
    assert.equal(bagRule.risk.suggested, false, 'a class already at rate 1 needs nothing more');
    const evidence = gucci.risk.evidence.find((e) => e.code === 'CUSTOMS_SEIZURES')!;
    assert.match(evidence.message, /seized 3 of 4 inspected parcels in 30 days \(75%; 38% on all cross-border parcels in view\)/);
    assert.match(evidence.messageZh, /查获 3 件/);
    assert.deepEqual([craftRule.seized30d, craftRule.risk.level, craftRule.risk.suggestedRate], [0, 'normal', null]);
    // Riskiest first; `suggested` filters.
    assert.ok(rules.findIndex((r) => r.ruleKey === 'brand:gucci') < rules.findIndex((r) => r.ruleKey === 'category:handicrafts'));
    assert.deepEqual((await list('customs1', '?suggested=true')).map((r) => r.ruleKey).sort(), ['brand:gucci']);
    assert.ok((await list('customs1', '?kind=brand')).every((r) => r.kind === 'brand'));
  });

  it('counts only the traffic of the caller’s jurisdiction, and lists only the rules in force in it', async () => {
    // A Zhejiang customs officer sees neither Guangdong's parcels nor Guangdong's rules.
    const made = await s.http().post('/api/users').set(await as('admin')).send({ username: 'customs33', password: 'zhejiang-customs', role: 'customs_officer', jurisdiction: '33' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await s.login('customs33', 'zhejiang-customs');
    const zj = await list('customs33');
    assert.equal(zj.find((r) => r.ruleKey === 'category:bags'), undefined, 'Guangdong’s bag rule is not in force in Zhejiang');
    assert.equal(zj.find((r) => r.ruleKey === 'brand:gucci'), undefined, 'no rule and no traffic in view');
    const bags = (await getOne('category:bags', 'customs33')).body;
    assert.deepEqual([bags.rate, bags.raised, bags.scope, bags.rules, bags.changes], [0, false, null, [], []], 'nor its history');
    // The admin (national) sees Guangdong's rule among the rules in force, though not as the national rate.
    const national = (await list('admin')).find((r) => r.ruleKey === 'category:bags')!;
    assert.deepEqual([national.rate, national.scope, national.rules.map((r) => [r.scope, r.rate, r.setBy])], [0, null, [['44', 1, 'customs1']]]);
  });

  it('customs of one jurisdiction cannot change another’s selection', async () => {
    // Zhejiang's customs select every watch leaving Zhejiang…
    const zj = await put('category:watches', { rate: 1, reason: '义乌手表专项' }, 'customs33');
    assert.equal(zj.status, 200, JSON.stringify(zj.body));
    assert.deepEqual([zj.body.rate, zj.body.scope, zj.body.change.scope], [1, '33', '33']);
    // …which does nothing to a watch taken in at courier1's Guangzhou counter.
    const gz = (await intake({ description: 'wrist watch', category: 'watches' })).customsInspection;
    assert.deepEqual([gz.rateSource, gz.rate, gz.goodsRule, gz.grounds.includes('GOODS_RULE')], ['route', 0.05, undefined, false]);
    // Guangdong's officer does not see Zhejiang's rule nor can end it: their restore touches their own (none).
    assert.equal((await list()).find((r) => r.ruleKey === 'category:watches')?.rate ?? 0, 0);
    const restore = await del('category:watches', { reason: '不是我们的规则' });
    assert.equal(restore.status, 200, JSON.stringify(restore.body));
    assert.equal(restore.body.change, null, 'nothing of Guangdong’s was in force');
    assert.deepEqual([(await getOne('category:watches', 'customs33')).body.rate, (await getOne('category:watches', 'customs33')).body.scope], [1, '33']);
    // A Zhejiang parcel is selected by it.
    const yw = aParcel({ ...unlinkedParties(), declared: { description: 'wrist watch', category: 'watches', quantity: 1, valueCny: 300, brand: undefined } });
    const res = await s.http().post('/api/parcels').set(await as('courier2')).send(yw);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual([res.body.customsInspection.grounds, res.body.customsInspection.goodsRule], [['GOODS_RULE'], { ruleKey: 'category:watches', rate: 1, scope: '33' }]);
  });

  it('a national rule applies everywhere; with a provincial one the higher rate selects', async () => {
    const national = await put('category:toys', { rate: 0.3, reason: '全国玩具专项' }, 'admin');
    assert.equal(national.status, 200, JSON.stringify(national.body));
    assert.deepEqual([national.body.scope, national.body.change.scope], ['', '']);
    assert.deepEqual((await intake({ description: '积木', category: 'toys' })).customsInspection.goodsRule, { ruleKey: 'category:toys', rate: 0.3, scope: '' });
    assert.equal((await put('category:toys', { rate: 0.7, reason: '广东加严' })).status, 200);
    assert.deepEqual((await intake({ description: '积木', category: 'toys' })).customsInspection.goodsRule, { ruleKey: 'category:toys', rate: 0.7, scope: '44' });
    // Each jurisdiction reads the rate in force for it, with the rules behind it.
    const gd = (await getOne('category:toys')).body;
    assert.deepEqual([gd.rate, gd.scope, gd.rules.map((r: { scope: string; rate: number }) => [r.scope, r.rate])], [0.7, '44', [['', 0.3], ['44', 0.7]]]);
    assert.deepEqual(gd.changes.map((c: { scope: string; rate: number }) => [c.scope, c.rate]).sort(), [['', 0.3], ['44', 0.7]]);
    const zj = (await getOne('category:toys', 'customs33')).body;
    assert.deepEqual([zj.rate, zj.scope, zj.rules.length, zj.changes.map((c: { scope: string }) => c.scope)], [0.3, '', 1, ['']]);
    // A provincial rule lower than the national one changes nothing: the national one still selects.
    assert.equal((await put('category:toys', { rate: 0.1, reason: '广东放宽' })).status, 200);
    assert.deepEqual((await intake({ description: '积木', category: 'toys' })).customsInspection.goodsRule, { ruleKey: 'category:toys', rate: 0.3, scope: '' });
    // Guangdong ends its own; the national one stays.
    assert.equal((await del('category:toys', { reason: '结束' })).body.change.previousRate, 0.1);
    assert.deepEqual([(await getOne('category:toys')).body.rate, (await getOne('category:toys')).body.scope], [0.3, '']);
  });
});
