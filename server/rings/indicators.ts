// 蚂蚁搬家 indicators (DOMAIN.md "Ring indicators"), scored over a ring's recent parcels. Pure: the ring
// step loads the members, this decides whether they look like bulk goods split to slip under the limits,
// and says why in words a regulator reads. Each indicator has a weight; a window alerts when it has
// enough parcels and the weights of what it shows reach the policy's score.
import type { RingPolicy, RingWindow } from '../config.js';

export type RingMember = {
  parcelId: string;
  waybillNo: string;
  createdAt: Date;
  senderKey: string;
  senderName: string;
  senderPhoneBlind: string;
  senderPhoneMasked: string;
  senderAddressKey: string;
  senderAddress: string;
  /** The consignee abroad: country + address, the place goods collect. */
  consigneeKey: string;
  consigneeName: string;
  country: string;
  outletId: string;
  regionCode: string;
  routeKey: string;
  valueCny: number;
  category: string;
  /** A protected brand the declaration names (canonical), if any. */
  brand: string | null;
  /** 礼品, 样品, 日用品…: a description that says nothing. */
  vague: boolean;
  /** The courier found the contents do not match the declaration. */
  mismatch: boolean;
  /** A suspect-list hit on this parcel. */
  watchlistHit: boolean;
  /** Customs inspected this parcel and seized it. */
  seized: boolean;
  /** A protected brand or priority category declared far below its price floor (member-facts.ts). */
  implausible: boolean;
  /** The sender's name as a matching key. */
  senderNameKey: string;
  /** What the ID number contradicts (BIRTH_DATE, SEX), or null. */
  identityConflict: string | null;
  /** This parcel's linking keys (kind:hash), and those that led to parcels already in the ring. */
  linkKeys: string[];
  linkedVia: string[];
  /** An organisation's parcel: the handler's identity (document type + blind index), when one was recorded. */
  handlerKey?: string | null;
};

/** An organisation sender's key (its archive identity, id_type USCC). */
export const isOrganisationKey = (senderKey: string) => senderKey.startsWith('USCC:');

export type Indicator = { code: string; weight: number; message: string; messageZh: string };

/**
 * Indicators about the goods and how they are declared. Who sends to whom (shared phones and addresses,
 * many senders to one consignee) is a family as often as a ring; what makes it 蚂蚁搬家 is the goods: a ring
 * needs this much goods evidence besides its score.
 */
export const GOODS_CODES = new Set([
  'VALUES_JUST_UNDER_LIMIT', 'IMPLAUSIBLE_VALUES', 'PROTECTED_BRAND_REPEATED', 'SAME_PRIORITY_GOODS', 'VAGUE_DESCRIPTIONS', 'CONTENTS_MISMATCH',
  'SUSPECT_LIST_HITS', 'CUSTOMS_SEIZURES',
]);
export const MIN_GOODS_WEIGHT = 2;
export type Severity = 'low' | 'medium' | 'high';

export type Assessment = {
  window: RingWindow;
  /** The window's parcels, newest first. */
  parcels: RingMember[];
  indicators: Indicator[];
  score: number;
  qualifies: boolean;
  severity: Severity;
};

/** Goods the 2015 notice puts first and counterfeiters favour. */
export const PRIORITY_CATEGORIES = new Set([
  'clothing', 'shoes', 'bags', 'watches', 'jewelry', 'cosmetics', 'electronics', 'phone_accessories', 'drugs',
  'medical_devices', 'auto_parts', 'childrens_goods', 'toys', 'food',
]);

export const CATEGORY_ZH: Record<string, string> = {
  clothing: '服装', shoes: '鞋类', bags: '箱包', watches: '手表', jewelry: '首饰', cosmetics: '化妆品', electronics: '电子产品',
  phone_accessories: '手机配件', drugs: '药品', medical_devices: '医疗器械', auto_parts: '汽车配件', childrens_goods: '儿童用品',
  toys: '玩具', food: '食品',
};

const HMT = new Set(['HK', 'MO', 'TW']);
export const valueLimitFor = (country: string, p: RingPolicy) => (HMT.has(country) ? p.valueLimitHmtCny : p.valueLimitCny);

const cny = (v: number) => `CNY ${Math.round(v).toLocaleString('en-US')}`;
const yuan = (v: number) => `${Math.round(v).toLocaleString('en-US')} 元`;

function countBy<T>(xs: T[], key: (x: T) => string | null): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (k === null) continue;
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** The group with the most members, and its members. */
function largest<T>(groups: Map<string, T[]>, size: (xs: T[]) => number = (xs) => xs.length): [string, T[]] | undefined {
  let best: [string, T[]] | undefined;
  for (const entry of groups) if (!best || size(entry[1]) > size(best[1])) best = entry;
  return best;
}

