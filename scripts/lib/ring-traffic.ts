// A labelled stream of intake traffic for evaluating 蚂蚁搬家 detection (issues 5 and 16): ordinary people,
// domestic e-commerce shops, families sending gifts abroad, registered cross-border sellers declaring full
// value, the look-alikes customs worry about (small-goods exporters, parents with one branded gift, strangers
// with branded goods at one counter on one day, a family writing every few weeks for a year), and rings of
// the kinds customs report: just under the limit, tens of yuan, HK/MO/TW routes under CNY 800, slow rings over
// a year, lent and forged identities, rings that move to another province. Deterministic for a seed.
//
// Time: most traffic is one busy day at the end of the stream (the last of `days`); slow actors spread their
// parcels over the days before it. Each item carries its offset from the start; the replay drives the
// server's clock through it.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { aChineseName, aConsignee, aMobile, anAddress, aResidentIdFor, aWaybillFor, type Consignee, type Person, type Rng } from './traffic.js';

export type Outlet = { id: string; regionCode: string };
export type Label = { actor: string; kind: string; ring: string | null };
export type Item = { outlet: Outlet; body: Record<string, unknown>; label: Label; /** ms from the stream's start (set by ringStream) */ at: number };
export const DAY_MS = 86_400_000;

export const EVAL_OUTLETS: Outlet[] = [
  { id: 'GZ-TH-001', regionCode: '440106' },
  { id: 'GZ-BY-002', regionCode: '440111' },
  { id: 'SZ-FT-001', regionCode: '440304' },
  { id: 'DG-CA-001', regionCode: '441900' },
  { id: 'CZ-XQ-001', regionCode: '445102' },
  { id: 'YW-CC-001', regionCode: '330782' },
  { id: 'YW-FT-002', regionCode: '330782' },
  { id: 'HZ-XH-001', regionCode: '330106' },
];
const byProvince = (p: string) => EVAL_OUTLETS.filter((o) => o.regionCode.startsWith(p));

function aPersonIn(r: Rng, province: string): Person {
  const region = province === '33' ? r.pick(['330782', '330106', '330102']) : r.pick(['440106', '440111', '440304', '441900', '445102', '440104']);
  return { idType: 'CN_RESIDENT_ID', idNumber: aResidentIdFor(r, region), name: aChineseName(r), phone: aMobile(r), address: anAddress(r, region) };
}

const ORDINARY_GOODS: { category: string; descriptions: string[]; value: [number, number]; brands?: string[] }[] = [
  { category: 'clothing', descriptions: ['T恤', '连衣裙', '羽绒服', '牛仔裤', '毛衣'], value: [60, 800], brands: ['Uniqlo', 'Zara'] },
  { category: 'shoes', descriptions: ['运动鞋', '皮鞋', '布鞋'], value: [80, 900], brands: ['Li-Ning', 'Anta', 'Nike', 'Adidas'] },
  { category: 'food', descriptions: ['月饼', '腊肠', '零食', '辣椒酱'], value: [30, 400] },
  { category: 'tea', descriptions: ['茶叶', '普洱茶饼', '铁观音'], value: [60, 700] },
  { category: 'books', descriptions: ['图书', '教材', '字帖'], value: [20, 300] },
  { category: 'handicrafts', descriptions: ['剪纸', '刺绣', '中国结'], value: [30, 500] },
  { category: 'cosmetics', descriptions: ['面霜', '面膜', '口红'], value: [50, 700], brands: ['Pechoin', 'Florasis'] },
  { category: 'electronics', descriptions: ['充电宝', '蓝牙耳机', '移动硬盘'], value: [60, 900], brands: ['Xiaomi', 'Anker', 'Huawei'] },
  { category: 'household', descriptions: ['保温杯', '筷子', '收纳盒'], value: [20, 300] },
  { category: 'documents', descriptions: ['文件', '证书'], value: [0, 0] },
];

