// Organisation senders at the counter (issue 18): only an approved organisation sends, its handler is real-name
// checked and recorded, the parcel view shows both; suspect lists screen the handler as a person and the
// organisation as a company; rings link through handlers, notice rotating handlers, and leave an organisation's
// ordinary volume alone.
import assert from 'node:assert/strict';
import { eq, inArray, like } from 'drizzle-orm';
import { alertParcels, alerts, organisations, parcels, ringMembers, ringSenderYears, senders } from '../models/schema.js';
import type { RingPolicy } from '../server/config.js';
import { assessRing, orgRotatingHandlers, type RingMember } from '../server/rings/indicators.js';
import { linkKeys } from '../server/rings/keys.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { aHandler, anOrganisationParcel, aParcel, aResidentId, aUscc } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('organisation senders at the counter', function () {
  this.timeout(120_000);
  let s: TestServer;
  let courier: string;
  let admin: string;
  const orgs: Record<'approved' | 'pending' | 'suspended' | 'revoked', string> = { approved: '', pending: '', suspended: '', revoked: '' };

  const intake = (body: object) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
  const view = (waybillNo: string, user: string, unmask = false) =>
    s.login(user).then((t) => s.http().get(`/api/parcels/${waybillNo}${unmask ? '?unmask=true' : ''}`).set('Authorization', `Bearer ${t}`));

  let registered = 0;
  /** Registered by the admin through the organisations API (a phone and address of its own), then reviewed to `status`. */
  async function anOrganisation(status: keyof typeof orgs, name = '广州天河优选电子商务有限公司'): Promise<string> {
    const uscc = aUscc();
    const n = ++registered;
    const reg = await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name,
      uscc,
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
      address: `广东省广州市天河区天河路${100 + n}号`,
      phone: `1390013${String(n).padStart(4, '0')}`,
    });
    assert.equal(reg.status, 201, reg.text);
    const review = (decision: string) =>
      s.http().post(`/api/organisations/${reg.body.id}/review`).set('Authorization', `Bearer ${admin}`).send({ decision, reason: '资质审核' }).expect(200);
    if (status === 'approved' || status === 'suspended') await review('approve');
    if (status === 'suspended') await review('suspend');
    if (status === 'revoked') await review('revoke');
    return uscc;
  }

  before(async () => {
    s = await startTestServer();
    courier = await s.login('courier1');
    admin = await s.login('admin');
    for (const status of Object.keys(orgs) as (keyof typeof orgs)[]) orgs[status] = await anOrganisation(status);
  });
  after(() => s?.close());

  let consignee = 0;
  /** A consignee of its own each time: one organisation's customers are many. */
  const customer = () => {
    const n = ++consignee;
    return { name: `Customer ${String.fromCharCode(65 + (n % 26))}${String.fromCharCode(65 + (Math.floor(n / 26) % 26))} Jones`, phone: `+44 20 7946 ${String(n).padStart(4, '0')}`, address: `${n} Baker St, London`, country: 'GB' };
  };

  it("an approved organisation's parcel with its handler is accepted; the organisation is the sender, the handler has a row of their own", async () => {
    const handler = aHandler();
    const body = anOrganisationParcel(orgs.approved, handler, { recipient: customer() });
    const res = await intake(body).expect(201);
    assert.equal(res.body.verdict, 'accepted', JSON.stringify(res.body.reasons));
    const [org] = await s.ctx.db.select().from(organisations).where(eq(organisations.uscc, orgs.approved));
    const [p] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, String(body.waybillNo)));
    assert.equal(p!.organisationId, org!.id);
    assert.equal(p!.senderId, org!.senderId, 'the parcel points at the archive row the registration wrote');
    assert.equal(p!.senderName, '广州天河优选电子商务有限公司');
    assert.equal(p!.batchId, null);
    const [orgRow] = await s.ctx.db.select().from(senders).where(eq(senders.id, p!.senderId));
    assert.equal(orgRow!.idType, 'USCC');
    assert.equal(orgRow!.idMasked, orgs.approved, 'a USCC is public: shown in full');
    assert.equal(orgRow!.parcelCount, 1);
    const [handlerRow] = await s.ctx.db.select().from(senders).where(eq(senders.id, p!.handlerSenderId!));
    assert.equal(handlerRow!.idType, 'CN_RESIDENT_ID');
    assert.equal(handlerRow!.name, handler.name);
    assert.equal(handlerRow!.address, null, "a handler's address is not on the waybill");
    assert.equal(handlerRow!.parcelCount, 0, 'the parcel counts for its sender, the organisation');
    assert.equal(handlerRow!.idBlind, s.ctx.vault.blind('id_number', handler.idNumber));

    // The same handler again: one row, updated.
    const again = anOrganisationParcel(orgs.approved, { ...handler, phone: '13712340999' }, { recipient: customer() });
    await intake(again).expect(201);
    const [p2] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, String(again.waybillNo)));
    assert.equal(p2!.handlerSenderId, p!.handlerSenderId);
    const [updated] = await s.ctx.db.select().from(senders).where(eq(senders.id, p!.handlerSenderId!));
    assert.equal(updated!.phoneMasked, '+86 137****0999');
  });

  it('the parcel view shows the organisation and the handler, masked to a courier and in full to a regulator who unmasks', async () => {
    const handler = aHandler();
    const body = anOrganisationParcel(orgs.approved, handler, { recipient: customer() });
    await intake(body).expect(201);
    const masked = await view(String(body.waybillNo), 'courier1');
    assert.equal(masked.status, 200, masked.text);
    const p = masked.body.parcel;
    assert.deepEqual(Object.keys(p.organisation).sort(), ['id', 'name', 'uscc']);
    assert.equal(p.organisation.uscc, orgs.approved);
    assert.equal(p.sender.idType, 'USCC');
    assert.equal(p.sender.idNumber, orgs.approved);
    assert.equal(p.handler.name, handler.name);
    assert.notEqual(p.handler.idNumber, handler.idNumber);
    assert.match(p.handler.idNumber, /\*/);
    assert.match(p.handler.phone, /^\+86 137\*{4}\d{4}$/);
    assert.deepEqual(p.declared.items, []);
    const full = await view(String(body.waybillNo), 'regulator1', true);
    assert.equal(full.status, 200, full.text);
    assert.equal(full.body.parcel.handler.idNumber, handler.idNumber);
    assert.equal(full.body.parcel.handler.phone, `+86${handler.phone}`);
    // A person's parcel has neither.
    const person = aParcel({ recipient: customer() });
    await intake(person).expect(201);
    const plain = await view(person.waybillNo, 'courier1');
    assert.equal(plain.body.parcel.organisation, null);
    assert.equal(plain.body.parcel.handler, null);
  });

  it('a malformed code is 422 USCC_INVALID at sender.uscc, in both languages', async () => {
    const good = aUscc();
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const res = await intake(anOrganisationParcel(bad)).expect(422);
    const err = res.body.errors.find((e: { path: string }) => e.path === 'sender.uscc');
    assert.equal(err.code, 'USCC_INVALID');
    assert.ok(err.message && err.messageZh);
    // Written in lower case with spaces, a valid code is read as the same code.
    const spaced = `${orgs.approved.slice(0, 6)} ${orgs.approved.slice(6)}`.toLowerCase();
    await intake(anOrganisationParcel(spaced, aHandler(), { recipient: customer() })).expect(201);
  });

  for (const status of ['unknown', 'pending', 'suspended', 'revoked'] as const) {
    it(`an organisation that is ${status} may not send: 422 ORGANISATION_NOT_APPROVED at sender.uscc, nothing stored`, async () => {
      const uscc = status === 'unknown' ? aUscc() : orgs[status];
      const body = anOrganisationParcel(uscc, aHandler(), { recipient: customer() });
      const res = await intake(body).expect(422);
      assert.equal(res.body.code, 'ORGANISATION_NOT_APPROVED', 'the one field problem names the problem');
      const err = res.body.errors.find((e: { path: string }) => e.path === 'sender.uscc');
      assert.equal(err.code, 'ORGANISATION_NOT_APPROVED');
      assert.equal(err.reason, status.toUpperCase());
      assert.ok(err.messageZh.includes(status === 'unknown' ? '尚未登记' : { pending: '待审核', suspended: '已暂停', revoked: '已撤销' }[status]), err.messageZh);
      const stored = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, String(body.waybillNo)));
      assert.equal(stored.length, 0);
    });
  }

  it('the counter needs the handler: 422 HANDLER_REQUIRED at sender.handler; a bad handler identity is refused at its own field', async () => {
    const none = await intake(anOrganisationParcel(orgs.approved, null, { recipient: customer() })).expect(422);
    assert.deepEqual(none.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]), [['sender.handler', 'HANDLER_REQUIRED']]);
    assert.ok(none.body.errors[0].messageZh.includes('经办人'));
    const valid = aHandler();
    const wrongCheck = valid.idNumber.slice(0, 17) + (valid.idNumber[17] === '1' ? '2' : '1');
    const badId = await intake(anOrganisationParcel(orgs.approved, { ...valid, idNumber: wrongCheck }, { recipient: customer() })).expect(422);
    assert.deepEqual(badId.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]), [['sender.handler.idNumber', 'ID_INVALID']]);
    const badPhone = await intake(anOrganisationParcel(orgs.approved, { ...aHandler(), phone: '12345' }, { recipient: customer() })).expect(422);
    assert.deepEqual(badPhone.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]), [['sender.handler.phone', 'PHONE_INVALID']]);
    const badName = await intake(anOrganisationParcel(orgs.approved, { ...aHandler(), name: 'X1' }, { recipient: customer() })).expect(422);
    assert.equal(badName.body.errors[0].path, 'sender.handler.name');
    // Unknown handler fields and a person sender's address on an organisation are schema errors with paths.
    const extra = await intake({ ...anOrganisationParcel(orgs.approved), sender: { kind: 'organisation', uscc: orgs.approved, handler: aHandler(), address: 'x' } }).expect(400);
    assert.equal(extra.body.errors[0].path, 'sender.address');
    const kind = await intake({ ...aParcel(), sender: { kind: 'robot', uscc: orgs.approved } }).expect(400);
    assert.equal(kind.body.errors[0].path, 'sender.kind');
    // A person sender may say kind 'person', or nothing, as before.
    const person = aParcel({ recipient: customer() });
    await intake({ ...person, sender: { ...person.sender, kind: 'person' } }).expect(201);
  });

  describe('suspect lists', () => {
    const list = async (entries: object[]) => {
      const regulator = await s.login('regulator1');
      const res = await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).send({ entries });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.created, entries.length, res.text);
    };
    const hitFields = (body: { watchlistHits: { field: string; listType: string }[] }) => body.watchlistHits.map((h) => `${h.field}:${h.listType}`).sort();

    it('the handler is screened as a person: their ID number and phone are exact hits, and the parcel is held', async () => {
      const handler = aHandler();
      await list([{ type: 'id_number', value: handler.idNumber }]);
      const res = await intake(anOrganisationParcel(orgs.approved, handler, { recipient: customer() })).expect(201);
      assert.equal(res.body.verdict, 'held');
      assert.deepEqual(hitFields(res.body), ['sender.handler.idNumber:id_number']);
      const other = aHandler();
      await list([{ type: 'phone', value: other.phone }]);
      const byPhone = await intake(anOrganisationParcel(orgs.approved, other, { recipient: customer() })).expect(201);
      assert.deepEqual(hitFields(byPhone.body), ['sender.handler.phone:phone']);
    });

    it("the organisation's name and its code meet `company` entries", async () => {
      const named = await anOrganisation('approved', '深圳市蓝海跨境贸易有限公司');
      await list([{ type: 'company', value: '蓝海跨境贸易' }]);
      const byName = await intake(anOrganisationParcel(named, aHandler(), { recipient: customer() })).expect(201);
      assert.equal(byName.body.verdict, 'held');
      assert.deepEqual(hitFields(byName.body), ['sender.organisation:company']);
      const coded = await anOrganisation('approved', '东莞市长安镇五金制品厂');
      await list([{ type: 'company', value: coded }]);
      const byCode = await intake(anOrganisationParcel(coded, aHandler(), { recipient: customer() })).expect(201);
      assert.deepEqual(hitFields(byCode.body), ['sender.uscc:company']);
      // Another organisation meets neither.
      const clean = await intake(anOrganisationParcel(orgs.approved, aHandler(), { recipient: customer() })).expect(201);
      assert.deepEqual(clean.body.watchlistHits, []);
    });
  });

  describe('rings', () => {
    const ringOf = async (waybillNo: string) => {
      const [row] = await s.ctx.db.select({ ringId: ringMembers.ringId, handlerKey: ringMembers.handlerKey }).from(ringMembers).innerJoin(parcels, eq(parcels.id, ringMembers.parcelId)).where(eq(parcels.waybillNo, waybillNo));
      return row!;
    };

    it("a handler's private parcel and the parcels they hand over for two organisations are linked into one ring", async () => {
      const handler = aHandler();
      const [a, b] = [await anOrganisation('approved', '佛山市顺德区甲乙家电有限公司'), await anOrganisation('approved', '中山市小榄镇丙丁灯饰有限公司')];
      const first = anOrganisationParcel(a, handler, { recipient: customer() });
      const second = anOrganisationParcel(b, handler, { recipient: customer() });
      const own = aParcel({ sender: { idNumber: handler.idNumber, name: handler.name, phone: '13811112222', address: '广东省佛山市顺德区大良街道1号' }, recipient: customer() });
      for (const body of [first, second, own]) await intake(body).expect(201);
      const rings = await Promise.all([first, second, own].map((b) => ringOf(String(b.waybillNo))));
      assert.equal(new Set(rings.map((r) => r.ringId)).size, 1, JSON.stringify(rings));
      assert.equal(rings[0]!.handlerKey, `CN_RESIDENT_ID:${s.ctx.vault.blind('id_number', handler.idNumber)}`);
      assert.equal(rings[2]!.handlerKey, null);
    });

    it('one organisation through four handlers in a week is ORG_ROTATING_HANDLERS evidence beside goods evidence; alone it opens nothing', async () => {
      // Rotating handlers with ordinary values: identity evidence only, no alert.
      const quiet = await anOrganisation('approved', '义乌市稠城街道戊己日用百货商行');
      for (let i = 0; i < 5; i++) {
        const res = await intake(anOrganisationParcel(quiet, aHandler(), { recipient: customer(), declared: { description: '不锈钢保温杯', category: 'household', quantity: 2, valueCny: 120 + i * 90, brand: undefined } })).expect(201);
        assert.deepEqual(res.body.alerts, [], JSON.stringify(res.body));
      }
      // The same with values just under the limit: the ring alerts, and the handlers are part of its evidence.
      const busy = await anOrganisation('approved', '广州市白云区庚辛服饰贸易有限公司');
      let last;
      for (let i = 0; i < 5; i++) {
        last = await intake(anOrganisationParcel(busy, aHandler(), { recipient: customer(), declared: { description: '女式针织衫', category: 'clothing', quantity: 3, valueCny: 950 + i, brand: undefined } })).expect(201);
      }
      assert.equal(last!.body.alerts.length, 1, JSON.stringify(last!.body));
      const [alert] = await s.ctx.db.select().from(alerts).where(eq(alerts.id, last!.body.alerts[0].id));
      const codes = (alert!.evidence as { code: string }[]).map((e) => e.code);
      assert.ok(codes.includes('ORG_ROTATING_HANDLERS'), codes.join());
      const evidence = (alert!.evidence as { code: string; message: string; messageZh: string }[]).find((e) => e.code === 'ORG_ROTATING_HANDLERS')!;
      assert.match(evidence.message, /5 different handlers/);
      assert.ok(evidence.messageZh.includes('经办人'));
    });

    it("an approved organisation's ordinary volume alerts nothing: 60 parcels, varied consignees, values spread", async () => {
      const shop = await anOrganisation('approved', '杭州市余杭区壬癸电子商务有限公司');
      const handlers = [aHandler(), aHandler()];
      const countries = ['GB', 'US', 'DE', 'FR', 'AU', 'JP', 'CA', 'NL'];
      const goods = [['棉质T恤', 'clothing'], ['陶瓷茶杯', 'household'], ['蓝牙耳机', 'electronics'], ['瑜伽垫', 'sports'], ['绿茶', 'tea']] as const;
      for (let i = 0; i < 60; i++) {
        const c = customer();
        const [description, category] = goods[i % goods.length]!;
        const res = await intake(
          anOrganisationParcel(shop, handlers[i % 2], {
            recipient: { ...c, country: countries[i % countries.length], phone: undefined },
            declared: { description, category, quantity: 1 + (i % 4), valueCny: 80 + ((i * 373) % 4200), brand: undefined },
          }),
        ).expect(201);
        assert.equal(res.body.verdict, 'accepted', `${i}: ${JSON.stringify(res.body.reasons)}`);
        assert.deepEqual(res.body.alerts, []);
      }
      const [org] = await s.ctx.db.select().from(organisations).where(eq(organisations.uscc, shop));
      const rings = await s.ctx.db.selectDistinct({ ringId: ringMembers.ringId }).from(ringMembers).innerJoin(parcels, eq(parcels.id, ringMembers.parcelId)).where(eq(parcels.organisationId, org!.id));
      // The organisation itself links nothing: its parcels link through their two handlers only.
      assert.ok(rings.length >= 1 && rings.length <= 2, `${rings.length} rings: linked through the two handlers, not through the organisation`);
      const alerted = await s.ctx.db.select({ id: alertParcels.alertId }).from(alertParcels).innerJoin(parcels, eq(parcels.id, alertParcels.parcelId)).where(eq(parcels.organisationId, org!.id));
      assert.deepEqual(alerted, []);
      // The annual personal-use limits are a person's: an organisation has no sender year (a bulk batch would queue on it).
      const years = await s.ctx.db.select().from(ringSenderYears).where(like(ringSenderYears.senderKey, 'USCC:%'));
      assert.deepEqual(years, []);
    });
  });
});

