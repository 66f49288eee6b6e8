// POST /api/parcels (intake) and GET /api/parcels/:waybillNo (the stored record, masked unless the role
// may see identities and asks to; every view is audited, and every unmasked one says so).
import { asc, eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { customsInspections, organisations, parcelInspections, parcelItems, parcels, parcelScreenings, senders } from '../../models/schema.js';
import { assertMayUnmask, coversRegion, isOutletBound, type AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import { mayDecideHold } from '../holds/deciders.js';
import { decisionsOf, loadHold, presentHold } from '../holds/store.js';
import { parcelCustoms } from '../customs/ip.js';
import { interceptionOfParcel } from '../interception/orders.js';
import type { Api } from '../http/api.js';
import { NotFoundError } from '../http/errors.js';
import type { PiiVault } from '../privacy/pii.js';
import { retroFlagsOfParcel } from '../watchlist/retro-view.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import type { Foreground } from './foreground.js';
import type { IntakeStep } from './pipeline.js';
import { intakeFieldCodes, intakeRequestSchema, intakeResponseSchema } from './schema.js';
import { createIntakeService } from './service.js';

export function registerIntakeRoutes(api: Api, ctx: AppContext, vault: PiiVault, steps: IntakeStep[], foreground?: Foreground) {
  const { db } = ctx;
  const takeIn = createIntakeService(db, vault, steps, ctx.clock, foreground);

  api.route({
    method: 'post',
    path: '/api/parcels',
    tag: 'Intake',
    summary: 'Take in a parcel: identity, waybill, inspection and screening checked; a verdict at once',
    access: { roles: ['courier'] },
    body: intakeRequestSchema,
    fieldCodes: intakeFieldCodes,
    headers: z.object({ 'Idempotency-Key': z.string().optional().meta({ description: 'A UUID per intake; a retry with the same key and body returns the first answer' }) }),
    responses: {
      201: { description: 'Decided and stored (accepted, held or rejected)', schema: intakeResponseSchema },
      409: { description: 'WAYBILL_DUPLICATE: the waybill was taken in already' },
      422: {
        description:
          'Field problems, each at its path: ID_INVALID, PHONE_INVALID, NAME_INVALID…; for an organisation sender USCC_INVALID, ORGANISATION_NOT_APPROVED (sender.uscc), HANDLER_REQUIRED (sender.handler); for item lines HS_CODE_INVALID, VALUE_MISMATCH (declared.valueCny), QUANTITY_MISMATCH (declared.quantity); DESCRIPTION_VAGUE on a cross-border parcel',
      },
    },
    handler: async ({ req, body, user }) => {
      const outcome = await takeIn(user, body, req.get('Idempotency-Key'));
      return { status: outcome.status, body: outcome.body, headers: outcome.replayed ? { 'Idempotent-Replayed': 'true' } : undefined };
    },
  });

  api.route({
    method: 'get',
    path: '/api/parcels/:waybillNo',
    tag: 'Intake',
    summary: 'A stored parcel with its hold and decisions; identities masked unless ?unmask=true by a role that may see them (every read audited)',
    access: { roles: ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'] },
    params: z.strictObject({ waybillNo: z.string().min(1).max(60) }),
    query: z.object({ unmask: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    responses: { 200: { description: 'The parcel record', schema: z.object({ parcel: z.record(z.string(), z.unknown()) }) }, 404: { description: 'No such parcel in your area' } },
    handler: async ({ req, params, query, user }) => {
      if (query.unmask) assertMayUnmask(user);
      const row = await loadParcel(ctx, normalizeWaybill(params.waybillNo));
      if (!row || !mayView(user, row.parcel)) throw new NotFoundError(`No parcel ${params.waybillNo} in your area.`, 'PARCEL_NOT_FOUND');
      // Every read is recorded (issue 14.14): masked, the record still shows names and addresses. One row per
      // read: pii.unmask when identities were opened in full, pii.read otherwise.
      await recordAudit(db, {
        actor: user,
        action: query.unmask ? 'pii.unmask' : 'pii.read',
        subjectType: 'parcel',
        subjectId: row.parcel.waybillNo,
        requestId: String(req.id),
        details: query.unmask ? { fields: ['sender.idNumber', 'sender.phone', 'recipient.phone', ...(row.handler ? ['handler.idNumber', 'handler.phone'] : [])] } : { masked: true },
      });
      // After the verdict: the hold (if held) as the holds API shows it to this user, and its decisions.
      const hold = await loadHold(db, row.parcel.id);
      const decisions = hold ? await decisionsOf(db, row.parcel.id) : [];
      // Suspect-list entries listed after intake that met it while still in the network (server/watchlist/retro.ts).
      const retroFlags = await retroFlagsOfParcel(db, row.parcel.id);
      const parcel = { ...presentParcel(row, query.unmask ? vault : null), hold: hold ? presentHold(hold, mayDecideHold(user, hold.hold)) : null, decisions, retroFlags, interception: await interceptionOfParcel(db, row.parcel.id) };
      // Customs' part (selection grounds, outcome, right-holder notices, disposal) for the roles that read customs data.
      if (CUSTOMS_READERS.includes(user.role) && row.customs) Object.assign(parcel, { customs: await parcelCustoms(db, row.parcel.id, new Date()) });
      return { status: 200, body: { parcel } };
    },
  });
}

const CUSTOMS_READERS: readonly string[] = ['customs_officer', 'postal_regulator', 'admin'];

/** Who may see a parcel (and so its inspection photos, server/media/). */
export function mayView(user: AuthUser, p: typeof parcels.$inferSelect): boolean {
  if (isOutletBound(user.role)) return p.outletId === user.outletId;
  if (user.role === 'customs_officer') return p.crossBorder && coversRegion(user, p.regionCode);
  return coversRegion(user, p.regionCode);
}

/** An organisation's handler: their own archive row. */
const handlers = alias(senders, 'handlers');

async function loadParcel({ db }: AppContext, waybillNo: string) {
  const [row] = await db
    .select({
      parcel: parcels,
      sender: senders,
      inspection: parcelInspections,
      screening: parcelScreenings,
      customs: customsInspections,
      organisation: { id: organisations.id, uscc: organisations.uscc, name: organisations.name },
      handler: handlers,
    })
    .from(parcels)
    .innerJoin(senders, eq(senders.id, parcels.senderId))
    .innerJoin(parcelInspections, eq(parcelInspections.parcelId, parcels.id))
    .innerJoin(parcelScreenings, eq(parcelScreenings.parcelId, parcels.id))
    .leftJoin(customsInspections, eq(customsInspections.parcelId, parcels.id))
    .leftJoin(organisations, eq(organisations.id, parcels.organisationId))
    .leftJoin(handlers, eq(handlers.id, parcels.handlerSenderId))
    .where(eq(parcels.waybillNo, waybillNo));
  if (!row) return undefined;
  // Item lines (CN 23-like), in their order; most parcels have none.
  const items = await db.select().from(parcelItems).where(eq(parcelItems.parcelId, row.parcel.id)).orderBy(asc(parcelItems.lineNo));
  return { ...row, items };
}

type ParcelRow = NonNullable<Awaited<ReturnType<typeof loadParcel>>>;

function presentParcel({ parcel: p, sender, inspection, screening, customs, organisation, handler, items }: ParcelRow, vault: PiiVault | null) {
  return {
    id: p.id,
    waybillNo: p.waybillNo,
    carrier: p.carrier,
    channel: p.channel,
    outletId: p.outletId,
    regionCode: p.regionCode,
    status: p.status,
    verdict: p.verdict,
    reasons: p.reasons,
    crossBorder: p.crossBorder,
    createdAt: p.createdAt.toISOString(),
    masked: !vault,
    sender: {
      idType: sender.idType,
      idNumber: vault ? vault.open('id_number', sender.idSealed) : sender.idMasked,
      name: p.senderName,
      phone: vault ? vault.open('phone', p.senderPhoneSealed) : p.senderPhoneMasked,
      address: p.senderAddress,
      archive: { firstSeenAt: sender.firstSeenAt.toISOString(), lastSeenAt: sender.lastSeenAt.toISOString(), parcelCount: sender.parcelCount, outletIds: sender.outletIds },
    },
    // An organisation sender (协议客户; its code is public) and the person who handed the parcel over, masked like a sender.
    organisation: organisation ? { id: organisation.id, uscc: organisation.uscc, name: organisation.name } : null,
    handler: handler
      ? {
          idType: handler.idType,
          idNumber: vault ? vault.open('id_number', handler.idSealed) : handler.idMasked,
          name: handler.name,
          phone: handler.phoneSealed ? (vault ? vault.open('phone', handler.phoneSealed) : handler.phoneMasked) : null,
        }
      : null,
    recipient: {
      name: p.recipientName,
      phone: p.recipientPhoneSealed ? (vault ? vault.open('phone', p.recipientPhoneSealed) : p.recipientPhoneMasked) : null,
      address: p.recipientAddress,
      country: p.recipientCountry,
    },
    declared: {
      description: p.declaredDescription,
      category: p.declaredCategory,
      quantity: p.declaredQuantity,
      valueCny: p.declaredValueCny,
      brand: p.declaredBrand,
      items: items.map((i) => ({
        lineNo: i.lineNo,
        description: i.description,
        hsCode: i.hsCode,
        quantity: i.quantity,
        netWeightKg: i.netWeightKg,
        valueCny: i.valueCny,
        originCountry: i.originCountry,
      })),
    },
    inspection: {
      performed: inspection.performed,
      refused: inspection.refused,
      matchesDeclaration: inspection.matchesDeclaration,
      notes: inspection.notes,
      photoIds: inspection.photoIds,
      inspectedAt: inspection.inspectedAt.toISOString(),
    },
    screening: { result: screening.result, machineId: screening.machineId, screenedAt: screening.screenedAt.toISOString() },
    customsInspection: customs
      ? {
          selected: customs.selected,
          rate: customs.rate,
          routeKey: customs.routeKey,
          outcome: customs.outcome,
          note: customs.outcomeNote,
          decidedBy: customs.decidedByName,
          decidedAt: customs.decidedAt?.toISOString() ?? null,
        }
      : null,
  };
}