const parcel = (r: Rng, sender: Person | Record<string, string>, recipient: Consignee | Record<string, string>, declared: Record<string, unknown>, opts: { mismatch?: boolean } = {}) => {
  const channel = recipient.country !== 'CN' && r.next() < 0.6 ? 'postal' : 'express';
  return {
    ...aWaybillFor(r, channel),
    sender,
    recipient,
    declared: { quantity: r.int(1, 4), ...declared },
    inspection: { performed: true, matchesDeclaration: !opts.mismatch, notes: '', photoIds: [] },
    screening: { result: 'clear', machineId: `XR-0${r.int(1, 4)}` },
  };
};
const ordinaryDeclared = (r: Rng) => {
  const g = r.pick(ORDINARY_GOODS);
  const brand = g.brands && r.next() < 0.5 ? r.pick(g.brands) : undefined;
  return { description: r.pick(g.descriptions), category: g.category, valueCny: g.value[1] ? r.int(g.value[0], g.value[1]) : 0, ...(brand ? { brand } : {}) };
};

/** `at`: an actor's own times (slow actors, ms from the stream's start); without it, the busy day places them. */
type Actor = { label: Label; items: Omit<Item, 'at'>[]; at?: number[] };

/** Consignees in Hong Kong, Macau and Taiwan: the routes with the lower CNY 800 limit. */
const HMT: Record<string, { names: string[]; streets: string[]; phone: (r: Rng) => string }> = {
  HK: { names: ['Chan Tai Man', 'Wong Siu Ming', 'Lee Ka Yan', 'Cheung Wai Kit', 'Lau Mei Ling'], streets: ['Nathan Road, Mong Kok, Kowloon', 'Hennessy Road, Wan Chai', "Queen's Road Central, Central"], phone: (r) => `+852 ${r.pick(['5', '6', '9'])}${r.digits(3)} ${r.digits(4)}` },
  MO: { names: ['Ho Weng Kin', 'Leong Sio Man', 'Chao Ka Ian'], streets: ['Avenida de Almeida Ribeiro', 'Rua do Campo', 'Avenida Horta e Costa'], phone: (r) => `+853 6${r.pick(['2', '3', '5', '6'])}${r.digits(2)} ${r.digits(4)}` },
  TW: { names: ['陳志明', '林雅婷', '黃冠宇', '張淑芬'], streets: ['忠孝東路一段', '中山北路二段', '民生東路三段'], phone: (r) => `+886 9${r.digits(2)} ${r.digits(3)} ${r.digits(3)}` },
};
function anHmtConsignee(r: Rng, country: 'HK' | 'MO' | 'TW'): Consignee {
  const c = HMT[country]!;
  let phone = '';
  for (let i = 0; i < 50 && !phone; i++) {
    const p = parsePhoneNumberFromString(c.phone(r), country as CountryCode);
    if (p?.isValid()) phone = p.number;
  }
  const street = r.pick(c.streets);
  const address = country === 'TW' ? `台北市${street}${r.int(1, 300)}號${r.int(2, 12)}樓` : `Flat ${r.int(1, 30)}, ${r.int(2, 40)}/F, ${r.int(1, 400)} ${street}`;
  return { name: r.pick(c.names), phone, address, country };
}

/** A protected-brand item a one-off sender or a parent would send, at what it is worth (a gift, maybe discounted). */
const GENUINE_BRANDED = [
  { category: 'shoes', description: '运动鞋', brand: 'Nike', value: [450, 1400] },
  { category: 'shoes', description: '跑鞋', brand: 'Adidas', value: [450, 1300] },
  { category: 'clothing', description: '卫衣', brand: 'The North Face', value: [400, 1200] },
  { category: 'electronics', description: '无线耳机', brand: 'AirPods', value: [900, 1900] },
  { category: 'cosmetics', description: '面霜', brand: 'Estée Lauder', value: [300, 1200] },
  { category: 'cosmetics', description: '口红', brand: 'Dior', value: [300, 450] },
  { category: 'jewelry', description: '手链', brand: 'Pandora', value: [500, 1500] },
  { category: 'bags', description: '钱包', brand: 'Coach', value: [800, 2500] },
] as const;
const genuineBranded = (r: Rng) => {
  const g = r.pick(GENUINE_BRANDED);
  return { description: g.description, category: g.category, brand: g.brand, quantity: 1, valueCny: r.int(g.value[0], g.value[1]) };
};

