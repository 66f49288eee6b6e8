// Slow rings (issue 16): a sender, phone, address or consignee sending a parcel or two a week for a year never fills
// the 24 h, 7 d or 30 d windows. The long windows (RING_LONG_WINDOWS, 90 and 365 days) are scored from the ring's
// day totals (aggregates.ts), never from its members, with the goods indicators read as counts, a steady cadence
// (SLOW_RING) and one identity's calendar-year totals (ANNUAL_TOTAL_OVER_LIMIT). Like the short windows, a long
// window alerts only with goods evidence: a slow ring of cheap unbranded gifts to family is a family. Pure.
import type { RingPolicy, RingWindow } from '../config.js';
import type { LongTotals } from './aggregates.js';
import { CATEGORY_ZH, GOODS_CODES, MIN_GOODS_WEIGHT, severityOf, type Assessment, type Indicator, type RingMember } from './indicators.js';

/** A ring's top sender identity in a calendar year (rings.annual_top). */
export type AnnualTop = { year: number; senderKey: string; senderName: string; parcels: number; valueCny: number };

/** A long window's assessment: `parcels` are the ring's sampled members in it; the figures are its exact totals. */
export type LongAssessment = Assessment & { long: LongTotals };

export const isLong = (a: Assessment): a is LongAssessment => 'long' in a;

/** Parcels the window holds: exact for a long window; the scored members for a short one. */
export const parcelsOf = (a: Assessment) => (isLong(a) ? a.long.parcels : a.parcels.length);

/** Parcels in this many different weeks of a long window make a steady cadence, not one burst (a festival, a move). */
export const STEADY_WEEKS = 4;

/** Goods evidence, as in the short windows; implausibly low declarations are goods evidence of their own. */
const LONG_GOODS_CODES = new Set([...GOODS_CODES, 'IMPLAUSIBLE_VALUES']);

const cny = (v: number) => `CNY ${Math.round(v).toLocaleString('en-US')}`;
const yuan = (v: number) => `${Math.round(v).toLocaleString('en-US')} 元`;
const days = (w: RingWindow) => Math.round(w.ms / 86_400_000);

function top(counts: Record<string, number>): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const [k, n] of Object.entries(counts)) if (!best || n > best[1]) best = [k, n];
  return best;
}

/** Whether an identity's year is over either annual limit. */
export const overAnnualLimit = (y: { parcels: number; valueCny: number }, p: RingPolicy) =>
  y.valueCny > p.annualLimitCny || y.parcels > p.annualLimitParcels;

/** How far over the annual limits an identity's year is: the larger share of either (1 = at a limit). */
export const annualRatio = (y: { parcels: number; valueCny: number }, p: RingPolicy) =>
  Math.max(y.valueCny / p.annualLimitCny, y.parcels / p.annualLimitParcels);

/** A sender name as evidence shows it: the surname (or first word), the rest masked. */
export function maskedName(name: string): string {
  const latin = /^[\x20-\x7e]+$/.test(name);
  if (latin) {
    const [first, ...rest] = name.trim().split(/\s+/);
    return [first, ...rest.map(() => '*')].join(' ');
  }
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** One sender identity of the ring over the annual limits this year or last. */
export function annualIndicator(top: AnnualTop | null, now: Date, p: RingPolicy): Indicator | null {
  if (!top || !overAnnualLimit(top, p)) return null;
  const thisYear = Number(new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 4));
  if (top.year < thisYear - 1) return null;
  const who = maskedName(top.senderName);
  return {
    code: 'ANNUAL_TOTAL_OVER_LIMIT',
    weight: 2,
    message: `One sender identity (${who}) sent ${top.parcels} cross-border parcels declared ${cny(top.valueCny)} in ${top.year}: over the ${cny(p.annualLimitCny)} or ${p.annualLimitParcels} parcels one person may send in a year.`,
    messageZh: `同一寄件人身份（${who}）${top.year} 年寄出 ${top.parcels} 件跨境邮件，申报合计 ${yuan(top.valueCny)}，超过个人年度限额（${yuan(p.annualLimitCny)} 或 ${p.annualLimitParcels} 件）。`,
  };
}

