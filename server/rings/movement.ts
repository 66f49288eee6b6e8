// Rings that move (口岸转移, issue 16): a ring under alert, confirmed or damped that shows up through outlets
// of another jurisdiction. Both jurisdictions are told live; the ring keeps the move as an event.
//
// The move is an alert of its own, RING_MOVED, one per ring and new province (group `ring-moved:<ring>:<province>`):
// the ring's own alert is rewritten by every intake of the ring (its evidence replaced), may be resolved
// already (confirmed, or dismissed and damped) and may be owned by the origin. The RING_MOVED alert rests on the
// parcel that crossed, so the destination owns it and decides on it; its region codes name the outlets the
// ring used before as well, so the origin sees it, hears it live and can add what it knows in a note.
import { sql } from 'drizzle-orm';
import { raiseAlert, type AlertChange } from '../alerts/alerts.js';
import { jurisdictionName, provinceOf } from '../alerts/ownership.js';
import { queryRows, type Queryable } from '../db/database.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import type { RingMember } from './indicators.js';
import type { RingState } from './store.js';

defineMessages({
  RING_MOVED: {
    en: 'A ring {status} in {from} turned up in {to}: parcel {waybillNo} at {outlet} on {at}. It had sent nothing through {to} before (口岸转移: a ring moving to another port).',
    zh: '{statusZh}的团伙（此前在{fromZh}）出现在{toZh}：{at} 经{outlet}收寄邮件 {waybillNo}。此前该团伙未经{toZh}寄递（口岸转移）。',
  },
  RING_MOVED_SUMMARY: {
    en: 'Ring moved from {from} to {to} ({status}): parcel {waybillNo} at {outlet}',
    zh: '团伙口岸转移：{fromZh} → {toZh}（{statusZh}），{outlet} 收寄 {waybillNo}',
  },
});

/** Why the ring was being watched when it moved. */
export type WatchStatus = 'under_alert' | 'confirmed' | 'damped';
const STATUS_WORDS: Record<WatchStatus, { en: string; zh: string }> = {
  under_alert: { en: 'under alert', zh: '预警中' },
  confirmed: { en: 'confirmed', zh: '已确认' },
  damped: { en: 'dismissed as a false positive', zh: '曾认定为误报' },
};

export const ringMovedGroupKey = (ringId: string, province: string) => `ring-moved:${ringId}:${province}`;

/** The ring an alert is about: its own ANT_MOVING alert (`ring:<id>`) or a move of it (`ring-moved:<id>:<province>`). */
export function ringOfAlertGroup(groupKey: string): string | null {
  const m = /^ring(?:-moved)?:([0-9a-f-]{36})(?::\d{2})?$/.exec(groupKey);
  return m ? m[1]! : null;
}

/** Asia/Shanghai wall time, as the counters read it. */
const counterTime = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** Region codes on the move alert: where the ring was seen before; bounded, a ring may have used hundreds of counters. */
const MAX_ORIGIN_REGIONS = 20;

/**
 * Called by the ring step when a parcel joins an existing ring, after it is recorded. Returns the alert changes
 * to publish after commit (none when the ring did not move).
 *
 * Cheap for the common case: a parcel from a province among the ring's loaded (newest) members returns at once.
 * Otherwise one statement says whether the ring was watched and really never used the province before
 * (members beyond the loaded ones included), and the move is written once per new province: the ring row is
 * locked by the step, so two parcels arriving together in the new province take turns. A resolved alert is
 * found through the ring's loaded parcels (alert_parcels by parcel), which also finds the alert of a ring
 * merged into this one; alerts.group_key is indexed for unresolved alerts only.
 */
