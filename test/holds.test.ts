// Holds: what happens after `held` (issue 15). Who decides which reason, release and refusal, the parcel's
// record, due times and escalation, and the live events on /outlet and /alerts.
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { auditLog, holds } from '../models/schema.js';
import type { AuthUser } from '../server/accounts/access.js';
import { dueAtFor, mayDecideHold, mayViewHold, type HoldPlace } from '../server/holds/deciders.js';
import { escalateOverdueHolds } from '../server/holds/escalate.js';
import { aHeldParcel, aParcel as aLinkableParcel, domestic, ringParcel, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

/** Parcels of these tests must not form rings with each other: each has parties of its own. */
const aParcel = (overrides: Record<string, unknown> = {}) => {
  const parties = unlinkedParties();
  const o = overrides as { sender?: object; recipient?: object };
  return aLinkableParcel({ ...overrides, sender: { ...parties.sender, ...o.sender }, recipient: { ...parties.recipient, ...o.recipient } });
};

const user = (role: AuthUser['role'], scope: { outletId?: string; jurisdiction?: string } = {}): AuthUser => ({
  id: '00000000-0000-0000-0000-000000000000', username: role, role, outletId: scope.outletId ?? null, outletRegionCode: null,
  jurisdiction: scope.jurisdiction ?? null, sessionTokenHash: '', sessionExpiresAt: new Date(), mustChangePassword: false,
});

describe('holds: deciders (pure)', () => {
  const gz = { outletId: 'GZ-TH-001', regionCode: '440106' };
  const hold = (reasons: string[], crossBorder = true): HoldPlace => ({ ...gz, crossBorder, reasons });
  const supervisor = user('outlet_supervisor', { outletId: 'GZ-TH-001' });
  const otherSupervisor = user('outlet_supervisor', { outletId: 'YW-CC-001' });
  const courier = user('courier', { outletId: 'GZ-TH-001' });
  const regulator = user('postal_regulator', { jurisdiction: '44' });
  const cityRegulator = user('postal_regulator', { jurisdiction: '4401' });
  const zjRegulator = user('postal_regulator', { jurisdiction: '33' });
  const customs = user('customs_officer', { jurisdiction: '44' });
  const admin = user('admin');
  const table: [string, AuthUser, HoldPlace, boolean, boolean][] = [
    // who, hold, sees, decides
    ['supervisor, mismatch at its outlet', supervisor, hold(['INSPECTION_MISMATCH']), true, true],
    ['supervisor, suspect screening', supervisor, hold(['SCREENING_SUSPECT']), true, true],
    ['supervisor, suspected prohibited item', supervisor, hold(['PROHIBITED_ITEM_SUSPECTED']), true, true],
    ['supervisor of another outlet', otherSupervisor, hold(['INSPECTION_MISMATCH']), false, false],
    ['supervisor, watchlist hit', supervisor, hold(['WATCHLIST_HIT']), true, false],
    ['supervisor, ring', supervisor, hold(['ANT_MOVING_SUSPECTED']), true, false],
    ['supervisor, mismatch and watchlist', supervisor, hold(['INSPECTION_MISMATCH', 'WATCHLIST_HIT']), true, false],
    ['supervisor, unknown reason', supervisor, hold(['SOMETHING_NEW']), true, false],
    ['courier of the outlet: sees, never decides', courier, hold(['INSPECTION_MISMATCH']), true, false],
    ['regulator of the province, mismatch', regulator, hold(['INSPECTION_MISMATCH']), true, true],
    ['regulator of the city, watchlist and mismatch', cityRegulator, hold(['INSPECTION_MISMATCH', 'WATCHLIST_HIT']), true, true],
    ['regulator of the province, unknown reason', regulator, hold(['SOMETHING_NEW']), true, true],
    ['regulator of the province, no reason codes', regulator, hold([]), true, true],
    ['regulator of another province', zjRegulator, hold(['WATCHLIST_HIT']), false, false],
    ['customs, cross-border ring', customs, hold(['ANT_MOVING_SUSPECTED']), true, true],
    ['customs, cross-border watchlist hit', customs, hold(['WATCHLIST_HIT']), true, true],
    ['customs, domestic watchlist hit', customs, hold(['WATCHLIST_HIT'], false), false, false],
    ['customs, cross-border mismatch', customs, hold(['INSPECTION_MISMATCH']), true, false],
    ['customs, cross-border ring and mismatch', customs, hold(['ANT_MOVING_SUSPECTED', 'INSPECTION_MISMATCH']), true, false],
    ['customs, unknown reason', customs, hold(['SOMETHING_NEW']), true, false],
    ['admin, anything', admin, hold(['INSPECTION_MISMATCH', 'ANT_MOVING_SUSPECTED', 'SOMETHING_NEW'], false), true, true],
  ];
  for (const [name, who, h, sees, decides] of table) {
    it(`${name}: ${sees ? 'sees' : 'does not see'}, ${decides ? 'decides' : 'does not decide'}`, () => {
      assert.equal(mayViewHold(who, h), sees);
      assert.equal(mayDecideHold(who, h), decides);
    });
  }

  it('a hold is due at the earliest due time of its reasons', () => {
    const policy = { dueHours: 24, dueHoursByReason: { INSPECTION_MISMATCH: 4, WATCHLIST_HIT: 12 } };
    const at = new Date('2026-03-02T08:00:00.000Z');
    assert.equal(dueAtFor(['ANT_MOVING_SUSPECTED'], at, policy).toISOString(), '2026-03-03T08:00:00.000Z');
    assert.equal(dueAtFor(['WATCHLIST_HIT', 'ANT_MOVING_SUSPECTED'], at, policy).toISOString(), '2026-03-02T20:00:00.000Z');
    assert.equal(dueAtFor(['WATCHLIST_HIT', 'INSPECTION_MISMATCH'], at, policy).toISOString(), '2026-03-02T12:00:00.000Z');
    assert.equal(dueAtFor([], at, policy).toISOString(), '2026-03-03T08:00:00.000Z');
  });
});

describe('holds: the API, the parcel record, escalation and live events', () => {
  let s: TestServer;
  const open: Socket[] = [];
  let phoneSerial = 0;
  const tokens = new Map<string, string>();
  before(async function () {
    this.timeout(120_000); // a busy machine: migrations and demo seeding
    s = await startTestServer({ HOLD_DUE_HOURS: '24', HOLD_DUE_HOURS_BY_REASON: 'INSPECTION_MISMATCH=4,SCREENING_SUSPECT=4' });
    const admin = await s.login('admin');
    await s.http().post('/api/users').set('Authorization', `Bearer ${admin}`)
      .send({ username: 'supervisor2', password: 'hold-decider-pass', role: 'outlet_supervisor', outletId: 'YW-CC-001' }).expect(201);
    tokens.set('supervisor2', await s.login('supervisor2', 'hold-decider-pass'));
    for (const u of ['courier1', 'courier2', 'supervisor1', 'regulator1', 'regulator2', 'customs1', 'admin']) tokens.set(u, await s.login(u));
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const as = (username: string) => `Bearer ${tokens.get(username)}`;
  const intake = async (body: object, courier = 'courier1') => {
    const res = await s.http().post('/api/parcels').set('Authorization', as(courier)).send(body);
    assert.equal(res.status, 201, res.text);
    return res.body as { parcel: { waybillNo: string }; verdict: string; reasons: { code: string }[] };
  };
  const release = (who: string, waybillNo: string, body: object = { note: '开箱复核无异常，放行。' }) =>
    s.http().post(`/api/parcels/${waybillNo}/release`).set('Authorization', as(who)).send(body);
  const refuse = (who: string, waybillNo: string, body: object) =>
    s.http().post(`/api/parcels/${waybillNo}/refuse`).set('Authorization', as(who)).send(body);
  const view = (who: string, waybillNo: string) => s.http().get(`/api/parcels/${waybillNo}`).set('Authorization', as(who));
  const aPhone = () => `1392222${String(1000 + phoneSerial++).slice(-4)}`;
  /** A domestic or cross-border parcel held on a suspect list (WATCHLIST_HIT only). */
  async function aWatchlistHold(crossBorder: boolean) {
    const phone = aPhone();
    const listed = await s.http().post('/api/watchlist/entries').set('Authorization', as('regulator1')).send({ entries: [{ type: 'phone', value: phone }] });
    assert.equal(listed.status < 300, true, listed.text);
    const r = await intake(aParcel({ sender: { phone }, ...(crossBorder ? {} : domestic) }));
    assert.deepEqual(r.reasons.map((x) => x.code), ['WATCHLIST_HIT']);
    return r.parcel.waybillNo;
  }
  /** The third parcel of a ring is held (ANT_MOVING_SUSPECTED); the ring is cross-border by nature. */
  async function aRingHold() {
    const phone = `1393333${String(1000 + phoneSerial++).slice(-4)}`;
    let last;
    for (let i = 0; i < 3; i++) last = await intake(ringParcel(phone));
    assert.equal(last!.verdict, 'held');
    assert.deepEqual(last!.reasons.map((x) => x.code), ['ANT_MOVING_SUSPECTED']);
    return last!.parcel.waybillNo;
  }

  it('a held intake opens a pending hold, due at the earliest of its reasons; an accepted one opens none', async () => {
    const before = Date.now();
    const held = await intake(aHeldParcel());
    const accepted = await intake(aParcel());
    const list = await s.http().get('/api/holds?status=pending&limit=200').set('Authorization', as('supervisor1')).expect(200);
    const h = list.body.holds.find((x: { waybillNo: string }) => x.waybillNo === held.parcel.waybillNo);
    assert.ok(h, 'the held parcel is listed');
    assert.equal(h.status, 'pending');
    assert.equal(h.mayDecide, true);
    assert.equal(h.outletId, 'GZ-TH-001');
    assert.equal(h.reasons[0].code, 'INSPECTION_MISMATCH');
    assert.ok(h.reasons[0].messageZh);
    const dueIn = new Date(h.dueAt).getTime() - new Date(h.heldAt).getTime();
    assert.equal(dueIn, 4 * 3600_000, 'INSPECTION_MISMATCH is due in 4 h');
    assert.ok(new Date(h.heldAt).getTime() >= before - 1000);
    assert.ok(!list.body.holds.some((x: { waybillNo: string }) => x.waybillNo === accepted.parcel.waybillNo));
    const ring = await aRingHold();
    const [ringHold] = await s.ctx.db.select().from(holds).where(eq(holds.waybillNo, ring));
    assert.equal(ringHold!.dueAt.getTime() - ringHold!.heldAt.getTime(), 24 * 3600_000, 'other reasons are due in HOLD_DUE_HOURS');
  });

  it('the supervisor releases a mismatch hold at its outlet: 200, parcel released, decision shown, audited; twice is 409', async () => {
    const { parcel } = await intake(aHeldParcel());
    const res = await release('supervisor1', parcel.waybillNo).expect(200);
    assert.equal(res.body.hold.status, 'released');
    assert.equal(res.body.hold.mayDecide, false);
    assert.equal(res.body.hold.decision.action, 'release');
    assert.equal(res.body.hold.decision.by, 'supervisor1');
    assert.equal(res.body.hold.decision.byRole, 'outlet_supervisor');
    const record = (await view('supervisor1', parcel.waybillNo).expect(200)).body.parcel;
    assert.equal(record.status, 'released');
    assert.equal(record.verdict, 'held');
    assert.equal(record.hold.status, 'released');
    assert.equal(record.decisions.length, 1);
    assert.equal(record.decisions[0].action, 'release');
    assert.equal(record.decisions[0].by, 'supervisor1');
    assert.equal(record.decisions[0].note, '开箱复核无异常，放行。');
    assert.ok(record.decisions[0].at);
    const audited = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'hold.release'), eq(auditLog.subjectId, parcel.waybillNo)));
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.actorUsername, 'supervisor1');
    expectProblem(await release('supervisor1', parcel.waybillNo), 409, 'HOLD_ALREADY_DECIDED');
    expectProblem(await refuse('regulator1', parcel.waybillNo, { note: 'x', disposition: 'handed_to_police' }), 409, 'HOLD_ALREADY_DECIDED');
  });

  it('a refusal needs a note and a disposition, and says where the parcel went', async () => {
    const { parcel } = await intake(aHeldParcel({ screening: { result: 'suspect' } }));
    expectProblem(await refuse('regulator1', parcel.waybillNo, { note: '实为锂电池' }), 400);
    expectProblem(await refuse('regulator1', parcel.waybillNo, { disposition: 'returned_to_sender' }), 400);
    expectProblem(await refuse('regulator1', parcel.waybillNo, { note: '   ', disposition: 'returned_to_sender' }), 400);
    expectProblem(await refuse('regulator1', parcel.waybillNo, { note: 'x', disposition: 'burned' }), 400);
    expectProblem(await release('regulator1', parcel.waybillNo, {}), 400);
    const res = await refuse('regulator1', parcel.waybillNo, { note: '实为锂电池，退回寄件人。', disposition: 'returned_to_sender' }).expect(200);
    assert.equal(res.body.hold.status, 'refused');
    assert.equal(res.body.hold.decision.disposition, 'returned_to_sender');
    const record = (await view('courier1', parcel.waybillNo).expect(200)).body.parcel;
    assert.equal(record.status, 'refused');
    assert.deepEqual(record.decisions.map((d: { action: string; disposition: string }) => [d.action, d.disposition]), [['refuse', 'returned_to_sender']]);
    assert.equal(record.hold.mayDecide, false, 'a courier reads, never decides');
    const audited = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'hold.refuse'), eq(auditLog.subjectId, parcel.waybillNo)));
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.details.disposition, 'returned_to_sender');
  });

  it('a parcel that is not held is 409 NOT_HELD; an unknown one 404', async () => {
    const { parcel } = await intake(aParcel());
    expectProblem(await release('regulator1', parcel.waybillNo), 409, 'NOT_HELD');
    expectProblem(await release('regulator1', 'EA000000000CN'), 404);
  });

  it('scope: another outlet’s supervisor and another province’s regulator get 404; a courier may not decide', async () => {
    const { parcel } = await intake(aHeldParcel());
    expectProblem(await release('supervisor2', parcel.waybillNo), 404);
    expectProblem(await release('regulator2', parcel.waybillNo), 404);
    expectProblem(await view('regulator2', parcel.waybillNo), 404);
    expectProblem(await view('supervisor2', parcel.waybillNo), 404);
    expectProblem(await release('courier1', parcel.waybillNo), 403, 'ROLE_FORBIDDEN');
    const list = await s.http().get('/api/holds?limit=200').set('Authorization', as('regulator2')).expect(200);
    assert.ok(!list.body.holds.some((h: { waybillNo: string }) => h.waybillNo === parcel.waybillNo));
    const other = await s.http().get('/api/holds?limit=200').set('Authorization', as('supervisor2')).expect(200);
    assert.deepEqual(other.body.holds.filter((h: { outletId: string }) => h.outletId !== 'YW-CC-001'), []);
  });

  it('a supervisor may not decide a suspect-list hold: 403 HOLD_NOT_YOURS; the regulator may', async () => {
    const waybillNo = await aWatchlistHold(false);
    const seen = (await view('supervisor1', waybillNo).expect(200)).body.parcel;
    assert.equal(seen.hold.mayDecide, false);
    expectProblem(await release('supervisor1', waybillNo), 403, 'HOLD_NOT_YOURS');
    await release('regulator1', waybillNo).expect(200);
  });

  it('customs decide a cross-border ring hold, not a domestic suspect-list one (404: not theirs to see)', async () => {
    const ring = await aRingHold();
    const domesticHold = await aWatchlistHold(false);
    expectProblem(await release('customs1', domesticHold), 404);
    expectProblem(await release('supervisor1', ring), 403, 'HOLD_NOT_YOURS');
    const res = await refuse('customs1', ring, { note: '移交海关查验。', disposition: 'handed_to_customs' }).expect(200);
    assert.equal(res.body.hold.decision.byRole, 'customs_officer');
    const crossBorderList = await aWatchlistHold(true);
    await release('customs1', crossBorderList).expect(200);
  });

  it('two concurrent decisions: exactly one succeeds, the other is 409 HOLD_ALREADY_DECIDED', async () => {
    const { parcel } = await intake(aHeldParcel());
    const [a, b] = await Promise.all([
      release('supervisor1', parcel.waybillNo),
      refuse('regulator1', parcel.waybillNo, { note: '退回。', disposition: 'returned_to_sender' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    expectProblem(a.status === 409 ? a : b, 409, 'HOLD_ALREADY_DECIDED');
    const record = (await view('regulator1', parcel.waybillNo).expect(200)).body.parcel;
    assert.equal(record.decisions.length, 1);
  });

  it('lists filter by status, reason and outlet; counts are per scope', async () => {
    const { parcel } = await intake(aHeldParcel({ screening: { result: 'suspect' } }));
    const pending = await s.http().get('/api/holds?status=pending&reason=SCREENING_SUSPECT&outletId=GZ-TH-001&limit=200').set('Authorization', as('regulator1')).expect(200);
    assert.ok(pending.body.holds.some((h: { waybillNo: string }) => h.waybillNo === parcel.waybillNo));
    assert.ok(pending.body.holds.every((h: { status: string; reasons: { code: string }[] }) => h.status === 'pending' && h.reasons.some((r) => r.code === 'SCREENING_SUSPECT')));
    const dues = pending.body.holds.map((h: { dueAt: string }) => h.dueAt);
    assert.deepEqual(dues, [...dues].sort(), 'pending: most urgent first');
    const decided = await s.http().get('/api/holds?status=decided&limit=200').set('Authorization', as('regulator1')).expect(200);
    assert.ok(decided.body.holds.length > 0 && decided.body.holds.every((h: { status: string; decision?: object }) => h.status !== 'pending' && h.decision));
    const page = await s.http().get('/api/holds?status=pending&limit=1').set('Authorization', as('regulator1')).expect(200);
    assert.equal(page.body.holds.length, 1);
    const next = await s.http().get(`/api/holds?status=pending&limit=1&cursor=${page.body.nextCursor}`).set('Authorization', as('regulator1')).expect(200);
    assert.notEqual(next.body.holds[0].waybillNo, page.body.holds[0].waybillNo);
    const gz = (await s.http().get('/api/holds/counts').set('Authorization', as('supervisor1')).expect(200)).body;
    const zj = (await s.http().get('/api/holds/counts').set('Authorization', as('regulator2')).expect(200)).body;
    assert.ok(gz.pending >= 1);
    assert.deepEqual(zj, { pending: 0, overdue: 0 });
  });

  it('escalation: a hold past due is marked overdue once, audited and counted; a second run does nothing', async () => {
    const { parcel } = await intake(aHeldParcel());
    const [row] = await s.ctx.db.select().from(holds).where(eq(holds.waybillNo, parcel.waybillNo));
    const justBefore = new Date(row!.dueAt.getTime() - 1);
    const pendingElsewhere = (await s.ctx.db.select().from(holds).where(eq(holds.status, 'pending'))).filter((h) => h.dueAt <= justBefore && !h.overdueAt).length;
    assert.equal(await escalateOverdueHolds(s.ctx, justBefore), pendingElsewhere, 'not yet due: left alone');
    const now = new Date(row!.dueAt.getTime() + 60_000);
    const escalated = await escalateOverdueHolds(s.ctx, now);
    assert.ok(escalated >= 1);
    assert.equal(await escalateOverdueHolds(s.ctx, new Date(now.getTime() + 60_000)), 0, 'a second run does nothing');
    const [after] = await s.ctx.db.select().from(holds).where(eq(holds.waybillNo, parcel.waybillNo));
    assert.equal(after!.overdueAt?.toISOString(), now.toISOString());
    const audited = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'hold.escalate'), eq(auditLog.subjectId, parcel.waybillNo)));
    assert.equal(audited.length, 1);
    const list = await s.http().get('/api/holds?overdue=true&limit=200').set('Authorization', as('supervisor1')).expect(200);
    const h = list.body.holds.find((x: { waybillNo: string }) => x.waybillNo === parcel.waybillNo);
    assert.equal(h?.overdue, true);
    assert.equal(h?.overdueAt, now.toISOString());
  });

  describe('live', () => {
    function socket(nsp: string, auth: object, extraHeaders?: Record<string, string>) {
      const c = connect(`${s.url}${nsp}`, { auth, extraHeaders, transports: ['websocket'], reconnection: false });
      open.push(c);
      return c;
    }
    const outcome = (c: Socket) =>
      new Promise<{ ready?: { user: { username: string } }; error?: { message: string; data?: { code: string } } }>((resolve) => {
        c.once('ready', (ready) => resolve({ ready }));
        c.once('connect_error', (error) => resolve({ error: error as never }));
      });
    const heard = (c: Socket, event: string) => {
      const got: { waybillNo: string; status: string; mayDecide: boolean; overdue: boolean }[] = [];
      c.on(event, (h) => got.push(h));
      return got;
    };
    const until = async (check: () => boolean, what: string) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(check(), what);
    };

    it('an outlet’s courier hears hold:new and hold:updated for its own outlet only', async () => {
      const gz = socket('/outlet', { token: tokens.get('courier1') });
      const yw = socket('/outlet', { token: tokens.get('courier2') });
      const sup = socket('/outlet', { token: tokens.get('supervisor1') });
      for (const r of await Promise.all([outcome(gz), outcome(yw), outcome(sup)])) assert.ok(r.ready, JSON.stringify(r.error?.data));
      const gzNew = heard(gz, 'hold:new');
      const gzUpdated = heard(gz, 'hold:updated');
      const supNew = heard(sup, 'hold:new');
      const ywAll = [...['hold:new', 'hold:updated'].map((e) => heard(yw, e))];
      const { parcel } = await intake(aHeldParcel());
      await until(() => gzNew.some((h) => h.waybillNo === parcel.waybillNo) && supNew.length > 0, 'the outlet hears the new hold');
      assert.equal(gzNew.find((h) => h.waybillNo === parcel.waybillNo)!.mayDecide, false);
      assert.equal(supNew.find((h) => h.waybillNo === parcel.waybillNo)!.mayDecide, true);
      await release('supervisor1', parcel.waybillNo).expect(200);
      await until(() => gzUpdated.some((h) => h.waybillNo === parcel.waybillNo && h.status === 'released'), 'the courier hears the release');
      // A courier asking to join another outlet's room is not put there: there is no way to join.
      yw.emit('join', 'outlet:GZ-TH-001');
      const other = await intake(aHeldParcel());
      await release('supervisor1', other.parcel.waybillNo).expect(200);
      await until(() => gzUpdated.some((h) => h.waybillNo === other.parcel.waybillNo), 'GZ hears the second');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(ywAll.flat(), [], 'Yiwu hears nothing of Guangzhou');
    });

    it('a regulator over the outlet hears hold:new and hold:overdue on /alerts; another province hears nothing', async () => {
      const gz = socket('/alerts', { token: tokens.get('regulator1') });
      const zj = socket('/alerts', { token: tokens.get('regulator2') });
      for (const r of await Promise.all([outcome(gz), outcome(zj)])) assert.ok(r.ready, JSON.stringify(r.error?.data));
      const gzNew = heard(gz, 'hold:new');
      const gzOverdue = heard(gz, 'hold:overdue');
      const zjAll = ['hold:new', 'hold:updated', 'hold:overdue'].map((e) => heard(zj, e));
      const { parcel } = await intake(aHeldParcel());
      await until(() => gzNew.some((h) => h.waybillNo === parcel.waybillNo), 'the regulator hears the new hold');
      assert.equal(gzNew.find((h) => h.waybillNo === parcel.waybillNo)!.mayDecide, true);
      const [row] = await s.ctx.db.select().from(holds).where(eq(holds.waybillNo, parcel.waybillNo));
      await escalateOverdueHolds(s.ctx, new Date(row!.dueAt.getTime() + 1000));
      await until(() => gzOverdue.some((h) => h.waybillNo === parcel.waybillNo && h.overdue), 'the regulator hears it overdue');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(zjAll.flat(), []);
    });

    it('/outlet refuses officers, no session, and foreign Origins; /alerts refuses supervisors', async () => {
      assert.equal((await outcome(socket('/outlet', { token: tokens.get('regulator1') }))).error?.data?.code, 'ROLE_FORBIDDEN');
      assert.equal((await outcome(socket('/outlet', { token: tokens.get('admin') }))).error?.data?.code, 'ROLE_FORBIDDEN');
      assert.equal((await outcome(socket('/outlet', {}))).error?.data?.code, 'UNAUTHENTICATED');
      assert.equal((await outcome(socket('/outlet', { token: 'x', extra: 1 }))).error?.data?.code, 'HANDSHAKE_INVALID');
      const foreign = await outcome(socket('/outlet', { token: tokens.get('courier1') }, { Origin: 'https://evil.example' }));
      assert.ok(foreign.error, 'a foreign Origin is refused');
      assert.ok(!foreign.ready);
      assert.equal((await outcome(socket('/alerts', { token: tokens.get('supervisor1') }))).error?.data?.code, 'ROLE_FORBIDDEN');
    });
  });

  it('the demo supervisor logs in, sees who they are, and may not take parcels in', async () => {
    const me = await s.http().get('/api/session').set('Authorization', as('supervisor1')).expect(200);
    assert.deepEqual(me.body.user, { username: 'supervisor1', role: 'outlet_supervisor', outletId: 'GZ-TH-001' });
    expectProblem(await s.http().post('/api/parcels').set('Authorization', as('supervisor1')).send(aParcel()), 403);
    expectProblem(await s.http().get('/api/alerts').set('Authorization', as('supervisor1')), 403);
  });

  it('an outlet supervisor account needs an outlet', async () => {
    const admin = as('admin');
    const res = await s.http().post('/api/users').set('Authorization', admin).send({ username: 'sup-no-outlet', password: 'hold-decider-pass', role: 'outlet_supervisor' });
    const problem = expectProblem(res, 422);
    assert.ok(problem.errors?.some((e) => e.path === 'outletId' && e.code === 'OUTLET_REQUIRED'));
    const unknown = await s.http().post('/api/users').set('Authorization', admin).send({ username: 'sup-bad-outlet', password: 'hold-decider-pass', role: 'outlet_supervisor', outletId: 'NOPE-1' });
    assert.ok(expectProblem(unknown, 422).errors?.some((e) => e.code === 'OUTLET_UNKNOWN'));
  });
});