/** The indicators a long window shows, read from its totals. */
export function longIndicators(t: LongTotals, w: RingWindow, p: RingPolicy): Indicator[] {
  const n = t.parcels;
  if (!n) return [];
  const span = `${days(w)} days`;
  const spanZh = `${days(w)} 天`;
  const out: Indicator[] = [];
  // The limit the ring's parcels face: HK/MO/TW's when they all go there.
  const limit = t.hmt === n ? p.valueLimitHmtCny : p.valueLimitCny;
  if (t.justUnder >= 3 && t.justUnder / n >= 0.6) {
    const low = Math.ceil(limit * p.justUnderShare);
    out.push({
      code: 'VALUES_JUST_UNDER_LIMIT',
      weight: 3,
      message: `${t.justUnder} of ${n} parcels over ${span} declared just under the ${cny(limit)} limit (${cny(low)}–${cny(limit - 1)}).`,
      messageZh: `${spanZh}内 ${n} 件中有 ${t.justUnder} 件申报价值紧贴 ${yuan(limit)} 限值之下（${yuan(low)}–${yuan(limit - 1)}）。`,
    });
  }
  if (t.implausible >= 2 && t.implausible / n >= 0.5) {
    out.push({
      code: 'IMPLAUSIBLE_VALUES',
      weight: 3,
      message: `${t.implausible} of ${n} parcels over ${span} declare protected brands or priority goods far below any plausible price.`,
      messageZh: `${spanZh}内 ${n} 件中有 ${t.implausible} 件申报的受保护品牌或重点商品价值远低于合理价格。`,
    });
  }
  const brand = top(t.brands);
  if (brand && brand[1] >= 3 && brand[1] / n >= 0.5) {
    out.push({
      code: 'PROTECTED_BRAND_REPEATED',
      weight: 2,
      message: `Protected brand "${brand[0]}" declared on ${brand[1]} of ${n} parcels over ${span}.`,
      messageZh: `${spanZh}内 ${n} 件中有 ${brand[1]} 件申报受保护品牌“${brand[0]}”。`,
    });
  }
  const category = top(t.categories);
  if (category && category[1] >= 3 && category[1] / n >= 0.7) {
    out.push({
      code: 'SAME_PRIORITY_GOODS',
      weight: 1,
      message: `${category[1]} of ${n} parcels over ${span} are ${category[0].replace(/_/g, ' ')}, a priority class for infringement.`,
      messageZh: `${spanZh}内 ${n} 件中有 ${category[1]} 件为${CATEGORY_ZH[category[0]] ?? category[0]}（重点侵权商品类别）。`,
    });
  }
  if (t.vague >= 2 && t.vague / n >= 0.5) {
    out.push({
      code: 'VAGUE_DESCRIPTIONS',
      weight: 1,
      message: `${t.vague} of ${n} parcels over ${span} have vague descriptions (gift, sample, daily goods).`,
      messageZh: `${spanZh}内 ${n} 件中有 ${t.vague} 件品名笼统（礼品、样品、日用品等）。`,
    });
  }
  if (t.mismatch) {
    out.push({
      code: 'CONTENTS_MISMATCH',
      weight: 2,
      message: `Inspection found contents not matching the declaration on ${t.mismatch} parcel${t.mismatch > 1 ? 's' : ''} over ${span}.`,
      messageZh: `${spanZh}内收寄验视发现 ${t.mismatch} 件实物与申报不符。`,
    });
  }
  if (t.watchlistHits) {
    out.push({
      code: 'SUSPECT_LIST_HITS',
      weight: 2,
      message: `${t.watchlistHits} parcel${t.watchlistHits > 1 ? 's' : ''} of the ring over ${span} hit a suspect list.`,
      messageZh: `${spanZh}内团伙中 ${t.watchlistHits} 件命中嫌疑名单。`,
    });
  }
  if (t.seized) {
    out.push({
      code: 'CUSTOMS_SEIZURES',
      weight: 3,
      message: `Customs seized ${t.seized} parcel${t.seized > 1 ? 's' : ''} of this ring over ${span}.`,
      messageZh: `${spanZh}内海关已查扣本团伙 ${t.seized} 件邮件。`,
    });
  }
  if (t.underLimit / n >= 0.8 && t.valueCny >= 3 * limit) {
    const times = Math.floor(t.valueCny / limit);
    out.push({
      code: 'TOTAL_FAR_ABOVE_LIMIT',
      weight: 1,
      message: `Together ${cny(t.valueCny)} over ${span}: ${times} times the single-parcel limit, while ${t.underLimit} of ${n} parcels stay under it.`,
      messageZh: `${spanZh}内合计 ${yuan(t.valueCny)}，为单件限值的 ${times} 倍，而 ${n} 件中有 ${t.underLimit} 件在限值以下。`,
    });
  }
  if (t.weeks >= STEADY_WEEKS) {
    out.push({
      code: 'SLOW_RING',
      weight: 1,
      message: `Sent steadily: ${n} parcels in ${t.weeks} different weeks over ${span}, too slowly for the 24-hour to 30-day windows.`,
      messageZh: `持续少量寄递：${spanZh}内分 ${t.weeks} 个不同的周寄出 ${n} 件，短期（24 小时至 30 天）窗口难以发现。`,
    });
  }
  return out;
}

