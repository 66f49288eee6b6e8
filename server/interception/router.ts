// GET /api/interceptions, GET /api/interceptions/counts, POST /api/parcels/:waybillNo/intercept (an officer orders),
// POST /api/parcels/:waybillNo/interception (the outlet answers). Orders from alerts and lists are made where those
// are raised (server/alerts/alerts.ts raiseAlert, server/watchlist/retro.ts).
import { z } from 'zod';
import type { Role } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { announceInterception, relayAlertInterceptions } from './events.js';
import { countOrders, INTERCEPTION_CLOSED, INTERCEPTION_RESULTS, listOrders, useInterceptionPolicy } from './orders.js';
import { answerOrder, orderByHand } from './service.js';

export const INTERCEPTION_VIEW_ROLES: readonly Role[] = ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'];
/** Service accounts are couriers of their outlet (or of the outlet they name): they answer like the counter does. */
export const INTERCEPTION_ANSWER_ROLES: readonly Role[] = ['courier', 'outlet_supervisor', 'postal_regulator', 'admin'];
export const INTERCEPTION_ORDER_ROLES: readonly Role[] = ['postal_regulator', 'customs_officer', 'admin'];
const MAX_NOTE = 2000;

const reasonSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string() });
export const interceptionSchema = z
  .object({
    id: z.string(),
    waybillNo: z.string(),
    outletId: z.string(),
    regionCode: z.string(),
    crossBorder: z.boolean(),
    status: z.enum(['requested', ...INTERCEPTION_CLOSED]),
    orderedAt: z.string(),
    dueAt: z.string(),
    /** Unanswered past its due time (escalated, or about to be). */
    overdue: z.boolean(),
    escalatedAt: z.string().nullable(),
    sources: z.array(
      z.object({
        kind: z.enum(['alert', 'watchlist_entry', 'manual']),
        alertId: z.string().nullable(),
        entryId: z.string().nullable(),
        by: z.string().nullable(),
        note: z.string().nullable(),
        reason: reasonSchema,
        at: z.string(),
      }),
    ),
    answer: z
      .object({ result: z.enum(INTERCEPTION_CLOSED), note: z.string().nullable(), by: z.string().nullable(), byRole: z.string().nullable(), at: z.string() })
      .nullable(),
  })
  .meta({ id: 'Interception' });

const waybillParams = z.strictObject({ waybillNo: z.string().min(1).max(60) });

export function registerInterceptionRoutes(api: Api, ctx: AppContext) {
  const { db } = ctx;
  useInterceptionPolicy(ctx.config.interception, ctx.config.watchlistRetro);
  relayAlertInterceptions(ctx.bus);

  api.route({
    method: 'get',
    path: '/api/interceptions',
    tag: 'Interception',
    summary: 'Interception orders the caller may see (outlet: its own; officers: their jurisdiction); open ones most urgent first',
    access: { roles: INTERCEPTION_VIEW_ROLES },
    query: z.strictObject({
      status: z.enum(['open', 'answered', 'all', ...INTERCEPTION_CLOSED]).default('open'),
      outletId: z.string().min(1).max(64).optional(),
      overdue: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
      alertId: z.string().uuid().optional(),
      caseId: z.string().uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of orders', schema: z.object({ interceptions: z.array(interceptionSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => ({ status: 200, body: await listOrders(db, user, query, ctx.clock()) }),
  });

  api.route({
    method: 'get',
    path: '/api/interceptions/counts',
    tag: 'Interception',
    summary: 'Open and overdue interception orders in the caller’s scope',
    access: { roles: INTERCEPTION_VIEW_ROLES },
    responses: { 200: { description: 'Counts', schema: z.object({ open: z.number().int(), overdue: z.number().int() }) } },
    handler: async ({ user }) => ({ status: 200, body: await countOrders(db, user, ctx.clock()) }),
  });

  api.route({
    method: 'post',
    path: '/api/parcels/:waybillNo/intercept',
    tag: 'Interception',
    summary: 'Order a parcel on its way stopped (audited interception.order); ordered already: this order is added as a source',
    access: { roles: INTERCEPTION_ORDER_ROLES },
    params: waybillParams,
    body: z.strictObject({ note: z.string().trim().min(1).max(MAX_NOTE) }),
    responses: {
      200: { description: 'Ordered already: the order, with this one among its sources', schema: z.object({ interception: interceptionSchema }) },
      201: { description: 'Ordered', schema: z.object({ interception: interceptionSchema }) },
      404: { description: 'No such parcel in your area (customs officers: cross-border parcels only)' },
      409: { description: 'NOT_INTERCEPTABLE (not accepted and on its way), INTERCEPTION_ALREADY_ANSWERED' },
    },
    handler: async ({ req, params, body, user }) => {
      const { created, order } = await orderByHand(ctx, user, normalizeWaybill(params.waybillNo), body.note, String(req.id));
      if (created) announceInterception(ctx.bus, 'interception:ordered', order); // committed: announced now
      return { status: created ? 201 : 200, body: { interception: order } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/parcels/:waybillNo/interception',
    tag: 'Interception',
    summary: 'Answer an interception order: intercepted (the parcel is held), not_found or already_delivered with a note (audited)',
    access: { roles: INTERCEPTION_ANSWER_ROLES },
    params: waybillParams,
    body: z.strictObject({ result: z.enum(INTERCEPTION_RESULTS), note: z.string().max(MAX_NOTE).optional() }),
    responses: {
      200: { description: 'Answered', schema: z.object({ interception: interceptionSchema }) },
      404: { description: 'No such parcel at your outlet or in your area' },
      409: { description: 'NOT_ORDERED, INTERCEPTION_ALREADY_ANSWERED' },
      422: { description: 'NOTE_REQUIRED (not found, already delivered)' },
    },
    handler: async ({ req, params, body, user }) => ({
      status: 200,
      body: { interception: await answerOrder(ctx, user, normalizeWaybill(params.waybillNo), body, String(req.id)) },
    }),
  });
}
