// Goods rules (重点监管商品) through the API, kept exactly like route rates: canonical keys (brand:劳力士 is
// brand:rolex), refusals with codes and paths, history, audit, expiry and restore, roles; and the goods
// classes' risk: seizure share per category and brand over 30 days with a suggested rate and evidence.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { aParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Rule = {
  ruleKey: string; kind: string; value: string; label: string; labelZh: string; baseRate: number; rate: number; raised: boolean; raisedUntil: string | null;
  reason: string | null; setBy: string | null; parcels30d: number; selected30d: number; decided30d: number; seized30d: number;
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
    assert.deepEqual([res.body.change.action, res.body.change.rate, res.body.change.previousRate, res.body.change.ruleKey], ['set', 0.6, 0, 'brand:rolex']);

    // The same rule by another of its names; regulators read it.
    const one = await getOne('brand:ROLEX', 'regulator1');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.ruleKey, 'brand:rolex');
    assert.deepEqual(one.body.changes.map((c: { action: string; reason: string; changedBy: string }) => [c.action, c.reason, c.changedBy]), [['set', '劳力士侵权高发（海关总署通报）', 'customs1']]);
    const [audit] = await queryRows<{ actor_username: string; subject_type: string; details: { rate: number; previousRate: number; reason: string } }>(
      s.ctx.db,
      sql`select actor_username, subject_type, details from audit_log where action = 'goods_rule.rate.set' and subject_id = 'brand:rolex'`,
    );
    assert.deepEqual([audit?.actor_username, audit?.subject_type, audit?.details.rate, audit?.details.previousRate], ['customs1', 'goods_rule', 0.6, 0]);
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

  it('counts only the traffic of the caller’s jurisdiction', async () => {
    // A Zhejiang customs officer sees the rules (national) but none of Guangdong's parcels.
    const made = await s.http().post('/api/users').set(await as('admin')).send({ username: 'customs33', password: 'zhejiang-customs', role: 'customs_officer', jurisdiction: '33' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await s.login('customs33', 'zhejiang-customs');
    const zj = await list('customs33');
    const bags = zj.find((r) => r.ruleKey === 'category:bags');
    assert.deepEqual([bags?.rate, bags?.parcels30d, bags?.seized30d], [1, 0, 0]);
    assert.equal(zj.find((r) => r.ruleKey === 'brand:gucci'), undefined, 'no rule and no traffic in view');
  });
});
