// Periodic clean-up: expired sessions, idempotency keys past their retention, and ring links and members
// older than the longest ring window (never read again; the parcels and alerts stay). Cheap, indexed
// deletes, run hourly and once at start; nothing on a request's path waits for them.
import { lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import { idempotencyKeys, sessions } from '../models/schema.js';
import type { Queryable } from './db/database.js';
import { sweepRings } from './rings/store.js';

export async function sweepSessions(db: Queryable, now = new Date()): Promise<number> {
  return (await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ h: sessions.tokenHash })).length;
}

export async function sweepIdempotencyKeys(db: Queryable, ttlMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ttlMs);
  return (await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff)).returning({ k: idempotencyKeys.key })).length;
}

export function startHousekeeping(db: Queryable, o: { idempotencyTtlMs: number; ringWindowMs: number }, log: Logger): () => void {
  const run = () => {
    const cutoff = new Date(Date.now() - o.ringWindowMs);
    return Promise.all([sweepSessions(db), sweepIdempotencyKeys(db, o.idempotencyTtlMs), sweepRings(db, cutoff, cutoff)]).then(
      ([sessions, idempotencyKeys, rings]) =>
        (sessions || idempotencyKeys || rings.keys || rings.members) &&
        log.info({ sessions, idempotencyKeys, ringKeys: rings.keys, ringMembers: rings.members }, 'housekeeping: removed expired rows'),
      (err) => log.warn({ err }, 'housekeeping failed; will retry'),
    );
  };
  const timer = setInterval(run, 3600_000);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
