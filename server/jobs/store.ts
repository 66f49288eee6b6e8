// The job queue on the database (STYLE.md #11): enqueue idempotently by key, claim due jobs with
// FOR UPDATE SKIP LOCKED and a lease, finish, retry with backoff, fail. Any number of processes share it.
import { sql } from 'drizzle-orm';
import { jobs } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';

export type Job = {
  id: string;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
};

export type NewJob = { kind: string; key: string; payload?: Record<string, unknown>; runAt?: Date; maxAttempts?: number };

/** Inserts the job unless one with its key exists; true when this call created it. */
export async function enqueueJob(db: Queryable, job: NewJob): Promise<boolean> {
  const rows = await db
    .insert(jobs)
    .values({ kind: job.kind, key: job.key, payload: job.payload ?? {}, runAt: job.runAt ?? new Date(), maxAttempts: job.maxAttempts ?? 5 })
    .onConflictDoNothing({ target: jobs.key })
    .returning({ id: jobs.id });
  return rows.length === 1;
}

type JobRow = { id: string; kind: string; key: string; payload: Record<string, unknown>; run_at: Date | string; attempts: number; max_attempts: number };

/**
 * Takes up to `limit` due jobs for `worker` until now + leaseMs: queued ones whose time has come, and running ones
 * whose lease ran out (their process died mid-job). Rows another process is claiming at this moment are skipped,
 * not waited for, so two runners never take the same job.
 */
export async function claimJobs(db: Queryable, worker: string, now: Date, leaseMs: number, limit: number): Promise<Job[]> {
  const at = now.toISOString();
  const rows = await queryRows<JobRow>(
    db,
    sql`update jobs set state = 'running', attempts = attempts + 1, locked_by = ${worker},
               locked_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz,
               started_at = ${at}::timestamptz, finished_at = null
         where id in (select id from jobs
                       where (state = 'queued' and run_at <= ${at}::timestamptz)
                          or (state = 'running' and locked_until < ${at}::timestamptz)
                       order by run_at, id
                       limit ${limit}
                       for update skip locked)
        returning id, kind, key, payload, run_at, attempts, max_attempts`,
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, key: r.key, payload: r.payload, runAt: new Date(r.run_at), attempts: r.attempts, maxAttempts: r.max_attempts }));
}

/** Done, if this worker still holds it (a lease that ran out may have gone to another). */
export async function completeJob(db: Queryable, id: string, worker: string, now: Date): Promise<void> {
  await db.execute(
    sql`update jobs set state = 'done', finished_at = ${now.toISOString()}::timestamptz, locked_by = null, locked_until = null, last_error = null
         where id = ${id} and locked_by = ${worker} and state = 'running'`,
  );
}

/** Backoff before attempt n+1: 10 s, 20 s, 40 s … capped at an hour. */
export const retryDelayMs = (attempts: number) => Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));

/** Queued again after a delay, or failed for good once its attempts are spent. `error` must carry no personal data. */
export async function failJob(db: Queryable, job: Job, worker: string, now: Date, error: string): Promise<'retry' | 'failed'> {
  const outcome = job.attempts >= job.maxAttempts ? 'failed' : 'retry';
  await db.execute(
    outcome === 'failed'
      ? sql`update jobs set state = 'failed', last_error = ${error}, finished_at = ${now.toISOString()}::timestamptz, locked_by = null, locked_until = null
             where id = ${job.id} and locked_by = ${worker} and state = 'running'`
      : sql`update jobs set state = 'queued', last_error = ${error}, run_at = ${new Date(now.getTime() + retryDelayMs(job.attempts)).toISOString()}::timestamptz,
                  locked_by = null, locked_until = null
             where id = ${job.id} and locked_by = ${worker} and state = 'running'`,
  );
  return outcome;
}

/** A job whose lease ran out once too often (its process kept dying) is failed rather than claimed forever. */
export async function failExhaustedJobs(db: Queryable, now: Date): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update jobs set state = 'failed', last_error = 'LEASE_EXPIRED: the worker stopped during the last attempt',
               finished_at = ${now.toISOString()}::timestamptz, locked_by = null, locked_until = null
         where state = 'running' and locked_until < ${now.toISOString()}::timestamptz and attempts >= max_attempts
        returning id`,
  );
  return rows.length;
}

/** Finished jobs are kept a week for the console, then removed; failed ones stay until someone looks. */
export async function sweepDoneJobs(db: Queryable, now: Date, keepMs = 7 * 86_400_000): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`delete from jobs where state = 'done' and finished_at < ${new Date(now.getTime() - keepMs).toISOString()}::timestamptz returning id`,
  );
  return rows.length;
}

/** What goes into last_error: the error's class and code, never its message (a driver's may quote a row). */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return 'NON_ERROR_THROWN';
  const code = (err as { code?: unknown }).code;
  return `${err.name}${typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? ` ${code}` : ''}`.slice(0, 120);
}

/**
 * Extends the lease of a job its handler is still working on (a long batch), so the lease itself can stay short and a
 * crashed process's job is taken over soon. Matched by the attempt that claimed it (every claim counts one): false when
 * another process has taken it over meanwhile, and the handler should stop.
 */
export async function renewJobLease(db: Queryable, id: string, attempt: number, until: Date): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update jobs set locked_until = ${until.toISOString()}::timestamptz
         where id = ${id} and state = 'running' and attempts = ${attempt}
        returning id`,
  );
  return rows.length === 1;
}
