// Liveness and readiness for load balancers and orchestrators; no login.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ApiError } from '../http/errors.js';

const READY_TIMEOUT_MS = 2000;

export function registerHealthRoutes(api: Api, { db, dbKind }: AppContext) {
  api.route({
    method: 'get',
    path: '/healthz',
    tag: 'Health',
    summary: 'The process is up',
    access: { public: true },
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: () => ({ status: 200, body: { status: 'ok' } }),
  });

  api.route({
    method: 'get',
    path: '/readyz',
    tag: 'Health',
    summary: 'The database answers',
    access: { public: true },
    responses: {
      200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) }) },
      503: { description: 'The database does not answer' },
    },
    handler: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([db.execute(sql`select 1`), timeout]);
      } catch {
        throw new ApiError(503, 'DATABASE_UNAVAILABLE', 'Not ready', 'The database does not answer.', undefined, { 'Retry-After': '5' });
      } finally {
        clearTimeout(timer);
      }
      return { status: 200, body: { status: 'ready', database: dbKind } };
    },
  });
}
