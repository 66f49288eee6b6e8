// Key cases (重点案件督办, issue 15): opened from alerts, owned by a named officer (落实到人) with a time limit
// (限时办结), worked through notes and links, shared with another jurisdiction (区域协作), closed with an outcome;
// every change on the timeline and in the audit trail, announced live; and the weekly progress table.
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { caseEvents, cases, users } from '../models/schema.js';
import { caseClock } from '../server/cases/cases.js';
import { caseProgress } from '../server/cases/progress.js';
import { aParcel, ringParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const at = (iso: string) => new Date(iso);

let s: TestServer;
before(async function () {
  this.timeout(120_000); // PGlite's first start, with four other engineers' tests on two cores
  s = await startTestServer();
});
after(() => s?.close());

describe('cases: the weekly progress table (caseProgress)', () => {

  it('lists the cases open at some time in the week or closed in it, in scope, with the week\'s events, last note and overdue as at the week\'s end', async () => {
    const db = s.database.db;
    const [owner] = await db.select().from(users).where(eq(users.username, 'regulator1'));
    const base = { ownerId: owner!.id, ownerName: 'regulator1', openedByName: 'regulator1', title: 't' };
    const inserted = await db
      .insert(cases)
      .values([
        // open through the week, due inside it: overdue at its end
        { ...base, reference: '44-2019-0001', title: 'open all week', jurisdiction: '44', openedAt: at('2019-03-01T00:00:00Z'), dueAt: at('2019-03-11T00:00:00Z') },
        // closed inside the week
        { ...base, reference: '44-2019-0002', title: 'closed this week', jurisdiction: '4401', openedAt: at('2019-03-02T00:00:00Z'), dueAt: at('2019-03-20T00:00:00Z'), status: 'closed', outcome: 'no_infringement', outcomeNote: 'ok', closedAt: at('2019-03-10T00:00:00Z') },
        // closed before the week: left out
        { ...base, reference: '44-2019-0003', title: 'closed before', jurisdiction: '44', openedAt: at('2019-02-01T00:00:00Z'), dueAt: at('2019-02-20T00:00:00Z'), status: 'closed', outcome: 'duplicate', outcomeNote: 'dup', closedAt: at('2019-02-10T00:00:00Z') },
        // opened after the week: left out
        { ...base, reference: '44-2019-0004', title: 'opened after', jurisdiction: '44', openedAt: at('2019-03-16T00:00:00Z'), dueAt: at('2019-03-30T00:00:00Z') },
        // closed after the week: open as at its end
        { ...base, reference: '44-2019-0005', title: 'closed after', jurisdiction: '44', openedAt: at('2019-03-03T00:00:00Z'), dueAt: at('2019-03-30T00:00:00Z'), status: 'closed', outcome: 'referred_to_police', outcomeNote: 'police', closedAt: at('2019-03-20T00:00:00Z') },
        // another province
        { ...base, reference: '33-2019-0001', title: 'zhejiang', jurisdiction: '33', openedAt: at('2019-03-05T00:00:00Z'), dueAt: at('2019-03-30T00:00:00Z') },
      ])
      .returning();
    const first = inserted[0]!;
    const ev = (kind: string, when: string, data: Record<string, unknown> = {}) => ({ caseId: first.id, kind, data, actorName: 'regulator1', actorRole: 'postal_regulator', actorJurisdiction: '44', at: at(when) });
    await db.insert(caseEvents).values([
      ev('open', '2019-03-01T00:00:00Z'),
      ev('note', '2019-03-08T00:00:00Z', { text: 'before the week' }),
      ev('note', '2019-03-10T00:00:00Z', { text: 'in the week' }),
      ev('link', '2019-03-12T00:00:00Z'),
      ev('note', '2019-03-16T00:00:00Z', { text: 'after the week' }),
    ]);

    const from = at('2019-03-09T00:00:00Z');
    const to = at('2019-03-16T00:00:00Z');
    const rows = await caseProgress(db, '44', from, to, at('2019-04-01T00:00:00Z'));
    assert.deepEqual(rows.map((r) => r.reference), ['44-2019-0001', '44-2019-0005', '44-2019-0002']);
    const [open, closedAfter, closed] = rows;
    assert.equal(open!.eventsThisPeriod, 2);
    assert.deepEqual(open!.lastNote, { text: 'in the week', by: 'regulator1', at: '2019-03-10T00:00:00.000Z' });
    assert.equal(open!.overdue, true);
    assert.equal(open!.status, 'open');
    assert.equal(open!.owner, 'regulator1');
    assert.equal(closedAfter!.status, 'open', 'closed after the week: open as the week ended');
    assert.equal(closedAfter!.outcome, undefined);
    assert.equal(closedAfter!.overdue, false);
    assert.equal(closed!.status, 'closed');
    assert.equal(closed!.outcome, 'no_infringement');
    assert.equal(closed!.closedAt, '2019-03-10T00:00:00.000Z');
    assert.equal(closed!.overdue, false);
    assert.equal(closed!.eventsThisPeriod, 0);

    const national = await caseProgress(db, null, from, to, at('2019-04-01T00:00:00Z'));
    assert.deepEqual(national.map((r) => r.reference).sort(), ['33-2019-0001', '44-2019-0001', '44-2019-0002', '44-2019-0005']);
    // A week still running: status and overdue as at now.
    const midWeek = await caseProgress(db, '4401', from, to, at('2019-03-09T12:00:00Z'));
    assert.deepEqual(midWeek.map((r) => [r.reference, r.status]), [['44-2019-0002', 'open']]);
  });
});

type Summary = { id: string; reference: string; title: string; jurisdiction: string; sharedWith: string[]; priority: string; status: string; owner: { username: string }; dueAt: string; overdue: boolean; outcome?: string; alertCount: number; parcelCount: number };

describe('cases (重点案件督办)', () => {
  const open: Socket[] = [];
  let gz: string;
  let yw: string;
  let alertId: string;
  const realNow = caseClock.now;
  before(async function () {
    this.timeout(60_000);
    gz = await s.login('courier1');
    yw = await s.login('courier2');
    const admin = await s.login('admin');
    await s.http().post('/api/users').set('Authorization', `Bearer ${admin}`).send({ username: 'customs33', password: 'temporary-pass', role: 'customs_officer', jurisdiction: '33' }).expect(201);
    await s.login('customs33', 'temporary-pass');
    // A Guangzhou ring: five parcels through one counter raise one alert.
    for (let i = 0; i < 5; i++) {
      const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${gz}`).send(ringParcel('13931310001')).expect(201);
      alertId = res.body.alerts[0]?.id ?? alertId;
    }
    assert.ok(alertId, 'the ring raised an alert');
  });
  afterEach(() => {
    caseClock.now = realNow;
    open.splice(0).forEach((c) => c.close());
  });

  const token = (user: string) => s.login(user, user === 'customs33' ? 'temporary-pass' : undefined);
  const as = async (user: string) => ({ Authorization: `Bearer ${await token(user)}` });
  const get = async (path: string, user: string) => s.http().get(path).set(await as(user));
  const post = async (path: string, user: string, body: object = {}) => s.http().post(path).set(await as(user)).send(body);
  const patch = async (path: string, user: string, body: object = {}) => s.http().patch(path).set(await as(user)).send(body);
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
  const rows = async <T>(q: ReturnType<typeof sql>) => ((await s.database.db.execute(q)) as unknown as { rows: T[] }).rows;
  const openCase = async (body: object = {}, user = 'regulator1') => {
    const res = await post('/api/cases', user, { title: '天河运动鞋蚂蚁搬家', ownerUsername: 'regulator1', dueAt: inDays(7), ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as Summary;
  };

  it('opens a case from an alert as the contract shows: reference <province>-<year>-<sequence>, owner, due time, priority', async () => {
    const res = await post('/api/cases', 'regulator1', { title: '天河运动鞋蚂蚁搬家', alertIds: [alertId], ownerUsername: 'customs1', dueAt: inDays(14), priority: 'high' });
    assert.equal(res.status, 201, res.text);
    const c = res.body as Summary;
    assert.match(c.reference, new RegExp(`^44-${new Date(Date.now() + 8 * 3600_000).getUTCFullYear()}-\\d{4}$`));
    assert.equal(c.jurisdiction, '44');
    assert.deepEqual(c.owner, { username: 'customs1' });
    assert.equal(c.priority, 'high');
    assert.equal(c.status, 'open');
    assert.equal(c.alertCount, 1);
    assert.equal(c.parcelCount, 5, 'the alert\'s parcels are the case\'s');
    assert.equal(c.overdue, false);
    const detail = (await get(`/api/cases/${c.id}`, 'regulator1')).body;
    assert.equal(detail.alerts[0].id, alertId);
    assert.equal(detail.parcels.length, 5);
    assert.ok(detail.parcels.every((p: { masked: boolean; sender: { idNumber: string } }) => p.masked && p.sender.idNumber.includes('*')));
    assert.deepEqual(detail.history.map((h: { kind: string }) => h.kind), ['open']);
    assert.equal(detail.mayWork, true);
  });

  it('references are allocated per province and year without duplicates when cases open at once', async () => {
    const opened = await Promise.all([1, 2, 3, 4, 5].map((n) => openCase({ title: `并发 ${n}` })));
    const refs = opened.map((c) => c.reference);
    assert.equal(new Set(refs).size, 5);
    const numbers = refs.map((r) => Number(r.slice(-4))).sort((a, b) => a - b);
    assert.deepEqual(numbers, [numbers[0]!, numbers[0]! + 1, numbers[0]! + 2, numbers[0]! + 3, numbers[0]! + 4]);
    const zj = await openCase({ title: '义乌', ownerUsername: 'regulator2' }, 'regulator2');
    assert.match(zj.reference, /^33-\d{4}-0001$/, 'Zhejiang counts from one');
    const admin = await openCase({ title: '部署', jurisdiction: '3307', ownerUsername: 'regulator2' }, 'admin');
    assert.equal(admin.jurisdiction, '3307');
    assert.match(admin.reference, /^33-\d{4}-0002$/);
  });

  it('a bad owner, a past due time and an unknown alert are 422 with their field paths; an admin must name a jurisdiction', async () => {
    const bad = expectProblem(
      await post('/api/cases', 'regulator1', { title: 'x', ownerUsername: 'regulator2', dueAt: inDays(-1), alertIds: [alertId, '00000000-0000-4000-8000-000000000000'] }),
      422,
    );
    // Every problem at once, each at its path.
    assert.deepEqual(bad.errors!.map((e) => [e.path, e.code]), [['ownerUsername', 'OWNER_INVALID'], ['dueAt', 'DUE_PAST'], ['alertIds.1', 'ALERT_NOT_FOUND']]);
    assert.ok(bad.errors!.every((e) => (e as { messageZh?: string }).messageZh));
    const pastDue = expectProblem(await post('/api/cases', 'regulator1', { title: 'x', ownerUsername: 'regulator1', dueAt: inDays(-1) }), 422, 'DUE_PAST');
    assert.equal(pastDue.errors![0]!.path, 'dueAt');
    const unknown = expectProblem(await post('/api/cases', 'regulator1', { title: 'x', ownerUsername: 'regulator1', dueAt: inDays(1), alertIds: [alertId, '00000000-0000-4000-8000-000000000000'] }), 422, 'ALERT_NOT_FOUND');
    assert.deepEqual(unknown.errors!.map((e) => e.path), ['alertIds.1']);
    // regulator2 cannot see the Guangzhou alert: for them it is unknown too.
    const hidden = expectProblem(await post('/api/cases', 'regulator2', { title: 'x', ownerUsername: 'regulator2', dueAt: inDays(1), alertIds: [alertId] }), 422, 'ALERT_NOT_FOUND');
    assert.equal(hidden.errors![0]!.path, 'alertIds.0');
    expectProblem(await post('/api/cases', 'regulator1', { title: 'x', ownerUsername: 'courier1', dueAt: inDays(1) }), 422, 'OWNER_INVALID');
    expectProblem(await post('/api/cases', 'admin', { title: 'x', ownerUsername: 'regulator1', dueAt: inDays(1) }), 422, 'JURISDICTION_REQUIRED');
    expectProblem(await post('/api/cases', 'regulator1', { title: 'x', ownerUsername: 'regulator1', dueAt: inDays(1), jurisdiction: '33' }), 422, 'JURISDICTION_OUTSIDE');
    expectProblem(await post('/api/cases', 'courier1', { title: 'x', ownerUsername: 'regulator1', dueAt: inDays(1) }), 403, 'ROLE_FORBIDDEN');
    const count = await rows<{ n: number }>(sql`select count(*)::int as n from cases where title = 'x'`);
    assert.equal(count[0]!.n, 0);
  });

  it('another province cannot see a case (404) until it is shared; then its regulators and customs officers see and work it, parcels masked outside their own jurisdiction', async () => {
    const c = await openCase({ alertIds: [alertId] });
    expectProblem(await get(`/api/cases/${c.id}`, 'regulator2'), 404, 'CASE_NOT_FOUND');
    expectProblem(await post(`/api/cases/${c.id}/notes`, 'regulator2', { text: '看不到' }), 404, 'CASE_NOT_FOUND');
    assert.ok(!(await get('/api/cases', 'regulator2')).body.cases.some((x: Summary) => x.id === c.id));
    expectProblem(await post(`/api/cases/${c.id}/share`, 'regulator2', { jurisdiction: '33', note: '自己共享' }), 404);

    const zjHears = await listen('regulator2');
    const shared = await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '33', note: '收件人疑在义乌集货，请协查' });
    assert.equal(shared.status, 200, shared.text);
    assert.deepEqual(shared.body.sharedWith, ['33']);
    await until(() => zjHears.some((u) => u.id === c.id && u.sharedWith.includes('33')));
    expectProblem(await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '33', note: 'again' }), 409, 'CASE_ALREADY_SHARED');
    expectProblem(await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '4401', note: 'own' }), 422, 'SHARE_OWN');

    const seen = await get(`/api/cases/${c.id}`, 'regulator2');
    assert.equal(seen.status, 200);
    assert.equal(seen.body.mayWork, true);
    assert.equal(seen.body.mayManage, false);
    assert.equal((await post(`/api/cases/${c.id}/notes`, 'regulator2', { text: '义乌网点已核实收件人' })).status, 201);
    assert.equal((await post(`/api/cases/${c.id}/notes`, 'customs33', { text: '义乌海关已布控' })).status, 201);
    // A shared jurisdiction works the case but does not manage it.
    expectProblem(await patch(`/api/cases/${c.id}`, 'regulator2', { priority: 'urgent' }), 403, 'CASE_NOT_OWNED');
    expectProblem(await post(`/api/cases/${c.id}/close`, 'regulator2', { outcome: 'duplicate', note: 'x' }), 403, 'CASE_NOT_OWNED');

    // Zhejiang links a Yiwu parcel (theirs); Guangdong could not.
    const ywParcel = aParcel({ sender: { phone: '13931310077' } });
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${yw}`).send(ywParcel).expect(201);
    expectProblem(await post(`/api/cases/${c.id}/links`, 'regulator1', { waybillNos: [ywParcel.waybillNo] }), 422, 'PARCEL_NOT_FOUND');
    const linked = await post(`/api/cases/${c.id}/links`, 'regulator2', { waybillNos: [ywParcel.waybillNo] });
    assert.equal(linked.status, 200, linked.text);
    assert.equal(linked.body.parcelCount, 6);

    const unmasked = await get(`/api/cases/${c.id}?unmask=true`, 'regulator2');
    const byWaybill = new Map(unmasked.body.parcels.map((p: { waybillNo: string; masked: boolean; sender: { phone: string } }) => [p.waybillNo, p]));
    const yiwu = byWaybill.get(ywParcel.waybillNo) as { masked: boolean; sender: { phone: string } };
    assert.equal(yiwu.masked, false);
    assert.match(yiwu.sender.phone, /13931310077$/);
    const gd = unmasked.body.parcels.filter((p: { waybillNo: string }) => p.waybillNo !== ywParcel.waybillNo);
    assert.equal(gd.length, 5);
    assert.ok(gd.every((p: { masked: boolean; sender: { phone: string; idNumber: string } }) => p.masked && p.sender.phone.includes('*') && p.sender.idNumber.includes('*')));
    const audits = await rows<{ action: string; details: { waybills?: string[]; masked?: number } }>(
      sql`select action, details from audit_log where subject_type = 'case' and subject_id = ${c.id} and actor_username = 'regulator2' and action like 'pii.%' order by id`,
    );
    assert.deepEqual(audits.map((a) => a.action), ['pii.read', 'pii.unmask']);
    assert.deepEqual(audits[1]!.details.waybills, [ywParcel.waybillNo]);
    assert.equal(audits[1]!.details.masked, 5);
    // Customs of 33 see it, masked.
    const customs = await get(`/api/cases/${c.id}`, 'customs33');
    assert.equal(customs.status, 200);
    assert.ok(customs.body.parcels.every((p: { masked: boolean }) => p.masked));
    assert.deepEqual(customs.body.notes.map((n: { by: string; byJurisdiction: string }) => [n.by, n.byJurisdiction]), [['regulator2', '33'], ['customs33', '33']]);
  });

  it('the history has every change in order, each with one audit row; closing twice and working a closed case are 409 CASE_CLOSED', async () => {
    const c = await openCase({ alertIds: [alertId] });
    const ids: string[] = [];
    assert.equal((await post(`/api/cases/${c.id}/notes`, 'regulator1', { text: '已约谈网点' })).status, 201);
    const p = aParcel();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${gz}`).send(p).expect(201);
    assert.equal((await post(`/api/cases/${c.id}/links`, 'regulator1', { waybillNos: [p.waybillNo] })).status, 200);
    // Linking again changes nothing: no timeline row.
    assert.equal((await post(`/api/cases/${c.id}/links`, 'regulator1', { waybillNos: [p.waybillNo] })).status, 200);
    const upd = await patch(`/api/cases/${c.id}`, 'regulator1', { ownerUsername: 'customs1', priority: 'urgent', dueAt: inDays(3), title: '天河运动鞋（升级）' });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual([upd.body.owner.username, upd.body.priority, upd.body.title], ['customs1', 'urgent', '天河运动鞋（升级）']);
    expectProblem(await patch(`/api/cases/${c.id}`, 'regulator1', { dueAt: inDays(-1) }), 422, 'DUE_PAST');
    expectProblem(await patch(`/api/cases/${c.id}`, 'regulator1', { ownerUsername: 'regulator2' }), 422, 'OWNER_INVALID');
    assert.equal((await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '33', note: '协查' })).status, 200);
    expectProblem(await post(`/api/cases/${c.id}/close`, 'regulator1', { outcome: 'solved', note: 'x' }), 400);
    const closed = await post(`/api/cases/${c.id}/close`, 'regulator1', { outcome: 'referred_to_police', note: '移送公安' });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.status, 'closed');
    assert.equal(closed.body.outcome, 'referred_to_police');
    expectProblem(await post(`/api/cases/${c.id}/close`, 'regulator1', { outcome: 'duplicate', note: 'again' }), 409, 'CASE_CLOSED');
    expectProblem(await post(`/api/cases/${c.id}/notes`, 'regulator1', { text: 'late' }), 409, 'CASE_CLOSED');
    expectProblem(await post(`/api/cases/${c.id}/notes`, 'regulator2', { text: 'late' }), 409, 'CASE_CLOSED');
    expectProblem(await post(`/api/cases/${c.id}/links`, 'regulator1', { alertIds: [alertId] }), 409, 'CASE_CLOSED');
    expectProblem(await patch(`/api/cases/${c.id}`, 'regulator1', { priority: 'low' }), 409, 'CASE_CLOSED');
    expectProblem(await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '32', note: 'x' }), 409, 'CASE_CLOSED');

    const detail = (await get(`/api/cases/${c.id}`, 'regulator1')).body;
    assert.deepEqual(detail.history.map((h: { kind: string }) => h.kind), ['open', 'note', 'link', 'update', 'share', 'close']);
    assert.deepEqual(detail.history[2].data.waybillNos, [p.waybillNo]);
    assert.deepEqual(Object.keys(detail.history[3].data.changes).sort(), ['dueAt', 'owner', 'priority', 'title']);
    assert.equal(detail.outcomeNote, '移送公安');
    assert.equal(detail.mayWork, false);
    const audit = await rows<{ action: string }>(sql`select action from audit_log where subject_type = 'case' and subject_id = ${c.id} and action like 'case.%' order by id`);
    assert.deepEqual(audit.map((a) => a.action), ['case.open', 'case.note', 'case.link', 'case.update', 'case.share', 'case.close']);
    void ids;
  });

  it('overdue: open and past due by the injected clock, in the case, the list filter and the counts', async () => {
    const before = (await get('/api/cases/counts', 'regulator1')).body as { open: number; overdue: number };
    const soon = await openCase({ title: '两天后到期', dueAt: inDays(2) });
    const later = await openCase({ title: '十天后到期', dueAt: inDays(10) });
    const after = (await get('/api/cases/counts', 'regulator1')).body;
    assert.deepEqual(after, { open: before.open + 2, overdue: before.overdue });
    caseClock.now = () => new Date(Date.now() + 5 * 86_400_000);
    const counts = (await get('/api/cases/counts', 'regulator1')).body;
    assert.equal(counts.open, before.open + 2);
    assert.ok(counts.overdue >= before.overdue + 1, 'five days on, the case due in two is overdue');
    const list = (await get('/api/cases?overdue=true&limit=200', 'regulator1')).body.cases as Summary[];
    assert.ok(list.some((c) => c.id === soon.id && c.overdue));
    assert.ok(!list.some((c) => c.id === later.id));
    assert.ok(list.every((c) => c.overdue && c.status === 'open'));
    assert.equal((await get(`/api/cases/${soon.id}`, 'regulator1')).body.overdue, true);
    // Zhejiang's counts do not include Guangdong's cases.
    const zj = (await get('/api/cases/counts', 'regulator2')).body;
    assert.ok(zj.open < counts.open);
    // Closed cases are never overdue.
    await post(`/api/cases/${soon.id}/close`, 'regulator1', { outcome: 'insufficient_evidence', note: '证据不足' });
    assert.deepEqual((await get(`/api/cases/counts`, 'regulator1')).body, { open: counts.open - 1, overdue: counts.overdue - 1 });
  });

  async function listen(user: string) {
    const c = connect(`${s.url}/alerts`, { auth: { token: await token(user) }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const updates: Summary[] = [];
    c.on('case:updated', (x: Summary) => updates.push(x));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return updates;
  }
  const until = async (cond: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('case:updated is heard live by the owning jurisdiction and, once shared, by the shared one — not before', async () => {
    const gdHears = await listen('regulator1');
    const zjHears = await listen('regulator2');
    const zjCustoms = await listen('customs33');
    const c = await openCase();
    await until(() => gdHears.some((u) => u.id === c.id));
    await post(`/api/cases/${c.id}/notes`, 'regulator1', { text: '内部' });
    await until(() => gdHears.filter((u) => u.id === c.id).length === 2);
    assert.equal(zjHears.filter((u) => u.id === c.id).length, 0, 'not shared yet: Zhejiang hears nothing');
    await post(`/api/cases/${c.id}/share`, 'regulator1', { jurisdiction: '33', note: '协查' });
    await post(`/api/cases/${c.id}/notes`, 'regulator2', { text: '收到' });
    await until(() => zjHears.filter((u) => u.id === c.id).length === 2 && zjCustoms.filter((u) => u.id === c.id).length === 2);
    await until(() => gdHears.filter((u) => u.id === c.id).length === 4);
  });
});
