// The job kind `parcels.batch`: takes a batch's pending items in index order through the counter's own pipeline.
// Each item's parcel and the item's outcome (and the batch's counts) commit together, so across crashes and
// restarts a parcel is taken in exactly once: a pending item has no parcel, a done one has its verdict.
// Throughput: on PostgreSQL several groups run at once (BATCH_WORKERS), each group one transaction of up to
// BATCH_GROUP parcels; a parcel refused in validation writes nothing, one that fails later has the group run again
// without it (no savepoint per parcel). The job keeps its lease short (BATCH_LEASE_MS) and renews it while it works,
// so another process resumes a crashed one's batch soon.
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { parcelBatches, parcelBatchItems, users } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { AppContext } from '../context.js';
import { ApiError, type FieldError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import type { Foreground } from '../intake/foreground.js';
import { decideIntake, validateIntake, type IntakeState, type IntakeStep } from '../intake/pipeline.js';
import type { IntakeRequest } from '../intake/schema.js';
import { retryOnDeadlock, sqlState } from '../intake/service.js';
import { defineJobKind } from '../jobs/registry.js';
import { enqueueJob, renewJobLease, type Job } from '../jobs/store.js';
import { BATCH_MESSAGES } from './messages.js';
import { announceBatch, BATCH_JOB_KIND, loadBatch, type BatchRow } from './store.js';

/** Progress reaches the sockets at most this often (and once at the end). */
const PROGRESS_MS = 500;
/** One job works this long, then hands on to a follow-up job, so other queued work of this process is not starved. */
const SLICE_MS = 60_000;
/** Errors that undo the whole group's transaction and run it again. */
const RETRY_WHOLE_GROUP = new Set(['40P01', '40001']);

/** The pipeline of each server (its steps carry that server's bus and keys), found by the context's database. */
const stepsByDb = new WeakMap<object, { steps: IntakeStep[]; foreground: Foreground | undefined }>();

/** How long a batch worker other than the first waits, at most, before a group, for the counters' intakes in flight to end. */
const GIVE_WAY_MS = 50;

export function defineBatchJob(ctx: AppContext, steps: IntakeStep[], foreground?: Foreground): void {
  stepsByDb.set(ctx.db, { steps, foreground });
  defineJobKind(BATCH_JOB_KIND, runBatchJob);
}

type Outcome = { index: number; status: 'done' | 'invalid'; verdict: string | null; parcelId: string | null; waybillNo: string | null; errors: FieldError[] | null };

/** An intake refusal as the item's errors, at the parcel's paths (parcels.<i>.<path>). */
function errorsOf(index: number, err: ApiError): FieldError[] {
  const at = (path: string) => `parcels.${index}${path ? `.${path}` : ''}`;
  if (err.errors?.length) return err.errors.map((e) => ({ ...e, path: at(e.path) }));
  return [{ path: at(err.code === 'WAYBILL_DUPLICATE' ? 'waybillNo' : ''), code: err.code, message: err.message, ...(err.detailZh ? { messageZh: err.detailZh } : {}) }];
}

export async function runBatchJob(ctx: AppContext, job: Job): Promise<void> {
  const { db, vault, config, log } = ctx;
  const { steps, foreground } = stepsByDb.get(ctx.db) ?? {};
  if (!steps) throw Object.assign(new Error('no intake pipeline for this server'), { code: 'BATCH_NO_PIPELINE' });
  const batchId = String(job.payload.batchId);
  const started = Date.now();
  const leaseUntil = () => new Date(Date.now() + config.batch.leaseMs);
  let lost = !(await renewJobLease(db, job.id, job.attempts, leaseUntil()));
  if (lost) return;

  const loaded = await loadBatch(db, batchId);
  if (!loaded || loaded.batch.status === 'done') return;
  const { batch } = loaded;
  const [submitter] = await db.select().from(users).where(eq(users.id, batch.submittedBy));
  if (!submitter) throw Object.assign(new Error('submitter gone'), { code: 'BATCH_SUBMITTER_GONE' });
  // The intakes are the submitter's (a courier, or the outlet's supervisor at the console), at the batch's outlet (a carrier-wide service account named it at submission).
  const courier: AuthUser & { outletId: string; outletRegionCode: string } = {
    id: submitter.id,
    username: submitter.username,
    role: submitter.role,
    outletId: batch.outletId,
    outletRegionCode: loaded.regionCode,
    jurisdiction: null,
    sessionTokenHash: '',
    sessionExpiresAt: new Date(0),
    mustChangePassword: false,
  };
  await db.update(parcelBatches).set({ status: 'running', startedAt: sql`coalesce(${parcelBatches.startedAt}, now())` }).where(and(eq(parcelBatches.id, batchId), eq(parcelBatches.status, 'queued')));

  // The lease is renewed in the background at a third of its length; a renewal refused means another process took over.
  const renewing = setInterval(() => {
    renewJobLease(db, job.id, job.attempts, leaseUntil()).then(
      (ok) => (lost ||= !ok),
      (err) => log.warn({ err, batchId }, 'batch: renewing the job lease failed; trying again'),
    );
  }, Math.max(200, Math.floor(config.batch.leaseMs / 3)));
  renewing.unref();

  // PGlite has one connection: transactions at once would only queue, and hold counter intakes behind them.
  const workers = ctx.dbKind === 'postgres' ? config.batch.workers : 1;
  const groupSize = ctx.dbKind === 'postgres' ? config.batch.group : 1;
  let latest: BatchRow | undefined;
  let lastAnnounced = 0;

  /**
   * A parcel that failed after its validation, possibly with writes to undo: the group's transaction rolls back and
   * runs again with that parcel's outcome decided, so a parcel never needs a savepoint of its own (two round trips
   * each). Refusals in validation, the common kind (a malformed row), write nothing and simply continue.
   */
  class ParcelFailed extends Error {
    constructor(readonly outcome: Outcome) {
      super('a parcel of the group failed after validation');
    }
  }

  const outcomeOfFailure = (index: number, waybillNo: string | null, err: unknown): Outcome => {
    if (err instanceof ApiError) return { index, status: 'invalid', verdict: null, parcelId: null, waybillNo, errors: errorsOf(index, err) };
    // A bug or a bad row must not stop the batch: the item says so, the log has the error (no personal data).
    log.error({ err, batchId, index }, 'batch: a parcel failed unexpectedly; recorded as not taken in');
    return { index, status: 'invalid', verdict: null, parcelId: null, waybillNo, errors: [{ path: `parcels.${index}`, code: 'BATCH_ITEM_FAILED', ...bilingual(BATCH_MESSAGES.BATCH_ITEM_FAILED) }] };
  };

  async function runGroup(indices: number[], worker: number): Promise<void> {
    let hooks: (() => void)[] = [];
    const decided = new Map<number, Outcome>();
    // Counters first: every worker but the first gives way while a counter's intake is in flight, before its group's
    // transaction (inside, it would hold its locks and a pooled connection while it waits).
    if (worker > 0 && foreground) await foreground.idle(GIVE_WAY_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        await retryOnDeadlock(() => groupTransaction(indices, decided, (h) => (hooks = h)));
        break;
      } catch (err) {
        // Each run decides one more parcel, so a group ends after at most its size of runs.
        if (!(err instanceof ParcelFailed) || attempt > indices.length) throw err;
        decided.set(err.outcome.index, err.outcome);
      }
    }
    for (const hook of hooks) hook();
    if (latest && Date.now() - lastAnnounced >= PROGRESS_MS) {
      lastAnnounced = Date.now();
      announceBatch(ctx.bus, latest);
    }
  }

  async function groupTransaction(indices: number[], decided: Map<number, Outcome>, setHooks: (hooks: (() => void)[]) => void): Promise<void> {
    const hooks: (() => void)[] = [];
    setHooks(hooks);
    await db.transaction(async (tx) => {
      // skip locked: a process whose lease ran out may still be finishing a group; its items are its own.
      const rows = await tx
        .select({ index: parcelBatchItems.index, requestSealed: parcelBatchItems.requestSealed, waybillNo: parcelBatchItems.waybillNo })
        .from(parcelBatchItems)
        .where(and(eq(parcelBatchItems.batchId, batchId), inArray(parcelBatchItems.index, indices), eq(parcelBatchItems.status, 'pending')))
        .orderBy(parcelBatchItems.index)
        .for('update', { skipLocked: true });
      if (!rows.length) return;
      const outcomes: Outcome[] = [];
      for (const row of rows) {
        const known = decided.get(row.index);
        if (known) {
          outcomes.push(known);
          continue;
        }
        const parcelHooks: (() => void)[] = [];
        let state: IntakeState;
        try {
          const request = JSON.parse(vault.open('batch_item', row.requestSealed!)) as IntakeRequest;
          state = { request, courier, tx, vault, now: ctx.clock(), fieldErrors: [], findings: [], watchlistHits: [], alerts: [], afterCommit: parcelHooks, batchId };
          await validateIntake(steps!, state);
        } catch (err) {
          if (!(err instanceof ApiError)) throw new ParcelFailed(outcomeOfFailure(row.index, row.waybillNo, err));
          outcomes.push(outcomeOfFailure(row.index, row.waybillNo, err));
          continue;
        }
        try {
          const result = await decideIntake(steps!, state);
          hooks.push(...parcelHooks);
          outcomes.push({ index: row.index, status: 'done', verdict: result.verdict, parcelId: result.parcel.id, waybillNo: result.parcel.waybillNo, errors: null });
        } catch (err) {
          if (RETRY_WHOLE_GROUP.has(sqlState(err) ?? '')) throw err;
          throw new ParcelFailed(outcomeOfFailure(row.index, row.waybillNo, err));
        }
      }
      // Every item's outcome in one statement.
      await tx.execute(sql`
        update parcel_batch_items i set status = o.status, verdict = o.verdict, parcel_id = o.parcel_id, waybill_no = o.waybill_no,
               errors = o.errors, request_sealed = null
        from jsonb_to_recordset(${JSON.stringify(outcomes.map((o) => ({ index: o.index, status: o.status, verdict: o.verdict, parcel_id: o.parcelId, waybill_no: o.waybillNo, errors: o.errors })))}::jsonb)
             as o(index int, status text, verdict text, parcel_id uuid, waybill_no text, errors jsonb)
        where i.batch_id = ${batchId} and i.index = o.index`);
      const n = (v: string) => outcomes.filter((o) => o.verdict === v).length;
      // The organisation's archive row counts the group's parcels once (the archive step leaves it alone for a
      // batch's parcels, server/intake/archive.ts), late in the transaction so its lock is held only to the commit.
      const taken = outcomes.filter((o) => o.parcelId).length;
      if (taken) {
        await tx.execute(sql`
          update senders set parcel_count = parcel_count + ${taken}, last_seen_at = greatest(last_seen_at, ${ctx.clock()}),
            outlet_ids = case when ${batch.outletId}::text = any(outlet_ids) then outlet_ids else outlet_ids || array[${batch.outletId}::text] end
          where id = (select sender_id from organisations where id = ${batch.organisationId}::uuid)`);
      }
      // Last, so the batch row (which every group updates) is locked only until this commit.
      const [row] = await tx
        .update(parcelBatches)
        .set({
          done: sql`${parcelBatches.done} + ${outcomes.length}`,
          accepted: sql`${parcelBatches.accepted} + ${n('accepted')}`,
          held: sql`${parcelBatches.held} + ${n('held')}`,
          rejected: sql`${parcelBatches.rejected} + ${n('rejected')}`,
          invalid: sql`${parcelBatches.invalid} + ${outcomes.filter((o) => o.status === 'invalid').length}`,
        })
        .where(eq(parcelBatches.id, batchId))
        .returning();
      if (row && (!latest || row.done > latest.done)) latest = row;
    });
  }
  try {
    let after = -1;
    let handedOn = false;
    while (!lost) {
      const pending = await db
        .select({ index: parcelBatchItems.index })
        .from(parcelBatchItems)
        .where(and(eq(parcelBatchItems.batchId, batchId), eq(parcelBatchItems.status, 'pending'), sql`${parcelBatchItems.index} > ${after}`))
        .orderBy(parcelBatchItems.index)
        .limit(workers * groupSize * 4);
      if (!pending.length) {
        if (after === -1) break;
        // Items skipped as locked (an overlapping process finishing its group) are looked at again shortly.
        after = -1;
        await sleep(100);
        continue;
      }
      after = pending[pending.length - 1]!.index;
      const groups: number[][] = [];
      for (let i = 0; i < pending.length; i += groupSize) groups.push(pending.slice(i, i + groupSize).map((p) => p.index));
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(workers, groups.length) }, async (_, worker) => {
          while (!lost && next < groups.length) {
            await runGroup(groups[next++]!, worker);
            await sleep(0); // let requests in between groups (PGlite runs on this thread)
          }
        }),
      );
      if (Date.now() - started > SLICE_MS && !lost) {
        await enqueueJob(db, { kind: BATCH_JOB_KIND, key: `${batch.jobKey}:${after}`, payload: { batchId }, maxAttempts: job.maxAttempts });
        handedOn = true;
        break;
      }
    }
    if (lost || handedOn) return;
    // Done when nothing is pending (items skipped as locked by an overlapping process are its to finish).
    const [finished] = await db
      .update(parcelBatches)
      .set({ status: 'done', finishedAt: new Date() })
      .where(and(eq(parcelBatches.id, batchId), sql`not exists (select 1 from parcel_batch_items i where i.batch_id = ${batchId} and i.status = 'pending')`))
      .returning();
    if (finished) {
      log.info({ batchId, total: finished.total, accepted: finished.accepted, held: finished.held, rejected: finished.rejected, invalid: finished.invalid, ms: Date.now() - started }, 'batch taken in');
      announceBatch(ctx.bus, finished);
    } else if (latest) {
      announceBatch(ctx.bus, latest);
    }
  } finally {
    clearInterval(renewing);
  }
}
