// Realistic intake traffic: valid identities, phones and waybills of the kinds a Guangdong counter sees.
// Deterministic for a seed, so benchmark and evaluation runs can be repeated.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { mod11_2CheckChar } from '../../server/identity/documents.js';
import { s10CheckDigit } from '../../server/waybill/waybills.js';

/** mulberry32: a tiny seeded PRNG. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
  return { next, int, pick, digits };
}
export type Rng = ReturnType<typeof rng>;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '梁', '郑', '谢', '曾', '区'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '慧', '建国', '志强', '晓燕', '嘉怡', '子轩', '浩然', '欣怡', '宇航'];
const REGIONS = ['440106', '440104', '440111', '440304', '440305', '441900', '445102', '330782', '330106', '310115', '110105', '350203', '510107', '420106', '430102'];
const STREETS = ['体育西路', '天河北路', '中山大道', '黄埔大道', '机场路', '解放北路', '深南大道', '福华路', '宾王路', '稠州北路', '江滨路'];
const CITY_PREFIX: Record<string, string> = { '4401': '广东省广州市', '4403': '广东省深圳市', '4419': '广东省东莞市', '4451': '广东省潮州市', '3307': '浙江省金华市义乌市', '3301': '浙江省杭州市', '3101': '上海市', '1101': '北京市', '3502': '福建省厦门市', '5101': '四川省成都市', '4201': '湖北省武汉市', '4301': '湖南省长沙市' };


const GOODS: { category: string; descriptions: string[]; brands?: string[]; value: [number, number] }[] = [
  { category: 'clothing', descriptions: ['T恤', '连衣裙', '外套', '牛仔裤'], brands: ['Uniqlo', 'Zara', undefined as never], value: [50, 600] },
  { category: 'shoes', descriptions: ['运动鞋', '皮鞋', '拖鞋'], brands: ['Nike', 'Adidas', 'Li-Ning'], value: [80, 900] },
  { category: 'electronics', descriptions: ['蓝牙耳机', '充电宝', '手机壳', '数据线'], brands: ['Xiaomi', 'Anker'], value: [30, 800] },
  { category: 'tea', descriptions: ['茶叶', '普洱茶饼'], value: [60, 500] },
  { category: 'books', descriptions: ['图书', '教材'], value: [20, 200] },
  { category: 'cosmetics', descriptions: ['面霜', '口红'], brands: ['Pechoin', 'Florasis'], value: [50, 700] },
  { category: 'household', descriptions: ['保温杯', '餐具', '收纳盒'], value: [20, 300] },
  { category: 'documents', descriptions: ['文件', '合同'], value: [0, 0] },
];

export type Person = { idType: 'CN_RESIDENT_ID'; idNumber: string; name: string; phone: string; address: string };

export function aChineseName(r: Rng): string {
  return r.pick(SURNAMES) + r.pick(GIVEN);
}

export function aResidentIdFor(r: Rng, region = r.pick(REGIONS)): string {
  const y = r.int(1950, 2004);
  const m = String(r.int(1, 12)).padStart(2, '0');
  const d = String(r.int(1, 28)).padStart(2, '0');
  const first17 = `${region}${y}${m}${d}${r.digits(3)}`;
  return first17 + mod11_2CheckChar(first17);
}

// Allocated mainland mobile prefixes (unallocated ones such as 154 and 194 are refused, rightly).
const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157', '158', '159', '180', '181', '182', '183', '185', '186', '187', '188', '189', '198', '199'];

export function aMobile(r: Rng): string {
  return r.pick(MOBILE_PREFIXES) + r.digits(8);
}

export function anAddress(r: Rng, region: string): string {
  const city = CITY_PREFIX[region.slice(0, 4)] ?? '广东省广州市';
  return `${city}${r.pick(STREETS)}${r.int(1, 999)}号${r.int(1, 30)}栋${r.int(101, 2505)}室`;
}

export function aPerson(r: Rng): Person {
  const region = r.pick(REGIONS);
  return { idType: 'CN_RESIDENT_ID', idNumber: aResidentIdFor(r, region), name: aChineseName(r), phone: aMobile(r), address: anAddress(r, region) };
}

let waybillSerial = 0;
export function aWaybillFor(r: Rng, channel: 'postal' | 'express'): { waybillNo: string; carrier: string } {
  waybillSerial++;
  if (channel === 'postal') {
    const serial = String((r.int(0, 9_999) * 10_000 + waybillSerial) % 100_000_000).padStart(8, '0');
    return { waybillNo: `${r.pick(['EA', 'EB', 'RR', 'CP', 'LX'])}${serial}${s10CheckDigit(serial)}CN`, carrier: 'EMS' };
  }
  const body = `${Date.now() % 1_000_000}`.padStart(6, '0') + String(waybillSerial).padStart(7, '0');
  const carrier = r.pick(['SF', 'YTO', 'JT'] as const);
  return { waybillNo: `${{ SF: 'SF', YTO: 'YT', JT: 'JT' }[carrier]}${body.slice(-13)}`, carrier };
}

/** An ordinary parcel: domestic most of the time, sometimes a gift or purchase abroad. */
export function anOrdinaryParcel(r: Rng, sender: Person = aPerson(r)) {
  const abroad = r.next() < 0.35;
  const goods = r.pick(GOODS);
  const channel = abroad && r.next() < 0.6 ? 'postal' : 'express';
  const region = r.pick(REGIONS);
  const recipient = abroad
    ? aConsignee(r)
    : { name: aChineseName(r), phone: aMobile(r), address: anAddress(r, region), country: 'CN' };
  if (!recipient.phone) delete (recipient as { phone?: string }).phone;
  const brand = goods.brands ? r.pick(goods.brands) : undefined;
  return {
    ...aWaybillFor(r, channel),
    sender,
    recipient,
    declared: {
      description: r.pick(goods.descriptions),
      category: goods.category,
      quantity: r.int(1, 5),
      valueCny: goods.value[1] === 0 ? 0 : r.int(goods.value[0], goods.value[1]),
      ...(brand ? { brand } : {}),
    },
    inspection: { performed: true, matchesDeclaration: r.next() > 0.01, notes: '', photoIds: [] },
    screening: { result: r.next() < 0.005 ? 'suspect' : 'clear', machineId: `XR-0${r.int(1, 4)}` },
  };
}

