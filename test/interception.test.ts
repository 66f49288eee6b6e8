// Interception of parcels already in the network (拦截件, issue 23): a ring alert at its third parcel orders the first
// two stopped and only them, growth orders nothing twice, a suspect-list entry listed later orders its matching past
// parcels, the outlet's answers (intercepted → a hold decided like any other), escalation past due, and who sees what.
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../models/schema.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { enqueueJob } from '../server/jobs/store.js';
import type { InterceptionChange } from '../server/interception/events.js';
import { aHeldParcel, aParcel, domestic, ringParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Order = {
  id: string;
  waybillNo: string;
  status: string;
  overdue: boolean;
  escalatedAt: string | null;
  dueAt: string;
  orderedAt: string;
  sources: { kind: string; alertId: string | null; entryId: string | null; by: string | null; reason: { code: string; messageZh: string } }[];
  answer: { result: string; note: string | null; by: string } | null;
};

describe('interception of parcels already in the network', () => {
  let s: TestServer;
  // The server's clock: the real time at start, moved by the escalation test.
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
  const intake = async (body: object, daysAgo = 0) => {
    clock = new Date(T.getTime() - daysAgo * DAY);
    try {
      const res = await s.http().post('/api/parcels').set('Authorization', await as('courier1')).send(body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { parcel: { waybillNo: string; id: string }; verdict: string; alerts: { id: string; type: string }[] };
    } finally {
      clock = T;
    }
  };
  const orders = async (user: string, query: string) => {
    const res = await s.http().get(`/api/interceptions?${query}`).set('Authorization', await as(user));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.interceptions as Order[];
  };
  const parcel = async (waybillNo: string, user = 'regulator1') =>
    (await s.http().get(`/api/parcels/${waybillNo}`).set('Authorization', await as(user)).expect(200)).body.parcel as {
      status: string;
      interception: Order | null;
      hold: { reasons: { code: string }[]; status: string; mayDecide: boolean } | null;
    };
  const answer = async (user: string, waybillNo: string, body: object) =>
    s.http().post(`/api/parcels/${waybillNo}/interception`).set('Authorization', await as(user)).send(body);
  const order = async (user: string, waybillNo: string, body: object) =>
    s.http().post(`/api/parcels/${waybillNo}/intercept`).set('Authorization', await as(user)).send(body);
  // A ring's parcel declared in words of its own (the ring is recognised by its phone, values and identities).
  const ring = (phone: string) => {
    const p = ringParcel(phone);
    return { ...p, declared: { ...p.declared, description: '儿童毛绒玩具' } };
  };

  let ringWaybills: string[] = [];
  let alertId = '';

  it('a ring alert at its third parcel orders the first two stopped, and only them; growth orders nothing twice', async () => {
    events.length = 0;
    const phone = '13977770023';
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await intake(ring(phone)));
    assert.deepEqual([taken[0]!.alerts, taken[1]!.alerts], [[], []], 'two parcels are not a ring yet');
    assert.equal(taken[1]!.verdict, 'accepted');
    alertId = taken[2]!.alerts.find((a) => a.type === 'ANT_MOVING')?.id ?? '';
    assert.ok(alertId, 'the third parcel opens the ring alert');
    ringWaybills = taken.map((t) => t.parcel.waybillNo);

    const ordered = await orders('regulator1', `alertId=${alertId}&status=all`);
    assert.deepEqual(ordered.map((o) => o.waybillNo).sort(), ringWaybills.slice(0, 2).sort(), 'the first two, not the one that raised it');
    for (const o of ordered) {
      assert.equal(o.status, 'requested');
      assert.equal(o.overdue, false);
      assert.equal(new Date(o.dueAt).getTime() - new Date(o.orderedAt).getTime(), 24 * HOUR);
      assert.deepEqual(o.sources.map((x) => [x.kind, x.alertId]), [['alert', alertId]]);
      assert.match(o.sources[0]!.reason.messageZh, /拦截/);
    }
    const first = await parcel(ringWaybills[0]!);
    assert.equal(first.status, 'intercept_requested');
    assert.equal(first.interception?.id, ordered.find((o) => o.waybillNo === ringWaybills[0])!.id);
    assert.equal((await parcel(ringWaybills[2]!)).interception, null, 'the third is decided by its own verdict');
    assert.deepEqual(
      events.map((e) => [e.event, e.order.waybillNo]).sort(),
      ringWaybills.slice(0, 2).map((w) => ['interception:ordered', w]).sort(),
      'announced once committed, one event per order',
    );

    // The ring grows three more times: nothing is ordered again, no source is added twice.
    for (let i = 0; i < 3; i++) assert.equal((await intake(ring(phone))).alerts.find((a) => a.type === 'ANT_MOVING')?.id, alertId);
    const after = await orders('regulator1', `alertId=${alertId}&status=all`);
    assert.deepEqual(after.map((o) => o.waybillNo).sort(), ringWaybills.slice(0, 2).sort());
    assert.ok(after.every((o) => o.sources.length === 1));
    assert.equal(events.length, 2);
  });

  it('an officer orders by hand: a parcel ordered already gets the officer as a second source (200), a new one 201', async () => {
    const again = await order('regulator1', ringWaybills[0]!, { note: '专案组要求拦截' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.interception.sources.map((x: { kind: string }) => x.kind), ['alert', 'manual']);
    assert.equal(again.body.interception.sources[1].by, 'regulator1');

    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '运动鞋', brand: undefined } }));
    assert.equal(lone.verdict, 'accepted');
    expectProblem(await order('regulator2', lone.parcel.waybillNo, { note: '浙江' }), 404, 'PARCEL_NOT_FOUND');
    expectProblem(await order('courier1', lone.parcel.waybillNo, { note: 'x' }), 403);
    expectProblem(await order('regulator1', lone.parcel.waybillNo, {}), 400);
    const created = await order('customs1', lone.parcel.waybillNo, { note: '疑似侵权商品，拦截' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.interception.status, 'requested');
    assert.equal((await parcel(lone.parcel.waybillNo)).status, 'intercept_requested');
    const domesticParcel = await intake(aParcel({ ...unlinkedParties(), ...domestic, declared: { description: '运动鞋', brand: undefined } }));
    expectProblem(await order('customs1', domesticParcel.parcel.waybillNo, { note: '国内件' }), 404, 'PARCEL_NOT_FOUND');
    const held = await intake(aHeldParcel());
    expectProblem(await order('regulator1', held.parcel.waybillNo, { note: '已暂扣' }), 409, 'NOT_INTERCEPTABLE');
    const audit = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'interception.order'), eq(auditLog.subjectId, lone.parcel.waybillNo)));
    assert.equal(audit.length, 1);
  });

  it('a suspect-list entry listed later orders its matching past parcels still on their way, and only those', async () => {
    events.length = 0;
    const phone = '13977770031';
    const own = () => aParcel({ ...unlinkedParties(), declared: { description: '运动服', brand: undefined } });
    const withPhone = () => {
      const p = own();
      return { ...p, sender: { ...p.sender, phone } };
    };
    const recent = await intake(withPhone(), 2);
    const older = await intake(withPhone(), 5);
    // Still in the network is the app's one rule (retro's stillInNetwork): a cross-border parcel 21 days after intake.
    const tooOld = await intake(withPhone(), 25);
    const held = await intake(aHeldParcel({ sender: { phone } }), 1);
    const other = await intake(own(), 1);
    assert.deepEqual([recent.verdict, older.verdict, tooOld.verdict, held.verdict], ['accepted', 'accepted', 'accepted', 'held']);

    // Listed a second on: a list reaches back to parcels taken in before it (the ring's, taken in at T, among them).
    clock = new Date(T.getTime() + 1000);
    const listed = await s.http().post('/api/watchlist/entries').set('Authorization', await as('regulator1')).send({
      // The ring's phone too: its first two parcels, ordered already for the ring's alert, get the entry as one more source.
      entries: [{ type: 'phone', value: phone, note: '拦截测试' }, { type: 'phone', value: '13977770023', note: '团伙电话' }],
    });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'interception-test' }).runOnce();
    const run = (await s.http().get(`/api/watchlist/retro/${listed.body.retroScreening.jobId}`).set('Authorization', await as('regulator1')).expect(200)).body;
    assert.equal(run.status, 'done', JSON.stringify(run));
    clock = T;

    const byWaybill = new Map((await orders('regulator1', 'status=all&limit=200')).map((o) => [o.waybillNo, o]));
    for (const p of [recent, older]) {
      const o = byWaybill.get(p.parcel.waybillNo);
      assert.ok(o, `${p.parcel.waybillNo} ordered`);
      assert.deepEqual(o.sources.map((x) => x.kind), ['watchlist_entry']);
      assert.ok(o.sources[0]!.entryId && o.sources[0]!.alertId);
      assert.match(o.sources[0]!.reason.messageZh, /嫌疑名单/);
    }
    for (const p of [tooOld, held, other]) assert.ok(!byWaybill.has(p.parcel.waybillNo), `${p.parcel.waybillNo} not ordered`);
    assert.deepEqual(byWaybill.get(ringWaybills[0]!)?.sources.map((x) => x.kind), ['alert', 'manual', 'watchlist_entry'], 'one order, one source per asker');
    assert.deepEqual(byWaybill.get(ringWaybills[1]!)?.sources.map((x) => x.kind), ['alert', 'watchlist_entry']);
    assert.ok(!byWaybill.has(ringWaybills[2]!), 'the held third parcel is not ordered by the list either');
    assert.deepEqual(
      events.map((e) => e.order.waybillNo).sort(),
      [recent, older].map((p) => p.parcel.waybillNo).sort(),
      'announced after the chunk committed',
    );
  });

  it('the outlet answers once: intercepted becomes a hold decided like any other; not found needs a note', async () => {
    const [w1, w2] = ringWaybills as [string, string];
    expectProblem(await answer('courier2', w1, { result: 'intercepted' }), 404, 'PARCEL_NOT_FOUND');
    expectProblem(await answer('regulator2', w1, { result: 'intercepted' }), 404, 'PARCEL_NOT_FOUND');
    expectProblem(await answer('customs1', w1, { result: 'intercepted' }), 403);
    expectProblem(await answer('courier1', w1, { result: 'lost' }), 400);
    const noNote = await answer('courier1', w1, { result: 'not_found' });
    expectProblem(noNote, 422, 'NOTE_REQUIRED');
    assert.equal(noNote.body.errors[0].path, 'note');
    expectProblem(await answer('courier1', ringWaybills[2]!, { result: 'intercepted' }), 409, 'NOT_ORDERED');

    events.length = 0;
    const notFound = await answer('courier1', w1, { result: 'not_found', note: '分拣中心未找到该件' });
    assert.equal(notFound.status, 200, JSON.stringify(notFound.body));
    assert.deepEqual([notFound.body.interception.status, notFound.body.interception.answer.by], ['not_found', 'courier1']);
    expectProblem(await answer('supervisor1', w1, { result: 'intercepted' }), 409, 'INTERCEPTION_ALREADY_ANSWERED');
    assert.equal((await parcel(w1)).status, 'intercept_not_found');

    const holdEvents: string[] = [];
    const onHold = (c: { event: string; row: { hold: { waybillNo: string } } }) => holdEvents.push(`${c.event} ${c.row.hold.waybillNo}`);
    s.ctx.bus.on('hold', onHold);
    const stopped = await answer('courier1', w2, { result: 'intercepted', note: '已在转运中心截下' });
    s.ctx.bus.off('hold', onHold);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    assert.equal(stopped.body.interception.status, 'intercepted');
    assert.deepEqual(holdEvents, [`hold:new ${w2}`]);
    assert.deepEqual(events.map((e) => [e.event, e.order.waybillNo]), [['interception:answered', w1], ['interception:answered', w2]]);

    const held = await parcel(w2);
    assert.equal(held.status, 'held');
    assert.deepEqual(held.hold?.reasons.map((r) => r.code), ['INTERCEPTED']);
    assert.equal(held.hold?.mayDecide, true, 'the regulator decides an intercepted parcel');
    assert.equal(held.interception?.answer?.result, 'intercepted');
    const pending = (await s.http().get('/api/holds?status=pending&reason=INTERCEPTED').set('Authorization', await as('courier1')).expect(200)).body.holds;
    assert.deepEqual(pending.map((h: { waybillNo: string }) => h.waybillNo), [w2], 'the outlet sees it among its holds');
    // Decided like any hold from a ring: not by the outlet's supervisor, by the regulator.
    expectProblem(await s.http().post(`/api/parcels/${w2}/release`).set('Authorization', await as('supervisor1')).send({ note: '放行' }), 403, 'HOLD_NOT_YOURS');
    const refused = await s.http().post(`/api/parcels/${w2}/refuse`).set('Authorization', await as('regulator1')).send({ note: '移交海关', disposition: 'handed_to_customs' });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal((await parcel(w2)).status, 'refused');
    const audit = await s.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'interception.answer'));
    assert.deepEqual(audit.map((a) => a.subjectId).sort(), [w1, w2].sort());
  });

  it('each sees only their own: the outlet its orders, regulators their jurisdiction, customs the cross-border ones', async () => {
    const gd = await orders('regulator1', 'status=all&limit=200');
    assert.ok(gd.length >= 4);
    assert.deepEqual(await orders('regulator2', 'status=all&limit=200'), []);
    assert.deepEqual(await orders('courier2', 'status=all&limit=200'), []);
    assert.equal((await orders('courier1', 'status=all&limit=200')).length, gd.length);
    const page = await s.http().get('/api/interceptions?status=all&limit=1').set('Authorization', await as('regulator1')).expect(200);
    const next = await s.http().get(`/api/interceptions?status=all&limit=1&cursor=${page.body.nextCursor}`).set('Authorization', await as('regulator1')).expect(200);
    assert.notEqual(next.body.interceptions[0].id, page.body.interceptions[0].id);
    expectProblem(await s.http().get('/api/interceptions?status=bogus').set('Authorization', await as('regulator1')), 400);
    expectProblem(await s.http().get('/api/interceptions').set('Authorization', await as('auditor1')), 403);

    // The weekly and monthly reports count them: orders, intercepted, not found, too late, open.
    const weekly = (await s.http().get('/api/reports/weekly').set('Authorization', await as('regulator1')).expect(200)).body.interceptions;
    assert.deepEqual(weekly, { ordered: gd.length, intercepted: 1, notFound: 1, tooLate: 0, open: gd.length - 2, overdue: 0 });
    const monthly = (await s.http().get('/api/reports/monthly').set('Authorization', await as('regulator1')).expect(200)).body;
    assert.deepEqual(monthly.total.interceptions, weekly);
    assert.equal((await s.http().get('/api/reports/weekly').set('Authorization', await as('regulator2')).expect(200)).body.interceptions.ordered, 0);
  });
  it('two answers at once: exactly one wins, the other is told it was answered', async () => {
    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '乒乓球拍', brand: undefined } }));
    assert.equal((await order('regulator1', lone.parcel.waybillNo, { note: '并发测试' })).status, 201);
    const [a, b] = await Promise.all([
      answer('courier1', lone.parcel.waybillNo, { result: 'intercepted' }),
      answer('supervisor1', lone.parcel.waybillNo, { result: 'already_delivered', note: '昨日已妥投' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const lost = a.status === 409 ? a : b;
    assert.equal(lost.body.code, 'INTERCEPTION_ALREADY_ANSWERED');
    const winner = (a.status === 200 ? a : b).body.interception.status as string;
    assert.equal((await parcel(lone.parcel.waybillNo)).status, winner === 'intercepted' ? 'held' : 'delivered');
  });

  // Last: the runner's clock a day on also runs housekeeping, which ends the sessions logged in before.
  it('an order unanswered past due is escalated once, listed overdue first, and announced', async () => {
    const lone = await intake(aParcel({ ...unlinkedParties(), declared: { description: '羽毛球拍', brand: undefined } }));
    const created = (await order('regulator1', lone.parcel.waybillNo, { note: '拦截' }).then((r) => r.body)).interception as Order;
    const runner = () => createJobRunner(s.ctx, { pollMs: 1000, worker: 'interception-escalate', now: () => clock });
    const enqueue = () => enqueueJob(s.ctx.db, { kind: 'interceptions.escalate', key: `interceptions.escalate:${clock.getTime()}`, payload: {} });
    events.length = 0;
    clock = new Date(new Date(created.dueAt).getTime() - 60_000);
    await enqueue();
    await runner().runOnce();
    assert.ok(!events.some((e) => e.order.waybillNo === lone.parcel.waybillNo), 'not yet due');

    clock = new Date(new Date(created.dueAt).getTime() + HOUR);
    try {
      await enqueue();
      await runner().runOnce();
      const overdue = events.filter((e) => e.event === 'interception:overdue').map((e) => e.order.waybillNo);
      assert.ok(overdue.includes(lone.parcel.waybillNo), JSON.stringify(events.map((e) => e.event)));
      const open = await orders('regulator1', 'status=open&limit=200');
      assert.ok(open[0]!.overdue, 'overdue first');
      const mine = (await orders('regulator1', 'overdue=true&limit=200')).find((o) => o.waybillNo === lone.parcel.waybillNo);
      assert.ok(mine?.escalatedAt && mine.overdue);
      const n = events.length;
      await enqueue();
      await runner().runOnce();
      assert.equal(events.length, n, 'escalated once');
      const counts = (await s.http().get('/api/interceptions/counts').set('Authorization', await as('regulator1')).expect(200)).body;
      assert.ok(counts.open >= 1 && counts.overdue >= 1 && counts.overdue <= counts.open, JSON.stringify(counts));
    } finally {
      clock = T;
    }
  });
});
