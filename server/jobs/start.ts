// The kinds of work done later and their schedules, wired at start (server/server.ts). A capability that needs
// scheduled work adds its kind and its schedule here; it starts no timer of its own (STYLE.md #11).
import type { AppContext } from '../context.js';
import { ESCALATE_JOB_KIND, escalateOverdueHolds } from '../holds/escalate.js';
import { runHousekeeping } from '../housekeeping.js';
import { escalateOverdueOrders, INTERCEPTION_ESCALATE_JOB_KIND } from '../interception/service.js';
import { anchorChain } from '../audit/chain.js';
import { purgeJob, PURGE_JOB_KIND, PURGE_SCHEDULE } from '../privacy/router.js';
import { storeReports } from '../reports/archive.js';
import { RETRO_JOB_KIND, runRetroJob } from '../watchlist/retro.js';
import { defineJobKind } from './registry.js';
import { startJobRunner, type JobRunner } from './runner.js';
import { seedSchedules, type ScheduleSeed } from './scheduler.js';

export const SCHEDULES: ScheduleSeed[] = [
  // 每周五下班前报送: the weekly table covers the ISO week containing that Friday, up to 17:00.
  { name: 'reports.weekly', kind: 'reports.weekly', rule: 'weekly fri 17:00 Asia/Shanghai' },
  { name: 'reports.monthly', kind: 'reports.monthly', rule: 'monthly last 17:00 Asia/Shanghai' },
  { name: 'holds.escalate', kind: ESCALATE_JOB_KIND, rule: 'every 60s' },
  { name: 'interceptions.escalate', kind: INTERCEPTION_ESCALATE_JOB_KIND, rule: 'every 60s' },
  { name: 'housekeeping', kind: 'housekeeping', rule: 'every 3600s' },
  // Retention (issue 21): what aged out is deleted or anonymised; the audit chain's head is signed every 5 minutes.
  PURGE_SCHEDULE,
  { name: 'audit.anchor', kind: 'audit.anchor', rule: 'every 300s' },
];

/** The occurrence a scheduled job stands for (its payload's `at`), or the runner's clock for one enqueued by hand. */
const occurrenceOf = (payload: Record<string, unknown>, now: Date) => (typeof payload.at === 'string' ? new Date(payload.at) : now);

export function defineJobKinds(): void {
  defineJobKind('reports.weekly', async (ctx, job, now) => {
    const stored = await storeReports(ctx.db, 'weekly', occurrenceOf(job.payload, now));
    ctx.log.info({ jobId: job.id, key: job.key, stored }, 'weekly reports stored');
  });
  defineJobKind('reports.monthly', async (ctx, job, now) => {
    const stored = await storeReports(ctx.db, 'monthly', occurrenceOf(job.payload, now));
    ctx.log.info({ jobId: job.id, key: job.key, stored }, 'monthly reports stored');
  });
  // Escalation looks at the holds as they are now, not at the minute it was scheduled for.
  defineJobKind(ESCALATE_JOB_KIND, async (ctx, _job, now) => {
    await escalateOverdueHolds(ctx, now);
  });
  // Interception orders unanswered past due, as overdue holds.
  defineJobKind(INTERCEPTION_ESCALATE_JOB_KIND, async (ctx, _job, now) => {
    await escalateOverdueOrders(ctx, now);
  });
  // Expired sessions, idempotency keys past retention, ring links older than the longest window.
  defineJobKind('housekeeping', async (ctx, _job, now) => {
    const { config } = ctx;
    await runHousekeeping(ctx.db, { idempotencyTtlMs: config.idempotencyTtlMs, ringWindowMs: config.ring.linkMs }, ctx.log, now);
  });
  // New suspect-list entries screening past parcels (enqueued when listed, not scheduled); a long run hands on to a follow-up job.
  defineJobKind(RETRO_JOB_KIND, async (ctx, job) => {
    await runRetroJob(ctx, String(job.payload.runId));
  });
  defineJobKind(PURGE_JOB_KIND, purgeJob);
  defineJobKind('audit.anchor', async (ctx, _job, now) => {
    await anchorChain(ctx.db, ctx.vault, ctx.log, now);
  });
}

/** Defines the kinds, seeds the schedules, and (JOBS_ENABLED) starts this process's runner. */
export async function startJobs(ctx: AppContext, now = new Date()): Promise<JobRunner | undefined> {
  defineJobKinds();
  await seedSchedules(ctx.db, SCHEDULES, now);
  return ctx.config.jobs.enabled ? startJobRunner(ctx, { pollMs: ctx.config.jobs.pollMs }) : undefined;
}
