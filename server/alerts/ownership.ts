// Which jurisdiction an alert belongs to (issue 14.2). A ring or a listed sender can reach over several
// provinces; every one of them sees the alert, but one decides it — acknowledges and resolves it, and so
// decides whether a false positive quiets the ring. Pure: no I/O; the console shares the province names.
//
// The rule: the province with the most of the alert's parcels owns it. That is where the evidence, the
// counters and the senders are, and it cannot be taken by a province with a single parcel in the ring.
// - A tie keeps the current owner; at opening, the tie goes to the province of the earliest parcel (where it began).
// - While the alert is open the owner follows its parcels: a ring that began in Zhejiang and grows mostly in
//   Guangdong passes to Guangdong when Guangdong has strictly more of its parcels.
// - Once someone takes it in hand (acknowledged) or it is resolved, the owner is fixed: it never changes hands
//   under the officer working it.

/** GB/T 2260 provinces (省级行政区), two-digit codes. */
export const PROVINCES: Record<string, { zh: string; en: string }> = {
  '11': { zh: '北京', en: 'Beijing' }, '12': { zh: '天津', en: 'Tianjin' }, '13': { zh: '河北', en: 'Hebei' },
  '14': { zh: '山西', en: 'Shanxi' }, '15': { zh: '内蒙古', en: 'Inner Mongolia' }, '21': { zh: '辽宁', en: 'Liaoning' },
  '22': { zh: '吉林', en: 'Jilin' }, '23': { zh: '黑龙江', en: 'Heilongjiang' }, '31': { zh: '上海', en: 'Shanghai' },
  '32': { zh: '江苏', en: 'Jiangsu' }, '33': { zh: '浙江', en: 'Zhejiang' }, '34': { zh: '安徽', en: 'Anhui' },
  '35': { zh: '福建', en: 'Fujian' }, '36': { zh: '江西', en: 'Jiangxi' }, '37': { zh: '山东', en: 'Shandong' },
  '41': { zh: '河南', en: 'Henan' }, '42': { zh: '湖北', en: 'Hubei' }, '43': { zh: '湖南', en: 'Hunan' },
  '44': { zh: '广东', en: 'Guangdong' }, '45': { zh: '广西', en: 'Guangxi' }, '46': { zh: '海南', en: 'Hainan' },
  '50': { zh: '重庆', en: 'Chongqing' }, '51': { zh: '四川', en: 'Sichuan' }, '52': { zh: '贵州', en: 'Guizhou' },
  '53': { zh: '云南', en: 'Yunnan' }, '54': { zh: '西藏', en: 'Tibet' }, '61': { zh: '陕西', en: 'Shaanxi' },
  '62': { zh: '甘肃', en: 'Gansu' }, '63': { zh: '青海', en: 'Qinghai' }, '64': { zh: '宁夏', en: 'Ningxia' },
  '65': { zh: '新疆', en: 'Xinjiang' }, '71': { zh: '台湾', en: 'Taiwan' }, '81': { zh: '香港', en: 'Hong Kong' },
  '82': { zh: '澳门', en: 'Macao' },
};

export const provinceOf = (regionCode: string) => regionCode.slice(0, 2);

/** "广东 (44)" / "Guangdong (44)"; the bare code for one not in the table. */
export function jurisdictionName(code: string, lang: 'zh' | 'en'): string {
  const p = PROVINCES[provinceOf(code)];
  return p ? `${p[lang]} (${code})` : code;
}

/** Parcels counted by province from their outlets' region codes. */
export function countByProvince(regionCodes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of regionCodes) counts[provinceOf(code)] = (counts[provinceOf(code)] ?? 0) + 1;
  return counts;
}

/**
 * The owner by the rule above: most parcels; a tie keeps `current` (or, for a new alert, `began`: the
 * province of its earliest parcel), then the lower code so the answer never depends on key order.
 */
export function owningJurisdiction(counts: Record<string, number>, preferred: string): string {
  let best: string | null = null;
  for (const [code, n] of Object.entries(counts)) {
    if (n <= 0) continue;
    const b = best === null ? -1 : counts[best]!;
    if (n > b || (n === b && (code === preferred || (best !== preferred && code < best!)))) best = code;
  }
  return best ?? preferred;
}

/** The owner after the alert's parcels changed: it moves only while the alert is open. */
export function nextOwner(a: { status: string; ownerJurisdiction: string; parcelsByJurisdiction: Record<string, number> }): string {
  return a.status === 'open' ? owningJurisdiction(a.parcelsByJurisdiction, a.ownerJurisdiction) : a.ownerJurisdiction;
}

/**
 * Who may acknowledge and resolve: admins, and regulators and customs officers of the owning province. A city's
 * officers decide only an alert lying wholly in their city: one parcel in Guangzhou must not let Guangzhou damp a
 * ring that is mostly Shenzhen's, as one parcel in Yiwu must not let Zhejiang damp Guangdong's (issue 14.2).
 * Without `regionCodes` (a client drawing its buttons) a city officer is taken at their word; the server always passes them.
 */
export function mayDecide(user: { role: string; jurisdiction: string | null }, ownerJurisdiction: string, regionCodes?: readonly string[]): boolean {
  if (user.role === 'admin') return true;
  if (user.role !== 'postal_regulator' && user.role !== 'customs_officer') return false;
  const j = user.jurisdiction;
  if (j === null || !j.startsWith(ownerJurisdiction)) return false;
  return j.length <= ownerJurisdiction.length || regionCodes === undefined || regionCodes.every((code) => code.startsWith(j));
}
