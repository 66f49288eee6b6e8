// Ring evidence as customs meet rings (issue 16): implausible declared values, lent identities and identities
// contradicting their documents — each indicator by table, then through the API: a ring of tens of yuan with
// everything rotating but the counter, one card under several names, forged cards with one phone, and the
// family lending a card once that must stay quiet.
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { ringMembers } from '../models/schema.js';
import { loadConfig } from '../server/config.js';
import { mrzCheckDigit } from '../server/identity/documents.js';
import { assessRing, identityContradicted, identityLent, implausibleValues, type RingMember } from '../server/rings/indicators.js';
import { encodedTraits, identityConflicts, mrzTraits } from '../server/rings/member-facts.js';
import { aParcel, aResidentId } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const policy = loadConfig({}).ring;
const NOW = new Date('2026-11-23T08:00:00Z');

let n = 0;
function m(over: Partial<RingMember> = {}): RingMember {
  n++;
  return {
    parcelId: `p${n}`, waybillNo: `EA${n}CN`, createdAt: new Date(NOW.getTime() - 3600_000), senderKey: `id${n}`, senderName: '李伟', senderPhoneBlind: `ph${n}`,
    senderPhoneMasked: '+86 139****0000', senderAddressKey: `addr${n}`, senderAddress: `广州市天河北路${n}号`, consigneeKey: `c${n}`,
    consigneeName: 'Olga', country: 'RU', outletId: 'GZ-TH-001', regionCode: '440106', routeKey: '4401-RU-postal', valueCny: 300,
    category: 'household', brand: null, vague: false, mismatch: false, watchlistHit: false, seized: false,
    implausible: false, senderNameKey: `name${n}`, identityConflict: null, linkKeys: [], linkedVia: [], ...over,
  };
}
const many = (k: number, over: (i: number) => Partial<RingMember>) => Array.from({ length: k }, (_, i) => m(over(i)));

/** A TD3 passport's second MRZ line with every check digit right. */
function mrzLine(docNo: string, birth: string, sex: 'M' | 'F' | '<', nationality = 'USA'): string {
  const doc = docNo.padEnd(9, '<');
  const expiry = '300101';
  const personal = '<'.repeat(14);
  const head = `${doc}${mrzCheckDigit(doc)}${nationality}${birth}${mrzCheckDigit(birth)}${sex}${expiry}${mrzCheckDigit(expiry)}${personal}${mrzCheckDigit(personal)}`;
  const composite = head.slice(0, 10) + head.slice(13, 20) + head.slice(21, 43);
  return head + mrzCheckDigit(composite);
}

