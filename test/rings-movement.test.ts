// Rings that move (口岸转移, issue 16): a ring under alert, confirmed or dismissed that turns up through an outlet
// of a province where it had no parcels is a RING_MOVED alert of its own, heard live by both provinces
// (the destination owns it), written once per new province as a ring event, and listed in the ring view.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { ringOfAlertGroup } from '../server/rings/movement.js';
import { ringParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Alert = {
  id: string;
  type: string;
  status: string;
  severity: string;
  jurisdiction: string;
  ownerJurisdiction: string;
  parcelsByJurisdiction: Record<string, number>;
  regionCodes: string[];
  waybills: string[];
  summary: string;
  summaryZh: string;
  evidence: { code: string; message: string; messageZh?: string }[];
};

describe('ringOfAlertGroup', () => {
  it('reads the ring of ring alerts and of their moves, nothing else', () => {
    const id = '0b8e6a3c-9f0e-4c55-8d0a-2f6b1d1e7a11';
    assert.equal(ringOfAlertGroup(`ring:${id}`), id);
    assert.equal(ringOfAlertGroup(`ring-moved:${id}:33`), id);
    assert.equal(ringOfAlertGroup(`watchlist:${id}`), null);
    assert.equal(ringOfAlertGroup('ring:not-a-ring'), null);
  });
});

describe('rings that move (口岸转移)', () => {
  let s: TestServer;
  let gz: string;
  let yw: string;
  const open: Socket[] = [];
  before(async () => {
    s = await startTestServer();
    gz = await s.login('courier1'); // 440106 广州天河
    yw = await s.login('courier2'); // 330782 义乌
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const intake = async (body: object, token: string) => {
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${token}`).send(body);
    assert.equal(res.status, 201, res.text);
    return res.body as { parcel: { waybillNo: string }; verdict: string; alerts: { id: string; type: string }[] };
  };
  const auth = async (user: string) => ({ Authorization: `Bearer ${await s.login(user)}` });
  const get = async (path: string, user: string) => s.http().get(path).set(await auth(user));
  const post = async (path: string, user: string, body: object = {}) => s.http().post(path).set(await auth(user)).send(body);
  const rows = async <T>(q: ReturnType<typeof sql>) => ((await s.database.db.execute(q)) as unknown as { rows: T[] }).rows;

  async function listen(user: string) {
    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login(user) }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const events: { event: string; alert: Alert }[] = [];
    c.on('alert:new', (alert: Alert) => events.push({ event: 'alert:new', alert }));
    c.on('alert:updated', (alert: Alert) => events.push({ event: 'alert:updated', alert }));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return events;
  }
  const until = async (cond: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** A ring of three through Guangzhou: its alert and ring. */
  async function guangdongRing(phone: string) {
    let alertId = '';
    for (let i = 0; i < 3; i++) alertId = (await intake(ringParcel(phone), gz)).alerts.find((a) => a.type === 'ANT_MOVING')?.id ?? alertId;
    assert.ok(alertId);
    return { alertId, ringId: (await get(`/api/alerts/${alertId}`, 'regulator1')).body.ringId as string };
  }
  const moves = (ringId: string) => rows<{ details: { from: string; to: string; status: string; alertId: string } }>(sql`select details from ring_events where ring_id = ${ringId} and kind = 'moved'`);
  const moved = (events: { event: string; alert: Alert }[]) => events.filter((e) => e.alert.type === 'RING_MOVED');

  it('a ring under alert in Guangdong turns up in Yiwu: both provinces hear RING_MOVED live, Zhejiang owns it, once per province', async () => {
    const { alertId, ringId } = await guangdongRing('13941410001');
    const gd = await listen('regulator1');
    const zj = await listen('regulator2');
    const gdCustoms = await listen('customs1');

    const crossed = await intake(ringParcel('13941410001'), yw);
    assert.equal(crossed.verdict, 'held', 'the ring is under alert: its parcel is held wherever it turns up');
    await until(() => moved(zj).length === 1 && moved(gd).length === 1 && moved(gdCustoms).length === 1);
    const live = moved(zj)[0]!;
    assert.equal(live.event, 'alert:new');
    const a = live.alert;
    assert.deepEqual([a.jurisdiction, a.ownerJurisdiction, a.parcelsByJurisdiction], ['33', '33', { '33': 1 }], 'the destination decides on the parcel that crossed');
    assert.deepEqual(a.regionCodes, ['330782', '440106'], 'both provinces: where it turned up and where it was');
    assert.deepEqual(a.waybills, [crossed.parcel.waybillNo]);
    assert.equal(a.severity, 'medium');
    assert.equal(a.evidence[0]!.code, 'RING_MOVED');
    assert.match(a.evidence[0]!.message, /under alert in Guangdong \(44\) turned up in Zhejiang \(33\): parcel \w+ at 义乌稠城营业部/);
    assert.match(a.evidence[0]!.messageZh!, /预警中的团伙（此前在广东 \(44\)）出现在浙江 \(33\)/);
    assert.match(a.summary, /Ring moved from Guangdong \(44\) to Zhejiang \(33\)/);
    assert.match(a.summaryZh, /团伙口岸转移：广东 \(44\) → 浙江 \(33\)/);
    // The ring's own alert grew into Zhejiang too (the ring step), so Zhejiang can follow the ring itself.
    await until(() => zj.some((e) => e.alert.id === alertId));

    const rest = await get(`/api/alerts/${a.id}`, 'regulator2');
    assert.equal(rest.status, 200);
    assert.equal(rest.body.ringId, ringId);
    assert.equal((await get(`/api/alerts/${a.id}`, 'regulator1')).status, 200, 'the origin sees it');

    const view = await get(`/api/rings/${ringId}`, 'regulator2');
    assert.equal(view.status, 200, 'Zhejiang now has a parcel in the ring: it sees the ring');
    assert.equal(view.body.movements.length, 1);
    assert.deepEqual(
      { ...view.body.movements[0], at: undefined },
      { from: '44', to: '33', at: undefined, waybillNo: crossed.parcel.waybillNo, outletId: 'YW-CC-001', outletName: '义乌稠城营业部', status: 'under_alert', alertId: a.id },
    );
    assert.ok(Date.parse(view.body.movements[0].at) > 0);
    assert.deepEqual(view.body.jurisdictions.map((j: { province: string; parcels: number }) => [j.province, j.parcels]), [['44', 3], ['33', 1]]);
    assert.ok(view.body.alerts.some((x: { id: string; type: string }) => x.id === a.id && x.type === 'RING_MOVED'));

    // More parcels in Zhejiang, and back in Guangdong: no further move.
    await intake(ringParcel('13941410001'), yw);
    await intake(ringParcel('13941410001'), gz);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(moved(zj).length, 1);
    assert.deepEqual((await moves(ringId)).map((m) => [m.details.from, m.details.to, m.details.status]), [['44', '33', 'under_alert']]);
  });

  it('a ring dismissed as a false positive stays quiet on its own evidence, but its move is told to both provinces', async () => {
    const { alertId, ringId } = await guangdongRing('13941410002');
    const resolved = await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'false_positive', note: '同乡会礼品' });
    assert.equal(resolved.status, 200, resolved.text);
    const gd = await listen('regulator1');
    const zj = await listen('regulator2');

    const crossed = await intake(ringParcel('13941410002'), yw);
    assert.equal(crossed.verdict, 'accepted', 'damped: the ring alert does not open again on the same evidence');
    assert.deepEqual(crossed.alerts, []);
    await until(() => moved(zj).length === 1 && moved(gd).length === 1);
    const a = moved(gd)[0]!.alert;
    assert.equal(a.severity, 'low');
    assert.match(a.evidence[0]!.message, /dismissed as a false positive in Guangdong \(44\)/);
    assert.deepEqual((await moves(ringId)).map((m) => [m.details.to, m.details.status, m.details.alertId]), [['33', 'damped', a.id]]);
  });

  it('a confirmed ring that moves is a high-severity move', async () => {
    const { alertId, ringId } = await guangdongRing('13941410003');
    assert.equal((await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'confirmed', note: '已移交海关' })).status, 200);
    const zj = await listen('regulator2');
    await intake(ringParcel('13941410003'), yw);
    await until(() => moved(zj).length === 1);
    assert.equal(moved(zj)[0]!.alert.severity, 'high');
    assert.match(moved(zj)[0]!.alert.evidence[0]!.messageZh!, /已确认的团伙/);
    assert.deepEqual((await moves(ringId)).map((m) => m.details.status), ['confirmed']);
  });

  it('a ring nobody was watching that spans provinces is no move', async () => {
    const phone = '13941410004';
    await intake(ringParcel(phone), gz);
    await intake(ringParcel(phone), gz);
    const zj = await listen('regulator2');
    const third = await intake(ringParcel(phone), yw);
    // The third parcel makes it a ring (its own alert, heard by both); it was not under alert before.
    assert.ok(third.alerts.some((a) => a.type === 'ANT_MOVING'));
    await until(() => zj.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(moved(zj), []);
    const ring = await rows<{ ring_id: string }>(sql`select ring_id from ring_members where waybill_no = ${third.parcel.waybillNo}`);
    assert.deepEqual(await moves(ring[0]!.ring_id), []);
  });
});
