// An alert spanning provinces belongs to one (issue 14.2): the one with most of its parcels, following them
// while the alert is open and fixed once someone takes it in hand. Only its officers (and admins) decide;
// the others see it, add notes, and hear the outcome. Reads of its parcels are audited, masked or not (14.14).
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { mayDecide } from '../server/alerts/ownership.js';
import { anIdentity, aParcel, ringParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Note = { id: string; by: string; role: string; jurisdiction: string | null; text: string; at: string };
type Alert = {
  id: string;
  status: string;
  jurisdiction: string;
  ownerJurisdiction: string;
  parcelsByJurisdiction: Record<string, number>;
  acknowledged: { by: string; jurisdiction: string | null } | null;
  resolved: { by: string | null; jurisdiction: string | null; resolution: string; note: string | null } | null;
  notes?: Note[];
};

describe('who may decide an alert (pure)', () => {
  const officer = (role: string, jurisdiction: string | null) => ({ role, jurisdiction });
  const table: [string, { role: string; jurisdiction: string | null }, string, string[], boolean][] = [
    ['the owning province', officer('postal_regulator', '44'), '44', ['440106', '440304'], true],
    ['customs of the owning province', officer('customs_officer', '44'), '44', ['440106'], true],
    ['another province', officer('postal_regulator', '33'), '44', ['440106', '330782'], false],
    ['a city holding every parcel', officer('postal_regulator', '4401'), '44', ['440106', '440111'], true],
    // One Guangzhou parcel must not let Guangzhou damp a ring that is mostly Shenzhen's.
    ['a city holding some parcels only', officer('postal_regulator', '4401'), '44', ['440106', '440304'], false],
    ['a courier', officer('courier', null), '44', ['440106'], false],
    ['an admin', officer('admin', null), '44', ['440106', '330782'], true],
  ];
  for (const [who, user, owner, regions, expected] of table) {
    it(`${who}: ${expected ? 'decides' : 'does not'}`, () => assert.equal(mayDecide(user, owner, regions), expected));
  }
});

describe('alert ownership across jurisdictions', () => {
  let s: TestServer;
  const open: Socket[] = [];
  let gz: string;
  let yw: string;
  before(async () => {
    s = await startTestServer();
    gz = await s.login('courier1'); // 440106 广州天河
    yw = await s.login('courier2'); // 330782 义乌
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const intake = (body: object, token: string) => s.http().post('/api/parcels').set('Authorization', `Bearer ${token}`).send(body).expect(201);
  const as = async (user: string) => ({ Authorization: `Bearer ${await s.login(user)}` });
  const get = async (path: string, user: string) => s.http().get(path).set(await as(user));
  const post = async (path: string, user: string, body: object = {}) => s.http().post(path).set(await as(user)).send(body);
  const rows = async <T>(q: ReturnType<typeof sql>) => (await s.database.db.execute(q) as unknown as { rows: T[] }).rows;

  async function listen(user: string) {
    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login(user) }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const updates: Alert[] = [];
    c.on('alert:updated', (a: Alert) => updates.push(a));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return updates;
  }
  const until = async (cond: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** The ring's parcels through one counter; the alert's id (the last one raised). */
  async function send(phone: string, token: string, n: number) {
    let id = '';
    for (let i = 0; i < n; i++) id = (await intake(ringParcel(phone), token)).body.alerts[0]?.id ?? id;
    return id;
  }

  it('five Guangzhou parcels and one Yiwu: Zhejiang cannot acknowledge or dismiss the ring, adds a note and hears Guangdong resolve it', async () => {
    const phone = '13921210001';
    const alertId = await send(phone, gz, 5);
    assert.equal(await send(phone, yw, 1), alertId, 'the Yiwu parcel joins the Guangzhou ring');

    const seen = await get(`/api/alerts/${alertId}`, 'regulator2');
    assert.equal(seen.status, 200, 'Zhejiang sees the ring: one of its parcels is in it');
    assert.equal(seen.body.ownerJurisdiction, '44');
    assert.deepEqual(seen.body.parcelsByJurisdiction, { '44': 5, '33': 1 });
    assert.deepEqual(seen.body.notes, []);
    const gdHears = await listen('regulator1');
    const zjHears = await listen('regulator2');

    const ack = expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'regulator2'), 403, 'ALERT_NOT_OWNED');
    assert.match(ack.detail, /Guangdong \(44\)/);
    assert.match((ack as { detailZh?: string }).detailZh ?? '', /广东 \(44\)/);
    expectProblem(await post(`/api/alerts/${alertId}/resolve`, 'regulator2', { resolution: 'false_positive', note: '义乌网点熟客，正常寄件' }), 403, 'ALERT_NOT_OWNED');
    expectProblem(await post(`/api/alerts/${alertId}/resolve`, 'regulator2', { resolution: 'confirmed' }), 403, 'ALERT_NOT_OWNED');
    // Customs decide by the same rule: Zhejiang customs may not either.
    const password = 'Vq8#nLw2-Tz5pKr9';
    await post('/api/users', 'admin', { username: 'customs33', password, role: 'customs_officer', jurisdiction: '33' }).then((r) => assert.equal(r.status, 201, r.text));
    await s.login('customs33', password);
    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'customs33'), 403, 'ALERT_NOT_OWNED');
    assert.equal((await get(`/api/alerts/${alertId}`, 'regulator1')).body.status, 'open', 'nothing changed');

    // The dismissal did not happen, so the next Guangdong parcel of the ring is held under the same alert.
    const next = await intake(ringParcel(phone), gz);
    assert.equal(next.body.verdict, 'held');
    assert.deepEqual(next.body.alerts.map((a: { id: string }) => a.id), [alertId]);

    // What Zhejiang knows goes in a note: kept, audited, announced to every room the ring touches.
    expectProblem(await post(`/api/alerts/${alertId}/notes`, 'regulator2', { text: '   ' }), 400, 'NOTE_REQUIRED');
    const note = await post(`/api/alerts/${alertId}/notes`, 'regulator2', { text: '义乌网点：该手机号本月另有 12 件寄往同一收件人' });
    assert.equal(note.status, 201, note.text);
    assert.deepEqual({ ...note.body, id: undefined, at: undefined }, { id: undefined, at: undefined, by: 'regulator2', role: 'postal_regulator', jurisdiction: '33', text: '义乌网点：该手机号本月另有 12 件寄往同一收件人' });
    await until(() => gdHears.some((a) => a.notes?.length === 1));
    assert.equal(gdHears.find((a) => a.notes?.length === 1)!.notes![0]!.by, 'regulator2');
    assert.deepEqual((await get(`/api/alerts/${alertId}`, 'regulator1')).body.notes.map((n: Note) => [n.by, n.jurisdiction]), [['regulator2', '33']]);
    const audited = await rows<{ action: string; actor_username: string }>(sql`select action, actor_username from audit_log where subject_id = ${alertId} order by id`);
    assert.deepEqual(audited.map((r) => [r.action, r.actor_username]), [['alert.note', 'regulator2']], 'refused decisions changed nothing and recorded nothing');

    // Guangdong decides: customs of the owning province take it in hand, the regulator dismisses it.
    const taken = await post(`/api/alerts/${alertId}/acknowledge`, 'customs1');
    assert.equal(taken.status, 200, taken.text);
    assert.deepEqual(taken.body.acknowledged.jurisdiction, '44');
    const resolved = await post(`/api/alerts/${alertId}/resolve`, 'regulator1', { resolution: 'false_positive', note: '核实为同乡会集中寄送的礼品' });
    assert.equal(resolved.status, 200, resolved.text);

    // Zhejiang hears the outcome: the resolution, who, and in which jurisdiction.
    await until(() => zjHears.some((a) => a.status === 'resolved'));
    const outcome = zjHears.find((a) => a.status === 'resolved')!;
    assert.deepEqual(outcome.resolved, { ...outcome.resolved, by: 'regulator1', jurisdiction: '44', resolution: 'false_positive', note: '核实为同乡会集中寄送的礼品' });
    assert.equal(outcome.ownerJurisdiction, '44');
    const later = (await get(`/api/alerts/${alertId}`, 'regulator2')).body as Alert;
    assert.equal(later.resolved!.by, 'regulator1');
    assert.equal(later.resolved!.jurisdiction, '44');

    // A false positive by the owner damps the ring as before: the same evidence stays quiet.
    const quiet = await intake(ringParcel(phone), gz);
    assert.equal(quiet.body.verdict, 'accepted');
    assert.deepEqual(quiet.body.alerts, []);
  });

  it('a ring that begins in Zhejiang and grows mostly in Guangdong passes to Guangdong while open, and stays with whoever took it in hand', async () => {
    const phone = '13921210002';
    const alertId = await send(phone, yw, 3);
    const zjHears = await listen('regulator2');
    let a = (await get(`/api/alerts/${alertId}`, 'regulator2')).body as Alert;
    assert.deepEqual([a.jurisdiction, a.ownerJurisdiction], ['33', '33']);

    await send(phone, gz, 3);
    a = (await get(`/api/alerts/${alertId}`, 'regulator1')).body;
    assert.deepEqual([a.ownerJurisdiction, a.parcelsByJurisdiction], ['33', { '33': 3, '44': 3 }], 'a tie keeps the owner');
    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'regulator1'), 403, 'ALERT_NOT_OWNED');

    await send(phone, gz, 1);
    a = (await get(`/api/alerts/${alertId}`, 'regulator1')).body;
    assert.deepEqual([a.ownerJurisdiction, a.jurisdiction], ['44', '33'], 'most parcels now in Guangdong: it owns the open alert; where it began stays on record');
    await until(() => zjHears.some((x) => x.ownerJurisdiction === '44'));
    expectProblem(await post(`/api/alerts/${alertId}/acknowledge`, 'regulator2'), 403, 'ALERT_NOT_OWNED');
    assert.equal((await post(`/api/alerts/${alertId}/acknowledge`, 'regulator1')).status, 200);

    // Taken in hand: Zhejiang's parcels overtake again, the owner does not change under the officer working it.
    await send(phone, yw, 2);
    a = (await get(`/api/alerts/${alertId}`, 'regulator1')).body;
    assert.deepEqual([a.ownerJurisdiction, a.parcelsByJurisdiction], ['44', { '33': 5, '44': 4 }]);
    expectProblem(await post(`/api/alerts/${alertId}/resolve`, 'regulator2', { resolution: 'confirmed' }), 403, 'ALERT_NOT_OWNED');
    assert.equal((await post(`/api/alerts/${alertId}/resolve`, 'admin', { resolution: 'confirmed', note: '全国统筹' })).body.resolved.jurisdiction, null, 'admins decide anywhere');
  });

  it('a suspect-list alert belongs to the province with most of its hits', async () => {
    const phone = '13921210003';
    const listed = await post('/api/watchlist/entries', 'regulator1', { entries: [{ type: 'phone', value: phone }] });
    assert.equal(listed.status, 201, listed.text);
    const hit = async (token: string) => (await intake(aParcel({ sender: { ...anIdentity(), phone } }), token)).body.alerts.find((x: { type: string }) => x.type === 'WATCHLIST_HIT').id as string;
    const id = await hit(gz);
    assert.equal(await hit(yw), id);
    assert.equal((await get(`/api/alerts/${id}`, 'admin')).body.ownerJurisdiction, '44', 'a tie at one each keeps where it began');
    await hit(yw);
    const a = (await get(`/api/alerts/${id}`, 'admin')).body as Alert;
    assert.deepEqual([a.ownerJurisdiction, a.parcelsByJurisdiction], ['33', { '44': 1, '33': 2 }]);
  });

  it('reading an alert’s parcels is audited, masked (pii.read) as well as unmasked (pii.unmask), one row per read with how many were shown', async () => {
    const phone = '13921210004';
    const alertId = await send(phone, gz, 3);
    await send(phone, yw, 1);
    const audit = async () =>
      rows<{ action: string; actor_username: string; details: Record<string, unknown> }>(
        sql`select action, actor_username, details from audit_log where subject_id = ${alertId} and action like 'pii.%' order by id`,
      );

    const masked = await get(`/api/alerts/${alertId}/parcels`, 'regulator2');
    assert.equal(masked.status, 200);
    assert.equal(masked.body.parcels.length, 4);
    assert.deepEqual(await audit(), [{ action: 'pii.read', actor_username: 'regulator2', details: { parcels: 4, masked: 4, total: 4 } }]);

    const unmasked = await get(`/api/alerts/${alertId}/parcels?unmask=true`, 'regulator1');
    assert.equal(unmasked.status, 200);
    const after = await audit();
    assert.deepEqual(after.slice(1).map((r) => [r.action, r.actor_username]), [['pii.unmask', 'regulator1']], 'one row per read, as for one parcel');
    const { waybills, ...counts } = after[1]!.details as { waybills: string[] };
    assert.equal(waybills.length, 3);
    assert.deepEqual(counts, { fields: ['sender.idNumber', 'sender.phone', 'recipient.phone'], parcels: 4, masked: 1, total: 4 }, 'the Yiwu parcel stays masked for Guangdong');
  });
});
