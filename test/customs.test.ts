// Customs inspection rates through the API: a customs officer raises a route's rate, couriers' intakes on
// that route are selected at it and told so, the history says who and why, the rate falls back after its
// expiry, outcomes are recorded once, seizures feed route risk and the ring's alert, keys rotate, and
// jurisdictions hold.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { aParcel, aResidentId, aWaybill } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const ROUTE = '4401-US-postal';

let person = 0;
/** A sender of their own (parcels of these tests must not form rings unless a test means them to). */
function aSender(phone?: string) {
  person++;
  return {
    idNumber: aResidentId('440106', `19${50 + (person % 45)}0${1 + (person % 9)}1${person % 10}`, String(100 + person).padStart(3, '0')),
    name: `王${'一二三四五六七八九十'[person % 10]}${'甲乙丙丁戊己庚辛壬癸'[Math.floor(person / 10) % 10]}`,
    phone: phone ?? `139${String(10_000_000 + person * 7919).slice(-8)}`,
    address: `广东省广州市天河区林和西路${person}号`,
  };
}
const aRecipient = (country = 'US') => ({
  name: `${['Jane', 'Mary', 'Anna', 'Lucy', 'Emma', 'Rose', 'Kate', 'Ruth'][person % 8]} ${['Doe', 'Moss', 'Hart', 'Lane', 'Cole', 'Reed', 'Ward', 'Hale', 'Fox', 'Gray'][Math.floor(person / 8) % 10]}`,
  phone: country === 'US' ? `+1 415 555 ${String(1000 + person).slice(-4)}` : undefined,
  address: `${person} Main St, Springfield`,
  country,
});
const crossBorder = (over: Record<string, unknown> = {}) =>
  aParcel({ sender: aSender(), recipient: aRecipient(), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined }, ...over });

