// The intake step that notices 蚂蚁搬家 while the ring forms. Every cross-border parcel is linked to the
// ring its keys lead to (merging rings it bridges), the ring is scored over its recent parcels, and a ring
// that qualifies opens one ANT_MOVING alert that grows with it. A parcel of a ring under alert is held.
//
// check: lock the keys, find and lock the rings, load their recent members, score with this parcel in.
// record: merge, record the parcel in its ring, raise or update the alert (published after commit).
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
import { assessRing, isDamped, ringFigures, valueLimitFor, volumeEvidence, type Assessment, type RingMember } from './indicators.js';
import { withoutAllowlisted } from './allowlist.js';
import { linkKeys, type LinkKey } from './keys.js';
import { memberFacts } from './member-facts.js';
import { noteMovement } from './movement.js';
import { findRings, linkedVia, loadMembers, lockKeys, lockRings, markSeized, mergeRings, recordMember, ringGroupKey, type RingState } from './store.js';

type RingPlan = {
  keys: LinkKey[];
  member: RingMember;
  /** The ring the parcel joins (an existing one, or a new id), and the rings it absorbs. */
  ringId: string;
  absorbed: RingState[];
  survivor: RingState | undefined;
  /** The rings' newest members (this parcel not among them). */
  loaded: RingMember[];
  /** The rings' parcels in the longest window, this one included, and their declared value. */
  count: number;
  valueCny: number;
  assessment: Assessment;
  /** Open or update the ring's alert. */
  alert: boolean;
};

const plans = new WeakMap<IntakeState, RingPlan>();

/** Asia/Shanghai calendar day: the day at the counter. */
const dayAt = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

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
    },
    policy.linkKeys,
  );
  // An allowlisted pattern (a registered seller's identity, a family's address) links nothing.
  const linking = await withoutAllowlisted(s.tx, keys, s.now);
  member.linkKeys = linking.map((k) => k.key);
  return { member, keys: linking };
}

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
  const figures = ringFigures(a.parcels);
  return {
    type: 'ANT_MOVING',
    groupKey: ringGroupKey(ringId),
    severity: a.severity,
    summary: `Suspected ant-moving ring: ${a.parcels.length} parcels from ${figures.senders} senders, CNY ${Math.round(figures.totalCny).toLocaleString('en-US')} (${a.window.name}) · 疑似蚂蚁搬家`,
    evidence: [volumeEvidence(a), ...a.indicators].map(({ code, message, messageZh }) => ({ code, message, messageZh })),
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

/**
 * Customs seized a parcel: its ring is scored again with the seizure as evidence, and its alert updated,
 * or opened when the ring now qualifies. The changes are for the caller to publish after commit.
 */
export async function ringSeizure(tx: Queryable, parcelId: string, policy: RingPolicy, now: Date): Promise<AlertChange[]> {
  const ringId = await markSeized(tx, parcelId);
  if (!ringId) return [];
  const [ring] = await lockRings(tx, [ringId]);
  if (!ring) return [];
  const longest = policy.windows[policy.windows.length - 1]!.ms;
  const loaded = await loadMembers(tx, [ring.id], new Date(now.getTime() - longest));
  if (!loaded.members.length) return [];
  const assessment = assessRing(loaded.members, now, policy);
  const damped = isDamped(assessment, loaded.count, { codes: ring.dampedCodes, parcelCount: ring.dampedParcelCount });
  if (!ring.openAlertId && !(assessment.qualifies && !damped)) return [];
  const parcelIds = ring.openAlertId ? [parcelId] : loaded.members.map((m) => m.parcelId);
  return [await raiseAlert(tx, ringAlert(ring.id, assessment, loaded.members, { count: loaded.count, valueCny: loaded.valueCny, parcelIds }))];
}

export function ringStep(bus: EventEmitter, policy: RingPolicy): IntakeStep {
  const longest = policy.windows[policy.windows.length - 1]!.ms;
  return {
    name: 'rings',
    async check(s) {
      if (!s.recipient?.crossBorder) return;
      const { member, keys } = await memberOf(s, policy);
      const since = new Date(s.now.getTime() - longest);
      await lockKeys(s.tx, keys);
      const found = await findRings(s.tx, keys, since);
      member.linkedVia = await linkedVia(s.tx, keys, since);
      // The ring under alert survives a merge (its alert grows); otherwise the oldest.
      const ordered = [...found].sort(
        (a, b) => Number(!!b.openAlertId) - Number(!!a.openAlertId) || a.createdAt.getTime() - b.createdAt.getTime(),
      );
      const survivor = ordered[0];
      const loaded = await loadMembers(s.tx, found.map((r) => r.id), since);
      const count = loaded.count + 1;
      const assessment = assessRing([member, ...loaded.members], s.now, policy);
      const damped = survivor && isDamped(assessment, count, { codes: survivor.dampedCodes, parcelCount: survivor.dampedParcelCount });
      const alert = !!survivor?.openAlertId || (assessment.qualifies && !damped);
      plans.set(s, {
        keys, member, ringId: survivor?.id ?? randomUUID(), absorbed: ordered.slice(1), survivor, loaded: loaded.members, count,
        valueCny: loaded.valueCny + member.valueCny, assessment, alert,
      });
      if (alert) {
        const why = assessment.indicators.map((i) => i.message).join(' ');
        const whyZh = assessment.indicators.map((i) => i.messageZh).join('');
        s.findings.push({
          code: 'ANT_MOVING_SUSPECTED',
          effect: 'hold',
          message: `Linked to a suspected ant-moving ring (${assessment.parcels.length} parcels). ${why} Hold for the regulator and customs.`,
          messageZh: `关联疑似“蚂蚁搬家”团伙（${assessment.parcels.length} 件）。${whyZh}请暂扣，等待监管和海关处理。`,
        });
      }
    },
    async record(s) {
      const plan = plans.get(s);
      if (!plan) return;
      const { tx } = s;
      const member = { ...plan.member, parcelId: s.parcel!.id };
      await mergeRings(tx, plan.ringId, plan.absorbed.map((r) => r.id));
      await recordMember(tx, plan.ringId, plan.keys, member, s.now);
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
      // A new alert, or one that absorbed rings, links every parcel it rests on; a growing one just this parcel.
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