const distinctSenders = (xs: RingMember[]) => new Set(xs.map((m) => m.senderKey)).size;

type IndicatorFn = (ps: RingMember[], p: RingPolicy) => Indicator | null;

/** Declared values clustered just under the per-parcel limit. */
export const underLimitCluster: IndicatorFn = (ps, p) => {
  const under = ps.filter((m) => {
    const limit = valueLimitFor(m.country, p);
    return m.valueCny < limit && m.valueCny >= limit * p.justUnderShare;
  });
  if (under.length < 3 || under.length / ps.length < 0.6) return null;
  const limit = valueLimitFor(under[0]!.country, p);
  const low = Math.ceil(limit * p.justUnderShare);
  return {
    code: 'VALUES_JUST_UNDER_LIMIT',
    weight: 3,
    message: `${under.length} of ${ps.length} parcels declared just under the ${cny(limit)} limit (${cny(low)}–${cny(limit - 1)}).`,
    messageZh: `${ps.length} 件中有 ${under.length} 件申报价值紧贴 ${yuan(limit)} 限值之下（${yuan(low)}–${yuan(limit - 1)}）。`,
  };
};

/**
 * A protected brand declared far below any plausible price for its kind of goods (price floors, member-facts.ts):
 * "a handbag retailing above ten thousand yuan declared at dozens". One such parcel is a gift or a typo; two
 * and half the ring are how a ring declares. As strong as values just under the limit: it is the same lie.
 */
export const implausibleValues: IndicatorFn = (ps) => {
  const low = ps.filter((m) => m.implausible);
  if (low.length < 2 || low.length / ps.length < 0.5) return null;
  const cheapest = low.reduce((a, b) => (b.valueCny < a.valueCny ? b : a));
  const what = `${cheapest.brand ?? 'branded'} ${cheapest.category.replace(/_/g, ' ')}`;
  const whatZh = `${cheapest.brand ?? '品牌'}${CATEGORY_ZH[cheapest.category] ?? cheapest.category}`;
  return {
    code: 'IMPLAUSIBLE_VALUES',
    weight: 3,
    message: `${low.length} of ${ps.length} parcels declare a protected brand far below any plausible price (as low as ${cny(cheapest.valueCny)} for ${what}).`,
    messageZh: `${ps.length} 件中有 ${low.length} 件申报的受保护品牌商品价值远低于合理价格（最低 ${yuan(cheapest.valueCny)}，${whatZh}）。`,
  };
};

/**
 * One identity number presented under several names or phones: an ID lent, bought or stolen and used by
 * others. A parent's card used once by a child is two names, so one identity needs three names or three
 * phones, or two identities two names each. Who sends, not what: identity evidence, never goods evidence.
 */
export const identityLent: IndicatorFn = (ps) => {
  const byIdentity = countBy(ps, (m) => m.senderKey);
  const lent: { names: number; phones: number; name: string }[] = [];
  for (const members of byIdentity.values()) {
    const names = new Set(members.map((m) => m.senderNameKey || m.senderName)).size;
    const phones = new Set(members.map((m) => m.senderPhoneBlind)).size;
    if (names >= 2 || phones >= 3) lent.push({ names, phones, name: members[0]!.senderName });
  }
  const strong = lent.filter((l) => l.names >= 3 || l.phones >= 3);
  if (!strong.length && lent.filter((l) => l.names >= 2).length < 2) return null;
  const top = [...lent].sort((a, b) => b.names + b.phones - (a.names + a.phones))[0]!;
  return {
    code: 'IDENTITY_LENT',
    weight: 2,
    message:
      lent.length > 1
        ? `${lent.length} identity numbers were each presented under several names or phones (one under ${top.names} names and ${top.phones} phones).`
        : `One identity number was presented under ${top.names} names and ${top.phones} phones.`,
    messageZh:
      lent.length > 1
        ? `${lent.length} 个身份证件号码被多个姓名或手机号使用（其中一个对应 ${top.names} 个姓名、${top.phones} 个手机号）。`
        : `同一身份证件号码对应 ${top.names} 个姓名、${top.phones} 个手机号。`,
  };
};

/**
 * Identity numbers whose encoded birth date or sex contradict the document face, or the archive's birth date
 * for the same document: forged or altered documents. One is a misread or a typing slip (weight 1); two are not.
 */
