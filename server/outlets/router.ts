import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { regionScope } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import { createOutlet, listOutlets, newOutletSchema, outletSchema } from './outlets.js';

export function registerOutletRoutes(api: Api, { db }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/outlets',
    tag: 'Outlets',
    summary: 'Outlets in your area: a courier sees their own, officers their jurisdiction, admins all',
    access: { roles: ['courier', 'postal_regulator', 'customs_officer', 'admin'] },
    responses: { 200: { description: 'Outlets', schema: z.object({ outlets: z.array(outletSchema) }) } },
    handler: async ({ user }) => {
      const all = await listOutlets(db, regionScope(user));
      const outlets = user.role === 'courier' ? all.filter((o) => o.id === user.outletId) : all;
      return { status: 200, body: { outlets } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/outlets',
    tag: 'Outlets',
    summary: 'Register an outlet',
    access: { roles: ['admin'] },
    body: newOutletSchema,
    responses: { 201: { description: 'Created', schema: outletSchema }, 409: { description: 'Outlet id taken' } },
    handler: async ({ req, body, user }) => {
      const outlet = await createOutlet(db, body);
      await recordAudit(db, { actor: user, action: 'outlet.create', subjectType: 'outlet', subjectId: outlet.id, requestId: String(req.id) });
      return { status: 201, body: outlet };
    },
  });
}
