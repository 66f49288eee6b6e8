// GET /api/alerts and /api/alerts/:id: each person sees what their role and jurisdiction allow.
import { and, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { alerts } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { NotFoundError } from '../http/errors.js';
import { ALERT_ROLES } from '../realtime/socket.js';
import { alertSchema, presentAlert } from './alerts.js';

/** Regulators: alerts touching an outlet in their area. Customs officers: the cross-border ones of those. */
export function alertScope(user: AuthUser): SQL | undefined {
  if (user.role === 'admin') return undefined;
  const inArea = sql`exists (select 1 from unnest(${alerts.regionCodes}) as r(code) where r.code like ${`${user.jurisdiction}%`})`;
  return user.role === 'customs_officer' ? and(inArea, eq(alerts.crossBorder, true)) : inArea;
}

export function registerAlertRoutes(api: Api, { db }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/alerts',
    tag: 'Alerts',
    summary: 'Alerts in your jurisdiction, most recently changed first; ?since= for what changed after a time',
    access: { roles: ALERT_ROLES },
    query: z.object({
      status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
      type: z.string().regex(/^[A-Z_]{2,40}$/).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of alerts', schema: z.object({ alerts: z.array(alertSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await db
        .select()
        .from(alerts)
        .where(
          and(
            alertScope(user),
            query.status ? eq(alerts.status, query.status) : undefined,
            query.type ? eq(alerts.type, query.type) : undefined,
            query.since ? gt(alerts.updatedAt, new Date(query.since)) : undefined,
            cursor ? or(lt(alerts.updatedAt, cursor.at), and(eq(alerts.updatedAt, cursor.at), lt(alerts.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(alerts.updatedAt), desc(alerts.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        status: 200,
        body: { alerts: page.map(presentAlert), nextCursor: rows.length > query.limit && last ? encodeCursor(last.updatedAt, last.id) : null },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/alerts/:id',
    tag: 'Alerts',
    summary: 'One alert with its evidence',
    access: { roles: ALERT_ROLES },
    params: z.strictObject({ id: z.string().uuid() }),
    responses: { 200: { description: 'The alert', schema: alertSchema }, 404: { description: 'No such alert in your jurisdiction' } },
    handler: async ({ params, user }) => {
      const [row] = await db.select().from(alerts).where(and(eq(alerts.id, params.id), alertScope(user)));
      if (!row) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
      return { status: 200, body: presentAlert(row) };
    },
  });
}