// --- legitimate senders -------------------------------------------------------------------------------------

function individual(r: Rng, n: number): Actor {
  const province = r.next() < 0.7 ? '44' : '33';
  const sender = aPersonIn(r, province);
  const outlet = r.pick(byProvince(province));
  const abroadToo = r.next() < 0.4;
  const recipient = abroadToo ? aConsignee(r) : { name: aChineseName(r), phone: aMobile(r), address: anAddress(r, '310115'), country: 'CN' };
  const label = { actor: `individual-${n}`, kind: 'individual', ring: null };
  return { label, items: [{ outlet, label, body: parcel(r, sender, recipient, ordinaryDeclared(r)) }] };
}

/** A domestic e-commerce shop: one sender, many parcels a day to buyers all over China. */
function shop(r: Rng, n: number, parcels: number): Actor {
  const province = r.next() < 0.6 ? '44' : '33';
  const sender = aPersonIn(r, province);
  const outlet = r.pick(byProvince(province));
  const label = { actor: `shop-${n}`, kind: 'domestic_shop', ring: null };
  const goods = r.pick(ORDINARY_GOODS.filter((g) => g.value[1]));
  const items = Array.from({ length: parcels }, () => ({
    outlet,
    label,
    body: parcel(r, sender, { name: aChineseName(r), phone: aMobile(r), address: anAddress(r, r.pick(['310115', '110105', '510107', '420106'])), country: 'CN' }, {
      description: r.pick(goods.descriptions), category: goods.category, valueCny: r.int(goods.value[0], goods.value[1]),
    }),
  }));
  return { label, items };
}

/** A family (one to three members at one home, sometimes one home phone) sending gifts to a child abroad. */
function family(r: Rng, n: number): Actor {
  const province = r.next() < 0.7 ? '44' : '33';
  const head = aPersonIn(r, province);
  const homePhone = r.next() < 0.3 ? head.phone : null;
  const members = Array.from({ length: r.int(1, 3) }, (_, i) => (i === 0 ? head : { ...aPersonIn(r, province), address: head.address, phone: homePhone ?? aMobile(r) }));
  const child = aConsignee(r);
  const outlets = byProvince(province);
  const label = { actor: `family-${n}`, kind: 'family', ring: null };
  const vagueFamily = r.next() < 0.15;
  const items = Array.from({ length: r.int(1, 5) }, () => {
    const d = ordinaryDeclared(r);
    return { outlet: r.pick(outlets), label, body: parcel(r, r.pick(members), child, vagueFamily ? { ...d, description: '礼品一份' } : d) };
  });
  return { label, items };
}

/** A registered cross-border seller: one identity and warehouse, many buyers abroad, full declared value. */
function seller(r: Rng, n: number): Actor {
  const province = r.next() < 0.6 ? '44' : '33';
  const sender = aPersonIn(r, province);
  const outlet = r.pick(byProvince(province));
  const line = r.pick([
    { category: 'clothing', descriptions: ['女装连衣裙', '男士衬衫', '羊毛大衣'] },
    { category: 'electronics', descriptions: ['无线耳机', '智能手表', '平板电脑保护壳'] },
    { category: 'shoes', descriptions: ['真皮皮鞋', '户外徒步鞋'] },
  ]);
  const brand = r.pick(['Sinoshine', 'Hanfu House', 'PearlRiver', 'Yiwu Crafts']);
  const label = { actor: `seller-${n}`, kind: 'crossborder_seller', ring: null };
  const countries = ['US', 'GB', 'DE', 'AU', 'JP'].slice(0, r.int(2, 5));
  const items = Array.from({ length: r.int(15, 40) }, () => ({
    outlet,
    label,
    body: parcel(r, sender, aConsignee(r, r.pick(countries)), { description: r.pick(line.descriptions), category: line.category, valueCny: r.int(1100, 6000), brand }),
  }));
  return { label, items };
}

