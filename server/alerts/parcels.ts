// The parcels behind an alert, as a regulator reads a ring: who sent what to whom, from which counter, on
// which route, declared at what value against which limit — and what links them. Each sender, phone,
// address and consignee gets a short reference (S1, P2, A1, C3) so the console can show which parcels share
// it without handing out the blind indexes.
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { alertParcels, customsInspections, outlets, parcelInspections, parcels, parcelScreenings, ringMembers, senders } from '../../models/schema.js';
import { coversRegion, type AuthUser } from '../accounts/access.js';
import type { RingPolicy } from '../config.js';
import type { Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';
import { valueLimitFor } from '../rings/indicators.js';
import { retroFlagSchema, retroFlagsOnAlert } from '../watchlist/retro-view.js';

export const LINK_KINDS = ['sender', 'phone', 'address', 'consignee'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

const reasonSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });
export const alertParcelSchema = z.object({
  waybillNo: z.string(),
  createdAt: z.string(),
  outletId: z.string(),
  outletName: z.string(),
  routeKey: z.string().nullable(),
  verdict: z.string(),
  reasons: z.array(reasonSchema),
  sender: z.object({ ref: z.string(), idType: z.string(), idNumber: z.string(), name: z.string(), phoneRef: z.string(), phone: z.string(), addressRef: z.string(), address: z.string() }),
  recipient: z.object({ ref: z.string(), name: z.string(), country: z.string(), address: z.string(), phone: z.string().nullable() }),
  declared: z.object({ description: z.string(), category: z.string(), quantity: z.number().int(), valueCny: z.number(), brand: z.string().nullable() }),
  valueLimitCny: z.number(),
  /** Declared at or above the policy's share of the limit, and under it. */
  justUnderLimit: z.boolean(),
  inspectionMismatch: z.boolean(),
  screening: z.string(),
  customs: z.object({ selected: z.boolean(), outcome: z.string().nullable() }).nullable(),
  /** Met by this alert's entry when it was listed after intake, while the parcel was still in the network (server/watchlist/retro.ts). */
  flaggedInNetwork: retroFlagSchema.nullable(),
});
export type AlertParcel = z.output<typeof alertParcelSchema>;

export const alertParcelsSchema = z
  .object({
    parcels: z.array(alertParcelSchema),
    links: z.array(z.object({ kind: z.enum(LINK_KINDS), ref: z.string(), label: z.string(), waybills: z.array(z.string()) })),
    thresholds: z.object({ valueLimitCny: z.number(), valueLimitHmtCny: z.number(), justUnderShare: z.number() }),
    total: z.number().int(),
    truncated: z.boolean(),
    /** Some identities shown are masked: all of them unless unmasking was asked, else those outside your jurisdiction. */
    masked: z.boolean(),
  })
  .meta({ id: 'AlertParcels' });
export type AlertParcels = z.output<typeof alertParcelsSchema>;

/** Parcels shown on one alert; a suspect-listed brand can gather thousands, and nobody reads past these. */
export const MAX_ALERT_PARCELS = 500;

/**
 * Newest first. A customs officer sees the cross-border parcels only (as everywhere). `vault` present: identity
 * numbers and phones in full — of the parcels taken in inside the caller's jurisdiction; a ring reaching into
 * another province shows that province's parcels masked still. `unmasked` lists what was opened, to audit.
 */
