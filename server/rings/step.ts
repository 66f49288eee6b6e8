// The intake step that notices 蚂蚁搬家 while the ring forms. Every cross-border parcel is linked to the
// ring its keys lead to (merging rings it bridges), the ring is scored over its recent parcels, and a ring
// that qualifies opens one ANT_MOVING alert that grows with it. A parcel of a ring under alert is held.
//
// check: lock the keys, find and lock the rings, load their newest members (a bounded sample) and their day
// totals, score the short windows on the sample and the long ones on the totals, with this parcel in.
// record: merge, record the parcel in its ring (and its day and year), raise or update the alert (after commit).
// Nothing here reads more than MAX_MEMBERS_SCORED members or one row per ring and day: a ring of thousands costs
// its next parcel what a ring of a hundred does.
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { RingPolicy } from '../config.js';
import { raiseAlert, resolveAlert, presentAlert, type AlertChange, type AlertContribution } from '../alerts/alerts.js';
import type { Queryable } from '../db/database.js';
import { countByProvince, provinceOf } from '../alerts/ownership.js';
import { routeKeyOf } from '../customs/route-key.js';
import { isVagueDescription } from '../intake/contents.js';
import type { IntakeState, IntakeStep } from '../intake/pipeline.js';
import { addressKey, mentionedBrands, nameKey } from '../watchlist/normalize.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { dayAt, dayFacts, loadTotals, plusParcel, ringSizes } from './aggregates.js';
import { assessRing, isDamped, isOrganisationKey, ringFigures, valueLimitFor, volumeEvidence, type Assessment, type RingMember } from './indicators.js';
import { lockKeysNotAllowlisted } from './allowlist.js';
import { linkKeys, type LinkKey } from './keys.js';
import { annualRatio, assessLongWindows, isLong, longVolumeEvidence, parcelsOf, stronger, type AnnualTop } from './long-windows.js';
import { memberFacts } from './member-facts.js';
import { noteMovement } from './movement.js';
import { findRingsAndLinks, loadSample, lockRings, markSeized, mergeRings, organisationInRings, recordMember, ringGroupKey, type RingState } from './store.js';

type RingPlan = {
  keys: LinkKey[];
  member: RingMember;
  /** The ring the parcel joins (an existing one, or a new id), and the rings it absorbs. */
  ringId: string;
  absorbed: RingState[];
  survivor: RingState | undefined;
  /** The rings' newest members, at most MAX_MEMBERS_SCORED (this parcel not among them). */
  loaded: RingMember[];
  /** The rings' parcels in the longest window, this one included, and their declared value. */
  count: number;
  valueCny: number;
  assessment: Assessment;
  /** Open or update the ring's alert. */
  alert: boolean;
  /** The ring's top annual sender to store, or null to leave it as it is. */
  annualTop: AnnualTop | null;
};

const plans = new WeakMap<IntakeState, RingPlan>();

