// Periodic clean-up: expired sessions and idempotency keys past their retention. Cheap, indexed deletes,
// run hourly and once at start; nothing on a request's path waits for them.
import { lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import { idempotencyKeys, sessions } from '../models/schema.js';
import type { Queryable } from './db/database.js';

export async function sweepSessions(db: Queryable, now = new Date()): Promise<number> {
  return (await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ h: sessions.tokenHash })).length;
}

export async function sweepIdempotencyKeys(db: Queryable, ttlMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ttlMs);
  return (await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff)).returning({ k: idempotencyKeys.key })).length;
}

export function startHousekeeping(db: Queryable, idempotencyTtlMs: number, log: Logger): () => void {
  const run = () =>
    Promise.all([sweepSessions(db), sweepIdempotencyKeys(db, idempotencyTtlMs)]).then(
      ([sessions, idempotencyKeys]) => (sessions || idempotencyKeys) && log.info({ sessions, idempotencyKeys }, 'housekeeping: removed expired rows'),
      (err) => log.warn({ err }, 'housekeeping failed; will retry'),
    );
  const timer = setInterval(run, 3600_000);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
