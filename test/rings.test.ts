// 蚂蚁搬家 through the API: a ring opens one alert and grows it, regulators of the ring's province hear it
// live and others hear nothing, the lifecycle, false-positive damping, merging and reconnect catch-up.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { aConsignee, anIdentity, aParcel, aResidentId, ringParcel } from './helpers/factories.js';
import { sweepRings } from '../server/rings/store.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Alert = { id: string; type: string; status: string; parcelCount: number; severity: string; evidence: { code: string; message: string }[]; waybills: string[]; updatedAt: string; resolved: unknown; acknowledged: unknown };

describe('ant-moving rings (API and live)', () => {
  let s: TestServer;
  const open: Socket[] = [];
  let courier: string;
  before(async () => {
    s = await startTestServer();
    courier = await s.login('courier1');
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const intake = (body: object, token = courier) => s.http().post('/api/parcels').set('Authorization', `Bearer ${token}`).send(body);
  const get = async (path: string, user: string) => s.http().get(path).set('Authorization', `Bearer ${await s.login(user)}`);
  const post = async (path: string, user: string, body: object = {}) => s.http().post(path).set('Authorization', `Bearer ${await s.login(user)}`).send(body);

  async function listen(user: string, auth: Record<string, unknown> = {}) {
    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login(user), ...auth }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const events: { event: string; alert: Alert }[] = [];
    c.on('alert:new', (alert) => events.push({ event: 'alert:new', alert }));
    c.on('alert:updated', (alert) => events.push({ event: 'alert:updated', alert }));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return { c, events };
  }
  const until = async (cond: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('a forming ring opens one alert at its third parcel, grows it, holds its parcels, and only Guangdong hears it', async () => {
    const gd = await listen('regulator1');
    const gdCustoms = await listen('customs1');
    const zj = await listen('regulator2');
    const phone = '13912345678';

    const first = await intake(ringParcel(phone)).expect(201);
    const second = await intake(ringParcel(phone)).expect(201);
    assert.deepEqual([first.body.alerts, second.body.alerts], [[], []], 'two parcels are not a ring yet');
    assert.equal(second.body.verdict, 'accepted');

    const third = await intake(ringParcel(phone)).expect(201);
    assert.equal(third.body.alerts.length, 1);
    assert.equal(third.body.alerts[0].type, 'ANT_MOVING');
    assert.equal(third.body.verdict, 'held');
    assert.ok(third.body.reasons.some((r: { code: string }) => r.code === 'ANT_MOVING_SUSPECTED'));
    const alertId = third.body.alerts[0].id;

    const fourth = await intake(ringParcel(phone)).expect(201);
    assert.equal(fourth.body.alerts[0].id, alertId, 'the ring grows its alert, it does not open another');

    await until(() => gd.events.length >= 2 && gdCustoms.events.length >= 2);
    assert.deepEqual(gd.events.map((e) => e.event), ['alert:new', 'alert:updated']);
    const live = gd.events[1]!.alert;
    assert.equal(live.id, alertId);
    assert.equal(live.parcelCount, 4);
    const codes = live.evidence.map((e) => e.code);
    for (const code of ['RING_VOLUME', 'VALUES_JUST_UNDER_LIMIT', 'ROTATING_IDENTITIES', 'VAGUE_DESCRIPTIONS']) assert.ok(codes.includes(code), `${code} in ${codes}`);
    assert.match(live.evidence.find((e) => e.code === 'ROTATING_IDENTITIES')!.message, /4 different identities used one phone \(\+86 139\*{4}5678\)/);
    assert.equal(gdCustoms.events[1]!.alert.id, alertId, 'customs of the province hear cross-border rings');

    const rest = await get(`/api/alerts/${alertId}`, 'regulator1');
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body.waybills.sort(), [first, second, third, fourth].map((r) => r.body.parcel.waybillNo).sort());

    // Zhejiang: nothing live, nothing listed, and the alert itself is not found.
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(zj.events, []);
    const zjList = await get('/api/alerts?type=ANT_MOVING', 'regulator2');
    assert.deepEqual(zjList.body.alerts, []);
    expectProblem(await get(`/api/alerts/${alertId}`, 'regulator2'), 404, 'ALERT_NOT_FOUND');
    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'regulator2'), 404, 'ALERT_NOT_FOUND');
  });

  it('domestic parcels never link into rings', async () => {
    const phone = '13987654321';
    for (let i = 0; i < 5; i++) {
      const res = await intake(aParcel({
        sender: { ...anIdentity(), phone },
        recipient: { name: '王芳', phone: '13700000001', address: '浙江省杭州市西湖区文三路100号', country: 'CN' },
        declared: { description: '礼品一份', category: 'gifts', quantity: 1, valueCny: 950, brand: undefined },
      })).expect(201);
      assert.deepEqual(res.body.alerts, []);
    }
  });

  it('acknowledge and resolve keep who and when, are audited, announced, and refused twice', async () => {
    const phone = '13911112222';
    let alertId = '';
    for (let i = 0; i < 3; i++) alertId = (await intake(ringParcel(phone)).expect(201)).body.alerts[0]?.id ?? '';
    assert.ok(alertId);
    const gd = await listen('regulator1');

    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'courier1'), 403, 'ROLE_FORBIDDEN');
    const ack = await post(`/api/alerts/${alertId}/acknowledge`, 'regulator1');
    assert.equal(ack.status, 200);
    assert.equal(ack.body.status, 'acknowledged');
    assert.equal((ack.body.acknowledged as { by: string }).by, 'regulator1');
    assert.equal((await post(`/api/alerts/${alertId}/acknowledge`, 'customs1')).body.acknowledged.by, 'regulator1', 'a second acknowledgement changes nothing');

    // An acknowledged ring still grows its alert.
    const more = await intake(ringParcel(phone)).expect(201);
    assert.equal(more.body.alerts[0].id, alertId);

    expectProblem(await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'maybe' }), 400, 'RESOLUTION_UNKNOWN');
    const noNote = await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'false_positive' });
    expectProblem(noNote, 400, 'NOTE_REQUIRED');
    assert.equal(noNote.body.errors[0].path, 'note');
    assert.equal(noNote.body.errors[0].code, 'NOTE_REQUIRED');

    const done = await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'confirmed', note: '已移交海关' });
    assert.equal(done.status, 200);
    assert.equal(done.body.status, 'resolved');
    assert.deepEqual({ ...done.body.resolved, at: undefined }, { by: 'regulator1', jurisdiction: '44', at: undefined, resolution: 'confirmed', note: '已移交海关' });
    expectProblem(await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'confirmed' }), 409, 'ALERT_RESOLVED');
    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'regulator1'), 409, 'ALERT_RESOLVED');

    await until(() => gd.events.filter((e) => e.alert.id === alertId).length >= 3);
    assert.deepEqual(gd.events.filter((e) => e.alert.id === alertId).map((e) => e.alert.status), ['acknowledged', 'acknowledged', 'resolved']);

    const audit = await s.database.db.execute(sql`select action from audit_log where subject_id = ${alertId} order by id`);
    assert.deepEqual((audit as unknown as { rows: { action: string }[] }).rows.map((r) => r.action), ['alert.acknowledge', 'alert.resolve']);

    // A confirmed ring that goes on sending opens a new alert at once.
    const again = await intake(ringParcel(phone)).expect(201);
    assert.equal(again.body.alerts.length, 1);
    assert.notEqual(again.body.alerts[0].id, alertId);
  });

  it('a false positive damps the ring: the same evidence stays quiet, new evidence alerts again', async () => {
    const phone = '13933334440';
    let alertId = '';
    for (let i = 0; i < 3; i++) alertId = (await intake(ringParcel(phone)).expect(201)).body.alerts[0]?.id ?? '';
    const resolved = await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'false_positive', note: '同一家族给留学子女寄礼品，已核实' });
    assert.equal(resolved.status, 200);

    const quiet = await intake(ringParcel(phone)).expect(201);
    assert.deepEqual(quiet.body.alerts, [], 'the same evidence does not alert again');
    assert.equal(quiet.body.verdict, 'accepted');

    // New evidence: inspection finds contents that do not match the declaration.
    const mismatched = ringParcel(phone);
    mismatched.inspection.matchesDeclaration = false;
    const reopened = (await intake(mismatched).expect(201)).body.alerts.map((a: { id: string }) => a.id);
    assert.equal(reopened.length, 1, 'evidence the dismissal did not cover alerts again');
    assert.notEqual(reopened[0], alertId);
    const fresh = await get(`/api/alerts/${reopened[0]}`, 'regulator1');
    assert.ok(fresh.body.evidence.some((e: { code: string }) => e.code === 'CONTENTS_MISMATCH'));
  });

  it('a parcel that bridges two rings merges them into one alert', async () => {
    const consignee = (n: number) => aConsignee(50 + n);
    let a = '';
    let b = '';
    for (let i = 0; i < 3; i++) a = (await intake(ringParcel('13955550001', consignee(1))).expect(201)).body.alerts[0]?.id ?? a;
    for (let i = 0; i < 3; i++) b = (await intake(ringParcel('13955550002', consignee(2))).expect(201)).body.alerts[0]?.id ?? b;
    assert.ok(a && b && a !== b);
    // The bridge: ring A's phone, ring B's consignee.
    const bridge = await intake(ringParcel('13955550001', consignee(2))).expect(201);
    assert.equal(bridge.body.alerts.length, 1);
    const survivor = bridge.body.alerts[0].id;
    assert.ok([a, b].includes(survivor));
    const merged = (await get(`/api/alerts/${survivor === a ? b : a}`, 'regulator1')).body;
    assert.equal(merged.status, 'resolved');
    assert.equal(merged.resolved.resolution, 'merged');
    assert.equal((await get(`/api/alerts/${survivor}`, 'regulator1')).body.parcelCount, 7);
  });

  it('a quiet ring bridged into an alerted one brings its parcels to the alert', async () => {
    let alertId = '';
    for (let i = 0; i < 3; i++) alertId = (await intake(ringParcel('13955550005', aConsignee(55))).expect(201)).body.alerts[0]?.id ?? alertId;
    for (let i = 0; i < 2; i++) assert.deepEqual((await intake(ringParcel('13955550006', aConsignee(56))).expect(201)).body.alerts, []);
    const bridge = await intake(ringParcel('13955550005', aConsignee(56))).expect(201);
    assert.equal(bridge.body.alerts[0].id, alertId);
    const linked = await s.database.db.execute(sql`select count(*)::int as n from alert_parcels where alert_id = ${alertId}`);
    assert.equal((linked as unknown as { rows: { n: number }[] }).rows[0]!.n, 6);
    assert.equal((await get(`/api/alerts/${alertId}`, 'regulator1')).body.parcelCount, 6);
  });

  it('links expire with the longest window (365 days, the slow rings\' one): an old ring does not grow from a key last seen 366 days ago', async () => {
    const phone = '13944440004';
    const old = [await intake(ringParcel(phone)).expect(201), await intake(ringParcel(phone)).expect(201)];
    const waybills = `{${old.map((r) => r.body.parcel.waybillNo).join(',')}}`;
    const db = s.database.db;
    await db.execute(sql`update ring_members set created_at = created_at - interval '366 days' where waybill_no = any(${waybills}::text[])`);
    await db.execute(sql`update ring_keys set last_seen_at = last_seen_at - interval '366 days'
                         where ring_id in (select ring_id from ring_members where waybill_no = any(${waybills}::text[]))`);
    const third = await intake(ringParcel(phone)).expect(201);
    assert.deepEqual(third.body.alerts, [], 'two stale parcels and a fresh one are not three');
    const rings = await db.execute(sql`select count(distinct ring_id)::int as n from ring_members where sender_phone_masked like '%4440004' or waybill_no = any(${waybills}::text[]) or waybill_no = ${third.body.parcel.waybillNo}`);
    assert.equal((rings as unknown as { rows: { n: number }[] }).rows[0]!.n, 2);

    const swept = await sweepRings(db, new Date(Date.now() - 365 * 86_400_000), new Date(Date.now() - 365 * 86_400_000));
    // The shared phone, address and consignee were seen again by the third parcel; the old identities were not.
    assert.deepEqual(swept, { keys: 2, members: 2 });
  });

  it('a client reconnecting with `since` gets what it missed, in order, then caught-up', async () => {
    const before = new Date().toISOString();
    const phone = '13966667770';
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) for (const a of (await intake(ringParcel(phone)).expect(201)).body.alerts) ids.add(a.id);
    assert.equal(ids.size, 1);

    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login('regulator1'), since: before }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const got: string[] = [];
    c.on('alert:new', (a: Alert) => got.push(`new:${a.id}:${a.parcelCount}`));
    c.on('alert:updated', (a: Alert) => got.push(`updated:${a.id}`));
    const caught = await new Promise<{ count: number; more: boolean }>((resolve) => c.once('caught-up', resolve));
    const id = [...ids][0]!;
    assert.ok(got.includes(`new:${id}:2`) || got.includes(`new:${id}:4`), got.join());
    assert.equal(caught.more, false);

    const zj = connect(`${s.url}/alerts`, { auth: { token: await s.login('regulator2'), since: before }, transports: ['websocket'], reconnection: false });
    open.push(zj);
    const zjGot: unknown[] = [];
    zj.on('alert:new', (a) => zjGot.push(a));
    assert.equal((await new Promise<{ count: number }>((resolve) => zj.once('caught-up', resolve))).count, 0);
    assert.deepEqual(zjGot, [], 'catch-up is scoped like everything else');
  });

  it('a brief disconnect is recovered by socket.io with the alerts sent meanwhile', async () => {
    const phone = '13977778880';
    await intake(ringParcel(phone)).expect(201);
    await intake(ringParcel(phone)).expect(201);
    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login('regulator1') }, transports: ['websocket'], reconnectionDelay: 50 });
    open.push(c);
    const updates: Alert[] = [];
    let opened: Alert | undefined;
    c.on('alert:new', (a: Alert) => (opened = a));
    c.on('alert:updated', (a: Alert) => updates.push(a));
    await new Promise((resolve) => c.once('ready', resolve));
    await intake(ringParcel(phone)).expect(201); // the alert opens: the client holds an offset
    await until(() => !!opened);
    const back = new Promise<{ recovered: boolean }>((resolve) => c.once('ready', resolve));
    c.io.engine.close(); // the transport drops, not a clean disconnect
    await intake(ringParcel(phone)).expect(201); // alert:updated while the client is away
    assert.equal((await back).recovered, true);
    await until(() => updates.length >= 1);
    assert.equal(updates[0]!.id, opened!.id);
    assert.equal(updates[0]!.parcelCount, 4);
  });
});
