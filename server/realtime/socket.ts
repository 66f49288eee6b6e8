// socket.io on the same HTTP server. Namespace /alerts: authenticated by the same session tokens,
// and every socket joins only the rooms its role and jurisdiction allow.
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import { and, asc, gt } from 'drizzle-orm';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { alerts as alertsTable, type Role } from '../../models/schema.js';
import { publicUser, type AuthUser } from '../accounts/access.js';
import { authenticateToken, tokenFromRequest } from '../accounts/sessions.js';
import { alertScope, presentAlert, type AlertChange } from '../alerts/alerts.js';
import type { AppContext } from '../context.js';
import { ApiError, ForbiddenError } from '../http/errors.js';

export const ALERT_ROLES: readonly Role[] = ['postal_regulator', 'customs_officer', 'admin'];

/** Rooms a user listens in: regulators hear their jurisdiction, customs officers its cross-border part. */
export function roomsFor(user: AuthUser): string[] {
  if (user.role === 'admin') return ['admin'];
  if (user.role === 'postal_regulator') return [`postal:${user.jurisdiction}`];
  if (user.role === 'customs_officer') return [`customs:${user.jurisdiction}`];
  return [];
}

/** Rooms an alert goes to, from the region codes of the outlets involved. */
export function roomsForAlert(regionCodes: string[], crossBorder: boolean): string[] {
  const rooms = new Set<string>(['admin']);
  for (const code of regionCodes) {
    for (const prefix of [code.slice(0, 2), code.slice(0, 4)]) {
      rooms.add(`postal:${prefix}`);
      if (crossBorder) rooms.add(`customs:${prefix}`);
    }
  }
  return [...rooms];
}

type SocketData = { user: AuthUser };

function socketError(err: unknown): Error {
  const e = new Error(err instanceof ApiError ? err.message : 'Could not authenticate.') as Error & { data: unknown };
  e.data = err instanceof ApiError ? { status: err.status, code: err.code } : { status: 500, code: 'INTERNAL' };
  return e;
}

/** The most alerts replayed to a reconnecting client; beyond that it pages GET /api/alerts?since=. */
export const MAX_CATCH_UP = 500;

export type Realtime = { io: Server; close(): Promise<void> };

export function attachRealtime(httpServer: HttpServer, ctx: AppContext): Realtime {
  const io = new Server(httpServer, {
    serveClient: false,
    // Same-origin clients only; a reconnect within two minutes gets the events it missed from memory
    // (one process). Past that, or through another process, the handshake's `since` replays them from the database.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
  });
  // Several processes on one PostgreSQL server: every emit reaches every process's sockets through NOTIFY.
  let adapterPool: pg.Pool | undefined;
  if (ctx.config.realtimeAdapter === 'postgres' && ctx.config.databaseUrl) {
    adapterPool = new pg.Pool({ connectionString: ctx.config.databaseUrl, max: 2 });
    adapterPool.on('error', (err) => ctx.log.warn({ err }, 'realtime adapter: an idle connection failed; the pool replaces it'));
    io.adapter(createAdapter(adapterPool, { errorHandler: (err) => ctx.log.warn({ err }, 'realtime adapter error') }));
  }
  const alerts = io.of('/alerts');

  alerts.use(async (socket: Socket, next) => {
    try {
      const user = await authenticateToken(ctx.db, tokenFromRequest(socket.request, socket.handshake.auth?.token));
      if (!ALERT_ROLES.includes(user.role)) {
        throw new ForbiddenError(`Live alerts are for ${ALERT_ROLES.join(', ')}; you are ${user.role}.`, 'ROLE_FORBIDDEN');
      }
      (socket.data as SocketData).user = user;
      next();
    } catch (err) {
      next(socketError(err));
    }
  });

  alerts.on('connection', (socket) => {
    const { user } = socket.data as SocketData;
    socket.join([`session:${user.sessionTokenHash}`, ...roomsFor(user)]);
    // The socket ends with the session: at expiry, or at logout (below).
    const msLeft = Math.min(user.sessionExpiresAt.getTime() - Date.now(), 2 ** 31 - 1);
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, msLeft));
    socket.on('disconnect', () => clearTimeout(expiry));
    // serverTime: where a client's `since` should start, in this clock rather than the client's.
    socket.emit('ready', { user: publicUser(user), recovered: socket.recovered, serverTime: new Date().toISOString() });
    if (!socket.recovered) void catchUp(socket, user);
  });

  /**
   * A client that says when it last heard (`auth.since`, an alert's updatedAt) gets what changed since, in
   * order, then `caught-up`. Works after any gap and through any process, since it reads the database.
   */
  async function catchUp(socket: Socket, user: AuthUser) {
    const since = Date.parse(String(socket.handshake.auth?.since ?? ''));
    if (Number.isNaN(since)) return;
    try {
      const rows = await ctx.db
        .select()
        .from(alertsTable)
        .where(and(alertScope(user), gt(alertsTable.updatedAt, new Date(since))))
        .orderBy(asc(alertsTable.updatedAt), asc(alertsTable.id))
        .limit(MAX_CATCH_UP + 1);
      for (const row of rows.slice(0, MAX_CATCH_UP)) {
        socket.emit(row.createdAt.getTime() > since ? 'alert:new' : 'alert:updated', presentAlert(row));
      }
      socket.emit('caught-up', { count: Math.min(rows.length, MAX_CATCH_UP), more: rows.length > MAX_CATCH_UP });
    } catch (err) {
      ctx.log.warn({ err }, 'alert catch-up failed');
      socket.emit('caught-up', { count: 0, more: true });
    }
  }

  ctx.bus.on('session:revoked', (tokenHash: string) => {
    alerts.in(`session:${tokenHash}`).disconnectSockets(true);
  });
  // Alerts go to the rooms of the outlets' jurisdictions, after the intake that raised them committed.
  ctx.bus.on('alert', (change: AlertChange) => {
    alerts.to(roomsForAlert(change.regionCodes, change.alert.crossBorder)).emit(change.event, change.alert);
  });
  return {
    io,
    /** Drops every socket and stops the adapter; the HTTP server is closed by its owner. */
    async close() {
      for (const nsp of io._nsps.values()) {
        nsp.disconnectSockets(true);
        await nsp.adapter.close();
      }
      io.engine.close();
      await adapterPool?.end();
    },
  };
}