// Foreign consignees: real-looking names, numbers and streets, so that strangers rarely share them (as in life).

function phoneFrom(r: Rng, country: CountryCode, make: (r: Rng) => string): string {
  for (let i = 0; i < 50; i++) {
    const p = parsePhoneNumberFromString(make(r), country);
    if (p?.isValid()) return p.number;
  }
  throw new Error(`no valid ${country} number`);
}
const ABROAD: Record<string, { first: string[]; last: string[]; streets: string[]; city: string; phone: (r: Rng) => string }> = {
  US: { first: ['James', 'Mary', 'Robert', 'Linda', 'Michael', 'Jennifer', 'David', 'Susan', 'Kevin', 'Emily', 'Brian', 'Ashley', 'Jason', 'Megan'], last: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Martin', 'Lee', 'Walker', 'Hall'], streets: ['Market St', 'Oak Ave', 'Maple Dr', 'Broadway', 'Sunset Blvd', 'Pine St', 'Elm St'], city: 'Los Angeles, CA', phone: (r: Rng) => `+1 ${r.pick(['213', '310', '415', '626', '646', '718', '917'])} ${r.int(200, 989)} ${r.digits(4)}` },
  GB: { first: ['Oliver', 'Amelia', 'Harry', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Jack', 'Grace'], last: ['Jones', 'Taylor', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes', 'Green'], streets: ['High Street', 'Station Road', 'Church Lane', 'Park Road', 'Victoria Road'], city: 'London', phone: (r: Rng) => `+44 7${r.pick(['4', '5', '7', '8', '9'])}${r.digits(2)} ${r.digits(6)}` },
  JP: { first: ['Haruto', 'Yui', 'Ren', 'Hina', 'Sota', 'Aoi', 'Yuto', 'Mei'], last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi'], streets: ['Shibuya', 'Shinjuku', 'Minato', 'Setagaya', 'Meguro'], city: 'Tokyo', phone: (r: Rng) => `+81 ${r.pick(['70', '80', '90'])} ${r.digits(4)} ${r.digits(4)}` },
  RU: { first: ['Ivan', 'Olga', 'Dmitry', 'Anna', 'Sergei', 'Elena', 'Alexei', 'Natalia', 'Mikhail', 'Irina'], last: ['Petrov', 'Ivanova', 'Smirnov', 'Kuznetsova', 'Popov', 'Sokolova', 'Lebedev', 'Kozlova', 'Novikov', 'Morozova'], streets: ['Tverskaya St', 'Lenina St', 'Arbat St', 'Mira Ave', 'Sadovaya St'], city: 'Moscow', phone: (r: Rng) => `+7 9${r.digits(2)} ${r.digits(3)} ${r.digits(4)}` },
  DE: { first: ['Lukas', 'Anna', 'Leon', 'Mia', 'Finn', 'Emma', 'Paul', 'Lena'], last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'], streets: ['Hauptstraße', 'Schulstraße', 'Gartenstraße', 'Bahnhofstraße'], city: 'Berlin', phone: (r: Rng) => `+49 15${r.pick(['1', '2', '7', '9'])} ${r.digits(8)}` },
  KR: { first: ['Minjun', 'Seoyeon', 'Jiho', 'Hayoon', 'Dohyun', 'Jiwoo'], last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon'], streets: ['Gangnam-daero', 'Teheran-ro', 'Sejong-daero', 'Hangang-daero'], city: 'Seoul', phone: (r: Rng) => `+82 10 ${r.digits(4)} ${r.digits(4)}` },
  AU: { first: ['Jack', 'Charlotte', 'William', 'Olivia', 'Thomas', 'Amelia'], last: ['Williams', 'Brown', 'Wilson', 'Taylor', 'Martin', 'White'], streets: ['George St', 'King St', 'Queen St', 'Collins St'], city: 'Sydney NSW', phone: (r: Rng) => `+61 4${r.digits(2)} ${r.digits(3)} ${r.digits(3)}` },
  MY: { first: ['Wei Ming', 'Siti', 'Ahmad', 'Mei Ling', 'Raj', 'Nur'], last: ['Tan', 'Lim', 'Abdullah', 'Wong', 'Kumar', 'Lee'], streets: ['Jalan Ampang', 'Jalan Bukit Bintang', 'Jalan Tun Razak'], city: 'Kuala Lumpur', phone: (r: Rng) => `+60 1${r.pick(['2', '3', '6', '7', '9'])} ${r.digits(3)} ${r.digits(4)}` },
};

export type Consignee = { name: string; phone: string; address: string; country: string };
export function aConsignee(r: Rng, country = r.pick(Object.keys(ABROAD))): Consignee {
  const c = ABROAD[country]!;
  return {
    name: `${r.pick(c.first)} ${r.pick(c.last)}`,
    phone: phoneFrom(r, country as CountryCode, c.phone),
    address: `${r.int(1, 2999)} ${r.pick(c.streets)}, Apt ${r.int(1, 40)}, ${c.city}`,
    country,
  };
}