export async function loadAlertParcels(
  db: Queryable,
  alertId: string,
  user: AuthUser,
  policy: RingPolicy,
  vault: PiiVault | null,
  max = MAX_ALERT_PARCELS,
): Promise<AlertParcels & { unmasked: string[] }> {
  const visible = and(eq(alertParcels.alertId, alertId), user.role === 'customs_officer' ? eq(parcels.crossBorder, true) : undefined);
  const rows = await db
    // total: all the alert's visible parcels, counted before the limit in the same query.
    .select({ p: parcels, s: senders, o: outlets, rm: ringMembers, ci: customsInspections, pi: parcelInspections, ps: parcelScreenings, total: sql<number>`(count(*) over ())::int` })
    .from(alertParcels)
    .innerJoin(parcels, eq(parcels.id, alertParcels.parcelId))
    .innerJoin(senders, eq(senders.id, parcels.senderId))
    .innerJoin(outlets, eq(outlets.id, parcels.outletId))
    .innerJoin(parcelInspections, eq(parcelInspections.parcelId, parcels.id))
    .innerJoin(parcelScreenings, eq(parcelScreenings.parcelId, parcels.id))
    .leftJoin(ringMembers, eq(ringMembers.parcelId, parcels.id))
    .leftJoin(customsInspections, eq(customsInspections.parcelId, parcels.id))
    .where(visible)
    .orderBy(desc(parcels.createdAt), desc(parcels.id))
    .limit(max);
  const total = rows[0]?.total ?? 0;
  const flags = await retroFlagsOnAlert(db, alertId, rows.map((r) => r.p.id));

  const refs = new Refs();
  const unmasked: string[] = [];
  // References are numbered from the oldest parcel, the order the ring formed in.
  const list = [...rows].reverse().map(({ p, s, o, rm, ci, pi, ps }): AlertParcel => {
    const limit = valueLimitFor(p.recipientCountry, policy);
    const open = vault && coversRegion(user, p.regionCode) ? vault : null;
    if (open) unmasked.push(p.waybillNo);
    const phone = open ? open.open('phone', p.senderPhoneSealed) : p.senderPhoneMasked;
    const idNumber = open ? open.open('id_number', s.idSealed) : s.idMasked;
    const addressKey = rm?.senderAddressKey ?? p.senderAddress.trim().toLowerCase();
    const consigneeKey = rm?.consigneeKey ?? `${p.recipientCountry}|${p.recipientPhoneBlind ?? p.recipientAddress.trim().toLowerCase()}`;
    return {
      waybillNo: p.waybillNo,
      createdAt: p.createdAt.toISOString(),
      outletId: p.outletId,
      outletName: o.name,
      routeKey: ci?.routeKey ?? rm?.routeKey ?? null,
      verdict: p.verdict,
      reasons: p.reasons,
      sender: {
        ref: refs.of('sender', s.id, `${p.senderName} ${idNumber}`, p.waybillNo),
        idType: s.idType,
        idNumber,
        name: p.senderName,
        phoneRef: refs.of('phone', p.senderPhoneBlind, phone, p.waybillNo),
        phone,
        addressRef: refs.of('address', addressKey, p.senderAddress, p.waybillNo),
        address: p.senderAddress,
      },
      recipient: {
        ref: refs.of('consignee', consigneeKey, `${p.recipientName}, ${p.recipientCountry}`, p.waybillNo),
        name: p.recipientName,
        country: p.recipientCountry,
        address: p.recipientAddress,
        phone: p.recipientPhoneSealed ? (open ? open.open('phone', p.recipientPhoneSealed) : p.recipientPhoneMasked) : null,
      },
      declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity, valueCny: p.declaredValueCny, brand: p.declaredBrand },
      valueLimitCny: limit,
      justUnderLimit: p.declaredValueCny < limit && p.declaredValueCny >= limit * policy.justUnderShare,
      inspectionMismatch: pi.matchesDeclaration === false,
      screening: ps.result,
      customs: ci ? { selected: ci.selected, outcome: ci.outcome } : null,
      flaggedInNetwork: flags.get(p.id) ?? null,
    };
  });
  return {
    parcels: list.reverse(),
    links: refs.all(),
    thresholds: { valueLimitCny: policy.valueLimitCny, valueLimitHmtCny: policy.valueLimitHmtCny, justUnderShare: policy.justUnderShare },
    total,
    truncated: total > rows.length,
    masked: unmasked.length < list.length,
    unmasked,
  };
}

/** Short references per distinct value of each kind, with the parcels that share it; the most shared first. */
class Refs {
  private readonly byKey = new Map<string, { kind: LinkKind; ref: string; label: string; waybills: string[] }>();
  private readonly counts = new Map<LinkKind, number>();

  of(kind: LinkKind, key: string, label: string, waybillNo: string): string {
    const k = `${kind}\u0000${key}`;
    let entry = this.byKey.get(k);
    if (!entry) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      entry = { kind, ref: `${PREFIX[kind]}${n}`, label, waybills: [] };
      this.byKey.set(k, entry);
    }
    entry.waybills.push(waybillNo);
    return entry.ref;
  }

  all() {
    return [...this.byKey.values()].sort((a, b) => b.waybills.length - a.waybills.length || LINK_KINDS.indexOf(a.kind) - LINK_KINDS.indexOf(b.kind));
  }
}

const PREFIX: Record<LinkKind, string> = { sender: 'S', phone: 'P', address: 'A', consignee: 'C' };
