// Analysts' tools on rings, hardened (review of issue 16): an officer acts only on parcels of their jurisdiction
// (split targets, the allowlist's source parcel) and reads other provinces' members without what identifies them;
// a parcel split out no longer opens the ring to its province; splitting the ring's top annual sender out takes
// their year out of the ring's evidence; one allowlist entry per key even when two officers race, an entry that
// ran out blocking no new one; the day rows a split rebuilds are the ones intake keeps, brands and classes included.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { AuthUser } from '../server/accounts/access.js';
import { loadConfig } from '../server/config.js';
import { ConflictError } from '../server/http/errors.js';
import { rebuildDays } from '../server/rings/aggregates.js';
import { allowlistKey } from '../server/rings/allowlist.js';
import { maskedName } from '../server/rings/long-windows.js';
import { aConsignee, anIdentity, aParcel, ringParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Link = { kind: string; to: string[]; total: number };
type Member = {
  parcelId: string;
  waybillNo: string | null;
  senderName: string;
  senderPhoneMasked: string | null;
  outletId: string | null;
  regionCode: string;
  valueCny: number;
  category: string;
  linkedBy: Link[];
  withheld: boolean;
  split: boolean;
  splitAt: string | null;
};
type Ring = { id: string; parcelCount: number; members: Member[] };
type Entry = { id: string; regionCode: string; active: boolean; revokedAt: string | null };

const DAY = 86_400_000;

describe('ring analysts’ tools, hardened', () => {
  let s: TestServer;
  let gz: string;
  let yw: string;
  let offsetMs = 0;
  before(async () => {
    // One person may send 3 cross-border parcels a year here: a shop's fourth is over the annual limit.
    s = await startTestServer({ RING_ANNUAL_LIMIT_PARCELS: '3' }, {}, undefined, { clock: () => new Date(Date.now() + offsetMs) });
    gz = await s.login('courier1'); // 440106 广州天河
    yw = await s.login('courier2'); // 330782 义乌
  });
  afterEach(() => (offsetMs = 0));
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
  const expiresIn = (days: number) => new Date(Date.now() + offsetMs + days * DAY).toISOString();

  /** A ring of `n` parcels through Guangzhou (rotating identities over one phone), under alert. */
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

  it('acts only on parcels of one’s jurisdiction: another province’s parcels are answered as not in the ring; the entry is listed and revoked by its creator', async () => {
    const phone = '13931320001';
    const { ringId, waybills } = await ring(phone, 3);
    // The ring turns up in Yiwu: Zhejiang now has a parcel in it, and sees it.
    const yiwu = await intake(ringParcel(phone), yw);
    assert.equal((await get(`/api/rings/${ringId}`, 'regulator2')).status, 200);

    const split = `/api/rings/${ringId}/split`;
    const one = expectProblem(await post(split, 'regulator2', { waybillNos: [yiwu.parcel.waybillNo, waybills[0]], note: '误关联' }), 404, 'RING_MEMBER_NOT_FOUND');
    assert.deepEqual(one.errors!.map((e) => [e.path, e.code]), [['waybillNos.1', 'RING_MEMBER_NOT_FOUND']], 'Guangdong’s parcel as if unknown');
    const sender = expectProblem(await post(split, 'regulator2', { senderOf: waybills[1], note: '误关联' }), 404, 'RING_MEMBER_NOT_FOUND');
    assert.equal(sender.errors![0]!.path, 'senderOf');
    const allow = `/api/rings/${ringId}/allowlist`;
    const key = expectProblem(await post(allow, 'regulator2', { waybillNo: waybills[0], kind: 'sender_phone', reason: '外省', expiresAt: expiresIn(2) }), 404, 'RING_MEMBER_NOT_FOUND');
    assert.equal(key.errors![0]!.path, 'waybillNo');
    const members = await rows<{ n: number }>(sql`select count(*)::int as n from ring_members where ring_id = ${ringId} and split_at is not null`);
    assert.equal(members[0]!.n, 0, 'nothing was split');

    // A sender with parcels in both provinces goes out whole or not at all: Zhejiang may not take Guangdong's.
    const both = { ...anIdentity(), phone: '13655552001', address: '广东省广州市越秀区中山五路120号' };
    const tea = () => aParcel({ sender: both, recipient: aConsignee(1), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined } });
    await intake(tea());
    const theirs = await intake(tea(), yw);
    const whole = expectProblem(await post(split, 'regulator2', { senderOf: theirs.parcel.waybillNo, note: '茶叶店' }), 404, 'RING_MEMBER_NOT_FOUND');
    assert.deepEqual([whole.errors![0]!.path, whole.errors![0]!.reason], ['senderOf', 'OUTSIDE_JURISDICTION']);

    // Zhejiang's own parcel: its pattern is allowlisted under its region, which its creator lists and revokes.
    const made = await post(allow, 'regulator2', { waybillNo: yiwu.parcel.waybillNo, kind: 'sender_phone', reason: '义乌登记商户', expiresAt: expiresIn(2) });
    assert.equal(made.status, 201, made.text);
    assert.match(made.body.regionCode, /^33/);
    assert.ok(((await get('/api/rings/allowlist', 'regulator2')).body.entries as Entry[]).some((e) => e.id === made.body.id));
    assert.ok(!((await get('/api/rings/allowlist', 'regulator1')).body.entries as Entry[]).some((e) => e.id === made.body.id));
    assert.equal((await del(`/api/rings/allowlist/${made.body.id}`, 'regulator2', { reason: '复核' })).status, 204);
    // Admins act anywhere.
    assert.equal((await post(split, 'admin', { waybillNos: [waybills[0]], note: '管理员' })).status, 200);
  });

  it('shows other provinces’ members without waybill, outlet or phone, the name masked; a parcel split out opens the ring no more', async () => {
    const phone = '13931320002';
    const { ringId, waybills } = await ring(phone, 3);
    const yiwu = await intake(ringParcel(phone), yw);

    const seen = (await get(`/api/rings/${ringId}`, 'regulator2')).body as Ring;
    assert.equal(seen.parcelCount, 4, 'counts stay whole');
    const own = seen.members.find((m) => m.parcelId === yiwu.parcel.id)!;
    assert.deepEqual([own.withheld, own.waybillNo, own.outletId], [false, yiwu.parcel.waybillNo, 'YW-CC-001']);
    assert.ok(own.senderPhoneMasked);
    const phoneLink = own.linkedBy.find((l) => l.kind === 'sender_phone')!;
    assert.deepEqual([phoneLink.to, phoneLink.total], [[], 3], 'Guangdong’s parcels counted, not named');
    const names = await rows<{ parcel_id: string; sender_name: string }>(sql`select parcel_id, sender_name from ring_members where ring_id = ${ringId}`);
    const others = seen.members.filter((m) => m.parcelId !== yiwu.parcel.id);
    assert.equal(others.length, 3);
    for (const m of others) {
      assert.deepEqual([m.withheld, m.waybillNo, m.outletId, m.senderPhoneMasked], [true, null, null, null]);
      assert.equal(m.senderName, maskedName(names.find((n) => n.parcel_id === m.parcelId)!.sender_name));
      assert.match(m.regionCode, /^44/);
      assert.equal(m.valueCny, 960);
      assert.ok(m.category);
    }
    assert.ok(others.some((m) => m.linkedBy.some((l) => l.kind === 'sender_phone')), 'how they linked stays');
    assert.ok(!JSON.stringify(seen.members).includes(waybills[0]!), 'no Guangdong waybill anywhere in the members');

    // Guangdong reads Zhejiang's parcel the same way; admins everything.
    const gd = (await get(`/api/rings/${ringId}`, 'regulator1')).body as Ring;
    assert.deepEqual(gd.members.filter((m) => m.withheld).map((m) => m.parcelId), [yiwu.parcel.id]);
    assert.ok(((await get(`/api/rings/${ringId}`, 'admin')).body as Ring).members.every((m) => !m.withheld && m.waybillNo));

    // Zhejiang splits its parcel out, at the simulated time: the ring is no longer Zhejiang's to see.
    offsetMs = 3_600_000;
    const split = await post(`/api/rings/${ringId}/split`, 'regulator2', { waybillNos: [yiwu.parcel.waybillNo], note: '义乌误关联' });
    assert.equal(split.status, 200, split.text);
    const at = new Date(((split.body.ring as Ring).members.find((m) => m.parcelId === yiwu.parcel.id)!).splitAt!).getTime();
    assert.ok(Math.abs(at - (Date.now() + offsetMs)) < 60_000, 'split at the evaluation’s clock');
    expectProblem(await get(`/api/rings/${ringId}`, 'regulator2'), 404, 'RING_NOT_FOUND');
    expectProblem(await post(`/api/rings/${ringId}/allowlist`, 'regulator2', { waybillNo: yiwu.parcel.waybillNo, kind: 'sender_phone', reason: 'x', expiresAt: expiresIn(2) }), 404, 'RING_NOT_FOUND');
  });

  it('splitting the ring’s top annual sender out takes their year out of the ring’s evidence', async () => {
    const phone = '13931320003';
    const { alertId, ringId } = await ring(phone, 3);
    // A shop sending tea to the ring's consignee four times: over 3 parcels a year, the ring's top annual identity.
    const shop = { ...anIdentity(), phone: '13655552003', address: '广东省广州市越秀区中山五路130号' };
    let last = '';
    for (let i = 0; i < 4; i++) {
      last = (await intake(aParcel({ sender: shop, recipient: aConsignee(3), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined } }))).parcel.waybillNo;
    }
    const top = async () => (await rows<{ top: { senderKey: string; parcels: number } | null }>(sql`select annual_top as top from rings where id = ${ringId}`))[0]!.top;
    const key = (await rows<{ key: string }>(sql`select sender_key as key from ring_members where waybill_no = ${last}`))[0]!.key;
    assert.deepEqual([(await top())?.senderKey, (await top())?.parcels], [key, 4]);

    const split = await post(`/api/rings/${ringId}/split`, 'regulator1', { senderOf: last, note: '茶叶店，与团伙收件人偶合' });
    assert.equal(split.status, 200, split.text);
    const after = await top();
    assert.notEqual(after?.senderKey, key, 'the removed shop is no longer the ring’s top annual identity');
    assert.equal(after?.parcels, 1, 'the remaining identities sent one parcel each');
    const evidence = (await get(`/api/alerts/${alertId}`, 'regulator1')).body.evidence as { code: string }[];
    assert.ok(!evidence.some((e) => e.code === 'ANNUAL_TOTAL_OVER_LIMIT'), JSON.stringify(evidence));
  });

  it('one entry per key: a unique index on open entries, two racing allowlistings give one 409, an entry that ran out blocks no new one', async () => {
    const phone = '13931320004';
    const { ringId, waybills } = await ring(phone, 3);
    const [member] = await rows<{ parcel_id: string; waybill_no: string; region_code: string; link_keys: string[] }>(
      sql`select parcel_id, waybill_no, region_code, link_keys from ring_members where waybill_no = ${waybills[0]}`,
    );
    const ref = { parcelId: member!.parcel_id, waybillNo: member!.waybill_no, regionCode: member!.region_code, linkKeys: member!.link_keys };
    const [u] = await rows<{ id: string }>(sql`select id from users where username = 'regulator1'`);
    const officer = { id: u!.id, username: 'regulator1', role: 'postal_regulator', jurisdiction: '44', outletId: null, outletRegionCode: null } as unknown as AuthUser;
    const now = new Date();
    const entry = { kind: 'consignee_phone' as const, reason: '正规买家', expiresAt: new Date(now.getTime() + 2 * DAY) };

    // The first allowlisting waits uncommitted while the second starts: the second is refused once the first commits.
    let inserted!: () => void;
    let release!: () => void;
    const firstIn = new Promise<void>((r) => (inserted = r));
    const gate = new Promise<void>((r) => (release = r));
    const first = s.database.db.transaction(async (tx) => {
      await allowlistKey(tx, ringId, ref, entry, officer, now);
      inserted();
      await gate;
    });
    await firstIn;
    const second = s.database.db.transaction((tx) => allowlistKey(tx, ringId, ref, entry, officer, now)).then(
      () => null,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    const refused = await second;
    assert.ok(refused instanceof ConflictError, `the second is refused: ${String(refused)}`);
    assert.equal(refused.code, 'RING_ALLOWLIST_EXISTS');
    const open = await rows<{ n: number }>(sql`select count(*)::int as n from ring_allowlist where key = any(${`{${ref.linkKeys.join(',')}}`}::text[]) and revoked_at is null`);
    assert.equal(open[0]!.n, 1);

    // The database itself keeps one open entry per key.
    await assert.rejects(
      s.database.db.execute(sql`insert into ring_allowlist (kind, key, label, reason, region_code, expires_at, created_by_name)
                                select kind, key, label, reason, region_code, expires_at, created_by_name from ring_allowlist
                                where key = any(${`{${ref.linkKeys.join(',')}}`}::text[]) and revoked_at is null`),
      (err: { cause?: { code?: string; message?: string } }) => err.cause?.code === '23505' || /ring_allowlist_key_open_uq/.test(err.cause?.message ?? ''),
    );

    // Through the API: an address allowlisted for a day; three days on it has run out and may be allowlisted anew.
    const path = `/api/rings/${ringId}/allowlist`;
    const firstEntry = await post(path, 'regulator1', { waybillNo: waybills[0], kind: 'sender_address', reason: '家庭住址', expiresAt: expiresIn(1) });
    assert.equal(firstEntry.status, 201, firstEntry.text);
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[1], kind: 'sender_address', reason: '再次', expiresAt: expiresIn(1) }), 409, 'RING_ALLOWLIST_EXISTS');
    offsetMs = 3 * DAY;
    const renewed = await post(path, 'customs1', { waybillNo: waybills[1], kind: 'sender_address', reason: '复核后续期', expiresAt: expiresIn(30) });
    assert.equal(renewed.status, 201, renewed.text);
    const all = (await get('/api/rings/allowlist?active=false', 'regulator1')).body.entries as Entry[];
    const old = all.find((e) => e.id === firstEntry.body.id)!;
    assert.deepEqual([old.active, old.revokedAt], [false, null], 'the old entry ran out; nobody revoked it');
    assert.equal(all.find((e) => e.id === renewed.body.id)!.active, true);
    expectProblem(await del(`/api/rings/allowlist/${firstEntry.body.id}`, 'regulator1'), 409, 'RING_ALLOWLIST_EXPIRED');
    expectProblem(await post(path, 'regulator1', { waybillNo: waybills[2], kind: 'sender_address', reason: '三次', expiresAt: expiresIn(5) }), 409, 'RING_ALLOWLIST_EXISTS');
  });

  it('a split rebuilds the day rows intake keeps: brands and priority classes per day, over several days', async () => {
    const phone = '13931320005';
    const consignee = aConsignee(5);
    const goods = [
      { description: 'Gucci 手袋', category: 'bags', valueCny: 950, brand: 'Gucci' },
      { description: 'Nike 运动鞋', category: 'shoes', valueCny: 900, brand: 'Nike' },
      { description: '礼品一份', category: 'gifts', valueCny: 960, brand: undefined },
      { description: 'Gucci 手袋', category: 'bags', valueCny: 980, brand: 'Gucci' },
    ];
    const waybills: string[] = [];
    for (let day = 0; day < 3; day++) {
      offsetMs = day * DAY;
      for (const g of goods) {
        const body = aParcel({ sender: { ...anIdentity(), phone, address: `广东省广州市天河区天河北路${phone.slice(-4)}号` }, recipient: consignee, declared: { ...g, quantity: 1 } });
        waybills.push((await intake(body)).parcel.waybillNo);
      }
    }
    const ringId = (await rows<{ ring_id: string }>(sql`select ring_id from ring_members where waybill_no = ${waybills[0]}`))[0]!.ring_id;
    const count = await rows<{ n: number }>(sql`select count(distinct ring_id)::int as n from ring_members where waybill_no = any(${`{${waybills.join(',')}}`}::text[])`);
    assert.equal(count[0]!.n, 1, 'one ring');
    const days = async () =>
      (
        await rows<{ brands: Record<string, number>; senders: string[] }>(sql`select day::text as day, parcels, value_cny::float8 as value_cny, under_limit, just_under, hmt,
          implausible, vague, mismatch, watchlist_hits, seized, brands, categories, senders from ring_days where ring_id = ${ringId} order by day`)
      ).map((d) => ({ ...d, senders: [...d.senders].sort() }));
    const kept = await days();
    assert.equal(kept.length, 3);
    assert.ok(kept.every((d) => Object.keys(d.brands).length === 2), JSON.stringify(kept));
    await rebuildDays(s.database.db, ringId, loadConfig({}).ring);
    assert.deepEqual(await days(), kept);
  });
});