/**
 * Scores each long window from its totals (aligned with `policy.longWindows`) and returns the strongest, as
 * assessRing does for the short ones; undefined when there are no long windows. `sample` are the ring's newest
 * members (the parcel being taken in first), for what the alert lists.
 */
export function assessLongWindows(
  totals: LongTotals[],
  annual: AnnualTop | null,
  sample: RingMember[],
  now: Date,
  policy: RingPolicy,
): LongAssessment | undefined {
  const annualEvidence = annualIndicator(annual, now, policy);
  let best: LongAssessment | undefined;
  policy.longWindows.forEach((window, i) => {
    const t = totals[i]!;
    const indicators = longIndicators(t, window, policy);
    if (annualEvidence && t.parcels) indicators.push(annualEvidence);
    const score = indicators.reduce((s, x) => s + x.weight, 0);
    const goods = indicators.filter((x) => LONG_GOODS_CODES.has(x.code)).reduce((s, x) => s + x.weight, 0);
    const qualifies = t.parcels >= window.minParcels && score >= policy.alertScore && goods >= MIN_GOODS_WEIGHT;
    const from = now.getTime() - window.ms;
    const a: LongAssessment = {
      window,
      parcels: sample.filter((m) => m.createdAt.getTime() > from),
      indicators,
      score,
      qualifies,
      severity: severityOf(score, t.parcels, policy.alertScore),
      long: t,
    };
    if (!best || (a.qualifies && !best.qualifies) || (a.qualifies === best.qualifies && a.score > best.score)) best = a;
  });
  return best;
}

/** The stronger of a short and a long assessment: the one that qualifies, then the higher score; the short on a tie. */
export function stronger(short: Assessment, long: LongAssessment | undefined): Assessment {
  if (!long) return short;
  if (long.qualifies !== short.qualifies) return long.qualifies ? long : short;
  return long.score > short.score ? long : short;
}

/** The first line of a long window's evidence: how big the ring is over it (LONG_WINDOW). */
export function longVolumeEvidence(a: LongAssessment): Indicator {
  const t = a.long;
  const d = days(a.window);
  const senders = t.senders >= 2 ? `${t.senders} sender identities` : 'one sender identity';
  return {
    code: 'LONG_WINDOW',
    weight: 0,
    message: `${t.parcels} cross-border parcels over ${d} days from ${senders}, declared ${cny(t.valueCny)} in all.`,
    messageZh: `${d} 天内 ${t.parcels} 件跨境邮件，${t.senders >= 2 ? `${t.senders} 个寄件人身份` : '同一寄件人身份'}，申报合计 ${yuan(t.valueCny)}。`,
  };
}
