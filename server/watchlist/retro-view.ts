// What retroactive screening shows: a run's progress and counts (GET /api/watchlist/retro/:jobId), and the flags on
// past parcels still in the network, on the parcel's record and among its alert's parcels.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { jobs, watchlistRetroFlags, watchlistRetroRuns } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { NotFoundError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { RETRO_MESSAGES, type RetroStatus } from './retro.js';

export const retroScreeningSchema = z
  .object({
    /** The screening's id (its queue jobs are keyed watchlist.retro:<jobId>:<chunk>). */
    jobId: z.string().uuid(),
    lookbackDays: z.number().int(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
  })
  .meta({ id: 'RetroScreening' });

export const retroRunSchema = retroScreeningSchema
  .extend({
    source: z.enum(['entries', 'import']),
    /** How many entries it screens for (those the request created; duplicates were screened when first listed). */
    entries: z.number().int(),
    windowFrom: z.string(),
    windowTo: z.string(),
    parcelsScreened: z.number().int(),
    /** Past parcels that met at least one of the entries. */
    matched: z.number().int(),
    alertsOpened: z.number().int(),
    alertsGrown: z.number().int(),
    /** Matched parcels still in the network, flagged on their record. */
    flaggedInNetwork: z.number().int(),
    matchedByProvince: z.record(z.string(), z.number().int()),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'RetroScreeningRun' });

type Run = typeof watchlistRetroRuns.$inferSelect;

/** Done when its cursor passed the window; failed when its queue job failed for good; running once a worker has it. */
function statusOf(run: Run, jobState: string | null): RetroStatus {
  if (run.status === 'done') return 'done';
  if (jobState === 'failed') return 'failed';
  return run.status === 'running' || jobState === 'running' ? 'running' : 'queued';
}

/** Officers see the runs of their jurisdiction (as for deleting entries); admins all. Elsewhere: 404. */
function mayView(user: AuthUser, run: Run): boolean {
  if (user.role === 'admin') return true;
  return !!user.jurisdiction && !!run.jurisdiction && run.jurisdiction.startsWith(user.jurisdiction);
}

export async function loadRetroRun(db: Queryable, id: string, user: AuthUser): Promise<z.output<typeof retroRunSchema>> {
  const [row] = await db
    .select({ run: watchlistRetroRuns, jobState: jobs.state })
    .from(watchlistRetroRuns)
    .leftJoin(jobs, eq(jobs.key, watchlistRetroRuns.jobKey))
    .where(eq(watchlistRetroRuns.id, id));
  if (!row || !mayView(user, row.run)) throw withMessage(new NotFoundError('', 'RETRO_NOT_FOUND'), bilingual(RETRO_MESSAGES.RETRO_NOT_FOUND, { id }));
  const r = row.run;
  return {
    jobId: r.id,
    lookbackDays: r.lookbackDays,
    status: statusOf(r, row.jobState),
    source: r.source,
    entries: r.entryCount,
    windowFrom: r.windowFrom.toISOString(),
    windowTo: r.windowTo.toISOString(),
    parcelsScreened: r.parcelsScreened,
    matched: r.matched,
    alertsOpened: r.alertsOpened,
    alertsGrown: r.alertsGrown,
    flaggedInNetwork: r.flaggedInNetwork,
    matchedByProvince: r.matchedByProvince,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

const reasonSchema = z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() });

export const retroFlagSchema = z
  .object({
    entryId: z.string().uuid(),
    listType: z.string(),
    /** The entry as people see it (masked for ID numbers and phones). */
    entry: z.string(),
    alertId: z.string().uuid().nullable(),
    reason: reasonSchema,
    flaggedAt: z.string(),
  })
  .meta({ id: 'RetroFlag' });
export type RetroFlag = z.output<typeof retroFlagSchema>;

const presentFlag = (f: typeof watchlistRetroFlags.$inferSelect): RetroFlag => ({
  entryId: f.entryId,
  listType: f.listType,
  entry: f.entryValue,
  alertId: f.alertId,
  reason: f.reason,
  flaggedAt: f.flaggedAt.toISOString(),
});

/** The flags on one parcel: entries listed after it was taken in, while it was still in the network. */
export async function retroFlagsOfParcel(db: Queryable, parcelId: string): Promise<RetroFlag[]> {
  const rows = await db.select().from(watchlistRetroFlags).where(eq(watchlistRetroFlags.parcelId, parcelId)).orderBy(watchlistRetroFlags.flaggedAt);
  return rows.map(presentFlag);
}

/** Parcel id → its flag on this alert, for the alert's parcels. */
export async function retroFlagsOnAlert(db: Queryable, alertId: string, parcelIds: string[]): Promise<Map<string, RetroFlag>> {
  if (!parcelIds.length) return new Map();
  const rows = await db
    .select()
    .from(watchlistRetroFlags)
    .where(and(eq(watchlistRetroFlags.alertId, alertId), inArray(watchlistRetroFlags.parcelId, parcelIds)));
  return new Map(rows.map((f) => [f.parcelId, presentFlag(f)]));
}