export const identityContradicted: IndicatorFn = (ps) => {
  const contradicted = ps.filter((m) => m.identityConflict);
  if (!contradicted.length) return null;
  const identities = new Set(contradicted.map((m) => m.senderKey)).size;
  const what = [...new Set(contradicted.flatMap((m) => m.identityConflict!.split(',')))];
  const words: Record<string, [string, string]> = { BIRTH_DATE: ['birth date', '出生日期'], SEX: ['sex', '性别'], ARCHIVE_BIRTH_DATE: ['archived birth date', '档案出生日期'] };
  return {
    code: 'IDENTITY_CONTRADICTED',
    weight: contradicted.length >= 2 ? 2 : 1,
    message: `${contradicted.length} parcel${contradicted.length > 1 ? 's' : ''} (${identities} identit${identities > 1 ? 'ies' : 'y'}): the ID number contradicts the declared ${what.map((w) => words[w]?.[0] ?? w).join(' and ')}.`,
    messageZh: `${contradicted.length} 件（${identities} 个身份）证件号码与申报的${what.map((w) => words[w]?.[1] ?? w).join('、')}不符。`,
  };
};

/** Each parcel under the limit, together far above it. */
export const totalFarAboveLimit: IndicatorFn = (ps, p) => {
  const underShare = ps.filter((m) => m.valueCny < valueLimitFor(m.country, p)).length / ps.length;
  const total = ps.reduce((s, m) => s + m.valueCny, 0);
  const limit = valueLimitFor(ps[0]!.country, p);
  if (underShare < 0.8 || total < 3 * limit) return null;
  const times = Math.floor(total / limit);
  return {
    code: 'TOTAL_FAR_ABOVE_LIMIT',
    weight: 1,
    message: `Together ${cny(total)}: ${times} times the single-parcel limit, while each parcel stays under it.`,
    messageZh: `合计 ${yuan(total)}，为单件限值的 ${times} 倍，而每件都在限值以下。`,
  };
};

/** Several identities over one phone or one address: relatives' or bought IDs taking turns. */
export const rotatingIdentities: IndicatorFn = (ps) => {
  const byPhone = largest(countBy(ps, (m) => m.senderPhoneBlind), distinctSenders);
  const byAddress = largest(countBy(ps, (m) => m.senderAddressKey), distinctSenders);
  const phoneIds = byPhone ? distinctSenders(byPhone[1]) : 0;
  const addressIds = byAddress ? distinctSenders(byAddress[1]) : 0;
  if (Math.max(phoneIds, addressIds) < 3) return null;
  if (phoneIds >= addressIds) {
    const phone = byPhone![1][0]!.senderPhoneMasked;
    return {
      code: 'ROTATING_IDENTITIES',
      weight: 2,
      message: `${phoneIds} different identities used one phone (${phone}).`,
      messageZh: `${phoneIds} 个不同身份使用同一手机号（${phone}）寄件。`,
    };
  }
  const address = byAddress![1][0]!.senderAddress;
  return {
    code: 'ROTATING_IDENTITIES',
    weight: 2,
    message: `${addressIds} different identities gave one sender address (${address}).`,
    messageZh: `${addressIds} 个不同身份使用同一寄件地址（${address}）。`,
  };
};

/**
 * One organisation's parcels handed over by many different people within a few days: contract customers have a
 * handler or two, a front for a ring lets its members take turns. Identity evidence like rotating identities:
 * never enough to alert without goods evidence.
 */
export const orgRotatingHandlers: IndicatorFn = (ps, p) => {
  const threshold = p.orgHandlers ?? DEFAULT_ORG_HANDLERS;
  const days = p.orgHandlersDays ?? DEFAULT_ORG_HANDLERS_DAYS;
  const newest = ps[0]?.createdAt.getTime() ?? 0;
  const recent = ps.filter((m) => m.handlerKey && isOrganisationKey(m.senderKey) && m.createdAt.getTime() > newest - days * 86_400_000);
  const top = largest(countBy(recent, (m) => m.senderKey), (xs) => new Set(xs.map((m) => m.handlerKey)).size);
  const handlers = top ? new Set(top[1].map((m) => m.handlerKey)).size : 0;
  if (handlers < threshold) return null;
  const name = top![1][0]!.senderName;
  return {
    code: 'ORG_ROTATING_HANDLERS',
    weight: 2,
    message: `${handlers} different handlers handed over parcels of one organisation (${name}) within ${days} days.`,
    messageZh: `${days} 天内同一单位（${name}）的邮件由 ${handlers} 名不同经办人交寄。`,
  };
};
export const DEFAULT_ORG_HANDLERS = 4;
export const DEFAULT_ORG_HANDLERS_DAYS = 7;

