// The one runner of work done later: each poll it ticks the schedules, then claims due jobs and runs them,
// one after another. Started by server/server.ts in every process (JOBS_ENABLED), stopped on close.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AppContext } from '../context.js';
import { jobHandler } from './registry.js';
import { tickSchedules } from './scheduler.js';
import { claimJobs, completeJob, describeFailure, failExhaustedJobs, failJob, sweepDoneJobs } from './store.js';

export type RunnerOptions = {
  pollMs: number;
  /** How long a claimed job is this worker's; past it, another process may take it over. */
  leaseMs?: number;
  /** The clock (tests inject one). */
  now?: () => Date;
  worker?: string;
  /** Jobs claimed per round. */
  batch?: number;
};

export type JobRunner = {
  worker: string;
  /** One round: schedules, then every due job until none is left. Returns how many jobs ran. */
  runOnce(): Promise<number>;
  /** Polls every pollMs until stopped. */
  start(): void;
  stop(): Promise<void>;
};

const DEFAULT_LEASE_MS = 5 * 60_000;

export function createJobRunner(ctx: AppContext, o: RunnerOptions): JobRunner {
  const worker = o.worker ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const now = o.now ?? (() => new Date());
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let lastSweep = 0;

  async function round(): Promise<number> {
    await tickSchedules(ctx.db, now());
    await failExhaustedJobs(ctx.db, now());
    let ran = 0;
    while (!stopped) {
      const claimed = await claimJobs(ctx.db, worker, now(), leaseMs, o.batch ?? 5);
      if (claimed.length === 0) break;
      for (const job of claimed) {
        ran++;
        const handler = jobHandler(job.kind);
        try {
          if (!handler) throw Object.assign(new Error('no handler'), { name: 'UnknownJobKind', code: 'UNKNOWN_JOB_KIND' });
          await handler(ctx, job, now());
          await completeJob(ctx.db, job.id, worker, now());
        } catch (err) {
          const outcome = await failJob(ctx.db, job, worker, now(), describeFailure(err));
          ctx.log[outcome === 'failed' ? 'error' : 'warn']({ err, jobId: job.id, kind: job.kind, attempt: job.attempts }, `job ${outcome === 'failed' ? 'failed for good' : 'failed; will retry'}`);
        }
      }
    }
    if (now().getTime() - lastSweep > 3_600_000) {
      lastSweep = now().getTime();
      await sweepDoneJobs(ctx.db, now());
    }
    return ran;
  }

  const runOnce = () => {
    // One round at a time per runner: a timer round and a test's round share it.
    running ??= round().finally(() => (running = undefined));
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce().then(
        () => schedule(),
        (err) => {
          if (!stopped) ctx.log.warn({ err }, 'job runner round failed; retrying at the next poll');
          schedule();
        },
      );
    }, o.pollMs);
    timer.unref();
  };

  return {
    worker,
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => 0);
    },
    start: schedule,
  };
}

/** A runner polling every `pollMs`, its first round at once (the catch-up of anything missed while down). */
export function startJobRunner(ctx: AppContext, o: RunnerOptions): JobRunner {
  const runner = createJobRunner(ctx, o);
  void runner.runOnce().catch((err) => ctx.log.warn({ err }, 'job runner round failed; retrying at the next poll')).finally(() => runner.start());
  return runner;
}