describe('ring evidence indicators', () => {
  it('implausible values: two parcels and half the ring, goods evidence as strong as values just under the limit', () => {
    const two = [m({ implausible: true, brand: 'gucci', category: 'bags', valueCny: 45 }), m({ implausible: true, brand: 'gucci', category: 'bags', valueCny: 60 }), m()];
    const found = implausibleValues(two, policy)!;
    assert.equal(found.weight, 3);
    assert.match(found.message, /2 of 3 parcels .* \(as low as CNY 45 for gucci bags\)/);
    assert.match(found.messageZh, /最低 45 元，gucci箱包/);
    assert.equal(implausibleValues([m({ implausible: true }), m(), m()], policy), null, 'one cheap gift is not a pattern');
    assert.equal(implausibleValues([m({ implausible: true }), m({ implausible: true }), m(), m(), m()], policy), null, 'under half the ring');
  });

  it('a ring declaring tens of yuan through one counter qualifies at its third parcel, on goods evidence', () => {
    const ring = many(3, () => ({ implausible: true, brand: 'gucci', category: 'bags', valueCny: 50 }));
    const a = assessRing(ring, NOW, policy);
    assert.equal(a.qualifies, true);
    assert.deepEqual(a.indicators.map((i) => i.code).sort(), ['IMPLAUSIBLE_VALUES', 'PROTECTED_BRAND_REPEATED', 'SAME_PRIORITY_GOODS']);
  });

  it('identity lent: one card under three names or three phones, or two cards under two names each; not a parent lending a card once', () => {
    const card = (k: number, names: number, phones: number, id = 'card') => many(k, (i) => ({ senderKey: id, senderNameKey: `n${i % names}`, senderPhoneBlind: `${id}ph${i % phones}` }));
    assert.equal(identityLent(card(3, 3, 1), policy)?.weight, 2);
    assert.match(identityLent(card(3, 3, 1), policy)!.message, /One identity number was presented under 3 names and 1 phones/);
    assert.ok(identityLent(card(3, 1, 3), policy), 'three phones');
    assert.ok(identityLent([...card(2, 2, 1, 'a'), ...card(2, 2, 1, 'b')], policy), 'two cards, two names each');
    assert.equal(identityLent(card(3, 2, 2), policy), null, 'a parent and a child on one card');
    assert.equal(identityLent(card(5, 1, 1), policy), null, 'one person');
    // Written differently, the same name is one name (the key is pinyin syllables): 张伟 / Zhang Wei.
    assert.equal(identityLent(many(3, (i) => ({ senderKey: 'x', senderPhoneBlind: 'one', senderNameKey: 'wei zhang', senderName: ['张伟', 'Zhang Wei', 'ZHANG Wei'][i]! })), policy), null);
  });

  it('identity contradicted: weight 1 for one parcel (a misread), 2 for two; says what contradicts', () => {
    assert.equal(identityContradicted([m({ identityConflict: 'BIRTH_DATE' }), m()], policy)?.weight, 1);
    const two = identityContradicted([m({ identityConflict: 'BIRTH_DATE' }), m({ identityConflict: 'SEX' })], policy)!;
    assert.equal(two.weight, 2);
    assert.match(two.message, /2 parcels \(2 identities\): the ID number contradicts the declared birth date and sex/);
    assert.match(two.messageZh, /出生日期、性别不符/);
    assert.equal(identityContradicted([m(), m()], policy), null);
  });

  it('a family writing about one child: lent card once, a branded gift at a low price, all to one child — not a ring', () => {
    const family = [
      m({ senderKey: 'mum', senderNameKey: 'mum', consigneeKey: 'child', category: 'clothing' }),
      m({ senderKey: 'mum', senderNameKey: 'son', consigneeKey: 'child', category: 'food' }),
      m({ senderKey: 'mum', senderNameKey: 'mum', consigneeKey: 'child', category: 'shoes', brand: 'nike', implausible: true, valueCny: 40 }),
      m({ senderKey: 'dad', senderNameKey: 'dad', consigneeKey: 'child', category: 'books', senderAddressKey: 'addr-home' }),
    ];
    const a = assessRing(family, NOW, policy);
    assert.equal(a.qualifies, false, JSON.stringify(a.indicators));
  });
});

describe('what an identity encodes and what contradicts it', () => {
  const today = new Date('2026-11-23T00:00:00Z');

  it('a resident ID: birth date from digits 7–14, sex from the 17th (odd: male)', () => {
    const id = aResidentId('440106', '19900101', '123'); // 17th digit 3: male
    assert.deepEqual(encodedTraits('CN_RESIDENT_ID', id, '1990-01-01', undefined, today), { birthDate: '1990-01-01', sex: 'M' });
    assert.equal(encodedTraits('CN_RESIDENT_ID', aResidentId('440106', '19900101', '124'), '1990-01-01', undefined, today).sex, 'F');
    assert.deepEqual(encodedTraits('HK_MACAU_PERMIT', 'H12345678', null, undefined, today), { birthDate: null, sex: null });
  });

  it('a passport MRZ: birth date (two-digit year in the right century) and sex; a misread birth field is ignored', () => {
    assert.deepEqual(mrzTraits(mrzLine('X1234567', '900101', 'F'), today), { birthDate: '1990-01-01', sex: 'F' });
    assert.deepEqual(mrzTraits(mrzLine('X1234567', '150630', 'M'), today), { birthDate: '2015-06-30', sex: 'M' });
    const misread = mrzLine('X1234567', '900101', 'F').replace(/^(.{19})./, (_m, head: string) => `${head}${(Number(mrzLine('X1234567', '900101', 'F')[19]) + 1) % 10}`);
    assert.equal(mrzTraits(misread, today).birthDate, null);
    assert.equal(mrzTraits(mrzLine('X1234567', '900101', '<'), today).sex, null);
    assert.deepEqual(mrzTraits(undefined, today), { birthDate: null, sex: null });
  });

  it('conflicts: the face against the document, and the archive against what is presented now', () => {
    const doc = { birthDate: '1990-01-01', sex: 'M' as const };
    assert.equal(identityConflicts(doc, { birthDate: '1990-01-01', sex: 'M' }, null, null), null);
    assert.equal(identityConflicts(doc, { birthDate: '1985-03-03' }, null, null), 'BIRTH_DATE');
    assert.equal(identityConflicts(doc, { birthDate: '1985-03-03', sex: 'F' }, null, null), 'BIRTH_DATE,SEX');
    assert.equal(identityConflicts({ birthDate: null, sex: null }, { birthDate: '1985-03-03' }, '1980-01-01', '1985-03-03'), 'ARCHIVE_BIRTH_DATE');
    assert.equal(identityConflicts(doc, {}, null, null), null, 'nothing declared, nothing to contradict');
  });
});

