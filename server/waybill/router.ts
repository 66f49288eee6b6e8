// GET /api/waybills/:waybillNo/status: whether a waybill was taken in already, asked by the handheld when the
// courier scans it, so a label used twice is caught at the scan rather than after every field is filled in.
// It answers only taken or not — no parcel, outlet or verdict — so it is open to every courier, whatever the
// outlet that took the parcel in (GET /api/parcels/:waybillNo shows a courier only their own outlet's parcels).
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { parcels } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { normalizeWaybill } from './waybills.js';

export function registerWaybillRoutes(api: Api, { db }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/waybills/:waybillNo/status',
    tag: 'Intake',
    summary: 'Whether a waybill number was taken in already (and nothing else), for the handheld to check a scan at once',
    access: { roles: ['courier'] },
    params: z.strictObject({ waybillNo: z.string().trim().min(1).max(60) }),
    responses: {
      200: { description: 'taken: a parcel with this waybill number exists (a second intake would be WAYBILL_DUPLICATE)', schema: z.object({ waybillNo: z.string(), taken: z.boolean() }) },
    },
    handler: async ({ params }) => {
      // The same normal form the intake stores and its unique index compares (server/intake/archive.ts).
      const waybillNo = normalizeWaybill(params.waybillNo);
      const [row] = await db.select({ id: parcels.id }).from(parcels).where(eq(parcels.waybillNo, waybillNo)).limit(1);
      return { status: 200, body: { waybillNo, taken: !!row } };
    },
  });
}
