// A labelled stream of intake traffic for evaluating 蚂蚁搬家 detection (issue 5): ordinary people,
// domestic e-commerce shops, families sending gifts abroad, registered cross-border sellers declaring full
// value, and rings of six kinds, evasive ones included. Deterministic for a seed.
import { aChineseName, aConsignee, aMobile, anAddress, aResidentIdFor, aWaybillFor, type Consignee, type Person, type Rng } from './traffic.js';

export type Outlet = { id: string; regionCode: string };
export type Label = { actor: string; kind: string; ring: string | null };
export type Item = { outlet: Outlet; body: Record<string, unknown>; label: Label };

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

const parcel = (r: Rng, sender: Person, recipient: Consignee | Record<string, string>, declared: Record<string, unknown>, opts: { mismatch?: boolean } = {}) => {
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

type Actor = { label: Label; items: Item[] };

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
    return { outlet: r.pick(outlets), label, body: parcel(r, r.pick(members), child, vagueFamily ? { ...d, description: '礼品' } : d) };
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
const VAGUE = ['礼品', '样品', '日用品', 'gift', 'sample'];
const justUnder = (r: Rng, limit = 1000) => r.int(Math.ceil(limit * 0.76), limit - 5);

type RingKind = 'simple' | 'rotating_phone' | 'rotating_address' | 'hub_consignee' | 'chain' | 'outlet_burst';
export const RING_KINDS: RingKind[] = ['simple', 'rotating_phone', 'rotating_address', 'hub_consignee', 'chain', 'outlet_burst'];

function ring(r: Rng, n: number, kind: RingKind): Actor {
  const province = r.next() < 0.75 ? '44' : '33';
  const outlets = byProvince(province);
  const label = { actor: `ring-${n}`, kind, ring: `ring-${n}` };
  const goods = r.pick(RING_GOODS);
  const country = r.pick(['US', 'RU', 'GB', 'DE', 'AU', 'MY', 'KR', 'JP']);
  const items: Item[] = [];
  const add = (outlet: Outlet, sender: Person, to: Consignee, declared: Record<string, unknown>, mismatch = false) =>
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
  }
  return { label, items };
}

export type Stream = { items: Item[]; rings: { id: string; kind: string; parcels: number }[] };

/** Everyone's parcels, each actor's in order, interleaved at random as a day's intake would be. */
export function ringStream(r: Rng, o: { individuals: number; shops: number; shopParcels: number; families: number; sellers: number; ringsPerKind: number }): Stream {
  const actors: Actor[] = [];
  let n = 0;
  for (let i = 0; i < o.individuals; i++) actors.push(individual(r, n++));
  for (let i = 0; i < o.shops; i++) actors.push(shop(r, n++, o.shopParcels));
  for (let i = 0; i < o.families; i++) actors.push(family(r, n++));
  for (let i = 0; i < o.sellers; i++) actors.push(seller(r, n++));
  for (const kind of RING_KINDS) for (let i = 0; i < o.ringsPerKind; i++) actors.push(ring(r, n++, kind));
  const rings = actors.filter((a) => a.label.ring).map((a) => ({ id: a.label.ring!, kind: a.label.kind, parcels: a.items.length }));

  const queues = actors.map((a) => [...a.items]);
  let remaining = queues.reduce((s, q) => s + q.length, 0);
  const items: Item[] = [];
  while (remaining > 0) {
    // Pick a queue with probability proportional to what it has left: rings spread over the whole stream.
    let x = Math.floor(r.next() * remaining);
    const q = queues.find((q) => (x -= q.length) < 0)!;
    items.push(q.shift()!);
    remaining--;
  }
  return { items, rings };
}
