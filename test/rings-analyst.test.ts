// Analysts' tools on rings (issue 16), through the API with real intakes: the ring view says which key linked
// each parcel and to which parcels; a wrongly linked sender is split out (stops counting, their next parcel no
// longer joins); a legitimate pattern is allowlisted until a date (links nothing meanwhile, again after);
// everything audited, a ring event each, and both handed to the evaluation as labels. Jurisdiction: 404 outside.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { lockIdOfKey } from '../server/rings/analysis.js';
import { linkKeys } from '../server/rings/keys.js';
import { aConsignee, anIdentity, aParcel, aWaybill, ringParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Link = { kind: string; label: string; labelZh: string; to: string[]; total: number };
type Member = { waybillNo: string; split: boolean; linkedBy: Link[]; regionCode: string; senderPhoneMasked: string };
type Ring = {
  id: string;
  parcelCount: number;
  splitCount: number;
  jurisdictions: { province: string; parcels: number; first: string; last: string }[];
  members: Member[];
  events: { kind: string; byName: string | null; details: Record<string, unknown> }[];
  allowlisted: { id: string; kind: string; label: string; active: boolean }[];
  alerts: { id: string; type: string }[];
};

describe('lockIdOfKey', () => {
  it('gives the advisory lock linkKeys gives each key, from the stored key alone', () => {
    const keys = linkKeys({
      senderIdBlind: 'CN_RESIDENT_ID:abc', senderPhoneBlind: 'p', senderAddressKey: '12 tverskaya st moscow', consigneeNameKey: 'olga ivanova', country: 'RU',
      consigneePhoneBlind: 'q', consigneeAddressKey: '12 tverskaya st moscow', outletId: 'GZ-TH-001', day: '2025-01-01', category: 'bags', brand: 'gucci',
      justUnder: true, implausible: false,
    });
    assert.ok(keys.length >= 6);
    for (const k of keys) assert.equal(lockIdOfKey(k.key), k.lockId, k.kind);
  });
});

describe('ring analysts’ tools (API)', () => {
  let s: TestServer;
  let gz: string;
  let offsetMs = 0;
  const open: Socket[] = [];
  before(async () => {
    s = await startTestServer({}, {}, undefined, { clock: () => new Date(Date.now() + offsetMs) });
    gz = await s.login('courier1');
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const intake = async (body: object, token = gz) => {
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${token}`).send(body);
    assert.equal(res.status, 201, res.text);
    return res.body as { parcel: { id: string; waybillNo: string }; verdict: string; alerts: { id: string; type: string }[] };
  };
  const auth = async (user: string) => ({ Authorization: `Bearer ${await s.login(user)}` });
  const get = async (path: string, user: string) => s.http().get(path).set(await auth(user));
  const post = async (path: string, user: string, body: object = {}) => s.http().post(path).set(await auth(user)).send(body);
  const del = async (path: string, user: string, body: object = {}) => s.http().delete(path).set(await auth(user)).send(body);
  const rows = async <T>(q: ReturnType<typeof sql>) => ((await s.database.db.execute(q)) as unknown as { rows: T[] }).rows;
  const ringOf = async (waybillNo: string) => (await rows<{ ring_id: string }>(sql`select ring_id from ring_members where waybill_no = ${waybillNo}`))[0]?.ring_id;
  async function listen(user: string) {
    const c = connect(`${s.url}/alerts`, { auth: { token: await s.login(user) }, transports: ['websocket'], reconnection: false });
    open.push(c);
    const events: { event: string; alert: { id: string; parcelCount: number } }[] = [];
    c.on('alert:updated', (alert) => events.push({ event: 'alert:updated', alert }));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return events;
  }
  const until = async (cond: () => boolean, ms = 3000) => {
    for (const end = Date.now() + ms; !cond(); ) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** A ring of `n` parcels through Guangzhou (rotating identities over one phone); its alert and waybills, oldest first. */
  async function ring(phone: string, n: number) {
    const waybills: string[] = [];
    let alertId = '';
    for (let i = 0; i < n; i++) {
      const r = await intake(ringParcel(phone));
      waybills.push(r.parcel.waybillNo);
      alertId = r.alerts.find((a) => a.type === 'ANT_MOVING')?.id ?? alertId;
    }
    assert.ok(alertId, 'the ring is under alert');
    const ringId = (await get(`/api/alerts/${alertId}`, 'regulator1')).body.ringId as string;
    return { alertId, ringId, waybills };
  }

  it('the ring view: per parcel which keys linked it to which earlier parcels; the alert names its ring; 404 outside the jurisdiction', async () => {
    const { alertId, ringId, waybills } = await ring('13931310001', 4);
    assert.match(ringId, /^[0-9a-f-]{36}$/);
    assert.equal(ringId, await ringOf(waybills[0]!));

    const res = await get(`/api/rings/${ringId}`, 'regulator1');
    assert.equal(res.status, 200, res.text);
    const view = res.body as Ring;
    assert.equal(view.id, ringId);
    assert.equal(view.parcelCount, 4);
    assert.equal(view.splitCount, 0);
    assert.deepEqual(view.jurisdictions.map((j) => [j.province, j.parcels]), [['44', 4]]);
    assert.deepEqual(view.members.map((m) => m.waybillNo), [...waybills].reverse(), 'newest first');
    assert.deepEqual(view.alerts.map((a) => [a.id, a.type]), [[alertId, 'ANT_MOVING']]);

    const oldest = view.members[3]!;
    assert.deepEqual(oldest.linkedBy, [], 'the first parcel began the ring: nothing linked it');
    const newest = view.members[0]!;
    const kinds = newest.linkedBy.map((l) => l.kind).sort();
    assert.deepEqual(kinds, ['consignee_address', 'consignee_phone', 'outlet_pattern', 'sender_address', 'sender_phone'], 'identities rotate: the identity linked nothing');
    assert.equal(newest.linkedBy.find((l) => l.kind === 'outlet_pattern')!.labelZh, '同网点、同日、同目的地、同类货物');
    const byPhone = newest.linkedBy.find((l) => l.kind === 'sender_phone')!;
    assert.deepEqual(byPhone.to, [waybills[2], waybills[1], waybills[0]], 'the earlier parcels with the same phone, nearest first');
    assert.equal(byPhone.total, 3);
    assert.deepEqual([byPhone.label, byPhone.labelZh], ['sender phone', '寄件人电话']);
    const second = view.members[2]!;
    assert.deepEqual(second.linkedBy.find((l) => l.kind === 'consignee_phone')!.to, [waybills[0]]);
    assert.match(newest.senderPhoneMasked, /\*{4}/, 'phones stay masked');

    // Customs of the province and admins see it; Zhejiang does not; couriers may not ask.
    assert.equal((await get(`/api/rings/${ringId}`, 'customs1')).status, 200);
    assert.equal((await get(`/api/rings/${ringId}`, 'admin')).status, 200);
    const outside = expectProblem(await get(`/api/rings/${ringId}`, 'regulator2'), 404, 'RING_NOT_FOUND');
    assert.match((outside as { detailZh?: string }).detailZh ?? '', /团伙/);
    expectProblem(await get(`/api/rings/${ringId}`, 'courier1'), 403, 'ROLE_FORBIDDEN');
    expectProblem(await get('/api/rings/00000000-0000-4000-8000-000000000000', 'admin'), 404, 'RING_NOT_FOUND');
    expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator2', { senderOf: waybills[0], note: '误关联' }), 404, 'RING_NOT_FOUND');
  });

  it('splits a wrongly linked sender out: it stops counting, the alert shrinks live, and their next parcel starts a ring of its own', async () => {
    const phone = '13931310002';
    const { alertId, ringId } = await ring(phone, 3);
    // A shop sending one parcel to the ring's consignee: the consignee's phone and address link it, and it is held.
    const shop = { sender: { ...anIdentity(), phone: '13655550002', address: '广东省广州市越秀区中山五路88号' }, declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined } };
    const wrong = await intake(aParcel({ ...shop, recipient: aConsignee(2) }));
    assert.equal(await ringOf(wrong.parcel.waybillNo), ringId);
    assert.equal(wrong.verdict, 'held', 'linked into a ring under alert');
    assert.equal((await get(`/api/alerts/${alertId}`, 'regulator1')).body.parcelCount, 4);
    const heard = await listen('regulator1');

    const split = await post(`/api/rings/${ringId}/split`, 'regulator1', { senderOf: wrong.parcel.waybillNo.toLowerCase(), note: '茶叶店，与团伙收件人偶合' });
    assert.equal(split.status, 200, split.text);
    assert.deepEqual(split.body.splitParcels, [wrong.parcel.waybillNo]);
    assert.deepEqual(split.body.keys, { released: ['sender_address', 'sender_id', 'sender_phone'], kept: ['consignee_address', 'consignee_phone'] });
    const view = split.body.ring as Ring;
    assert.equal(view.parcelCount, 3);
    assert.equal(view.splitCount, 1);
    assert.equal(view.members.find((m) => m.waybillNo === wrong.parcel.waybillNo)!.split, true);
    assert.deepEqual(view.events.map((e) => [e.kind, e.byName]), [['split', 'regulator1']]);
    assert.equal(view.events[0]!.details.note, '茶叶店，与团伙收件人偶合');

    // The ring's alert counts without it, and everyone watching hears so.
    await until(() => heard.some((e) => e.alert.id === alertId && e.alert.parcelCount === 3));
    assert.equal((await get(`/api/alerts/${alertId}`, 'regulator1')).body.parcelCount, 3);
    const linked = await rows<{ n: number }>(sql`select count(*)::int as n from alert_parcels where alert_id = ${alertId} and parcel_id = ${wrong.parcel.id}`);
    assert.equal(linked[0]!.n, 0, 'the split parcel no longer rests under the alert');

    // The shop's next parcel, to someone else, no longer joins the ring through the shop's own identity, phone or address.
    const next = await intake(aParcel({ ...shop, recipient: { name: 'Mary Jones', phone: '+44 20 7946 0002', address: '2 Baker St, London', country: 'GB' } }));
    assert.equal(next.verdict, 'accepted');
    assert.deepEqual(next.alerts, []);
    assert.notEqual(await ringOf(next.parcel.waybillNo), ringId);

    expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { waybillNos: [wrong.parcel.waybillNo], note: '再次' }), 409, 'RING_ALREADY_SPLIT');
    const audited = await rows<{ action: string; actor_username: string; details: { waybillNos: string[] } }>(
      sql`select action, actor_username, details from audit_log where subject_id = ${ringId} order by id`,
    );
    assert.deepEqual(audited.map((a) => [a.action, a.actor_username, a.details.waybillNos]), [['ring.split', 'regulator1', [wrong.parcel.waybillNo]]]);
  });

  it('split requests that are wrong say where, in both languages', async () => {
    const { ringId, waybills } = await ring('13931310004', 3);
    const neither = expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { note: '无' }), 422, 'RING_SPLIT_TARGET_REQUIRED');
    assert.equal(neither.errors![0]!.path, 'waybillNos');
    expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { waybillNos: [waybills[0]], senderOf: waybills[1], note: '两者' }), 422, 'RING_SPLIT_TARGET_REQUIRED');
    const stranger = aWaybill();
    const missing = expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { waybillNos: [waybills[0], stranger], note: '误' }), 404, 'RING_MEMBER_NOT_FOUND');
    assert.deepEqual(missing.errors!.map((e) => [e.path, e.code]), [['waybillNos.1', 'RING_MEMBER_NOT_FOUND']]);
    assert.match((missing as { detailZh?: string }).detailZh ?? '', /不在该团伙中/);
    expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { waybillNos: [waybills[0]] }), 400, 'NOTE_REQUIRED');
    expectProblem(await post(`/api/rings/${ringId}/split`, 'regulator1', { waybillNos: [waybills[0]], note: 'x', extra: 1 }), 400);
    assert.equal((await get(`/api/rings/${ringId}`, 'regulator1')).body.splitCount, 0, 'nothing changed');
  });

  it('allowlists a family’s address until a date: it links nothing meanwhile, and again once expired; revoking; entries by jurisdiction; labels for the evaluation', async () => {
    const phone = '13931310003';
    const { ringId, waybills } = await ring(phone, 3);
    const family = (n: number) =>
      aParcel({
        sender: { ...anIdentity(), phone: `1365555100${n}`, address: `广东省广州市天河区天河北路${phone.slice(-4)}号` },
        recipient: { name: 'Tom Lee', phone: `+1 212 555 010${n}`, address: `${n} Main St, New York, NY`, country: 'US' },
        declared: { description: '衣服', category: 'clothing', quantity: 2, valueCny: 300, brand: undefined },
      });
    // Without an allowlisting, another sender at the ring's address joins it.
    const before = await intake(family(1));
    assert.equal(await ringOf(before.parcel.waybillNo), ringId);

    const expiresAt = new Date(Date.now() + offsetMs + 2 * 86_400_000).toISOString();
    const path = `/api/rings/${ringId}/allowlist`;
    const made = await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'sender_address', reason: '登记的家庭住址，多名家人寄件', expiresAt });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.kind, 'sender_address');
    assert.equal(made.body.label, `广东省广州市天河区天河北路${phone.slice(-4)}号`);
    assert.equal(made.body.ringId, ringId);
    assert.equal(made.body.active, true);
    assert.equal(made.body.createdByName, 'regulator1');

    const during = await intake(family(2));
    assert.notEqual(await ringOf(during.parcel.waybillNo), ringId, 'the allowlisted address links nothing');
    assert.equal(during.verdict, 'accepted');

    // Refusals, each with its path and code.
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[1], kind: 'sender_address', reason: '再次', expiresAt }), 409, 'RING_ALLOWLIST_EXISTS');
    const past = expectProblem(await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'sender_phone', reason: '过期', expiresAt: new Date(Date.now() - 1000).toISOString() }), 422, 'RING_ALLOWLIST_EXPIRY_PAST');
    assert.equal(past.errors![0]!.path, 'expiresAt');
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'sender_phone', reason: '太久', expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }), 422, 'RING_ALLOWLIST_EXPIRY_TOO_FAR');
    const absent = expectProblem(await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'consignee_name', reason: '姓名', expiresAt }), 422, 'RING_ALLOWLIST_KEY_ABSENT');
    assert.equal(absent.errors![0]!.path, 'kind');
    expectProblem(await post(path, 'regulator1', { waybillNo: aWaybill(), kind: 'sender_phone', reason: '无', expiresAt }), 404, 'RING_MEMBER_NOT_FOUND');
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'outlet_pattern', reason: '网点', expiresAt }), 400, 'ALLOWLIST_KIND_UNKNOWN');
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'sender_phone', reason: '', expiresAt }), 400, 'REASON_REQUIRED');
    expectProblem(await post(path, 'regulator2', { waybillNo: waybills[0], kind: 'sender_phone', reason: '外省', expiresAt }), 404, 'RING_NOT_FOUND');

    // Listed by jurisdiction: Guangdong and admins see it, Zhejiang does not; the ring view lists it.
    const listed = await get('/api/rings/allowlist?active=true', 'regulator1');
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.entries.some((e: { id: string }) => e.id === made.body.id));
    assert.ok((await get('/api/rings/allowlist', 'admin')).body.entries.some((e: { id: string }) => e.id === made.body.id));
    assert.deepEqual((await get('/api/rings/allowlist', 'regulator2')).body.entries, []);
    const view = (await get(`/api/rings/${ringId}`, 'regulator1')).body as Ring;
    assert.deepEqual(view.allowlisted.map((a) => [a.id, a.active]), [[made.body.id, true]]);
    assert.deepEqual(view.events.map((e) => e.kind), ['allowlisted']);

    // A second pattern of the ring, revoked: its key links again at once.
    const consignee = await post(path, 'customs1', { waybillNo: waybills[0], kind: 'consignee_phone', reason: '收件人为正规买家', expiresAt });
    assert.equal(consignee.status, 201, consignee.text);
    expectProblem(await del(`/api/rings/allowlist/${consignee.body.id}`, 'regulator2'), 404, 'RING_ALLOWLIST_NOT_FOUND');
    assert.equal((await del(`/api/rings/allowlist/${consignee.body.id}`, 'regulator1', { reason: '核实为团伙收件人' })).status, 204);
    expectProblem(await del(`/api/rings/allowlist/${consignee.body.id}`, 'regulator1'), 409, 'RING_ALLOWLIST_REVOKED');
    assert.ok(!(await get('/api/rings/allowlist?active=true', 'regulator1')).body.entries.some((e: { id: string }) => e.id === consignee.body.id));
    assert.ok((await get('/api/rings/allowlist?active=false', 'regulator1')).body.entries.some((e: { id: string; revokedAt: string | null }) => e.id === consignee.body.id && e.revokedAt));

    // Three days on, the address allowlisting has run out: the address links again.
    offsetMs = 3 * 86_400_000;
    try {
      const afterwards = await intake(family(3));
      assert.equal(await ringOf(afterwards.parcel.waybillNo), ringId, 'expired: the address links again');
    } finally {
      offsetMs = 0;
    }

    const audited = await rows<{ action: string }>(sql`select action from audit_log where action like 'ring.allowlist%' order by id`);
    assert.deepEqual(audited.map((a) => a.action), ['ring.allowlist', 'ring.allowlist', 'ring.allowlist.revoke']);

    // Labels: admins only; splits and allowlistings (and their revocation) in order, with the parcels they name.
    expectProblem(await get('/api/rings/labels', 'regulator1'), 403, 'ROLE_FORBIDDEN');
    const labels = await get('/api/rings/labels', 'admin');
    assert.equal(labels.status, 200, labels.text);
    type Label = { kind: string; ringId: string; waybillNos: string[]; keyKind: string | null; revoked: boolean; expiresAt: string | null };
    const mine = (labels.body.labels as Label[]).filter((l) => l.ringId === ringId);
    assert.deepEqual(
      mine.map((l) => [l.kind, l.keyKind, l.waybillNos, l.revoked]),
      [
        ['allowlisted', 'sender_address', [waybills[0]], false],
        ['allowlisted', 'consignee_phone', [waybills[0]], false],
        ['allowlisted', 'consignee_phone', [], true],
      ],
    );
    assert.ok((labels.body.labels as Label[]).some((l) => l.kind === 'split'), 'the split of the test before');
    const paged = await get('/api/rings/labels?limit=1', 'admin');
    assert.equal(paged.body.labels.length, 1);
    const second = await get(`/api/rings/labels?limit=1&cursor=${paged.body.nextCursor}`, 'admin');
    assert.equal(second.body.labels.length, 1);
    assert.notEqual(second.body.labels[0].id, paged.body.labels[0].id);
    const later = await get(`/api/rings/labels?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, 'admin');
    assert.deepEqual(later.body.labels, []);
  });
});