async function memberOf(s: IntakeState, policy: RingPolicy): Promise<{ member: RingMember; keys: LinkKey[] }> {
  const sender = s.sender!;
  const recipient = s.recipient!;
  const { declared, inspection } = s.request;
  const brand = mentionedBrands([declared.brand, declared.description].filter(Boolean).join(' '))[0] ?? null;
  const consigneeAddressKey = addressKey(recipient.address);
  const limit = valueLimitFor(recipient.country, policy);
  const member: RingMember = {
    parcelId: '', // known once the parcel is stored
    waybillNo: s.waybill!.normalized,
    createdAt: s.now,
    senderKey: `${sender.idType}:${sender.id.blind}`,
    senderName: sender.name.display,
    senderPhoneBlind: sender.phone.blind,
    senderPhoneMasked: sender.phone.masked,
    senderAddressKey: addressKey(sender.address),
    senderAddress: sender.address,
    consigneeKey: `${recipient.country}|${recipient.phone?.blind ?? consigneeAddressKey}`,
    consigneeName: recipient.name.display,
    country: recipient.country,
    outletId: s.courier.outletId,
    regionCode: s.courier.outletRegionCode,
    routeKey: routeKeyOf(s.courier.outletRegionCode, recipient.country, s.waybill!.channel),
    valueCny: declared.valueCny,
    category: declared.category,
    brand,
    vague: isVagueDescription(declared.description, declared.category),
    mismatch: inspection.matchesDeclaration === false,
    watchlistHit: s.watchlistHits.length > 0,
    seized: false,
    ...(await memberFacts(s, brand, policy)),
    linkKeys: [],
    linkedVia: [],
    handlerKey: s.handler ? `${s.handler.idType}:${s.handler.id.blind}` : null,
  };
  const keys = linkKeys(
    {
    senderIdBlind: member.senderKey,
    senderPhoneBlind: sender.phone.blind,
    senderAddressKey: member.senderAddressKey,
    consigneeNameKey: nameKey(recipient.name.display),
    country: recipient.country,
    consigneePhoneBlind: recipient.phone?.blind ?? null,
    consigneeAddressKey,
    outletId: s.courier.outletId,
    day: dayAt(s.now),
    category: declared.category,
    brand,
    justUnder: declared.valueCny < limit && declared.valueCny >= limit * policy.justUnderShare,
    implausible: member.implausible,
    handlerIdBlind: member.handlerKey,
    handlerPhoneBlind: s.handler?.phone.blind ?? null,
    },
    policy.linkKeys,
  );
  // An allowlisted pattern (a registered seller's identity, a family's address) links nothing. The keys are locked
  // in the same round trip.
  const linking = await lockKeysNotAllowlisted(s.tx, keys, s.now);
  member.linkKeys = linking.map((k) => k.key);
  return { member, keys: linking };
}

const RING_MESSAGES = defineMessages({
  RING_ALERT_SUMMARY: {
    en: 'Suspected ant-moving ring: {parcels} parcels from {senders} senders, CNY {valueCny} ({window})',
    zh: '疑似蚂蚁搬家：{senders} 个寄件人寄出 {parcels} 件，合计 {valueCny} 元（{windowZh}）',
  },
});

