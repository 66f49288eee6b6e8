// Periodic clean-up: expired sessions, idempotency keys past their retention, and ring links, members and day
// totals older than the longest ring window, long ones included (never read again; the parcels and alerts stay). Cheap, indexed
// deletes, run hourly as a scheduled job; nothing on a request's path waits for them.
import { lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import { idempotencyKeys, sessions } from '../models/schema.js';
import type { Queryable } from './db/database.js';
import { sweepDays } from './rings/aggregates.js';
import { sweepRings } from './rings/store.js';

export async function sweepSessions(db: Queryable, now = new Date()): Promise<number> {
  return (await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ h: sessions.tokenHash })).length;
}

export async function sweepIdempotencyKeys(db: Queryable, ttlMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ttlMs);
  return (await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff)).returning({ k: idempotencyKeys.key })).length;
}

/**
 * One pass: run hourly by the job `housekeeping` (server/jobs/start.ts), like all work done later. `ringWindowMs`
 * is the ring policy's linkMs: the longest window, short or long (a slow ring stays linkable for a year).
 */
export async function runHousekeeping(db: Queryable, o: { idempotencyTtlMs: number; ringWindowMs: number }, log: Logger, now = new Date()): Promise<void> {
  const cutoff = new Date(now.getTime() - o.ringWindowMs);
  const [sessionsRemoved, idempotencyKeysRemoved, rings, days] = await Promise.all([
    sweepSessions(db, now),
    sweepIdempotencyKeys(db, o.idempotencyTtlMs, now),
    sweepRings(db, cutoff, cutoff),
    sweepDays(db, now, o.ringWindowMs),
  ]);
  if (sessionsRemoved || idempotencyKeysRemoved || rings.keys || rings.members || days.days || days.senderYears) {
    log.info(
      { sessions: sessionsRemoved, idempotencyKeys: idempotencyKeysRemoved, ringKeys: rings.keys, ringMembers: rings.members, ringDays: days.days, ringSenderYears: days.senderYears },
      'housekeeping: removed expired rows',
    );
  }
}
