// Ending a user's sessions at once (issue 14 item 6): the rows go in the same transaction as the change that
// ends them, then the session cache forgets the user here and — through NOTIFY on a PostgreSQL server — in
// every other server process, and open alert sockets are dropped ('user:revoked' on the bus).
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { and, eq, ne, sql } from 'drizzle-orm';
import pg from 'pg';
import type { Logger } from 'pino';
import { sessions } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import { forgetAllSessions, forgetSession, forgetUserSessions } from './sessions.js';

export const REVOCATION_CHANNEL = 'parcelguard_user_revoked';
/** Tells this process's own notifications apart from other processes'. */
const PROCESS_ID = randomUUID();

/** A user's sessions (userId), or one session ended by logout (tokenHash). */
type Notice = { origin: string; userId: string; endSockets: boolean; tokenHash?: string };

export type Revocation = {
  userId: string;
  /** Every socket of the user is dropped; otherwise only those of the ended sessions. */
  endSockets: boolean;
  endedTokenHashes: string[];
};

/**
 * Inside the transaction that disables the account or changes its password: deletes its sessions (all, or all
 * but `keep`) and queues the notification, which PostgreSQL delivers only if the transaction commits.
 * Call `announceRevocation` after the commit.
 */
export async function revokeUserSessions(
  tx: Queryable,
  dbKind: 'pglite' | 'postgres',
  userId: string,
  opts: { keep?: string; endSessions?: boolean; endSockets?: boolean } = {},
): Promise<Revocation> {
  const ended = (opts.endSessions ?? true)
    ? await tx
        .delete(sessions)
        .where(opts.keep ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, opts.keep)) : eq(sessions.userId, userId))
        .returning({ tokenHash: sessions.tokenHash })
    : [];
  const endSockets = opts.endSockets ?? !opts.keep;
  if (dbKind === 'postgres') {
    const notice: Notice = { origin: PROCESS_ID, userId, endSockets };
    await tx.execute(sql`select pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(notice)})`);
  }
  return { userId, endSockets, endedTokenHashes: ended.map((r) => r.tokenHash) };
}

/** After the commit: this process forgets the user's cached sessions and drops the sockets. */
export function announceRevocation(bus: EventEmitter | undefined, r: Revocation): void {
  forgetUserSessions(r.userId);
  if (!bus) return;
  if (r.endSockets) bus.emit('user:revoked', r.userId);
  else for (const tokenHash of r.endedTokenHashes) bus.emit('session:revoked', tokenHash);
}

/**
 * After a logout has deleted the session's row: every other server process forgets it from its session cache
 * and drops its sockets (PostgreSQL; PGlite serves one process, which the caller has already told).
 */
export async function announceSessionEnded(db: Queryable, dbKind: 'pglite' | 'postgres', tokenHash: string): Promise<void> {
  if (dbKind !== 'postgres') return;
  const notice: Notice = { origin: PROCESS_ID, userId: '', endSockets: false, tokenHash };
  await db.execute(sql`select pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(notice)})`);
}

/**
 * Listens on a dedicated connection (a pooled one would lose LISTEN when returned) and applies other
 * processes' revocations here. Reconnects after a failure, forgetting the whole cache since notices may
 * have been missed meanwhile. Returns a stop function.
 */
export function listenForRevocations(databaseUrl: string, bus: EventEmitter, log: Logger): { ready: Promise<void>; stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delayMs = 500;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('error', (err) => {
      log.warn({ err }, 'session revocation listener: connection lost; reconnecting');
      c.end().catch(() => {});
      if (client === c) reconnect();
    });
    c.on('notification', (msg) => {
      if (msg.channel !== REVOCATION_CHANNEL || !msg.payload) return;
      try {
        const notice = JSON.parse(msg.payload) as Notice;
        if (notice.origin === PROCESS_ID) return; // applied already, before the commit returned
        if (notice.tokenHash) {
          forgetSession(notice.tokenHash);
          bus.emit('session:revoked', notice.tokenHash);
          return;
        }
        forgetUserSessions(notice.userId);
        if (notice.endSockets) bus.emit('user:revoked', notice.userId);
      } catch (err) {
        log.warn({ err }, 'session revocation listener: unreadable notice; forgetting all cached sessions');
        forgetAllSessions();
      }
    });
    await c.connect();
    await c.query(`listen ${REVOCATION_CHANNEL}`);
    if (stopped) {
      await c.end();
      return;
    }
    client = c;
    delayMs = 500;
  };

  const reconnect = () => {
    client = undefined;
    forgetAllSessions();
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((err) => {
        log.warn({ err }, 'session revocation listener: could not reconnect; trying again');
        delayMs = Math.min(delayMs * 2, 30_000);
        reconnect();
      });
    }, delayMs);
  };

  return {
    ready: connect(),
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