describe('ring evidence through the API', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  const intake = async (body: object, user = 'courier1') => s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login(user)}`).send(body);
  const member = async (parcelId: string) => (await s.ctx.db.select().from(ringMembers).where(eq(ringMembers.parcelId, parcelId)))[0]!;
  const alertOf = async (id: string) => (await s.http().get(`/api/alerts/${id}`).set('Authorization', `Bearer ${await s.login('regulator1')}`).expect(200)).body as { evidence: { code: string; message: string }[] };
  let serial = 0;
  const sender = (over: object = {}) => {
    serial++;
    return { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', `19${70 + (serial % 25)}0${1 + (serial % 9)}1${serial % 10}`, String(200 + serial).slice(-3)), name: `王${'一二三四五六七八九十'[serial % 10]}明`, phone: `1371234${String(1000 + serial).slice(-4)}`, address: `广东省广州市天河区中山大道${100 + serial}号`, ...over };
  };
  const consignee = (country: string, k: number) => ({
    FR: { name: `Camille Martin ${k}`, phone: `+33 6 12 34 ${String(10 + k).padStart(2, '0')} 78`, address: `${k} Rue de Rivoli, Paris`, country: 'FR' },
    AU: { name: `Jack Brown ${k}`, phone: `+61 412 345 ${String(100 + k).padStart(3, '0')}`, address: `${k} George St, Sydney NSW`, country: 'AU' },
    JP: { name: `Sato Yui ${k}`, phone: `+81 90 1234 ${String(1000 + k).padStart(4, '0')}`, address: `${k} Shibuya, Tokyo`, country: 'JP' },
    GB: { name: `Oliver Jones ${k}`, phone: `+44 7911 123${String(100 + k).padStart(3, '0')}`, address: `${k} High Street, London`, country: 'GB' },
  })[country]!;

  it('tens of yuan with everything rotating but the counter: three Gucci bags at CNY 50 through one counter on one day alert', async () => {
    const send = (k: number) => intake(aParcel({ sender: sender(), recipient: consignee('FR', k), declared: { description: '女包', category: 'bags', quantity: 1, valueCny: 45 + k, brand: 'Gucci' } }));
    const first = await send(1);
    const second = await send(2);
    assert.deepEqual([first.body.alerts, second.body.alerts], [[], []]);
    assert.equal((await member(first.body.parcel.id)).implausible, true);
    const third = await send(3);
    assert.equal(third.status, 201);
    assert.equal(third.body.alerts[0]?.type, 'ANT_MOVING', JSON.stringify(third.body));
    assert.equal(third.body.verdict, 'held');
    const codes = (await alertOf(third.body.alerts[0].id)).evidence.map((e) => e.code);
    assert.ok(codes.includes('IMPLAUSIBLE_VALUES'), codes.join());
  });

  it('one card under three names with one consignee alerts on IDENTITY_LENT; the same parcels under one name do not', async () => {
    const card = sender();
    const names = ['赵大勇', '钱小红', '孙建华', '赵大勇'];
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await intake(aParcel({ sender: { ...card, name: names[i], phone: `1581234${String(2000 + i)}` }, recipient: consignee('AU', 1), declared: { description: '礼品一份', category: 'shoes', quantity: 1, valueCny: 420, brand: undefined } })));
    }
    const last = results[3]!;
    assert.equal(last.body.alerts[0]?.type, 'ANT_MOVING', JSON.stringify(last.body));
    const evidence = (await alertOf(last.body.alerts[0].id)).evidence;
    assert.match(evidence.find((e) => e.code === 'IDENTITY_LENT')!.message, /One identity number was presented under 3 names and 4 phones/);

    // Control: one person, one phone, the same four parcels to another consignee: no identity evidence, no alert.
    const one = sender();
    for (let i = 0; i < 4; i++) {
      const r = await intake(aParcel({ sender: one, recipient: consignee('AU', 2), declared: { description: '礼品一份', category: 'shoes', quantity: 1, valueCny: 420, brand: undefined } }));
      assert.deepEqual(r.body.alerts, [], `parcel ${i + 1}`);
    }
  });

  it('forged cards over one phone, their faces contradicting their numbers, alert on IDENTITY_CONTRADICTED; genuine ones do not', async () => {
    const send = (phone: string, k: number, forged: boolean) => {
      const id = sender({ phone });
      const face = forged ? { birthDate: '1999-12-31', sex: 'F' } : {};
      return intake(aParcel({ sender: { ...id, ...face }, recipient: consignee('JP', k), declared: { description: '样品一批', category: 'watches', quantity: 1, valueCny: 380, brand: undefined } }));
    };
    const forged = [await send('13612340001', 1, true), await send('13612340001', 2, true), await send('13612340001', 3, true)];
    assert.match((await member(forged[0]!.body.parcel.id)).identityConflict ?? '', /^BIRTH_DATE(,SEX)?$/);
    assert.equal(forged[2]!.body.alerts[0]?.type, 'ANT_MOVING', JSON.stringify(forged[2]!.body));
    assert.ok((await alertOf(forged[2]!.body.alerts[0].id)).evidence.some((e) => e.code === 'IDENTITY_CONTRADICTED'));
    const genuine = [await send('13612340002', 4, false), await send('13612340002', 5, false), await send('13612340002', 6, false)];
    assert.deepEqual(genuine.map((r) => r.body.alerts), [[], [], []], 'three relatives over one phone: rotating identities alone is not a ring');
  });

  it('a passport: the MRZ against the face, and the archive against a second holder of the same number', async () => {
    const passport = { idType: 'PASSPORT', idIssuingCountry: 'USA', name: 'John Doe', phone: '13712349999', address: '广东省广州市天河区天河路1号' };
    const withMrz = await intake(aParcel({ sender: { ...passport, idNumber: 'X7654321', mrz: mrzLine('X7654321', '800101', 'M'), birthDate: '1980-01-01', sex: 'F' }, recipient: consignee('GB', 1) }));
    assert.equal(withMrz.status, 201, withMrz.text);
    assert.equal((await member(withMrz.body.parcel.id)).identityConflict, 'SEX');
    const first = await intake(aParcel({ sender: { ...passport, idNumber: 'Y1234567', birthDate: '1975-05-05' }, recipient: consignee('GB', 2) }));
    assert.equal((await member(first.body.parcel.id)).identityConflict, null);
    const second = await intake(aParcel({ sender: { ...passport, idNumber: 'Y1234567', name: 'Jane Roe', birthDate: '1991-09-09' }, recipient: consignee('GB', 3) }));
    assert.equal((await member(second.body.parcel.id)).identityConflict, 'ARCHIVE_BIRTH_DATE');
  });

  it('the document face is checked: an impossible or future birth date is 422 on sender.birthDate, an unknown sex 400 on sender.sex', async () => {
    for (const birthDate of ['1990-02-30', '2090-01-01', '01/02/1990', '1899-12-31']) {
      const p = expectProblem(await intake(aParcel({ sender: { birthDate } })), 422, 'BIRTH_DATE_INVALID');
      assert.deepEqual(p.errors?.map((e) => e.path), ['sender.birthDate'], birthDate);
    }
    const sex = expectProblem(await intake(aParcel({ sender: { sex: 'X' } })), 400);
    assert.deepEqual(sex.errors?.map((e) => [e.path, e.code]), [['sender.sex', 'SEX_INVALID']]);
    assert.equal((await intake(aParcel({ sender: { birthDate: '1949-12-31', sex: 'F' } }))).status, 201, 'the factory’s card: 1949-12-31, female');
  });
});