/** A small-goods exporter: one sender, many cheap unbranded parcels (phone cases, hair clips) to buyers in one country. */
function smallExporter(r: Rng, n: number): Actor {
  const province = r.next() < 0.5 ? '44' : '33';
  const sender = aPersonIn(r, province);
  const outlet = r.pick(byProvince(province));
  const country = r.pick(['US', 'GB', 'DE', 'RU']);
  const label = { actor: `exporter-${n}`, kind: 'small_exporter', ring: null };
  const line = r.pick([
    { category: 'phone_accessories', descriptions: ['手机壳', '数据线', '钢化膜'] },
    { category: 'jewelry', descriptions: ['发夹', '耳钉', '合金手链'] },
    { category: 'household', descriptions: ['硅胶收纳袋', '厨房挂钩'] },
  ]);
  const items = Array.from({ length: r.int(30, 60) }, () => ({
    outlet,
    label,
    body: parcel(r, sender, aConsignee(r, country), { description: r.pick(line.descriptions), category: line.category, quantity: r.int(1, 5), valueCny: r.int(15, 90) }),
  }));
  return { label, items };
}

/** Parents sending their child abroad a few things, one of them a protected brand (sometimes on the other parent's card). */
function parents(r: Rng, n: number): Actor {
  const province = r.next() < 0.7 ? '44' : '33';
  const mum = aPersonIn(r, province);
  const dad = { ...aPersonIn(r, province), address: mum.address, phone: r.next() < 0.4 ? mum.phone : aMobile(r) };
  const child = aConsignee(r);
  const outlets = byProvince(province);
  const label = { actor: `parents-${n}`, kind: 'parents', ring: null };
  const k = r.int(2, 4);
  const brandedAt = r.int(0, k - 1);
  const items = Array.from({ length: k }, (_, i) => {
    const d = i === brandedAt ? genuineBranded(r) : ordinaryDeclared(r);
    // The father brings the mother's card once: one card, two names (a family lending a card is not a ring).
    const who = i === brandedAt && r.next() < 0.5 ? { ...mum, name: dad.name, phone: dad.phone } : r.pick([mum, dad]);
    return { outlet: r.pick(outlets), label, body: parcel(r, who, child, d) };
  });
  return { label, items };
}

/** Strangers each sending one branded item through the same counter on the same day (a shopping street's post office). */
function counterStrangers(r: Rng, n: number): Actor {
  const outlet = r.pick(EVAL_OUTLETS);
  const province = outlet.regionCode.slice(0, 2);
  const label = { actor: `counter-${n}`, kind: 'counter_strangers', ring: null };
  const items = Array.from({ length: r.int(6, 10) }, () => ({ outlet, label, body: parcel(r, aPersonIn(r, province), aConsignee(r), genuineBranded(r)) }));
  return { label, items };
}

/** A family writing to a child abroad every few weeks for a year: the slow look-alike. */
function slowFamily(r: Rng, n: number, days: number): Actor {
  const province = r.next() < 0.7 ? '44' : '33';
  const mum = aPersonIn(r, province);
  const dad = { ...aPersonIn(r, province), address: mum.address };
  const child = aConsignee(r);
  const outlet = r.pick(byProvince(province));
  const label = { actor: `slowfamily-${n}`, kind: 'slow_family', ring: null };
  const at: number[] = [];
  for (let t = r.int(0, 20); t < days - 2; t += r.int(14, 35)) at.push(t * DAY_MS + r.int(9, 18) * 3600_000);
  const items = at.map(() => ({ outlet, label, body: parcel(r, r.pick([mum, dad]), child, r.next() < 0.2 ? genuineBranded(r) : ordinaryDeclared(r)) }));
  return { label, items, at };
}