export async function noteMovement(db: Queryable, ring: RingState, member: RingMember, loaded: RingMember[], now: Date): Promise<AlertChange[]> {
  const to = provinceOf(member.regionCode);
  if (loaded.some((m) => provinceOf(m.regionCode) === to)) return [];
  const [facts] = await queryRows<{
    known: boolean;
    resolution: 'confirmed' | 'false_positive' | null;
    open_severity: 'low' | 'medium' | 'high' | null;
    last_region: string | null;
    outlet_name: string | null;
  }>(
    db,
    sql`select
          exists (select 1 from ring_events e where e.ring_id = ${ring.id} and e.kind = 'moved' and e.details ->> 'to' = ${to})
            or exists (select 1 from ring_members m where m.ring_id = ${ring.id} and m.parcel_id <> ${member.parcelId}
                        and m.split_at is null and m.region_code like ${`${to}%`}) as known,
          (select a.resolution from alerts a
            where a.id in (select ap.alert_id from alert_parcels ap where ap.parcel_id = any(${`{${loaded.map((m) => m.parcelId).join(',')}}`}::uuid[]))
              and a.type = 'ANT_MOVING' and a.status = 'resolved' and a.resolution in ('confirmed', 'false_positive')
            order by a.resolved_at desc limit 1) as resolution,
          (select a.severity from alerts a where a.id = ${ring.openAlertId}) as open_severity,
          (select m.region_code from ring_members m where m.ring_id = ${ring.id} and m.parcel_id <> ${member.parcelId} and m.split_at is null
             order by m.created_at desc limit 1) as last_region,
          (select o.name from outlets o where o.id = ${member.outletId}) as outlet_name`,
  );
  if (!facts || facts.known) return [];
  const status: WatchStatus | null = ring.openAlertId
    ? 'under_alert'
    : facts.resolution === 'confirmed'
      ? 'confirmed'
      : facts.resolution === 'false_positive' || ring.dampedCodes.length
        ? 'damped'
        : null;
  // A ring nobody looked at yet is just a ring spanning provinces: its own alert tells everyone when it qualifies.
  if (!status) return [];

  const previous = loaded.map((m) => m.regionCode);
  if (facts.last_region) previous.push(facts.last_region);
  const from = provinceOf(loaded[0]?.regionCode ?? facts.last_region ?? member.regionCode);
  const origin = [...new Set(previous)].filter((code) => provinceOf(code) !== to).slice(0, MAX_ORIGIN_REGIONS);
  const words = STATUS_WORDS[status];
  const outlet = facts.outlet_name ?? member.outletId;
  const params = {
    status: words.en,
    statusZh: words.zh,
    from: jurisdictionName(from, 'en'),
    fromZh: jurisdictionName(from, 'zh'),
    to: jurisdictionName(to, 'en'),
    toZh: jurisdictionName(to, 'zh'),
    waybillNo: member.waybillNo,
    outlet,
    at: counterTime(now),
  };
  const summary = bilingual('RING_MOVED_SUMMARY', params);
  const change = await raiseAlert(db, {
    type: 'RING_MOVED',
    groupKey: ringMovedGroupKey(ring.id, to),
    // A ring that moves after it was confirmed is evading: the strongest case there is.
    severity: status === 'confirmed' ? 'high' : status === 'damped' ? 'low' : facts.open_severity === 'high' ? 'high' : 'medium',
    summary,
    evidence: [{ code: 'RING_MOVED', ...bilingual('RING_MOVED', params) }],
    parcelId: member.parcelId,
    waybillNo: member.waybillNo,
    valueCny: member.valueCny,
    regionCode: member.regionCode,
    crossBorder: true,
    routeKey: member.routeKey,
    totals: {
      parcelCount: 1,
      totalValueCny: member.valueCny,
      waybills: [member.waybillNo],
      // The destination first: the alert was opened there; the origin's counters after it, so it sees and hears it.
      regionCodes: [member.regionCode, ...origin],
      parcelIds: [member.parcelId],
      byJurisdiction: { [to]: 1 },
      began: to,
    },
  });
  await db.execute(sql`
    insert into ring_events (ring_id, kind, at, details)
    values (${ring.id}, 'moved', ${now}, ${JSON.stringify({
      from,
      to,
      waybillNo: member.waybillNo,
      parcelId: member.parcelId,
      outletId: member.outletId,
      outletName: outlet,
      regionCode: member.regionCode,
      status,
      alertId: change.alert.id,
      ringAlertId: ring.openAlertId,
    })}::jsonb)`);
  return [change];
}
