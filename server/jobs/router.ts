// GET /api/jobs and GET /api/jobs/schedules: what is queued, running, done and failed, for the admin console.
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { JOB_STATES, jobs, jobSchedules } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';

const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    key: z.string(),
    state: z.enum(JOB_STATES),
    runAt: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().optional().meta({ description: 'The error class and code of the last failed attempt (never personal data)' }),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .meta({ id: 'Job' });

const scheduleSchema = z
  .object({ name: z.string(), kind: z.string(), rule: z.string(), nextRunAt: z.string(), lastRunAt: z.string().optional() })
  .meta({ id: 'JobSchedule' });

export function registerJobRoutes(api: Api, { db }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/jobs',
    tag: 'Jobs',
    summary: 'Jobs, newest first: queued, running, done (kept a week) and failed',
    access: { roles: ['admin'] },
    query: z.object({
      state: z.enum(JOB_STATES).optional(),
      kind: z.string().max(60).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of jobs', schema: z.object({ jobs: z.array(jobSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await db
        .select()
        .from(jobs)
        .where(
          and(
            query.state ? eq(jobs.state, query.state) : undefined,
            query.kind ? eq(jobs.kind, query.kind) : undefined,
            cursor ? or(lt(jobs.createdAt, cursor.at), and(eq(jobs.createdAt, cursor.at), lt(jobs.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(jobs.createdAt), desc(jobs.id))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (j) => ({ at: j.createdAt, id: j.id }));
      return {
        status: 200,
        body: {
          jobs: page.map((j) => ({
            id: j.id,
            kind: j.kind,
            key: j.key,
            state: j.state,
            runAt: j.runAt.toISOString(),
            attempts: j.attempts,
            maxAttempts: j.maxAttempts,
            ...(j.lastError ? { lastError: j.lastError } : {}),
            createdAt: j.createdAt.toISOString(),
            ...(j.startedAt ? { startedAt: j.startedAt.toISOString() } : {}),
            ...(j.finishedAt ? { finishedAt: j.finishedAt.toISOString() } : {}),
          })),
          nextCursor,
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/jobs/schedules',
    tag: 'Jobs',
    summary: 'The schedules: each rule (Beijing time) and when it next runs',
    access: { roles: ['admin'] },
    responses: { 200: { description: 'The schedules', schema: z.object({ schedules: z.array(scheduleSchema) }) } },
    handler: async () => {
      const rows = await db.select().from(jobSchedules).orderBy(jobSchedules.name);
      return {
        status: 200,
        body: { schedules: rows.map((s) => ({ name: s.name, kind: s.kind, rule: s.rule, nextRunAt: s.nextRunAt.toISOString(), ...(s.lastRunAt ? { lastRunAt: s.lastRunAt.toISOString() } : {}) })) },
      };
    },
  });
}
