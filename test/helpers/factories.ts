// Small factories for test data (STYLE.md #9): valid by default, overridden where a test cares.
import { mod11_2CheckChar } from '../../server/identity/documents.js';
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
