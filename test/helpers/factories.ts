// Small factories for test data (STYLE.md #9): valid by default, overridden where a test cares.
import { mod11_2CheckChar } from '../../server/identity/documents.js';
import { orgCodeCheckChar, usccCheckChar } from '../../server/organisations/uscc.js';
import { s10CheckDigit } from '../../server/waybill/waybills.js';

let serial = 10_000_000 + Math.floor(Math.random() * 80_000_000);

/** A fresh, valid UPU S10 number. */
export function aWaybill(service = 'EA', country = 'CN'): string {
  const s = String(serial++).padStart(8, '0');
  return `${service}${s}${s10CheckDigit(s)}${country}`;
}

/** A valid resident ID number for a given region, birth date and sequence. */
export function aResidentId(region = '440106', birth = '19900101', seq = '123'): string {
  const first17 = region + birth + seq;
  return first17 + mod11_2CheckChar(first17);
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const base = () => ({
  waybillNo: aWaybill(),
  carrier: 'EMS',
  sender: { idType: 'CN_RESIDENT_ID', idNumber: '11010519491231002X', name: '张三', phone: '13800138000', address: '广东省广州市天河区体育西路1号' },
  recipient: { name: 'John Smith', phone: '+1 415 555 0100', address: '1 Market St, San Francisco, CA', country: 'US' },
  declared: { description: '运动鞋', category: 'shoes', quantity: 2, valueCny: 300, brand: 'Nike' },
  inspection: { performed: true, matchesDeclaration: true, notes: '', photoIds: [] as string[] },
  screening: { result: 'clear', machineId: 'XR-01' },
});
export type ParcelBody = ReturnType<typeof base>;

function merge<T>(target: T, patch: unknown): T {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(out[k], v) : v;
  }
  return out as T;
}

/** The contract's intake example with a fresh waybill; `undefined` in overrides removes a field. */
export function aParcel(overrides: DeepPartial<ParcelBody> | Record<string, unknown> = {}): ParcelBody {
  return JSON.parse(JSON.stringify(merge(base(), overrides)));
}

// 蚂蚁搬家 rings

let person = 0;

/** A distinct sender identity; rings rotate these over one phone. */
export function anIdentity(region = '440106') {
  person++;
  return { idNumber: aResidentId(region, `19${60 + (person % 40)}0${1 + (person % 9)}15`, String(100 + (person % 900)).padStart(3, '0')), name: `李${'伟芳娜敏静丽强磊军洋'[person % 10]}` };
}

/** A consignee abroad of its own (each test's ring must not link to another's). */
export const aConsignee = (n: number) => ({ name: `Olga ${['Sidorova', 'Petrova', 'Ivanova', 'Smirnova', 'Kuznetsova', 'Popova', 'Volkova', 'Sokolova', 'Lebedeva', 'Kozlova'][n % 10]} ${['Anna', 'Maria', 'Elena', 'Irina', 'Daria', 'Tatiana', 'Natalia', 'Yulia', 'Ksenia', 'Vera'][Math.floor(n / 10) % 10]}`, phone: `+7 912 345 67${String(n).padStart(2, '0')}`, address: `${n} Tverskaya St, Moscow`, country: 'RU' });

// Rings of different tests must not meet through the outlet pattern (one counter, one day, one destination,
// one category, just under the limit): each ring (each phone) declares a category of its own.
const CATEGORIES = ['gifts', 'samples', 'other', 'household', 'handicrafts', 'tea', 'books', 'sports', 'documents', 'building_materials', 'agricultural_inputs'];
const categoryOf = new Map<string, string>();
const ringCategory = (phone: string) => {
  if (!categoryOf.has(phone)) categoryOf.set(phone, CATEGORIES[categoryOf.size % CATEGORIES.length]!);
  return categoryOf.get(phone)!;
};

/**
 * A parcel of a ring: identities rotating over one phone (whose last digits also pick the ring's own sender
 * address and consignee), vague descriptions declared just under the limit.
 */
export function ringParcel(phone: string, consignee = aConsignee(Number(phone.slice(-2)))) {
  return aParcel({
    sender: { ...anIdentity(), phone, address: `广东省广州市天河区天河北路${phone.slice(-4)}号` },
    recipient: consignee,
    declared: { description: '礼品一份', category: ringCategory(phone), quantity: 3, valueCny: 960, brand: undefined },
  });
}

// Holds (issue 15)

let party = 0;

/** Sender and consignee of their own, so that parcels of one test never link into a ring. */
export function unlinkedParties() {
  party++;
  const n = String(party).padStart(4, '0');
  return {
    sender: { ...anIdentity(), phone: `1367777${n}`, address: `广东省广州市天河区林和西路${party}号` },
    recipient: { name: 'John Smith', phone: `+1 415 555 ${n}`, address: `${party} Market St, San Francisco, CA`, country: 'US' },
  };
}

/** A parcel the counter holds for an outlet-safety reason: the contents do not match the declaration. */
export function aHeldParcel(overrides: DeepPartial<ParcelBody> | Record<string, unknown> = {}): ParcelBody {
  return aParcel(merge(merge(unlinkedParties(), { inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } }), overrides));
}

/** A parcel that stays in China. */
export const domestic = { recipient: { name: '王五', phone: '13900139000', address: '浙江省杭州市西湖区文三路1号', country: 'CN' } };

// Organisation senders (协议客户, issue 18)

/** A valid 统一社会信用代码 of a company (91) registered in `division`. */
export function aUscc(division = '440106'): string {
  const body = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  const first17 = `91${division}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

let handlerSerial = 0;

/** The person who hands an organisation's parcels over (经办人): an identity and phone of their own. */
export function aHandler() {
  handlerSerial++;
  const n = String(handlerSerial).padStart(4, '0');
  return { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', `19${70 + (handlerSerial % 25)}0${1 + (handlerSerial % 9)}12`, String(100 + (handlerSerial % 900))), name: `赵${'一二三四五六七八九十'[handlerSerial % 10]}明`, phone: `1371234${n}` };
}

/** An intake body whose sender is an organisation with its handler (`null` leaves it out). */
export function anOrganisationParcel(uscc: string, handler: object | null = aHandler(), overrides: DeepPartial<ParcelBody> | Record<string, unknown> = {}) {
  const body = aParcel(overrides) as Record<string, unknown>;
  body.sender = { kind: 'organisation', uscc, ...(handler ? { handler } : {}) };
  return body;
}