/** One consignee abroad fed by many senders. */
export const manySendersOneConsignee: IndicatorFn = (ps) => {
  const top = largest(countBy(ps, (m) => m.consigneeKey), distinctSenders);
  const senders = top ? distinctSenders(top[1]) : 0;
  if (senders < 3) return null;
  const { consigneeName, country } = top![1][0]!;
  return {
    code: 'MANY_SENDERS_ONE_CONSIGNEE',
    weight: 2,
    message: `${senders} senders feed one consignee abroad: ${consigneeName} (${country}).`,
    messageZh: `${senders} 名寄件人寄往同一境外收件人：${consigneeName}（${country}）。`,
  };
};

/** The same protected brand again and again. */
export const protectedBrandRepeated: IndicatorFn = (ps) => {
  const top = largest(countBy(ps, (m) => m.brand));
  if (!top || top[1].length < 3 || top[1].length / ps.length < 0.5) return null;
  return {
    code: 'PROTECTED_BRAND_REPEATED',
    weight: 2,
    message: `Protected brand "${top[0]}" declared on ${top[1].length} of ${ps.length} parcels.`,
    messageZh: `${ps.length} 件中有 ${top[1].length} 件申报受保护品牌“${top[0]}”。`,
  };
};

/** One priority goods category throughout. */
export const samePriorityGoods: IndicatorFn = (ps) => {
  const top = largest(countBy(ps, (m) => (PRIORITY_CATEGORIES.has(m.category) ? m.category : null)));
  if (!top || top[1].length < 3 || top[1].length / ps.length < 0.7) return null;
  const [category, members] = top;
  return {
    code: 'SAME_PRIORITY_GOODS',
    weight: 1,
    message: `${members.length} of ${ps.length} parcels are ${category.replace(/_/g, ' ')}, a priority class for infringement.`,
    messageZh: `${ps.length} 件中有 ${members.length} 件为${CATEGORY_ZH[category] ?? category}（重点侵权商品类别）。`,
  };
};

/** Descriptions that say nothing: 礼品, 样品, 日用品. */
export const vagueDescriptions: IndicatorFn = (ps) => {
  const vague = ps.filter((m) => m.vague).length;
  if (vague < 2 || vague / ps.length < 0.5) return null;
  return {
    code: 'VAGUE_DESCRIPTIONS',
    weight: 1,
    message: `${vague} of ${ps.length} parcels have vague descriptions (gift, sample, daily goods).`,
    messageZh: `${ps.length} 件中有 ${vague} 件品名笼统（礼品、样品、日用品等）。`,
  };
};

export const inspectionMismatch: IndicatorFn = (ps) => {
  const n = ps.filter((m) => m.mismatch).length;
  if (!n) return null;
  return {
    code: 'CONTENTS_MISMATCH',
    weight: 2,
    message: `Inspection found contents not matching the declaration on ${n} parcel${n > 1 ? 's' : ''}.`,
    messageZh: `收寄验视发现 ${n} 件实物与申报不符。`,
  };
};

export const suspectListHits: IndicatorFn = (ps) => {
  const n = ps.filter((m) => m.watchlistHit).length;
  if (!n) return null;
  return {
    code: 'SUSPECT_LIST_HITS',
    weight: 2,
    message: `${n} parcel${n > 1 ? 's' : ''} in the ring hit a suspect list.`,
    messageZh: `团伙中 ${n} 件命中嫌疑名单。`,
  };
};

/** What customs found when they opened the ring's parcels: the goods themselves. */
export const customsSeizures: IndicatorFn = (ps) => {
  const n = ps.filter((m) => m.seized).length;
  if (!n) return null;
  return {
    code: 'CUSTOMS_SEIZURES',
    weight: 3,
    message: `Customs seized ${n} parcel${n > 1 ? 's' : ''} of this ring.`,
    messageZh: `海关已查扣本团伙 ${n} 件邮件。`,
  };
};

/** Several identities spread over several counters. */
export const spreadOverOutlets: IndicatorFn = (ps) => {
  const outlets = new Set(ps.map((m) => m.outletId)).size;
  if (outlets < 2 || distinctSenders(ps) < 2) return null;
  return {
    code: 'SPREAD_OVER_OUTLETS',
    weight: 1,
    message: `Sent by ${distinctSenders(ps)} senders through ${outlets} outlets.`,
    messageZh: `由 ${distinctSenders(ps)} 名寄件人分散在 ${outlets} 个网点交寄。`,
  };
};

