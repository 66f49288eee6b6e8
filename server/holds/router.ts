// GET /api/holds, GET /api/holds/counts, POST /api/parcels/:waybillNo/release|refuse: what happens after `held`.
import { z } from 'zod';
import { HOLD_DISPOSITIONS, type Role } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { announceHold } from './events.js';
import { countHolds, decideHold, listHolds, presentHold, type Decision } from './store.js';
import { mayDecideHold } from './deciders.js';

export const HOLD_VIEW_ROLES: readonly Role[] = ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'];
export const HOLD_DECIDE_ROLES: readonly Role[] = ['outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'];
export const MAX_DECISION_NOTE = 2000;

const reasonSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string() });
export const holdSchema = z
  .object({
    waybillNo: z.string(),
    parcelId: z.string(),
    outletId: z.string(),
    reasons: z.array(reasonSchema),
    crossBorder: z.boolean(),
    heldAt: z.string(),
    dueAt: z.string(),
    status: z.enum(['pending', 'released', 'refused']),
    overdue: z.boolean(),
    overdueAt: z.string().optional(),
    mayDecide: z.boolean(),
    decision: z
      .object({ action: z.enum(['release', 'refuse']), by: z.string(), byRole: z.string(), at: z.string(), note: z.string(), disposition: z.enum(HOLD_DISPOSITIONS).optional() })
      .optional(),
  })
  .meta({ id: 'Hold' });

const note = z.string().trim().min(1).max(MAX_DECISION_NOTE);

export function registerHoldRoutes(api: Api, ctx: AppContext) {
  const { db } = ctx;

  api.route({
    method: 'get',
    path: '/api/holds',
    tag: 'Holds',
    summary: 'Held parcels the caller may see (couriers: their outlet, read-only); pending by due time, decided newest first',
    access: { roles: HOLD_VIEW_ROLES },
    query: z.strictObject({
      status: z.enum(['pending', 'decided']).optional(),
      reason: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).optional(),
      outletId: z.string().min(1).max(64).optional(),
      overdue: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of holds', schema: z.object({ holds: z.array(holdSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => ({ status: 200, body: await listHolds(db, user, query, new Date()) }),
  });

  api.route({
    method: 'get',
    path: '/api/holds/counts',
    tag: 'Holds',
    summary: 'Pending and overdue holds in the caller’s scope',
    access: { roles: HOLD_VIEW_ROLES },
    responses: { 200: { description: 'Counts', schema: z.object({ pending: z.number().int(), overdue: z.number().int() }) } },
    handler: async ({ user }) => ({ status: 200, body: await countHolds(db, user, new Date()) }),
  });

  const decisionRoute = (action: Decision['action']) => ({
    method: 'post' as const,
    path: `/api/parcels/:waybillNo/${action}`,
    tag: 'Holds',
    access: { roles: HOLD_DECIDE_ROLES },
    params: z.strictObject({ waybillNo: z.string().min(1).max(60) }),
    responses: {
      200: { description: 'Decided', schema: z.object({ hold: holdSchema }) },
      403: { description: 'HOLD_NOT_YOURS: its reasons are for another role' },
      404: { description: 'No such parcel in your area' },
      409: { description: 'NOT_HELD, or HOLD_ALREADY_DECIDED' },
    },
  });

  const decide = async (user: Parameters<typeof decideHold>[1], waybillNo: string, decision: Decision, requestId: string) => {
    const row = await decideHold(db, user, normalizeWaybill(waybillNo), decision, requestId);
    announceHold(ctx.bus, 'hold:updated', row); // committed: announced now
    return { status: 200, body: { hold: presentHold(row, mayDecideHold(user, row.hold)) } };
  };

  api.route({
    ...decisionRoute('release'),
    summary: 'Release a held parcel: it goes on (audited hold.release)',
    body: z.strictObject({ note }),
    handler: ({ req, params, body, user }) => decide(user, params.waybillNo, { action: 'release', note: body.note }, String(req.id)),
  });

  api.route({
    ...decisionRoute('refuse'),
    summary: 'Refuse a held parcel, saying where it went (audited hold.refuse)',
    body: z.strictObject({ note, disposition: z.enum(HOLD_DISPOSITIONS) }),
    handler: ({ req, params, body, user }) =>
      decide(user, params.waybillNo, { action: 'refuse', note: body.note, disposition: body.disposition }, String(req.id)),
  });
}
