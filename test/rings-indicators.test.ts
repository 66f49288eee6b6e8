// Unit tests of ring linking keys and each 蚂蚁搬家 indicator, of window scoring and of damping.
import assert from 'node:assert/strict';
import { loadConfig } from '../server/config.js';
import {
  assessRing,
  destinationConcentration,
  inspectionMismatch,
  isDamped,
  manySendersOneConsignee,
  protectedBrandRepeated,
  rotatingIdentities,
  samePriorityGoods,
  spreadOverOutlets,
  suspectListHits,
  totalFarAboveLimit,
  underLimitCluster,
  vagueDescriptions,
  type RingMember,
} from '../server/rings/indicators.js';
import { isSpecificAddress, linkKeys, type LinkInput } from '../server/rings/keys.js';
import { isVagueDescription } from '../server/intake/contents.js';

const policy = loadConfig({}).ring;
const NOW = new Date('2026-11-23T08:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

let n = 0;
function m(over: Partial<RingMember> = {}): RingMember {
  n++;
  return {
    parcelId: `p${n}`, waybillNo: `EA${n}CN`, createdAt: hoursAgo(1), senderKey: `id${n}`, senderName: '李伟', senderPhoneBlind: `ph${n}`,
    senderPhoneMasked: '+86 139****0000', senderAddressKey: `addr${n}`, senderAddress: `广州市天河北路${n}号`, consigneeKey: `c${n}`,
    consigneeName: 'Olga', country: 'RU', outletId: 'GZ-TH-001', regionCode: '440106', routeKey: '4401-RU-postal', valueCny: 300,
    category: 'household', brand: null, vague: false, mismatch: false, watchlistHit: false, seized: false,
    implausible: false, senderNameKey: '', identityConflict: null, linkKeys: [], linkedVia: [], ...over,
  };
}
const many = (k: number, over: Partial<RingMember> | ((i: number) => Partial<RingMember>)) =>
  Array.from({ length: k }, (_, i) => m(typeof over === 'function' ? over(i) : over));

describe('ring indicators', () => {
  it('values just under the limit: 3+ parcels and 60%+ of the ring, band from 70% of the limit', () => {
    assert.equal(underLimitCluster(many(3, { valueCny: 950 }), policy)?.code, 'VALUES_JUST_UNDER_LIMIT');
    assert.equal(underLimitCluster(many(2, { valueCny: 950 }), policy), null, 'two are not a cluster');
    assert.equal(underLimitCluster([...many(3, { valueCny: 950 }), ...many(3, { valueCny: 200 })], policy), null, '50% is not enough');
    assert.equal(underLimitCluster(many(3, { valueCny: 1000 }), policy), null, 'at the limit is not under it');
    assert.equal(underLimitCluster(many(3, { valueCny: 690 }), policy), null, 'below the band');
    // Hong Kong, Macau and Taiwan have the lower limit: 790 is just under 800 there, far under 1,000 elsewhere.
    assert.ok(underLimitCluster(many(3, { valueCny: 790, country: 'HK' }), policy));
    assert.match(underLimitCluster(many(3, { valueCny: 790, country: 'HK' }), policy)!.message, /CNY 800 limit/);
  });

  it('total far above the limit while each parcel stays under it', () => {
    assert.ok(totalFarAboveLimit(many(4, { valueCny: 800 }), policy));
    assert.equal(totalFarAboveLimit(many(3, { valueCny: 800 }), policy), null, 'CNY 2,400 is not three times the limit');
    assert.equal(totalFarAboveLimit(many(4, { valueCny: 3000 }), policy), null, 'parcels over the limit are declared, not split');
  });

  it('rotating identities: three identities over one phone or one address, not two', () => {
    assert.match(rotatingIdentities(many(3, { senderPhoneBlind: 'same' }), policy)!.message, /3 different identities used one phone/);
    assert.match(rotatingIdentities(many(3, { senderAddressKey: 'home', senderAddress: '某地1号' }), policy)!.message, /one sender address \(某地1号\)/);
    assert.equal(rotatingIdentities(many(2, { senderPhoneBlind: 'same' }), policy), null, 'a couple sharing a phone');
    assert.equal(rotatingIdentities(many(4, { senderPhoneBlind: 'same', senderKey: 'one person' }), policy), null, 'one person, many parcels');
  });

  it('many senders, one consignee', () => {
    assert.match(manySendersOneConsignee(many(3, { consigneeKey: 'RU|olga' }), policy)!.message, /3 senders feed one consignee abroad: Olga \(RU\)/);
    assert.equal(manySendersOneConsignee(many(3, { consigneeKey: 'RU|olga', senderKey: 'mum' }), policy), null);
  });

  it('a protected brand repeated on 3+ parcels and half the ring', () => {
    assert.ok(protectedBrandRepeated(many(3, { brand: 'nike' }), policy));
    assert.equal(protectedBrandRepeated([...many(3, { brand: 'nike' }), ...many(4, {})], policy), null);
    assert.equal(protectedBrandRepeated(many(2, { brand: 'nike' }), policy), null);
  });

  it('one priority category (70%+), vague descriptions (50%+), mismatches, suspect-list hits', () => {
    assert.ok(samePriorityGoods(many(3, { category: 'shoes' }), policy));
    assert.equal(samePriorityGoods(many(3, { category: 'books' }), policy), null, 'books are not a priority class');
    assert.ok(vagueDescriptions(many(2, { vague: true }), policy));
    assert.equal(vagueDescriptions([...many(2, { vague: true }), ...many(3, {})], policy), null);
    assert.equal(inspectionMismatch([m({ mismatch: true }), m()], policy)?.weight, 2);
    assert.equal(suspectListHits([m({ watchlistHit: true })], policy)?.code, 'SUSPECT_LIST_HITS');
    assert.equal(inspectionMismatch([m()], policy), null);
  });

  it('spread over outlets needs two outlets and two senders; concentration needs 4 parcels, 80% to one consignee', () => {
    assert.ok(spreadOverOutlets([m({ outletId: 'A' }), m({ outletId: 'B' })], policy));
    assert.equal(spreadOverOutlets([m({ outletId: 'A', senderKey: 'x' }), m({ outletId: 'B', senderKey: 'x' })], policy), null);
    assert.ok(destinationConcentration(many(4, { consigneeKey: 'k' }), policy));
    assert.equal(destinationConcentration(many(3, { consigneeKey: 'k' }), policy), null);
  });

  it('vague descriptions are recognised in Chinese and English, not real goods', () => {
    for (const d of ['礼品', '样品', '日用品', 'Gift', 'samples', 'personal effects']) assert.ok(isVagueDescription(d, 'household'), d);
    for (const d of ['运动鞋', '普洱茶饼', 'Bluetooth earphones']) assert.ok(!isVagueDescription(d, 'electronics'), d);
  });
});

describe('ring scoring over windows', () => {
  it('an evasive ring qualifies at its third parcel in the 24 h window', () => {
    const ring = many(3, { senderPhoneBlind: 'shared', valueCny: 960, vague: true });
    const a = assessRing(ring, NOW, policy);
    assert.equal(a.qualifies, true);
    assert.equal(a.window.name, '24h');
    assert.deepEqual(a.indicators.map((i) => i.code).sort(), ['ROTATING_IDENTITIES', 'VAGUE_DESCRIPTIONS', 'VALUES_JUST_UNDER_LIMIT']);
    assert.equal(a.score, 6);
  });

  it('a ring spread over days qualifies in the 7-day window with 4 parcels, not in 24 h', () => {
    const ring = many(4, (i) => ({ senderPhoneBlind: 'shared', valueCny: 960, createdAt: hoursAgo(30 * i + 1) }));
    const a = assessRing(ring, NOW, policy);
    assert.equal(a.qualifies, true);
    assert.equal(a.window.name, '7d');
    assert.equal(a.parcels.length, 4);
  });

  it('parcels older than the longest window do not count', () => {
    const ring = many(5, (i) => ({ senderPhoneBlind: 'shared', valueCny: 960, createdAt: hoursAgo(i < 3 ? 24 * 40 : 1) }));
    assert.equal(assessRing(ring, NOW, policy).parcels.length, 2);
    assert.equal(assessRing(ring, NOW, policy).qualifies, false);
  });

  it('legitimate look-alikes do not qualify', () => {
    // A family of three at one address sends gifts to a child abroad.
    const family = many(4, (i) => ({ senderAddressKey: 'home', senderKey: `family${i % 3}`, consigneeKey: 'child', valueCny: [120, 480, 260, 650][i]!, category: ['clothing', 'food', 'books', 'tea'][i]! }));
    assert.equal(assessRing(family, NOW, policy).qualifies, false, JSON.stringify(assessRing(family, NOW, policy).indicators));
    // The same family writing what they send, all clothes: still a family.
    const clothes = family.map((x) => ({ ...x, category: 'clothing' }));
    assert.equal(assessRing(clothes, NOW, policy).qualifies, false);
    // A registered cross-border seller declares full value to many buyers.
    const seller = many(30, (i) => ({ senderKey: 'shop', senderPhoneBlind: 'shop', valueCny: 1500 + 97 * i, category: 'clothing', consigneeKey: `buyer${i}`, country: ['US', 'GB', 'DE'][i % 3]! }));
    assert.equal(assessRing(seller, NOW, policy).qualifies, false, JSON.stringify(assessRing(seller, NOW, policy).indicators));
  });

  it('severity rises with evidence and size', () => {
    const small = assessRing(many(3, { senderPhoneBlind: 'shared', valueCny: 960, vague: true }), NOW, policy);
    const big = assessRing(many(25, { senderPhoneBlind: 'shared', valueCny: 960, vague: true }), NOW, policy);
    const branded = assessRing(many(3, { senderPhoneBlind: 'shared', valueCny: 960, vague: true, brand: 'nike' }), NOW, policy);
    assert.equal(small.severity, 'low');
    assert.equal(branded.severity, 'medium');
    assert.equal(big.severity, 'high');
  });

  it('a dismissed ring stays quiet on the same or weaker evidence, until it doubles or shows a strong new indicator', () => {
    const ring = many(4, { senderPhoneBlind: 'shared', valueCny: 960, vague: true });
    const a = assessRing(ring, NOW, policy);
    const dismissed = { codes: ['RING_VOLUME', 'VALUES_JUST_UNDER_LIMIT', 'ROTATING_IDENTITIES', 'VAGUE_DESCRIPTIONS'], parcelCount: 3 };
    assert.ok(a.indicators.some((i) => i.code === 'TOTAL_FAR_ABOVE_LIMIT'), 'a supporting indicator appeared with volume');
    assert.equal(isDamped(a, 4, dismissed), true, 'growing is not new evidence');
    assert.equal(isDamped(a, 6, dismissed), false, 'twice as many parcels is');
    const branded = assessRing(many(4, { senderPhoneBlind: 'shared', valueCny: 960, vague: true, brand: 'nike' }), NOW, policy);
    assert.equal(isDamped(branded, 4, dismissed), false, 'a protected brand is');
    assert.equal(isDamped(a, 4, { codes: [], parcelCount: 0 }), false, 'never dismissed');
  });
});

describe('ring linking keys', () => {
  const input = (over: Partial<LinkInput> = {}): LinkInput => ({
    senderIdBlind: 'id', senderPhoneBlind: 'phone', senderAddressKey: '天河北路88号', consigneeNameKey: 'olga sidorova', country: 'RU',
    consigneePhoneBlind: 'cphone', consigneeAddressKey: '12 tverskaya st moscow', outletId: 'GZ-TH-001', day: '2026-11-23',
    category: 'gifts', brand: null, justUnder: false, implausible: false, ...over,
  });
  const kinds = (i: LinkInput) => linkKeys(i).map((k) => k.kind);

  it('every parcel gives identity, phone, address and consignee keys', () => {
    assert.deepEqual(kinds(input()), ['sender_id', 'sender_phone', 'sender_address', 'consignee_name', 'consignee_phone', 'consignee_address']);
  });

  it('parcels sharing only a phone share exactly that key', () => {
    const a = linkKeys(input({ senderIdBlind: 'a', senderAddressKey: '甲路1号', consigneeNameKey: 'x', consigneePhoneBlind: 'p1', consigneeAddressKey: '1 a st' }));
    const b = linkKeys(input({ senderIdBlind: 'b', senderAddressKey: '乙路2号', consigneeNameKey: 'y', consigneePhoneBlind: 'p2', consigneeAddressKey: '2 b st' }));
    const shared = a.filter((k) => b.some((x) => x.key === k.key)).map((k) => k.kind);
    assert.deepEqual(shared, ['sender_phone']);
  });

  it('a consignee name links within its country only', () => {
    const ru = linkKeys(input()).find((k) => k.kind === 'consignee_name')!;
    const us = linkKeys(input({ country: 'US' })).find((k) => k.kind === 'consignee_name')!;
    assert.notEqual(ru.key, us.key);
  });

  it('addresses without a door number are too vague to link', () => {
    assert.equal(isSpecificAddress('moscow'), false);
    assert.equal(isSpecificAddress('天河北路88号'), true);
    assert.ok(!kinds(input({ consigneeAddressKey: 'moscow' })).includes('consignee_address'));
  });

  it('the outlet links only through its pattern: same day, destination, goods, declared just under the limit', () => {
    assert.ok(!kinds(input()).includes('outlet_pattern'));
    const a = linkKeys(input({ justUnder: true })).find((k) => k.kind === 'outlet_pattern')!;
    assert.equal(a.key, linkKeys(input({ justUnder: true, senderIdBlind: 'other' })).find((k) => k.kind === 'outlet_pattern')!.key);
    assert.notEqual(a.key, linkKeys(input({ justUnder: true, day: '2026-11-24' })).find((k) => k.kind === 'outlet_pattern')!.key);
  });

  it('keys carry no readable personal data and give stable 64-bit lock ids', () => {
    for (const k of linkKeys(input())) {
      assert.match(k.key, /^[a-z_]+:[A-Za-z0-9_-]{22}$/);
      assert.doesNotMatch(k.key, /olga|tverskaya|天河/);
      assert.ok(BigInt(k.lockId) >= -(2n ** 63n) && BigInt(k.lockId) < 2n ** 63n);
    }
    assert.deepEqual(linkKeys(input()), linkKeys(input()));
  });
});