describe('ORG_ROTATING_HANDLERS (pure)', () => {
  const policy = { orgHandlers: 4, orgHandlersDays: 7, alertScore: 5, valueLimitCny: 1000, valueLimitHmtCny: 800, justUnderShare: 0.7, windows: [{ name: '30d', ms: 30 * 86_400_000, minParcels: 3 }] } as unknown as RingPolicy;
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 5, 30);
  const member = (i: number, handler: string | null, daysAgo: number, senderKey = 'USCC:org1'): RingMember => ({
    parcelId: `p${i}`, waybillNo: `W${i}`, createdAt: new Date(t0 - daysAgo * day), senderKey, senderName: '某某贸易有限公司', senderPhoneBlind: 'ph', senderPhoneMasked: '139****9000',
    senderAddressKey: 'addr 1', senderAddress: 'addr 1', consigneeKey: `GB|c${i}`, consigneeName: `c${i}`, country: 'GB', outletId: 'o', regionCode: '440106', routeKey: 'r',
    valueCny: 200 + i * 37, category: 'household', brand: null, vague: false, mismatch: false, watchlistHit: false, seized: false, implausible: false, senderNameKey: 'x',
    identityConflict: null, linkKeys: [], linkedVia: [], handlerKey: handler,
  });

  it('counts distinct handlers of one organisation within the configured days, newest first', () => {
    const four = [member(1, 'h1', 0), member(2, 'h2', 1), member(3, 'h3', 2), member(4, 'h4', 3), member(5, 'h1', 4)];
    assert.equal(orgRotatingHandlers(four, policy)?.code, 'ORG_ROTATING_HANDLERS');
    assert.equal(orgRotatingHandlers(four.slice(0, 3), policy), null, 'three handlers are a team, not a rotation');
    // The fourth handler outside the 7 days does not count; a wider setting counts them.
    const spread = [member(1, 'h1', 0), member(2, 'h2', 1), member(3, 'h3', 2), member(4, 'h4', 9)];
    assert.equal(orgRotatingHandlers(spread, policy), null);
    assert.equal(orgRotatingHandlers(spread, { ...policy, orgHandlersDays: 14 })?.code, 'ORG_ROTATING_HANDLERS');
    assert.equal(orgRotatingHandlers(spread.slice(0, 3), { ...policy, orgHandlers: 3 })?.code, 'ORG_ROTATING_HANDLERS');
    // Persons' parcels (no organisation key) never count, nor parcels without a handler.
    assert.equal(orgRotatingHandlers(four.map((m) => ({ ...m, senderKey: 'CN_RESIDENT_ID:x' })), policy), null);
    assert.equal(orgRotatingHandlers(four.map((m) => ({ ...m, handlerKey: null })), policy), null);
  });

  it('is identity evidence: without goods evidence the ring does not qualify', () => {
    const members = Array.from({ length: 8 }, (_, i) => member(i, `h${i}`, i * 0.5));
    const a = assessRing(members, new Date(t0 + 1000), policy);
    assert.ok(a.indicators.some((i) => i.code === 'ORG_ROTATING_HANDLERS'));
    assert.equal(a.qualifies, false);
  });

  it("a handler's identity and phone link like a sender's", () => {
    const base = { senderIdBlind: 'USCC:o', senderPhoneBlind: 'po', senderAddressKey: '', consigneeNameKey: '', country: 'GB', consigneePhoneBlind: null, consigneeAddressKey: '', outletId: 'o', day: '2026-06-30', category: 'household', brand: null, justUnder: false, implausible: false };
    const withHandler = linkKeys({ ...base, handlerIdBlind: 'CN_RESIDENT_ID:h', handlerPhoneBlind: 'ph' });
    const privately = linkKeys({ ...base, senderIdBlind: 'CN_RESIDENT_ID:h', senderPhoneBlind: 'ph' });
    assert.equal(withHandler.filter((k) => privately.some((p) => p.key === k.key)).length, 2);
  });
});