/**
 * An authorised reseller run by a family: three relatives on one shop phone and address sending a protected brand
 * at full value to buyers abroad. It looks like a ring (identities over one phone, one brand again and again) and
 * alerts once; the analyst dismisses it and allowlists the shop's phone, address and the relatives' cards, after
 * which it must never be held again. The replay plays the analyst (labels: allowlisted_business).
 */
function allowlistedBusiness(r: Rng, n: number): Actor {
  const province = r.next() < 0.6 ? '44' : '33';
  const head = aPersonIn(r, province);
  const relatives = [head, ...Array.from({ length: 2 }, () => ({ ...aPersonIn(r, province), phone: head.phone, address: head.address }))];
  const outlet = r.pick(byProvince(province));
  const label = { actor: `business-${n}`, kind: 'allowlisted_business', ring: null };
  const items = Array.from({ length: r.int(15, 25) }, () => ({
    outlet,
    label,
    body: parcel(r, r.pick(relatives), aConsignee(r), { description: r.pick(['iPhone 手机', 'iPad 平板', 'AirPods 耳机']), category: 'electronics', brand: 'Apple', quantity: 1, valueCny: r.int(1200, 6000) }),
  }));
  return { label, items };
}

// --- rings ----------------------------------------------------------------------------------------------------

const RING_GOODS = [
  { category: 'shoes', description: '运动鞋', brand: 'Nike' },
  { category: 'shoes', description: '运动鞋', brand: 'Adidas' },
  { category: 'bags', description: '手提包', brand: 'Louis Vuitton' },
  { category: 'bags', description: '女包', brand: 'Gucci' },
  { category: 'watches', description: '手表', brand: 'Rolex' },
  { category: 'cosmetics', description: '口红', brand: 'Dior' },
  { category: 'cosmetics', description: '香水', brand: 'Chanel' },
  { category: 'electronics', description: '无线耳机', brand: 'AirPods' },
  { category: 'clothing', description: '羽绒服', brand: 'Moncler' },
  { category: 'clothing', description: '羽绒服', brand: 'Canada Goose' },
];
const VAGUE = ['礼品一份', '样品一批', '日用品若干', 'gift for family', 'some samples'];
const justUnder = (r: Rng, limit = 1000) => r.int(Math.ceil(limit * 0.76), limit - 5);
/**
 * Goods retailing at thousands declared at tens of yuan ("a handbag retailing above ten thousand yuan declared at
 * dozens"): bags, watches, luxury down jackets. Not lipstick or trainers, whose genuine price is in the hundreds.
 */
const LUXURY_GOODS = RING_GOODS.filter((g) => ['bags', 'watches', 'clothing'].includes(g.category));

/** A resident ID card whose face (birth date, sex as printed, read by OCR) contradicts its number: forged. */
function forgedCard(r: Rng, province: string): Person & { birthDate: string; sex: string } {
  const p = aPersonIn(r, province);
  const encodedYear = Number(p.idNumber.slice(6, 10));
  const face = `${encodedYear + r.int(3, 15) > 2005 ? encodedYear - r.int(3, 15) : encodedYear + r.int(3, 15)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}`;
  const encodedSex = Number(p.idNumber[16]) % 2 === 1 ? 'M' : 'F';
  return { ...p, birthDate: face, sex: r.next() < 0.5 ? (encodedSex === 'M' ? 'F' : 'M') : encodedSex };
}

type RingKind =
  | 'simple' | 'rotating_phone' | 'rotating_address' | 'hub_consignee' | 'chain' | 'outlet_burst'
  | 'tens_of_yuan' | 'hmt_route' | 'slow' | 'lent_identity' | 'forged_identity' | 'moving';
