// Interception orders are withdrawn when their reasons are taken back: an alert resolved as a false positive, parcels
// split out of the ring, a suspect-list entry deleted. The source leaves the open orders; an order left with none is
// withdrawn (audited, announced, off the outlet's list) and its parcel is accepted again. An officer's retried order
// adds no second source.
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { alerts, auditLog } from '../models/schema.js';
import type { InterceptionChange } from '../server/interception/events.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { interceptionEvent } from '../server/webhooks/events.js';
import { aHeldParcel, aParcel, ringParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Order = { id: string; waybillNo: string; status: string; sources: { kind: string; by: string | null; entryId: string | null }[]; answer: { result: string } | null };

describe('interception orders withdrawn when their reasons go', () => {
  let s: TestServer;
  const T = new Date(Math.floor(Date.now() / 1000) * 1000);
  let clock = T;
  const events: InterceptionChange[] = [];

  before(async function () {
    this.timeout(60_000);
    s = await startTestServer({ JOBS_ENABLED: 'false' }, {}, undefined, { clock: () => clock });
    s.ctx.bus.on('interception', (c: InterceptionChange) => events.push(c));
  });
  after(() => s?.close());

  const as = async (user: string) => `Bearer ${await s.login(user)}`;
  const intake = async (body: object) => {
    const res = await s.http().post('/api/parcels').set('Authorization', await as('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { parcel: { waybillNo: string }; verdict: string; alerts: { id: string; type: string }[] };
  };
  const orders = async (user: string, query: string) =>
    (await s.http().get(`/api/interceptions?${query}`).set('Authorization', await as(user)).expect(200)).body.interceptions as Order[];
  const orderOf = async (waybillNo: string) => (await orders('regulator1', 'status=all&limit=200')).find((o) => o.waybillNo === waybillNo);
  const statusOf = async (waybillNo: string) =>
    (await s.http().get(`/api/parcels/${waybillNo}`).set('Authorization', await as('regulator1')).expect(200)).body.parcel.status as string;
  const order = async (user: string, waybillNo: string, note: string) =>
    s.http().post(`/api/parcels/${waybillNo}/intercept`).set('Authorization', await as(user)).send({ note });
  const withdrawAudits = async (waybillNo: string) =>
    s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'interception.withdraw'), eq(auditLog.subjectId, waybillNo)));
  // A ring of three on one phone: the third opens its alert, which orders the first two stopped.
  const ringOf = async (phone: string) => {
    const taken = [];
    for (let i = 0; i < 3; i++) {
      const p = ringParcel(phone);
      taken.push(await intake({ ...p, declared: { ...p.declared, description: '儿童毛绒玩具' } }));
    }
    const alertId = taken[2]!.alerts.find((a) => a.type === 'ANT_MOVING')?.id;
    assert.ok(alertId, 'the third parcel opens the ring alert');
    return { alertId, waybills: taken.map((t) => t.parcel.waybillNo) };
  };

  it('an alert resolved as a false positive withdraws the orders resting only on it; one with an officer’s order stays', async () => {
    const { alertId, waybills } = await ringOf('13977770061');
    const [w0, w1] = waybills as [string, string];
    assert.equal((await orderOf(w1))?.status, 'requested');
    assert.equal((await order('regulator1', w0, '专案组要求拦截')).status, 200);
    assert.ok((await orders('courier1', 'status=open&limit=200')).some((o) => o.waybillNo === w1), 'on the outlet’s list');

    events.length = 0;
    const resolved = await s.http().post(`/api/alerts/${alertId}/resolve`).set('Authorization', await as('regulator1')).send({ resolution: 'false_positive', note: '同一家庭寄往同一地址' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));

    const gone = await orderOf(w1);
    assert.equal(gone?.status, 'withdrawn');
    assert.equal(gone?.answer?.result, 'withdrawn');
    assert.deepEqual(gone?.sources, []);
    assert.equal(await statusOf(w1), 'accepted', 'on its way again');
    assert.ok(!(await orders('courier1', 'status=open&limit=200')).some((o) => o.waybillNo === w1), 'off the outlet’s list');
    assert.deepEqual(events.map((e) => [e.event, e.order.waybillNo]), [['interception:withdrawn', w1]], 'announced after commit');
    assert.equal(interceptionEvent(events[0]!).type, 'interception.withdrawn', 'webhooks relay it as withdrawn, not overdue');
    const audit = await withdrawAudits(w1);
    assert.equal(audit.length, 1);
    assert.equal((audit[0]!.details as { cause: string }).cause, 'alert_false_positive');

    const kept = await orderOf(w0);
    assert.equal(kept?.status, 'requested', 'the officer’s own order still stands');
    assert.deepEqual(kept?.sources.map((x) => x.kind), ['manual']);
    assert.equal(await statusOf(w0), 'intercept_requested');
    assert.equal((await withdrawAudits(w0)).length, 0);

    // Withdrawn asks nothing of the outlet; a new reason orders it again.
    expectProblem(await s.http().post(`/api/parcels/${w1}/interception`).set('Authorization', await as('courier1')).send({ result: 'intercepted' }), 409, 'NOT_ORDERED');
    const again = await order('regulator1', w1, '再次拦截');
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.interception.status, 'requested');
    assert.equal(again.body.interception.answer, null);
    assert.equal(await statusOf(w1), 'intercept_requested');
  });

  it('parcels split out of a ring lose the ring alert’s orders; those still in the ring keep theirs', async () => {
    const { alertId, waybills } = await ringOf('13977770062');
    const [w0, w1] = waybills as [string, string];
    const [alert] = await s.ctx.db.select({ groupKey: alerts.groupKey }).from(alerts).where(eq(alerts.id, alertId));
    const ringId = alert!.groupKey.replace(/^ring:/, '');
    events.length = 0;
    const split = await s.http().post(`/api/rings/${ringId}/split`).set('Authorization', await as('regulator1')).send({ waybillNos: [w0], note: '另一寄件人，非团伙' });
    assert.equal(split.status, 200, JSON.stringify(split.body));
    assert.equal((await orderOf(w0))?.status, 'withdrawn');
    assert.equal(await statusOf(w0), 'accepted');
    assert.equal((await orderOf(w1))?.status, 'requested');
    assert.deepEqual(events.filter((e) => e.event === 'interception:withdrawn').map((e) => e.order.waybillNo), [w0]);
    assert.equal((await withdrawAudits(w0)).length, 1);
  });

  it('a deleted suspect-list entry withdraws the orders it made', async () => {
    const phone = '13977770063';
    const p = aParcel({ ...unlinkedParties(), declared: { description: '运动服', brand: undefined } });
    const past = await intake({ ...p, sender: { ...p.sender, phone } });
    assert.equal(past.verdict, 'accepted');
    clock = new Date(T.getTime() + 1000);
    try {
      const listed = await s.http().post('/api/watchlist/entries').set('Authorization', await as('regulator1')).send({ entries: [{ type: 'phone', value: phone, note: '撤销测试' }] });
      assert.equal(listed.status, 201, JSON.stringify(listed.body));
      await createJobRunner(s.ctx, { pollMs: 1000, worker: 'withdraw-test' }).runOnce();
      const ordered = await orderOf(past.parcel.waybillNo);
      assert.equal(ordered?.status, 'requested');
      const entryId = ordered!.sources[0]!.entryId!;
      events.length = 0;
      await s.http().delete(`/api/watchlist/entries/${entryId}`).set('Authorization', await as('regulator1')).expect(204);
    } finally {
      clock = T;
    }
    assert.equal((await orderOf(past.parcel.waybillNo))?.status, 'withdrawn');
    assert.equal(await statusOf(past.parcel.waybillNo), 'accepted');
    assert.deepEqual(events.map((e) => [e.event, e.order.waybillNo]), [['interception:withdrawn', past.parcel.waybillNo]]);
  });

  it('an officer’s retried order adds no second source or audit row; a second officer adds theirs', async () => {
    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '网球拍', brand: undefined } }));
    const w = lone.parcel.waybillNo;
    assert.equal((await order('regulator1', w, '拦截')).status, 201);
    clock = new Date(T.getTime() + 5000);
    try {
      const retried = await order('regulator1', w, '拦截');
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.deepEqual(retried.body.interception.sources.map((x: { by: string }) => x.by), ['regulator1']);
      const second = await order('admin', w, '总部要求');
      assert.deepEqual(second.body.interception.sources.map((x: { by: string }) => x.by), ['regulator1', 'admin']);
    } finally {
      clock = T;
    }
    const audit = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'interception.order'), eq(auditLog.subjectId, w)));
    assert.deepEqual(audit.map((a) => a.actorUsername).sort(), ['admin', 'regulator1']);
  });

  it('conflicts name statuses in words, never a raw code, in Chinese and in English', async () => {
    const rawCode = /\b(intercept_requested|intercept_not_found|held|not_found|already_delivered|released|refused|accepted|delivered)\b/;
    const zhOnly = (body: { detailZh?: string; detail?: string }, word: string) => {
      assert.ok(body.detailZh?.includes(word), body.detailZh);
      assert.doesNotMatch(body.detailZh!, rawCode);
      assert.doesNotMatch(body.detail!, /intercept_requested|intercept_not_found|not_found/, body.detail);
    };
    const held = await intake(aHeldParcel());
    zhOnly(expectProblem(await order('regulator1', held.parcel.waybillNo, '已暂扣'), 409, 'NOT_INTERCEPTABLE'), '暂扣');

    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '篮球', brand: undefined } }));
    const w = lone.parcel.waybillNo;
    assert.equal((await order('regulator1', w, '拦截')).status, 201);
    const release = async () => s.http().post(`/api/parcels/${w}/release`).set('Authorization', await as('regulator1')).send({ note: '放行' });
    zhOnly(expectProblem(await release(), 409, 'NOT_HELD'), '待拦截');
    assert.equal((await s.http().post(`/api/parcels/${w}/interception`).set('Authorization', await as('courier1')).send({ result: 'not_found', note: '未找到' })).status, 200);
    const twice = await s.http().post(`/api/parcels/${w}/interception`).set('Authorization', await as('courier1')).send({ result: 'intercepted' });
    zhOnly(expectProblem(twice, 409, 'INTERCEPTION_ALREADY_ANSWERED'), '未找到');
    zhOnly(expectProblem(await order('regulator1', w, '再拦'), 409, 'INTERCEPTION_ALREADY_ANSWERED'), '未找到');

    const decided = held.parcel.waybillNo;
    const refuse = async () => s.http().post(`/api/parcels/${decided}/refuse`).set('Authorization', await as('regulator1')).send({ note: '退回', disposition: 'returned_to_sender' });
    assert.equal((await refuse()).status, 200);
    zhOnly(expectProblem(await refuse(), 409, 'HOLD_ALREADY_DECIDED'), '已退回');
  });

  it('what a list flags as still in the network is what is ordered: one rule (a cross-border parcel 10 days old)', async () => {
    const phone = '13977770064';
    const p = aParcel({ ...unlinkedParties(), declared: { description: '运动服', brand: undefined } });
    clock = new Date(T.getTime() - 10 * 24 * 3_600_000);
    let past;
    try {
      past = await intake({ ...p, sender: { ...p.sender, phone } });
    } finally {
      clock = T;
    }
    assert.equal(past.verdict, 'accepted');
    const listed = await s.http().post('/api/watchlist/entries').set('Authorization', await as('regulator1')).send({ entries: [{ type: 'phone', value: phone, note: '跨境' }] });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'in-network-test' }).runOnce();
    assert.equal((await orderOf(past.parcel.waybillNo))?.status, 'requested', 'cross-border: 21 days in the network, as the list’s flag says');
  });
});
