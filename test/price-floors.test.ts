// Price floors (issue 16): which floor applies to a parcel, "far below" as a share of it, and the API —
// defaults with their source put in once, regulators edit (brand by any alias), customs read, others not;
// every change audited; a parcel of a protected brand declared far below its floor is marked implausible.
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { auditLog, ringMembers } from '../models/schema.js';
import { DEFAULT_PRICE_FLOORS, floorKeysFor, isImplausible, seedPriceFloors } from '../server/rings/price-floors.js';
import { aConsignee, aParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('price floors (unit)', () => {
  it('the most specific floor first: brand and category, the brand, any protected brand of the category', () => {
    assert.deepEqual(floorKeysFor('gucci', 'bags'), ['gucci|bags', 'gucci|*', '*|bags']);
    assert.deepEqual(floorKeysFor(null, 'bags'), [], 'unbranded goods have no floor: a CNY 30 bag exists');
  });

  it('implausible is per item and under the share of the floor', () => {
    assert.equal(isImplausible(50, 1, 4000, 0.2), true, 'a Gucci bag at CNY 50');
    assert.equal(isImplausible(900, 1, 4000, 0.2), false, 'CNY 900 is 22% of the floor');
    assert.equal(isImplausible(300, 10, 80, 0.2), false, 'ten Nike T-shirts at CNY 30 each are 37% of 80');
    assert.equal(isImplausible(100, 10, 250, 0.2), true, 'ten pairs of Nike shoes at CNY 10 each');
    assert.equal(isImplausible(1, 1, null, 0.2), false, 'no floor, nothing implausible');
  });

  it('every default names its source, and category-wide defaults stay below every brand floor of the category', () => {
    for (const f of DEFAULT_PRICE_FLOORS) assert.ok(f.source.length > 20 && f.floorCny > 0, JSON.stringify(f));
    for (const wide of DEFAULT_PRICE_FLOORS.filter((f) => !f.brand)) {
      for (const f of DEFAULT_PRICE_FLOORS.filter((x) => x.brand && x.category === wide.category)) assert.ok(wide.floorCny <= f.floorCny, `${f.brand}|${f.category}`);
    }
  });
});

describe('price floors (API)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  const as = async (user: string) => `Bearer ${await s.login(user)}`;
  const url = (key: string) => `/api/rings/price-floors/${encodeURIComponent(key)}`;
  const floors = async (user = 'regulator1') => (await s.http().get('/api/rings/price-floors').set('Authorization', await as(user)).expect(200)).body.floors as { key: string; brandName: string | null; floorCny: number; source: string; setBy: string | null }[];

  it('the defaults are there from the first start, each with its source; customs read them, couriers do not', async () => {
    const list = await floors();
    const gucci = list.find((f) => f.key === 'gucci|bags');
    assert.equal(gucci?.brandName, 'Gucci');
    assert.equal(gucci?.floorCny, 4000);
    assert.match(gucci!.source, /retail price/);
    assert.equal(gucci!.setBy, null);
    assert.ok(list.some((f) => f.key === '*|watches'));
    assert.equal((await floors('customs1')).length, list.length);
    expectProblem(await s.http().get('/api/rings/price-floors').set('Authorization', await as('courier1')), 403, 'ROLE_FORBIDDEN');
  });

  it('a regulator sets a floor by any alias of the brand; it is stored under the canonical key and audited', async () => {
    const res = await s.http().put(url('古驰|shoes')).set('Authorization', await as('regulator1')).send({ floorCny: 3000, source: 'gucci.cn, cheapest sneakers, Nov 2026' }).expect(200);
    assert.deepEqual({ key: res.body.key, brand: res.body.brand, category: res.body.category, floorCny: res.body.floorCny, setBy: res.body.setBy }, { key: 'gucci|shoes', brand: 'gucci', category: 'shoes', floorCny: 3000, setBy: 'regulator1' });
    const [audit] = await s.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, 'gucci|shoes'));
    assert.equal(audit?.action, 'price_floor.set');
    assert.deepEqual(audit?.details, { floorCny: 3000, source: 'gucci.cn, cheapest sneakers, Nov 2026', previousFloorCny: 2500, previousSource: DEFAULT_PRICE_FLOORS.find((f) => f.brand === 'gucci' && f.category === 'shoes')!.source });
    assert.equal((await floors()).find((f) => f.key === 'gucci|shoes')?.floorCny, 3000);
    // A floor for the whole brand, new.
    const whole = await s.http().put(url('LV|*')).set('Authorization', await as('admin')).send({ floorCny: 2000, source: 'louisvuitton.cn' }).expect(200);
    assert.equal(whole.body.key, 'louis vuitton|*');
  });

  it('customs officers and couriers may not edit', async () => {
    expectProblem(await s.http().put(url('gucci|bags')).set('Authorization', await as('customs1')).send({ floorCny: 1, source: 'x' }), 403, 'ROLE_FORBIDDEN');
    expectProblem(await s.http().delete(url('gucci|bags')).set('Authorization', await as('courier1')), 403, 'ROLE_FORBIDDEN');
  });

  it('bad keys and bodies are 422/400 with the path and a stable code, in both languages', async () => {
    const reg = await as('regulator1');
    for (const [key, reason] of [['unknownbrand|bags', 'BRAND'], ['gucci|spaceships', 'CATEGORY'], ['*|*', 'BOTH_ANY'], ['gucci', 'FORMAT'], ['gucci|bags|x', 'FORMAT']] as const) {
      const p = expectProblem(await s.http().put(url(key)).set('Authorization', reg).send({ floorCny: 100, source: 'x' }), 422, 'PRICE_FLOOR_KEY_INVALID');
      assert.deepEqual(p.errors?.map((e) => [e.path, e.code, e.reason]), [['params.key', 'PRICE_FLOOR_KEY_INVALID', reason]], key);
      assert.ok((p as { detailZh?: string }).detailZh?.includes('价格下限'), key);
    }
    const bad = expectProblem(await s.http().put(url('gucci|bags')).set('Authorization', reg).send({ floorCny: -5, source: '' }), 400);
    assert.deepEqual(bad.errors?.map((e) => [e.path, e.code]).sort(), [['floorCny', 'FLOOR_INVALID'], ['source', 'SOURCE_REQUIRED']]);
    expectProblem(await s.http().put(url('gucci|bags')).set('Authorization', reg).send({ floorCny: 100 }), 400);
  });

  it('deleting is national: a regulator with a jurisdiction may not (bilingual 403), an admin may', async () => {
    const refused = expectProblem(await s.http().delete(url('nike|shoes')).set('Authorization', await as('regulator1')), 403, 'PRICE_FLOOR_DELETE_NATIONAL_ONLY');
    assert.match((refused as { detailZh?: string }).detailZh ?? '', /全国/);
    assert.ok((await floors()).some((f) => f.key === 'nike|shoes'), 'still there');
    // Regulators always have a jurisdiction (accounts require one), so in practice an admin removes floors.
    await s.http().delete(url('nike|shoes')).set('Authorization', await as('admin')).expect(204);
    assert.ok(!(await floors()).some((f) => f.key === 'nike|shoes'));
  });

  it('deleting removes the floor (audited); deleting it again is 404; the defaults never come back after an edit', async () => {
    const reg = await as('admin');
    await s.http().delete(url('nike|clothing')).set('Authorization', reg).expect(204);
    assert.ok(!(await floors()).some((f) => f.key === 'nike|clothing'));
    expectProblem(await s.http().delete(url('nike|clothing')).set('Authorization', reg), 404, 'PRICE_FLOOR_NOT_FOUND');
    const audits = await s.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'price_floor.delete'));
    assert.deepEqual(audits.map((a) => [a.subjectId, a.actorUsername]).sort(), [['nike|clothing', 'admin'], ['nike|shoes', 'admin']]);
    // Even with every floor gone, a restart does not put the defaults back: they were edited.
    await s.ctx.db.execute(sql`delete from ring_price_floors`);
    assert.equal(await seedPriceFloors(s.ctx.db), 0);
    assert.equal((await floors()).length, 0);
  });

  it('a protected brand declared far below its floor is marked implausible in its ring; at a plausible price it is not', async () => {
    const reg = await as('regulator1');
    await s.http().put(url('gucci|bags')).set('Authorization', reg).send({ floorCny: 4000, source: 'gucci.cn' }).expect(200);
    const courier = await as('courier1');
    const intake = (valueCny: number, n: number) =>
      s.http().post('/api/parcels').set('Authorization', courier).send(aParcel({ recipient: aConsignee(60 + n), declared: { description: '女包', category: 'bags', quantity: 1, valueCny, brand: '古驰' } })).expect(201);
    const low = await intake(50, 1);
    const fair = await intake(3500, 2);
    const member = async (r: { body: { parcel: { id: string } } }) => (await s.ctx.db.select().from(ringMembers).where(eq(ringMembers.parcelId, r.body.parcel.id)))[0];
    assert.equal((await member(low))?.implausible, true);
    assert.equal((await member(fair))?.implausible, false);
  });
});
