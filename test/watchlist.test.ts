import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { MAX_WAYBILLS_ON_ALERT, raiseAlert } from '../server/alerts/alerts.js';
import { aParcel, aResidentId, anIdentity } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('suspect lists (/api/watchlist)', () => {
  let s: TestServer;
  let regulator: string;
  let courier: string;
  before(async () => {
    s = await startTestServer();
    regulator = await s.login('regulator1');
    courier = await s.login('courier1');
  });
  after(() => s?.close());

  const add = (entries: unknown[], token = regulator) => s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${token}`).send({ entries });
  const check = (body: object) => s.http().post('/api/watchlist/check').set('Authorization', `Bearer ${regulator}`).send(body);
  const intake = (body: object) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);

  describe('adding and browsing entries', () => {
    it('reports created, duplicates and each rejected entry at its index; good entries are kept', async () => {
      const res = await add([
        { type: 'phone', value: '139 0000 1111', note: 'ring organiser', source: '广州市邮政管理局' },
        { type: 'phone', value: '+8613900001111' }, // the same phone written another way
        { type: 'phone', value: '12345' },
        { type: 'person_name', value: '' },
        { type: 'planet', value: 'Mars' },
        { type: 'brand', value: 'Moncler', expiresAt: '2020-01-01T00:00:00Z' },
        { type: 'address', value: '广东省广州市白云区机场路88号' },
      ]).expect(201);
      assert.equal(res.body.created, 2);
      assert.equal(res.body.duplicates, 1);
      assert.deepEqual(res.body.rejected.map((r: { index: number; errors: { path: string; code: string }[] }) => `${r.index}:${r.errors[0]!.path}:${r.errors[0]!.code}`), [
        '2:entries.2.value:PHONE_INVALID',
        '3:entries.3.value:REQUIRED',
        '4:entries.4.type:INVALID_VALUE',
        '5:entries.5.expiresAt:EXPIRY_IN_PAST',
      ]);
    });

    it('values that normalise to one key in one request are one entry (张伟 and 張偉), not a failure', async () => {
      const res = await add([{ type: 'person_name', value: '张伟' }, { type: 'person_name', value: '張偉' }, { type: 'person_name', value: 'Zhang Wei' }]).expect(201);
      assert.deepEqual([res.body.created, res.body.duplicates], [1, 2]);
    });

    it('phones and ID numbers are shown masked, never as typed', async () => {
      const idNumber = aResidentId('440111', '19800808', '222');
      await add([{ type: 'id_number', value: idNumber }]).expect(201);
      const list = await s.http().get('/api/watchlist/entries?type=id_number').set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.ok(list.body.entries.some((e: { value: string }) => e.value === `440111********${idNumber.slice(-4)}`));
      assert.ok(!JSON.stringify(list.body).includes(idNumber));
      const phones = await s.http().get('/api/watchlist/entries?type=phone').set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.deepEqual(phones.body.entries.map((e: { value: string }) => e.value), ['+86 139****1111']);
    });

    it('pages with a cursor and searches by text', async () => {
      await add(Array.from({ length: 7 }, (_, i) => ({ type: 'company', value: `分页测试贸易${i}号有限公司` }))).expect(201);
      const first = await s.http().get('/api/watchlist/entries?type=company&limit=5').set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(first.body.entries.length, 5);
      const second = await s.http().get(`/api/watchlist/entries?type=company&limit=5&cursor=${first.body.nextCursor}`).set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(second.body.entries.length, 2);
      assert.equal(second.body.nextCursor, null);
      const found = await s.http().get(`/api/watchlist/entries?q=${encodeURIComponent('贸易3号')}`).set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(found.body.entries.length, 1);
      expectProblem(await s.http().get('/api/watchlist/entries?cursor=garbage').set('Authorization', `Bearer ${regulator}`), 400, 'CURSOR_INVALID');
    });

    it('couriers may neither read, add nor check the lists', async () => {
      expectProblem(await add([{ type: 'brand', value: 'Nike' }], courier), 403, 'ROLE_FORBIDDEN');
      expectProblem(await s.http().get('/api/watchlist/entries').set('Authorization', `Bearer ${courier}`), 403, 'ROLE_FORBIDDEN');
      expectProblem(await s.http().post('/api/watchlist/check').set('Authorization', `Bearer ${courier}`).send({ waybillNo: 'EA123456785CN' }), 403);
    });

    it('another province may not delete an entry; its own regulator may, and it stops matching', async () => {
      await add([{ type: 'waybill', value: 'SF1234567890999' }]).expect(201);
      const [entry] = (await s.http().get('/api/watchlist/entries?type=waybill').set('Authorization', `Bearer ${regulator}`)).body.entries;
      assert.equal((await check({ waybillNo: 'sf 1234567890999' })).body.hits.length, 1);
      expectProblem(await s.http().delete(`/api/watchlist/entries/${entry.id}`).set('Authorization', `Bearer ${await s.login('regulator2')}`), 403, 'OUTSIDE_JURISDICTION');
      await s.http().delete(`/api/watchlist/entries/${entry.id}`).set('Authorization', `Bearer ${regulator}`).expect(204);
      assert.equal((await check({ waybillNo: 'SF1234567890999' })).body.hits.length, 0);
      expectProblem(await s.http().delete(`/api/watchlist/entries/${entry.id}`).set('Authorization', `Bearer ${regulator}`), 404, 'ENTRY_NOT_FOUND');
    });

    it('an expired entry stops matching, and listing it again revives it', async () => {
      const soon = new Date(Date.now() + 1500).toISOString();
      await add([{ type: 'consignee', value: 'Oleg Expiring', expiresAt: soon }]).expect(201);
      assert.equal((await check({ recipient: { name: 'Oleg Expiring' } })).body.hits.length, 1);
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal((await check({ recipient: { name: 'Oleg Expiring' } })).body.hits.length, 0);
      const again = await add([{ type: 'consignee', value: 'oleg  expiring' }]).expect(201);
      assert.equal(again.body.created, 1);
      assert.equal((await check({ recipient: { name: 'Oleg Expiring' } })).body.hits.length, 1);
    });
  });

  describe('check (the same screening intake runs)', () => {
    before(async () => {
      await add([
        { type: 'person_name', value: '陈大文', note: '多次以不同身份寄递仿冒手表' },
        { type: 'brand', value: 'Nike' },
        { type: 'consignee', value: 'John Smith' },
      ]).expect(201);
    });

    it('a Traditional spelling, a pinyin spelling and a brand alias each hit with a reason', async () => {
      const res = await check({ sender: { name: '陳大文' }, recipient: { name: 'Jon Smith' }, declared: { description: '耐克运动鞋' } }).expect(200);
      const byField = Object.fromEntries(res.body.hits.map((h: { field: string; listType: string; reason: string }) => [`${h.field}/${h.listType}`, h.reason]));
      assert.match(byField['sender.name/person_name'], /Traditional/);
      assert.match(byField['recipient.name/consignee'], /nearly the same/);
      assert.match(byField['declared/brand'], /Nike/);
    });

    it('an invalid phone is a 422, not silently unscreened', async () => {
      expectProblem(await check({ sender: { phone: '123' } }), 422, 'PHONE_INVALID');
    });
  });

  describe('intake against the lists', () => {
    /** A parcel none of whose fields is listed here, but for what a test overrides. */
    const aCleanParcel = (overrides: Record<string, unknown> = {}) =>
      aParcel({ recipient: { name: 'Mary Jones' }, declared: { brand: 'Li-Ning', description: '运动服' }, ...overrides });
    const open: Socket[] = [];
    after(() => open.forEach((c) => c.close()));
    const listen = async (token: string) => {
      const c = connect(`${s.url}/alerts`, { auth: { token }, transports: ['websocket'], reconnection: false });
      open.push(c);
      await new Promise((r) => c.once('ready', r));
      const events: { event: string; alert: { id: string; type: string; parcelCount: number; evidence: { message: string }[] } }[] = [];
      c.onAny((event, alert) => events.push({ event, alert }));
      return events;
    };

    it('a parcel from a listed phone is held with WATCHLIST_HIT, explained, and raises one alert that grows', async () => {
      await add([{ type: 'phone', value: '13600001234', note: '仿牌箱包团伙联系人' }]).expect(201);
      const guangdong = await listen(regulator);
      const zhejiang = await listen(await s.login('regulator2'));
      const first = await intake(aCleanParcel({ sender: { phone: '136-0000-1234' } })).expect(201);
      assert.equal(first.body.verdict, 'held');
      const reason = first.body.reasons.find((r: { code: string }) => r.code === 'WATCHLIST_HIT');
      assert.match(reason.message, /sender\.phone: the phone is on the suspect list \(\+86 136\*\*\*\*1234\)/);
      assert.match(reason.messageZh, /嫌疑名单/);
      assert.deepEqual(first.body.watchlistHits.map((h: { field: string; listType: string; score: number }) => [h.field, h.listType, h.score]), [['sender.phone', 'phone', 1]]);
      assert.equal(first.body.alerts.length, 1);
      assert.equal(first.body.alerts[0].type, 'WATCHLIST_HIT');

      const second = await intake(aCleanParcel({ sender: { phone: '13600001234' } })).expect(201);
      assert.equal(second.body.alerts[0].id, first.body.alerts[0].id, 'the same alert grows');
      await new Promise((r) => setTimeout(r, 200));
      const mine = guangdong.filter((e) => e.alert.id === first.body.alerts[0].id);
      assert.deepEqual(mine.map((e) => [e.event, e.alert.parcelCount]), [['alert:new', 1], ['alert:updated', 2]]);
      assert.match(mine[0]!.alert.evidence[0]!.message, /phone is on the suspect list/);
      assert.equal(zhejiang.length, 0, 'another province hears nothing');

      const alert = await s.http().get(`/api/alerts/${first.body.alerts[0].id}`).set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(alert.body.parcelCount, 2);
      assert.equal(alert.body.waybills.length, 2);
      expectProblem(await s.http().get(`/api/alerts/${first.body.alerts[0].id}`).set('Authorization', `Bearer ${await s.login('regulator2')}`), 404, 'ALERT_NOT_FOUND');
      const list = await s.http().get('/api/alerts?type=WATCHLIST_HIT&status=open').set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.ok(list.body.alerts.some((a: { id: string }) => a.id === first.body.alerts[0].id));
    });

    it('an alert that grows without end (a listed brand) keeps an exact count and its latest 200 waybills', async () => {
      const parcel = await intake(aCleanParcel()).expect(201);
      const contribution = {
        type: 'WATCHLIST_HIT', groupKey: `watchlist:cap-test`, severity: 'low' as const, summary: { message: 'cap test', messageZh: '上限测试' }, evidence: [],
        parcelId: parcel.body.parcel.id, valueCny: 1, regionCode: '440106', crossBorder: true,
      };
      let last;
      for (let i = 0; i < 205; i++) last = await raiseAlert(s.ctx.db, { ...contribution, waybillNo: `W${i}` });
      assert.equal(last!.alert.parcelCount, 205);
      assert.equal(last!.alert.waybills.length, MAX_WAYBILLS_ON_ALERT);
      assert.deepEqual([last!.alert.waybills[0], last!.alert.waybills.at(-1)], ['W5', 'W204']);
    });

    it('a listed ID number holds the parcel though the number is stored nowhere in plain text', async () => {
      const idNumber = aResidentId('445102', '19910101', '135');
      await add([{ type: 'id_number', value: idNumber }]).expect(201);
      const res = await intake(aCleanParcel({ sender: { idNumber } })).expect(201);
      assert.equal(res.body.verdict, 'held');
      assert.equal(res.body.watchlistHits[0].field, 'sender.idNumber');
    });

    it('an ordinary parcel with no listed field is accepted', async () => {
      // A person of their own, to a consignee of their own: the file's other parcels share the factory's ID number,
      // address and consignee under several names and phones, with suspect-list hits — a ring this parcel would join.
      const sender = { idNumber: anIdentity('440106').idNumber, name: '周杰', phone: '13512345678', address: '广东省广州市越秀区北京路88号' };
      const recipient = { name: 'Ann Lee', phone: '+1 212 555 0199', address: '9 Grand St, New York, NY', country: 'US' };
      const res = await intake(aCleanParcel({ sender, recipient })).expect(201);
      assert.equal(res.body.verdict, 'accepted', JSON.stringify(res.body.reasons));
      assert.deepEqual(res.body.watchlistHits, []);
    });
  });
});