/** Almost everything to one consignee. */
export const destinationConcentration: IndicatorFn = (ps) => {
  const top = largest(countBy(ps, (m) => m.consigneeKey));
  if (ps.length < 4 || !top || top[1].length / ps.length < 0.8) return null;
  const { consigneeName, country } = top[1][0]!;
  return {
    code: 'DESTINATION_CONCENTRATED',
    weight: 1,
    message: `${top[1].length} of ${ps.length} parcels go to one consignee: ${consigneeName} (${country}).`,
    messageZh: `${ps.length} 件中有 ${top[1].length} 件寄往同一收件人：${consigneeName}（${country}）。`,
  };
};

export const INDICATORS: IndicatorFn[] = [
  underLimitCluster, implausibleValues, totalFarAboveLimit, rotatingIdentities, orgRotatingHandlers, identityLent, identityContradicted, manySendersOneConsignee,
  protectedBrandRepeated, samePriorityGoods, vagueDescriptions, inspectionMismatch, suspectListHits, customsSeizures, spreadOverOutlets,
  destinationConcentration,
];

export function severityOf(score: number, parcels: number, alertScore: number): Severity {
  if (score >= alertScore + 4 || parcels >= 20) return 'high';
  if (score >= alertScore + 2 || parcels >= 8) return 'medium';
  return 'low';
}

/**
 * Scores a ring over each window and returns the strongest: the one that qualifies with the highest score
 * (the shorter on a tie), or the highest-scoring one when none qualifies.
 */
export function assessRing(members: RingMember[], now: Date, policy: RingPolicy): Assessment {
  let best: Assessment | undefined;
  for (const window of policy.windows) {
    const from = now.getTime() - window.ms;
    const parcels = members.filter((m) => m.createdAt.getTime() > from).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const indicators = parcels.length ? INDICATORS.map((f) => f(parcels, policy)).filter((i): i is Indicator => i !== null) : [];
    const score = indicators.reduce((s, i) => s + i.weight, 0);
    const goods = indicators.filter((i) => GOODS_CODES.has(i.code)).reduce((s, i) => s + i.weight, 0);
    const qualifies = parcels.length >= window.minParcels && score >= policy.alertScore && goods >= MIN_GOODS_WEIGHT;
    const a: Assessment = { window, parcels, indicators, score, qualifies, severity: severityOf(score, parcels.length, policy.alertScore) };
    if (!best || (a.qualifies && !best.qualifies) || (a.qualifies === best.qualifies && a.score > best.score)) best = a;
  }
  return best!;
}

/** How big a set of ring parcels is: senders, outlets, declared value. */
export function ringFigures(ps: RingMember[]) {
  return { senders: distinctSenders(ps), outlets: new Set(ps.map((m) => m.outletId)).size, totalCny: ps.reduce((s, m) => s + m.valueCny, 0) };
}

/** A line on how big the ring is, first in the evidence. */
export function volumeEvidence(a: Assessment): Indicator {
  const ps = a.parcels;
  const { senders, outlets, totalCny } = ringFigures(ps);
  const countries = [...countBy(ps, (m) => m.country)].sort((x, y) => y[1].length - x[1].length).map(([c, xs]) => `${c} ${xs.length}`);
  const span = a.window.name.replace('h', ' h').replace('d', ' days');
  const spanZh = a.window.name.replace('h', ' 小时').replace('d', ' 天');
  return {
    code: 'RING_VOLUME',
    weight: 0,
    message: `${ps.length} cross-border parcels in ${span} from ${senders} sender${senders > 1 ? 's' : ''} at ${outlets} outlet${outlets > 1 ? 's' : ''}, declared ${cny(totalCny)} in all; destinations ${countries.join(', ')}.`,
    messageZh: `${spanZh}内 ${ps.length} 件跨境邮件，${senders} 名寄件人、${outlets} 个网点，申报合计 ${yuan(totalCny)}；寄往 ${countries.join('、')}。`,
  };
}

/** Indicators of this weight or more are evidence of their own; lighter ones only support (and grow with volume). */
export const STRONG_WEIGHT = 2;

/**
 * Whether a ring resolved as a false positive shows only what was dismissed: no strong indicator it did not
 * have then, and not yet twice as many parcels. A ring that merely grows (a larger total, one more outlet)
 * stays quiet; one that starts declaring a protected brand, hits a suspect list or rotates identities does not.
 */
export function isDamped(a: Assessment, ringSize: number, damped: { codes: string[]; parcelCount: number }): boolean {
  if (!damped.codes.length) return false;
  const dismissed = new Set(damped.codes);
  return a.indicators.every((i) => i.weight < STRONG_WEIGHT || dismissed.has(i.code)) && ringSize < 2 * damped.parcelCount;
}