export const RING_KINDS: RingKind[] = [
  'simple', 'rotating_phone', 'rotating_address', 'hub_consignee', 'chain', 'outlet_burst',
  'tens_of_yuan', 'hmt_route', 'slow', 'lent_identity', 'forged_identity', 'moving',
];
/** Kinds whose first alert may come later (issue 16: slow rings by their 8th parcel, others by the 5th). */
export const SLOW_KINDS = new Set<string>(['slow']);

function ring(r: Rng, n: number, kind: RingKind, days: number): Actor {
  const province = r.next() < 0.75 ? '44' : '33';
  const outlets = byProvince(province);
  const label = { actor: `ring-${n}`, kind, ring: `ring-${n}` };
  const goods = r.pick(RING_GOODS);
  const country = r.pick(['US', 'RU', 'GB', 'DE', 'AU', 'MY', 'KR', 'JP']);
  const items: Omit<Item, 'at'>[] = [];
  let at: number[] | undefined;
  const add = (outlet: Outlet, sender: Person | Record<string, string>, to: Consignee, declared: Record<string, unknown>, mismatch = false) =>
    items.push({ outlet, label, body: parcel(r, sender, to, declared, { mismatch }) });
  const branded = () => ({ description: goods.description, category: goods.category, brand: goods.brand, valueCny: justUnder(r) });

  switch (kind) {
    case 'simple': {
      // One identity, one consignee, a protected brand just under the limit.
      const sender = aPersonIn(r, province);
      const to = aConsignee(r, country);
      const outlet = r.pick(outlets);
      for (let i = r.int(6, 12); i > 0; i--) add(r.next() < 0.8 ? outlet : r.pick(outlets), sender, to, branded());
      break;
    }
    case 'rotating_phone': {
      // Relatives' or bought IDs taking turns over one phone; vague descriptions; a few consignees; several outlets.
      const phone = aMobile(r);
      const ids = Array.from({ length: r.int(4, 8) }, () => ({ ...aPersonIn(r, province), phone }));
      const tos = Array.from({ length: r.int(2, 3) }, () => aConsignee(r, country));
      for (let i = r.int(6, 14); i > 0; i--) add(r.pick(outlets), r.pick(ids), r.pick(tos), { description: r.pick(VAGUE), category: goods.category, valueCny: justUnder(r) });
      break;
    }
    case 'rotating_address': {
      // A warehouse address with rotating identities and phones; a protected brand declared far below its worth.
      const address = anAddress(r, province === '33' ? '330782' : '440111');
      const ids = Array.from({ length: r.int(4, 7) }, () => ({ ...aPersonIn(r, province), address }));
      const tos = Array.from({ length: r.int(1, 3) }, () => aConsignee(r, country));
      for (let i = r.int(6, 12); i > 0; i--) add(r.pick(outlets), r.pick(ids), r.pick(tos), { ...branded(), valueCny: r.int(200, 650) });
      break;
    }
    case 'hub_consignee': {
      // Many unrelated senders feed one reseller abroad, who is written a different way each time.
      const hub = aConsignee(r, country);
      const [first, last] = [hub.name.split(' ')[0]!, hub.name.split(' ').slice(1).join(' ')];
      const spellings = [hub.name, `${last.toUpperCase()} ${first}`, `${first}  ${last}`, hub.name.toLowerCase()];
      const senders = Array.from({ length: r.int(5, 10) }, () => aPersonIn(r, province));
      for (const s of senders) {
        for (let i = r.int(1, 2); i > 0; i--) add(r.pick(outlets), s, { ...hub, name: r.pick(spellings) }, { description: goods.description, category: goods.category, valueCny: justUnder(r) });
      }
      break;
    }
    case 'chain': {
      // Each member shares one thing with the one before: a phone, then a consignee, then a phone…
      const k = r.int(5, 9);
      let prev: { sender: Person; to: Consignee } | undefined;
      for (let i = 0; i < k; i++) {
        const sender = aPersonIn(r, province);
        let to = aConsignee(r, country);
        if (prev && i % 2 === 1) sender.phone = prev.sender.phone;
        if (prev && i % 2 === 0) to = prev.to;
        for (let j = r.int(1, 2); j > 0; j--) add(r.pick(outlets), sender, to, { description: r.pick(VAGUE), category: goods.category, valueCny: justUnder(r) }, r.next() < 0.05);
        prev = { sender, to };
      }
      break;
    }
    case 'outlet_burst': {
      // Everything rotates — identity, phone, address, consignee — but the ants walk into one counter on one day.
      const outlet = r.pick(outlets);
      for (let i = r.int(6, 10); i > 0; i--) add(outlet, aPersonIn(r, province), aConsignee(r, country), branded());
      break;
    }
    case 'tens_of_yuan': {
      // Everything rotates but the counter, and a luxury brand is declared at tens of yuan, one item a parcel.
      const outlet = r.pick(outlets);
      const lux = r.pick(LUXURY_GOODS);
      for (let i = r.int(6, 10); i > 0; i--) {
        add(outlet, aPersonIn(r, province), aConsignee(r, country), { description: lux.description, category: lux.category, brand: lux.brand, quantity: 1, valueCny: r.int(20, 90) });
      }
      break;
    }
    case 'hmt_route': {
      // Transshipment through Hong Kong, Macau or Taiwan: just under their CNY 800 limit (far under 1,000), a few
      // identities over one phone, one or two consignees there.
      const place = r.pick(['HK', 'HK', 'MO', 'TW'] as const);
      const phone = aMobile(r);
      const ids = Array.from({ length: r.int(2, 4) }, () => ({ ...aPersonIn(r, province), phone }));
      const tos = Array.from({ length: r.int(1, 2) }, () => anHmtConsignee(r, place));
      for (let i = r.int(6, 10); i > 0; i--) add(r.pick(outlets), r.pick(ids), r.pick(tos), { description: goods.description, category: goods.category, brand: goods.brand, valueCny: justUnder(r, 800) });
      break;
    }
    case 'slow': {
      // About three parcels a month for a year: never five in 30 days, so the 24 h, 7 and 30 day windows stay
      // short of their parcels. One identity or a few over one phone, a protected brand just under the limit,
      // one consignee.
      const phone = aMobile(r);
      const ids = Array.from({ length: r.int(1, 3) }, () => ({ ...aPersonIn(r, province), phone }));
      const to = aConsignee(r, country);
      const outlet = r.pick(outlets);
      at = [];
      for (let t = r.int(0, 10); t < days - 2; t += r.int(8, 12)) at.push(t * DAY_MS + r.int(9, 18) * 3600_000);
      for (const _ of at) add(outlet, r.pick(ids), to, branded());
      break;
    }
    case 'lent_identity': {
      // Two bought cards, each presented by several ants under their own names and phones; vague descriptions of
      // one priority class at ordinary values (nothing just under the limit), a few consignees, several counters.
      const cards = Array.from({ length: 2 }, () => aPersonIn(r, province));
      const ants = Array.from({ length: r.int(4, 6) }, () => ({ name: aChineseName(r), phone: aMobile(r), address: anAddress(r, province === '33' ? '330782' : '440111') }));
      const tos = Array.from({ length: r.int(1, 2) }, () => aConsignee(r, country));
      for (let i = r.int(6, 10); i > 0; i--) {
        const ant = r.pick(ants);
        add(r.pick(outlets), { ...r.pick(cards), name: ant.name, phone: ant.phone, address: ant.address }, r.pick(tos), { description: r.pick(VAGUE), category: goods.category, valueCny: r.int(250, 650) });
      }
      break;
    }
    case 'forged_identity': {
      // Forged cards, each used once or twice, the face contradicting the number; one warehouse phone; vague
      // descriptions at ordinary values.
      const phone = aMobile(r);
      const cards = Array.from({ length: r.int(4, 7) }, () => ({ ...forgedCard(r, province), phone }));
      const tos = Array.from({ length: r.int(2, 3) }, () => aConsignee(r, country));
      for (let i = r.int(6, 10); i > 0; i--) add(r.pick(outlets), r.pick(cards), r.pick(tos), { description: r.pick(VAGUE), category: goods.category, valueCny: r.int(250, 650) });
      break;
    }
    case 'moving': {
      // 口岸转移: a ring over one phone starts in one province and, once it is watched, goes on through another's.
      const phone = aMobile(r);
      const other = province === '44' ? '33' : '44';
      const to = aConsignee(r, country);
      const k = r.int(10, 14);
      for (let i = 0; i < k; i++) {
        const here = i < k / 2 ? province : other;
        add(r.pick(byProvince(here)), { ...aPersonIn(r, here), phone }, to, branded());
      }
      break;
    }
  }
  return { label, items, at };
}