describe("an organisation's volume is not one ring (batch throughput)", function () {
  this.timeout(120_000);
  let s: TestServer;
  let courier: string;
  let uscc: string;
  let orgId: string;

  before(async () => {
    s = await startTestServer({ JOBS_ENABLED: 'false', CUSTOMS_BASE_RATE: '0' });
    courier = await s.login('courier1');
    const admin = await s.login('admin');
    uscc = aUscc();
    const reg = await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name: '深圳市南山区量大电子商务有限公司', uscc, address: '广东省深圳市南山区科技园路8号', phone: '13900138888',
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440305', '19800101', '321'), name: '李建华' },
    });
    assert.equal(reg.status, 201, reg.text);
    orgId = reg.body.id;
    await s.http().post(`/api/organisations/${orgId}/review`).set('Authorization', `Bearer ${admin}`).send({ decision: 'approve', reason: '资质审核' }).expect(200);
  });
  after(() => s?.close());

  /** A batch of the organisation (no handler: electronic waybills handed over in bulk), run to its end. */
  async function batchOf(bodies: Record<string, unknown>[]) {
    const parcelsOnly = bodies.map(({ sender: _sender, ...rest }) => rest);
    const sent = await s.http().post('/api/parcels/batch').set('Authorization', `Bearer ${courier}`).send({ uscc, parcels: parcelsOnly });
    assert.equal(sent.status, 202, sent.text);
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
    const res = await s.http().get(`/api/parcels/batch/${sent.body.batchId}?limit=1000`).set('Authorization', `Bearer ${courier}`).expect(200);
    assert.equal(res.body.status, 'done');
    return res.body as { counts: Record<string, number>; results: { waybillNo: string; status: string; verdict?: string }[] };
  }
  const ringsOf = async (waybills: string[]) => {
    const rows = await s.ctx.db.select({ ringId: ringMembers.ringId }).from(ringMembers).innerJoin(parcels, eq(parcels.id, ringMembers.parcelId)).where(inArray(parcels.waybillNo, waybills));
    const sizes = new Map<string, number>();
    for (const r of rows) sizes.set(r.ringId, (sizes.get(r.ringId) ?? 0) + 1);
    return { members: rows.length, sizes: [...sizes.values()] };
  };

  it('200 parcels to varied consignees share no ring, and the archive row counts all 200 without a lock per parcel', async () => {
    const countries = ['GB', 'US', 'DE', 'FR', 'AU', 'JP', 'CA', 'NL'];
    const bodies = Array.from({ length: 200 }, (_, i) =>
      aParcel({
        recipient: { name: `Buyer ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))} Brown`, phone: `+44 20 7946 ${String(5000 + i)}`, address: `${i + 1} Oxford St, London`, country: countries[i % countries.length] },
        declared: { description: '棉质T恤', category: 'clothing', quantity: 1 + (i % 3), valueCny: 80 + ((i * 373) % 600), brand: undefined },
      }) as Record<string, unknown>,
    );
    const batch = await batchOf(bodies);
    assert.equal(batch.counts.accepted, 200, JSON.stringify(batch.counts));
    const rings = await ringsOf(batch.results.map((r) => r.waybillNo));
    assert.equal(rings.members, 200, 'every cross-border parcel is recorded in a ring of its own keys');
    assert.ok(Math.max(...rings.sizes) <= 2, `ring sizes ${rings.sizes.filter((n) => n > 1).join()}: the organisation's identity linked its parcels`);
    // The batch job counted the parcels into the organisation's archive row, once per group.
    const [org] = await s.ctx.db.select({ senderId: organisations.senderId }).from(organisations).where(eq(organisations.id, orgId));
    const [row] = await s.ctx.db.select({ parcelCount: senders.parcelCount, idType: senders.idType }).from(senders).where(eq(senders.id, org!.senderId!));
    assert.deepEqual(row, { parcelCount: 200, idType: 'USCC' });
    const pointing = await s.ctx.db.select({ id: parcels.id }).from(parcels).where(eq(parcels.organisationId, orgId));
    assert.equal(pointing.length, 200);
  });

  it('six parcels to one consignee, declared just under the limit, still link through the consignee and alert as ant moving', async () => {
    const recipient = { name: 'Ivan Petrov', phone: '+7 495 123 4567', address: '12 Tverskaya St Apt 4, Moscow', country: 'RU' };
    const bodies = Array.from({ length: 6 }, (_, i) =>
      aParcel({ recipient, declared: { description: '女式针织衫', category: 'clothing', quantity: 3, valueCny: 950 + i, brand: undefined } }) as Record<string, unknown>,
    );
    const batch = await batchOf(bodies);
    const rings = await ringsOf(batch.results.map((r) => r.waybillNo));
    assert.deepEqual(rings.sizes, [6], 'one ring through the consignee');
    assert.ok((batch.counts.held ?? 0) >= 1, JSON.stringify(batch.results));
    const alerted = await s.ctx.db.selectDistinct({ id: alertParcels.alertId, type: alerts.type }).from(alertParcels).innerJoin(alerts, eq(alerts.id, alertParcels.alertId)).innerJoin(parcels, eq(parcels.id, alertParcels.parcelId)).where(inArray(parcels.waybillNo, batch.results.map((r) => r.waybillNo)));
    assert.deepEqual(alerted.map((a) => a.type), ['ANT_MOVING']);
  });
});