describe('customs inspection rates (API)', () => {
  let s: TestServer;
  const token = (u: string) => s.login(u);
  const as = async (u: string) => ({ Authorization: `Bearer ${await token(u)}` });
  const intake = async (body: object) => s.http().post('/api/parcels').set(await as('courier1')).send(body);
  const setRate = async (routeKey: string, body: object, user = 'customs1') => s.http().put(`/api/routes/${routeKey}/inspection-rate`).set(await as(user)).send(body);
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
  });
  after(() => s?.close());

  it('makes one selection key however many first intakes arrive together', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => intake(crossBorder())));
    assert.deepEqual(results.map((r) => r.status), new Array(8).fill(201));
    const keys = await s.http().get('/api/customs/selection-keys').set(await as('admin'));
    assert.equal(keys.body.length, 1, JSON.stringify(keys.body));
  });

  it('tells the courier the route, rate and selection of every cross-border parcel, and nothing for a domestic one', async () => {
    const res = await intake(crossBorder());
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.customsInspection, { selected: false, rate: 0, routeKey: ROUTE, grounds: [], rateSource: 'route', routeRate: 0 });
    const express = await intake(crossBorder({ waybillNo: 'SF1234567890123', carrier: 'SF' }));
    assert.equal(express.body.customsInspection.routeKey, '4401-US-express');
    const domestic = await intake(aParcel({ sender: aSender(), recipient: { name: '李四', phone: '13900139000', address: '北京市朝阳区建国路1号', country: 'CN' } }));
    assert.equal(domestic.status, 201);
    assert.equal(domestic.body.customsInspection, undefined);
  });

  it('refuses bad rates, reasons, expiries and route keys with specific codes', async () => {
    await expectProblem(await setRate(ROUTE, { rate: 1.5, reason: 'x' }), 400, 'RATE_OUT_OF_RANGE');
    await expectProblem(await setRate(ROUTE, { rate: -0.1, reason: 'x' }), 400, 'RATE_OUT_OF_RANGE');
    await expectProblem(await setRate(ROUTE, { rate: '0.5', reason: 'x' }), 400, 'RATE_INVALID');
    await expectProblem(await setRate(ROUTE, { rate: 0.5 }), 400, 'REASON_REQUIRED');
    await expectProblem(await setRate(ROUTE, { rate: 0.5, reason: '   ' }), 400, 'REASON_REQUIRED');
    await expectProblem(await setRate(ROUTE, { rate: 0.5, reason: 'x', expiresAt: 'next week' }), 400, 'EXPIRY_INVALID');
    const past = await setRate(ROUTE, { rate: 0.5, reason: 'x', expiresAt: new Date(Date.now() - 60_000).toISOString() });
    await expectProblem(past, 422, 'EXPIRY_IN_PAST');
    assert.equal(past.body.errors[0].path, 'expiresAt');
    await expectProblem(await setRate(ROUTE, { rate: 0.5, reason: 'x', expiresAt: '2062-01-01T00:00:00Z' }), 422, 'EXPIRY_TOO_FAR');
    await expectProblem(await setRate('4401-US-air', { rate: 0.5, reason: 'x' }), 400, 'ROUTE_KEY_INVALID');
    await expectProblem(await setRate('4401-CN-postal', { rate: 0.5, reason: 'x' }), 400, 'ROUTE_KEY_INVALID');
    await expectProblem(await setRate('4405-US-postal', { rate: 0.5, reason: 'x' }), 404, 'ROUTE_UNKNOWN'); // no outlet in Shantou
    await expectProblem(await setRate('3307-US-postal', { rate: 0.5, reason: 'x' }), 403, 'OUTSIDE_JURISDICTION');
    await expectProblem(await setRate(ROUTE, { rate: 0.5, reason: 'x' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');
    await expectProblem(await setRate(ROUTE, { rate: 0.5, reason: 'x' }, 'courier1'), 403, 'ROLE_FORBIDDEN');
    const history = await s.http().get(`/api/routes/${ROUTE}`).set(await as('customs1'));
    assert.deepEqual(history.body.history, [], 'nothing refused was written');
  });

  it('selects intakes on a raised route at the new rate, says so, and keeps who did it and why', async () => {
    const raised = await setRate(ROUTE, { rate: 1, reason: '蚂蚁搬家团伙经本路线出境（预警 A-17）' });
    assert.equal(raised.status, 200, JSON.stringify(raised.body));
    assert.equal(raised.body.rate, 1);
    assert.equal(raised.body.raised, true);
    assert.equal(raised.body.setBy, 'customs1');
    assert.deepEqual(
      { action: raised.body.change.action, rate: raised.body.change.rate, previousRate: raised.body.change.previousRate, changedBy: raised.body.change.changedBy },
      { action: 'set', rate: 1, previousRate: 0, changedBy: 'customs1' },
    );

    for (let i = 0; i < 3; i++) {
      const res = await intake(crossBorder());
      assert.deepEqual(res.body.customsInspection, { selected: true, rate: 1, routeKey: ROUTE, grounds: ['RANDOM'], rateSource: 'route', routeRate: 1 });
    }
    // Other routes keep their own rate.
    assert.equal((await intake(crossBorder({ recipient: aRecipient('JP') }))).body.customsInspection.selected, false);
    // A parcel refused at the counter never leaves it: not selected.
    const refused = await intake(crossBorder({ screening: { result: 'prohibited', machineId: 'XR-01' } }));
    assert.equal(refused.body.verdict, 'rejected');
    assert.deepEqual(refused.body.customsInspection, { selected: false, rate: 1, routeKey: ROUTE, grounds: [], rateSource: 'route', routeRate: 1 });

    const route = await s.http().get(`/api/routes/${ROUTE}`).set(await as('customs1'));
    assert.equal(route.status, 200);
    assert.equal(route.body.history[0].reason, '蚂蚁搬家团伙经本路线出境（预警 A-17）');
    assert.equal(route.body.history[0].changedBy, 'customs1');
    assert.equal(route.body.selected7d, 3);
    const [audit] = await queryRows<{ actor_username: string; details: { rate: number; previousRate: number } }>(
      s.ctx.db,
      sql`select actor_username, details from audit_log where action = 'route.rate.set' and subject_id = ${ROUTE}`,
    );
    assert.equal(audit?.actor_username, 'customs1');
    assert.deepEqual([audit?.details.rate, audit?.details.previousRate], [1, 0]);
  });

  it('selects exactly the parcels whose keyed draw falls under the rate, reproducibly', async () => {
    await setRate(ROUTE, { rate: 0.5, reason: 'half while we look' });
    let selected = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const res = await intake(crossBorder());
      assert.equal(res.body.customsInspection.rate, 0.5);
      const audit = await s.http().get(`/api/parcels/${res.body.parcel.waybillNo}/customs-inspection`).set(await as('customs1'));
      assert.equal(audit.status, 200);
      assert.equal(audit.body.reproduced, true);
      assert.equal(res.body.customsInspection.selected, audit.body.draw < 0.5);
      if (res.body.customsInspection.selected) selected++;
    }
    // 40 draws at 0.5: anything from 8 to 32 is within 4.5 standard deviations.
    assert.ok(selected >= 8 && selected <= 32, `${selected} of ${n} selected at rate 0.5`);
  });

  it('falls back to the base rate once the set rate expires, and lists the route at it', async () => {
    const expiresAt = inFuture(1500);
    await setRate(ROUTE, { rate: 1, reason: 'one more sweep', expiresAt });
    assert.equal((await intake(crossBorder())).body.customsInspection.selected, true);
    const before = await s.http().get('/api/routes').set(await as('customs1'));
    assert.equal(before.body.find((r: { routeKey: string }) => r.routeKey === ROUTE).raisedUntil, new Date(expiresAt).toISOString());
    await new Promise((r) => setTimeout(r, Date.parse(expiresAt) - Date.now() + 50));
    assert.deepEqual((await intake(crossBorder())).body.customsInspection, { selected: false, rate: 0, routeKey: ROUTE, grounds: [], rateSource: 'route', routeRate: 0 });
    const after = (await s.http().get('/api/routes').set(await as('customs1'))).body.find((r: { routeKey: string }) => r.routeKey === ROUTE);
    assert.deepEqual([after.rate, after.raised, after.raisedUntil, after.baseRate], [0, false, null, 0]);
  });

  it('restores the base rate on request, once', async () => {
    await setRate(ROUTE, { rate: 0.3, reason: 'until further notice' });
    const restore = async () => s.http().delete(`/api/routes/${ROUTE}/inspection-rate`).set(await as('customs1')).send({ reason: 'ring broken up' });
    const first = await restore();
    assert.equal(first.status, 200);
    assert.deepEqual([first.body.rate, first.body.change.action, first.body.change.previousRate], [0, 'restore', 0.3]);
    assert.equal((await restore()).body.change, null);
    assert.equal((await intake(crossBorder())).body.customsInspection.rate, 0);
    const history = (await s.http().get(`/api/routes/${ROUTE}`).set(await as('customs1'))).body.history;
    assert.deepEqual(history.slice(0, 2).map((h: { action: string; reason: string }) => [h.action, h.reason]), [['restore', 'ring broken up'], ['set', 'until further notice']]);
  });

  it('records an inspection outcome once, for selected parcels only', async () => {
    await setRate(ROUTE, { rate: 1, reason: 'outcomes' });
    const wb = (await intake(crossBorder())).body.parcel.waybillNo;
    const outcome = async (waybillNo: string, body: object, user = 'customs1') =>
      s.http().post(`/api/parcels/${waybillNo}/customs-outcome`).set(await as(user)).send(body);

    const pending = await s.http().get('/api/customs/inspections?status=pending').set(await as('customs1'));
    assert.ok(pending.body.inspections.some((i: { waybillNo: string }) => i.waybillNo === wb));

    await expectProblem(await outcome(wb, { outcome: 'seized' }), 400, 'NOTE_REQUIRED');
    await expectProblem(await outcome(wb, { outcome: 'lost', note: 'x' }), 400, 'OUTCOME_UNKNOWN');
    await expectProblem(await outcome(wb, { outcome: 'cleared' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');
    const cleared = await outcome(wb, { outcome: 'cleared', note: '与申报一致' });
    assert.equal(cleared.status, 200);
    assert.deepEqual([cleared.body.inspection.outcome, cleared.body.inspection.decidedBy], ['cleared', 'customs1']);
    assert.equal((await outcome(wb, { outcome: 'cleared', note: '与申报一致' })).status, 200, 'a retry of the same outcome');
    await expectProblem(await outcome(wb, { outcome: 'seized', note: 'changed my mind' }), 409, 'OUTCOME_ALREADY_RECORDED');
    const record = await s.http().get(`/api/parcels/${wb}`).set(await as('customs1'));
    assert.deepEqual([record.body.parcel.customsInspection.selected, record.body.parcel.customsInspection.outcome], [true, 'cleared']);

    const notSelected = (await intake(crossBorder({ recipient: aRecipient('JP') }))).body.parcel.waybillNo;
    await expectProblem(await outcome(notSelected, { outcome: 'cleared' }), 409, 'NOT_SELECTED_FOR_INSPECTION');
    await expectProblem(await outcome(aWaybill(), { outcome: 'cleared' }), 404, 'PARCEL_NOT_FOUND');
  });

  it('ranks a route with seizures first, with the evidence, and suggests a rate', async () => {
    const route = '4401-GB-postal';
    await setRate(route, { rate: 1, reason: 'tip-off' });
    for (let i = 0; i < 2; i++) {
      const wb = (await intake(crossBorder({ recipient: aRecipient('GB') }))).body.parcel.waybillNo;
      const res = await s.http().post(`/api/parcels/${wb}/customs-outcome`).set(await as('customs1')).send({ outcome: 'seized', note: '假冒品牌手袋 12 只' });
      assert.equal(res.status, 200);
    }
    const routes = (await s.http().get('/api/routes').set(await as('customs1'))).body;
    assert.equal(routes[0].routeKey, route);
    assert.equal(routes[0].seized30d, 2);
    assert.equal(routes[0].risk.evidence[0].code, 'CUSTOMS_SEIZURES');
    assert.notEqual(routes[0].risk.level, 'normal');
    // Regulators read the same list; suggestions filter.
    const read = await s.http().get('/api/routes?suggested=false').set(await as('regulator1'));
    assert.equal(read.status, 200);
    assert.ok(read.body.every((r: { risk: { suggested: boolean } }) => !r.risk.suggested));
  });

  it('feeds a seizure into the ring: a quiet ring alerts, an alerted ring’s alert shows it', async () => {
    await setRate('4401-RU-postal', { rate: 1, reason: 'rings to Russia' });
    const consignee = { name: 'Pavel Orlov', phone: '+7 912 000 1122', address: '5 Nevsky Prospekt, St Petersburg', country: 'RU' };
    // Three identities over one phone, to one consignee, tea at ordinary values: who-sends-to-whom only, no goods evidence.
    const quiet = [];
    for (let i = 0; i < 3; i++) {
      const res = await intake(aParcel({ sender: aSender('13712340001'), recipient: consignee, declared: { description: '普洱茶饼', category: 'tea', quantity: 2, valueCny: 300, brand: undefined } }));
      assert.equal(res.body.verdict, 'accepted', JSON.stringify(res.body.reasons));
      assert.equal(res.body.customsInspection.selected, true);
      quiet.push(res.body.parcel.waybillNo);
    }
    const seized = await s.http().post(`/api/parcels/${quiet[1]}/customs-outcome`).set(await as('customs1')).send({ outcome: 'seized', note: '茶饼内夹带仿冒手表 6 只' });
    assert.equal(seized.status, 200);
    assert.equal(seized.body.alerts.length, 1);
    const alert = await s.http().get(`/api/alerts/${seized.body.alerts[0].id}`).set(await as('customs1'));
    assert.equal(alert.body.type, 'ANT_MOVING');
    assert.equal(alert.body.parcelCount, 3);
    assert.equal(alert.body.routeKey, '4401-RU-postal');
    assert.ok(alert.body.evidence.some((e: { code: string }) => e.code === 'CUSTOMS_SEIZURES'));
    // The ring's next parcel is held, the seizure being evidence now.
    const next = await intake(aParcel({ sender: aSender('13712340001'), recipient: consignee, declared: { description: '普洱茶饼', category: 'tea', quantity: 2, valueCny: 300, brand: undefined } }));
    assert.equal(next.body.verdict, 'held');
    assert.equal(next.body.alerts[0].id, alert.body.id);
    assert.equal((await s.http().get(`/api/alerts/${alert.body.id}`).set(await as('customs1'))).body.parcelCount, 4);
  });

  it('rotates the selection key: new parcels use the new key, old ones still reproduce', async () => {
    const old = (await intake(crossBorder())).body.parcel.waybillNo;
    const oldAudit = await s.http().get(`/api/parcels/${old}/customs-inspection`).set(await as('admin'));
    await expectProblem(await s.http().post('/api/customs/selection-keys').set(await as('customs1')), 403, 'ROLE_FORBIDDEN');
    const rotated = await s.http().post('/api/customs/selection-keys').set(await as('admin'));
    assert.equal(rotated.status, 201);
    assert.notEqual(rotated.body.id, oldAudit.body.keyId);
    const keys = (await s.http().get('/api/customs/selection-keys').set(await as('admin'))).body;
    assert.deepEqual(keys.map((k: { id: string; current: boolean; usable: boolean }) => [k.id, k.current, k.usable]), [[rotated.body.id, true, true], [oldAudit.body.keyId, false, true]]);
    assert.equal(JSON.stringify(keys).includes('sealed'), false);

    const fresh = (await intake(crossBorder())).body.parcel.waybillNo;
    const freshAudit = await s.http().get(`/api/parcels/${fresh}/customs-inspection`).set(await as('admin'));
    assert.equal(freshAudit.body.keyId, rotated.body.id);
    assert.equal(freshAudit.body.reproduced, true);
    assert.equal((await s.http().get(`/api/parcels/${old}/customs-inspection`).set(await as('admin'))).body.reproduced, true);
  });

  it('keeps a customs officer to the routes and parcels of their jurisdiction', async () => {
    const made = await s.http().post('/api/users').set(await as('admin')).send({ username: 'customs33', password: 'zhejiang-customs', role: 'customs_officer', jurisdiction: '33' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const zj = await s.login('customs33', 'zhejiang-customs');
    const routes = await s.http().get('/api/routes').set('Authorization', `Bearer ${zj}`);
    assert.equal(routes.status, 200);
    assert.deepEqual(routes.body.filter((r: { originCity: string }) => !r.originCity.startsWith('33')), []);
    await expectProblem(await s.http().get(`/api/routes/${ROUTE}`).set('Authorization', `Bearer ${zj}`), 403, 'OUTSIDE_JURISDICTION');
    await expectProblem(await s.http().put(`/api/routes/${ROUTE}/inspection-rate`).set('Authorization', `Bearer ${zj}`).send({ rate: 0, reason: 'x' }), 403, 'OUTSIDE_JURISDICTION');
    const gd = (await s.http().get('/api/customs/inspections?status=all').set(await as('customs1'))).body.inspections[0].waybillNo;
    await expectProblem(await s.http().post(`/api/parcels/${gd}/customs-outcome`).set('Authorization', `Bearer ${zj}`).send({ outcome: 'cleared' }), 404, 'PARCEL_NOT_FOUND');
    assert.deepEqual((await s.http().get('/api/customs/inspections?status=all').set('Authorization', `Bearer ${zj}`)).body.inspections, []);
    // Yiwu's routes are theirs.
    assert.equal((await s.http().put('/api/routes/3307-US-postal/inspection-rate').set('Authorization', `Bearer ${zj}`).send({ rate: 0.2, reason: '义乌小商品' })).status, 200);
  });
});