export type Stream = { items: Item[]; rings: { id: string; kind: string; parcels: number }[]; days: number };

export type StreamOptions = {
  individuals: number; shops: number; shopParcels: number; families: number; sellers: number; ringsPerKind: number;
  exporters: number; parents: number; counters: number; slowFamilies: number; businesses: number;
  /** Days the stream spans; the last is the busy day. */
  days: number;
  kinds?: readonly string[];
};

/**
 * Everyone's parcels in time order. The busy day's actors are interleaved at random as a day's intake would be
 * (each actor's own parcels in order) and spread over its working hours; slow actors keep their own days.
 */
export function ringStream(r: Rng, o: StreamOptions): Stream {
  const actors: Actor[] = [];
  let n = 0;
  for (let i = 0; i < o.individuals; i++) actors.push(individual(r, n++));
  for (let i = 0; i < o.shops; i++) actors.push(shop(r, n++, o.shopParcels));
  for (let i = 0; i < o.families; i++) actors.push(family(r, n++));
  for (let i = 0; i < o.sellers; i++) actors.push(seller(r, n++));
  for (let i = 0; i < o.exporters; i++) actors.push(smallExporter(r, n++));
  for (let i = 0; i < o.parents; i++) actors.push(parents(r, n++));
  for (let i = 0; i < o.counters; i++) actors.push(counterStrangers(r, n++));
  for (let i = 0; i < o.slowFamilies; i++) actors.push(slowFamily(r, n++, o.days));
  for (let i = 0; i < o.businesses; i++) actors.push(allowlistedBusiness(r, n++));
  for (const kind of RING_KINDS.filter((k) => !o.kinds || o.kinds.includes(k))) for (let i = 0; i < o.ringsPerKind; i++) actors.push(ring(r, n++, kind, o.days));
  const rings = actors.filter((a) => a.label.ring).map((a) => ({ id: a.label.ring!, kind: a.label.kind, parcels: a.items.length }));

  const timed: Item[] = actors.filter((a) => a.at).flatMap((a) => a.items.map((item, i) => ({ ...item, at: a.at![i]! })));
  const queues = actors.filter((a) => !a.at).map((a) => [...a.items]);
  let remaining = queues.reduce((s, q) => s + q.length, 0);
  const busy: Omit<Item, 'at'>[] = [];
  while (remaining > 0) {
    // Pick a queue with probability proportional to what it has left: rings spread over the whole day.
    let x = Math.floor(r.next() * remaining);
    const q = queues.find((q) => (x -= q.length) < 0)!;
    busy.push(q.shift()!);
    remaining--;
  }
  // The busy day: 08:00 to 20:00 at the counter (Beijing), the stream starting at a Beijing midnight.
  const dayStart = (o.days - 1) * DAY_MS;
  const items = [...timed, ...busy.map((item, i) => ({ ...item, at: dayStart + 8 * 3600_000 + Math.floor((i * 12 * 3600_000) / Math.max(1, busy.length)) }))];
  items.sort((a, b) => a.at - b.at);
  return { items, rings, days: o.days };
}
