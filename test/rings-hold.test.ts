// The counter pattern links strangers through one counter on one day. A parcel it alone would bring into a ring
// under alert joins only with goods evidence of its own (server/rings/step.ts withoutStrangerCounterLink): a family
// sending clothes through the counter a ring used that day is neither held nor merged into the ring.
import assert from 'node:assert/strict';
import { ownGoodsEvidence } from '../server/rings/step.js';
import { aParcel, unlinkedParties } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('strangers at a ring’s counter', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());
  const intake = async (body: object) =>
    s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);
  const asAdmin = async (path: string) => s.http().get(path).set('Authorization', `Bearer ${await s.login('admin')}`).expect(200);
  // Same counter, day, destination and category, just under the CNY 1,000 limit, nobody shared: the counter pattern.
  const counterParcel = (parties = unlinkedParties(), declared: Record<string, unknown> = {}) =>
    aParcel({ ...parties, declared: { description: '礼品一份', category: 'toys', quantity: 3, valueCny: 950, brand: undefined, ...declared } });

  it('a ring that rotates everything but the counter alerts; a family at the counter is not pulled in, its next parcel neither', async () => {
    const ring = [];
    for (let i = 0; i < 4; i++) ring.push(await intake(counterParcel()));
    const alertId = ring[2]!.body.alerts.find((a: { type: string }) => a.type === 'ANT_MOVING')?.id as string;
    assert.ok(alertId, 'the third parcel of the pattern alerts');
    assert.equal(ring[3]!.body.verdict, 'held');
    const before = (await asAdmin(`/api/alerts/${alertId}`)).body.parcelCount as number;

    const family = unlinkedParties();
    const first = await intake(counterParcel(family, { description: '儿童玩具', valueCny: 900 }));
    const second = await intake(counterParcel(family, { description: '儿童积木', valueCny: 880 }));
    for (const res of [first, second]) {
      assert.equal(res.body.verdict, 'accepted', JSON.stringify(res.body.reasons));
      assert.deepEqual(res.body.alerts, []);
    }
    assert.equal((await asAdmin(`/api/alerts/${alertId}`)).body.parcelCount, before, 'the ring did not grow with the family');
  });

  it('a stranger at the counter with goods evidence of its own joins the ring and is held', async () => {
    const ring = [];
    for (let i = 0; i < 3; i++) ring.push(await intake(counterParcel(unlinkedParties(), { category: 'cosmetics' })));
    assert.ok(ring[2]!.body.alerts.some((a: { type: string }) => a.type === 'ANT_MOVING'));
    const mismatched = counterParcel(unlinkedParties(), { category: 'cosmetics', description: '面霜' });
    mismatched.inspection = { ...mismatched.inspection, matchesDeclaration: false, notes: '申报面霜，实为手表' };
    const res = await intake(mismatched);
    assert.ok(res.body.reasons.some((r: { code: string }) => r.code === 'ANT_MOVING_SUSPECTED'), JSON.stringify(res.body.reasons));
  });

  it('goods evidence of its own: an implausible value, a protected brand, a vague description, a mismatch, a suspect-list hit', () => {
    const none = { implausible: false, brand: null, vague: false, mismatch: false, watchlistHit: false };
    assert.equal(ownGoodsEvidence(none), false);
    for (const over of [{ implausible: true }, { brand: 'gucci' }, { vague: true }, { mismatch: true }, { watchlistHit: true }]) {
      assert.equal(ownGoodsEvidence({ ...none, ...over }), true, JSON.stringify(over));
    }
  });
});