const mostCommon = (xs: string[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
};

/**
 * The ring's alert as it should read now. `all` are the ring's loaded members, newest first; the count and
 * value are the ring's exact totals in the longest window; `parcelIds` the parcels to link to the alert.
 */
export function ringAlert(
  ringId: string,
  a: Assessment,
  all: RingMember[],
  totals: { count: number; valueCny: number; parcelIds: string[] },
): AlertContribution {
  const newest = all[0]!;
  // A long window's figures are its exact totals; a short one's, its scored members.
  const figures = isLong(a) ? { senders: a.long.senders, totalCny: a.long.valueCny } : ringFigures(a.parcels);
  return {
    type: 'ANT_MOVING',
    groupKey: ringGroupKey(ringId),
    severity: a.severity,
    summary: bilingual(RING_MESSAGES.RING_ALERT_SUMMARY, {
      parcels: parcelsOf(a),
      senders: figures.senders,
      valueCny: Math.round(figures.totalCny).toLocaleString('en-US'),
      window: a.window.name,
      windowZh: a.window.name.replace(/h$/, '小时').replace(/d$/, '天'),
    }),
    evidence: [isLong(a) ? longVolumeEvidence(a) : volumeEvidence(a), ...a.indicators].map(({ code, message, messageZh }) => ({ code, message, messageZh })),
    parcelId: newest.parcelId,
    waybillNo: newest.waybillNo,
    valueCny: newest.valueCny,
    regionCode: newest.regionCode,
    crossBorder: true,
    routeKey: mostCommon(all.map((m) => m.routeKey)),
    totals: {
      parcelCount: totals.count,
      totalValueCny: Math.round(totals.valueCny * 100) / 100,
      waybills: all.map((m) => m.waybillNo),
      regionCodes: [...new Set(all.map((m) => m.regionCode))],
      parcelIds: totals.parcelIds,
      // Ownership counts the parcels the ring is scored on (its newest, in the longest window), as regionCodes does.
      byJurisdiction: countByProvince(all.map((m) => m.regionCode)),
      began: provinceOf(all[all.length - 1]!.regionCode),
    },
  };
}

type Scored = {
  /** The rings' newest members (the parcel being taken in not among them). */
  sample: RingMember[];
  assessment: Assessment;
  /** Parcels and declared value in the longest window, the parcel being taken in included. */
  count: number;
  valueCny: number;
  /** The top annual sender the ring has now, and whether it changed (to be stored). */
  annualTop: AnnualTop | null;
  annualChanged: boolean;
};

const sameTop = (a: AnnualTop | null, b: AnnualTop | null) =>
  a === b || (!!a && !!b && a.year === b.year && a.senderKey === b.senderKey && a.parcels === b.parcels && a.valueCny === b.valueCny);

/** Which of two identity-years says more: a newer year over an older one, then the one further over the limits. */
function moreTelling(a: AnnualTop | null, b: AnnualTop | null, policy: RingPolicy): AnnualTop | null {
  if (!a || !b) return a ?? b;
  if (a.year !== b.year) return a.year > b.year ? a : b;
  return annualRatio(b, policy) > annualRatio(a, policy) ? b : a;
}

/**
 * Scores rings (about to be one) with `member` in, when a parcel is being taken in: the short windows on their
 * newest members, the long windows on their day totals, and the stronger of the two. Two queries, each bounded
 * whatever the rings' sizes.
 */
export async function scoreRings(tx: Queryable, rings: RingState[], member: RingMember | null, now: Date, policy: RingPolicy): Promise<Scored> {
  const ids = rings.map((r) => r.id);
  const sample = await loadSample(tx, ids, new Date(now.getTime() - policy.linkMs));
  const windowsMs = [...policy.longWindows.map((w) => w.ms), policy.linkMs];
  const loaded = await loadTotals(tx, ids, windowsMs, now, member ? { senderKey: member.senderKey, day: dayAt(member.createdAt) } : null);
  const facts = member ? dayFacts(member, policy) : null;
  const totals = loaded.windows.map((t) => (facts ? plusParcel(t, facts) : t));
  const all = member ? [member, ...sample] : sample;

  // The identity furthest over the annual limits: the rings' own, or this parcel's sender with this parcel.
  const stored = rings.reduce<AnnualTop | null>((best, r) => moreTelling(best, r.annualTop, policy), null);
  const year = loaded.senderYear;
  // The annual limits are a person's (personal-use imports); an organisation declares as a business.
  const mine: AnnualTop | null =
    member && year && !isOrganisationKey(member.senderKey) ? { year: year.year, senderKey: member.senderKey, senderName: member.senderName, parcels: year.parcels + 1, valueCny: year.valueCny + member.valueCny } : null;
  const sameIdentity = !!mine && !!stored && stored.senderKey === mine.senderKey && stored.year === mine.year;
  const annualTop = sameIdentity ? mine : moreTelling(stored, mine, policy);

  const short = assessRing(all, now, policy);
  const long = assessLongWindows(totals.slice(0, policy.longWindows.length), annualTop, all, now, policy);
  const linked = totals[totals.length - 1]!;
  return {
    sample,
    assessment: stronger(short, long),
    count: linked.parcels,
    valueCny: linked.valueCny,
    annualTop,
    annualChanged: rings.length > 1 || !sameTop(annualTop, rings[0]?.annualTop ?? null),
  };
}

/**
 * Customs seized a parcel: its ring is scored again with the seizure as evidence, and its alert updated,
 * or opened when the ring now qualifies. The changes are for the caller to publish after commit.
 */
export async function ringSeizure(tx: Queryable, parcelId: string, policy: RingPolicy, now: Date): Promise<AlertChange[]> {
  const ringId = await markSeized(tx, parcelId);
  if (!ringId) return [];
  const [ring] = await lockRings(tx, [ringId]);
  if (!ring) return [];
  const scored = await scoreRings(tx, [ring], null, now, policy);
  if (!scored.sample.length) return [];
  const { assessment, count, valueCny, sample } = scored;
  const damped = isDamped(assessment, count, { codes: ring.dampedCodes, parcelCount: ring.dampedParcelCount });
  if (!ring.openAlertId && !(assessment.qualifies && !damped)) return [];
  const parcelIds = ring.openAlertId ? [parcelId] : sample.map((m) => m.parcelId);
  return [await raiseAlert(tx, ringAlert(ring.id, assessment, sample, { count, valueCny, parcelIds }))];
}

/**
 * Goods evidence a parcel carries of its own: an implausible value, a protected brand, a description that says
 * nothing (礼品, 样品: how identically packed ring parcels are declared), contents not matching the declaration, a
 * suspect-list hit.
 */
export function ownGoodsEvidence(m: Pick<RingMember, 'implausible' | 'brand' | 'vague' | 'mismatch' | 'watchlistHit'>): boolean {
  return m.implausible || m.brand !== null || m.vague || m.mismatch || m.watchlistHit;
}

const COUNTER = 'outlet_pattern';

/**
 * The counter pattern (one outlet, one day, one destination, one category, declared just under the limit or
 * implausibly low) links strangers too: a family's clothing parcel at CNY 900 through the counter a ring used that
 * day. Such a parcel joins a ring under alert through the pattern only when it carries goods evidence of its own;
 * otherwise it links by its other keys alone, so neither it nor the family's earlier parcels are merged into the
 * ring and held. Rings not under alert still form through the pattern (ants who rotate every identity). One extra
 * query, only for a parcel the pattern linked that has no goods evidence.
 */
async function withoutStrangerCounterLink(
  s: IntakeState,
  member: RingMember,
  keys: LinkKey[],
  found: { rings: RingState[]; linkedVia: string[] },
  since: Date,
): Promise<{ keys: LinkKey[]; rings: RingState[]; linkedVia: string[] }> {
  const viaCounter = found.linkedVia.some((k) => k.startsWith(`${COUNTER}:`));
  if (!viaCounter || ownGoodsEvidence(member) || !found.rings.some((r) => r.openAlertId)) return { keys, ...found };
  const strong = keys.filter((k) => k.kind !== COUNTER);
  const viaStrong = await findRingsAndLinks(s.tx, strong, since);
  const reached = new Set(viaStrong.rings.map((r) => r.id));
  const alertedByCounterOnly = found.rings.filter((r) => r.openAlertId && !reached.has(r.id)).map((r) => r.id);
  if (!alertedByCounterOnly.length) return { keys, ...found };
  // An organisation is no stranger to a ring its own parcels are in: its identity links nothing (keys.ts), but the
  // same sender at the same counter with the same pattern is the pattern going on, not a family passing by.
  if (s.organisation && (await organisationInRings(s.tx, s.organisation.id, alertedByCounterOnly, since))) return { keys, ...found };
  return { keys: strong, ...viaStrong };
}

export function ringStep(bus: EventEmitter, policy: RingPolicy): IntakeStep {
  return {
    name: 'rings',
    async check(s) {
      if (!s.recipient?.crossBorder) return;
      const { member, keys: candidates } = await memberOf(s, policy);
      // Keys link for the longest window of all (365 days by default): a slow ring stays one ring.
      const since = new Date(s.now.getTime() - policy.linkMs);
      const { keys, rings: found, linkedVia } = await withoutStrangerCounterLink(s, member, candidates, await findRingsAndLinks(s.tx, candidates, since), since);
      member.linkedVia = linkedVia;
      member.linkKeys = keys.map((k) => k.key);
      // The ring under alert survives a merge (its alert grows); otherwise the largest (each parcel moves to a ring
      // at least twice its ring's size, so a parcel moves a few times at most), then the oldest.
      const sizes = await ringSizes(s.tx, found.map((r) => r.id));
      const ordered = [...found].sort(
        (a, b) =>
          Number(!!b.openAlertId) - Number(!!a.openAlertId) ||
          (sizes.get(b.id) ?? 0) - (sizes.get(a.id) ?? 0) ||
          a.createdAt.getTime() - b.createdAt.getTime(),
      );
      const survivor = ordered[0];
      const scored = await scoreRings(s.tx, ordered, member, s.now, policy);
      const { assessment, count } = scored;
      const damped = survivor && isDamped(assessment, count, { codes: survivor.dampedCodes, parcelCount: survivor.dampedParcelCount });
      const alert = !!survivor?.openAlertId || (assessment.qualifies && !damped);
      plans.set(s, {
        keys, member, ringId: survivor?.id ?? randomUUID(), absorbed: ordered.slice(1), survivor, loaded: scored.sample, count,
        valueCny: scored.valueCny, assessment, alert, annualTop: scored.annualChanged ? scored.annualTop : null,
      });
      if (alert) {
        const why = assessment.indicators.map((i) => i.message).join(' ');
        const whyZh = assessment.indicators.map((i) => i.messageZh).join('');
        const n = parcelsOf(assessment);
        s.findings.push({
          code: 'ANT_MOVING_SUSPECTED',
          effect: 'hold',
          message: `Linked to a suspected ant-moving ring (${n} parcels). ${why} Hold for the regulator and customs.`,
          messageZh: `关联疑似“蚂蚁搬家”团伙（${n} 件）。${whyZh}请暂扣，等待监管和海关处理。`,
        });
      }
    },
    async record(s) {
      const plan = plans.get(s);
      if (!plan) return;
      const { tx } = s;
      const member = { ...plan.member, parcelId: s.parcel!.id };
      await mergeRings(tx, plan.ringId, plan.absorbed, policy, plan.annualTop ?? plan.survivor?.annualTop ?? null);
      await recordMember(tx, plan.ringId, plan.keys, member, s.now, policy, plan.annualTop);
      // A ring that was alerted, confirmed or damped turning up in another jurisdiction (口岸转移).
      const changes: AlertChange[] = plan.survivor ? await noteMovement(tx, plan.survivor, member, plan.loaded, s.now) : [];
      if (!plan.alert) {
        if (changes.length) s.afterCommit.push(() => changes.forEach((c) => bus.emit('alert', c)));
        return;
      }

      // A bridged ring under its own alert: that alert ends, its parcels join the survivor's.
      for (const r of plan.absorbed) {
        if (!r.openAlertId) continue;
        const closed = await resolveAlert(tx, r.openAlertId, {
          by: null,
          resolution: 'merged',
          note: plan.survivor?.openAlertId ? `Merged into alert ${plan.survivor.openAlertId}.` : 'Merged into a larger ring.',
        });
        if (closed) changes.push({ event: 'alert:updated', alert: presentAlert(closed), regionCodes: closed.regionCodes });
      }
      const all = [member, ...plan.loaded];
      // A new alert, or one that absorbed rings, links the parcels it rests on (the newest, at most
      // MAX_MEMBERS_SCORED + 1); a growing one just this parcel.
      const fresh = !plan.survivor?.openAlertId || plan.absorbed.length > 0;
      const change = await raiseAlert(
        tx,
        ringAlert(plan.ringId, plan.assessment, all, { count: plan.count, valueCny: plan.valueCny, parcelIds: fresh ? all.map((m) => m.parcelId) : [member.parcelId] }),
      );
      changes.push(change);
      s.alerts.push({ id: change.alert.id, type: change.alert.type, severity: change.alert.severity });
      s.afterCommit.push(() => changes.forEach((c) => bus.emit('alert', c)));
    },
  };
}
