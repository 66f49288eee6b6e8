// Schedules are rows (job_schedules). A tick turns every occurrence that has come into a job whose key names
// the occurrence (reports.weekly:2026-W48), so two processes ticking at once enqueue it once. A server that was
// down catches up on its next tick: every missed report occurrence is owed and enqueued; a missed run of a
// short `every` rule is not (the next one does the same work).
import { eq, sql } from 'drizzle-orm';
import { jobSchedules } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import { nextOccurrence, occurrenceName, parseScheduleRule } from './schedule.js';
import { enqueueJob } from './store.js';

export type ScheduleSeed = { name: string; kind: string; rule: string; payload?: Record<string, unknown>; maxAttempts?: number };

/** At most this many missed occurrences of one schedule are enqueued in one tick (a year of weeks). */
const MAX_CATCH_UP = 60;

/**
 * Upserts by name. A new schedule first runs at its next occurrence after `now`; an existing one keeps its
 * next_run_at (so a restart still owes what it missed) unless its rule changed.
 */
export async function seedSchedules(db: Queryable, seeds: ScheduleSeed[], now: Date): Promise<void> {
  for (const s of seeds) {
    const next = nextOccurrence(parseScheduleRule(s.rule), now);
    await db
      .insert(jobSchedules)
      .values({ name: s.name, kind: s.kind, rule: s.rule, payload: s.payload ?? {}, nextRunAt: next })
      .onConflictDoUpdate({
        target: jobSchedules.name,
        set: {
          kind: s.kind,
          payload: s.payload ?? {},
          nextRunAt: sql`case when ${jobSchedules.rule} = excluded.rule then ${jobSchedules.nextRunAt} else excluded.next_run_at end`,
          rule: s.rule,
        },
      });
  }
}

/** Enqueues what is due; returns the keys this call created (another process may have created the rest). */
export async function tickSchedules(db: Queryable, now: Date): Promise<string[]> {
  const created: string[] = [];
  const due = await db.select().from(jobSchedules).where(sql`${jobSchedules.nextRunAt} <= ${now.toISOString()}::timestamptz`);
  for (const s of due) {
    const rule = parseScheduleRule(s.rule);
    let at = s.nextRunAt;
    // Short periods: only the latest occurrence matters. Reports: every one that was missed is owed.
    if (rule.type === 'every') {
      const latest = new Date(nextOccurrence(rule, now).getTime() - rule.seconds * 1000);
      if (latest > at) at = latest;
    }
    for (let n = 0; at <= now && n < MAX_CATCH_UP; n++) {
      const key = `${s.kind}:${occurrenceName(rule, at)}`;
      const payload = { ...s.payload, schedule: s.name, at: at.toISOString(), period: occurrenceName(rule, at) };
      if (await enqueueJob(db, { kind: s.kind, key, payload, runAt: at })) created.push(key);
      at = nextOccurrence(rule, at);
    }
    const next = at <= now ? nextOccurrence(rule, now) : at;
    await db.update(jobSchedules).set({ nextRunAt: next, lastRunAt: now }).where(eq(jobSchedules.name, s.name));
  }
  return created;
}
