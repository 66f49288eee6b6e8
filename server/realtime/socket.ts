// socket.io on the same HTTP server. Namespaces /alerts (officers) and /outlet (an outlet's couriers and
// supervisors, ./outlet.ts): authenticated by the same session tokens and handshake (./handshake.ts), and
// every socket joins only the rooms its role and jurisdiction or outlet allow.
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import { and, asc, gt } from 'drizzle-orm';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { alerts as alertsTable, type Role } from '../../models/schema.js';
import { publicUser, type AuthUser } from '../accounts/access.js';
import { sessionStillStands } from '../accounts/sessions.js';
import { alertScope, presentAlert, type AlertChange } from '../alerts/alerts.js';
import type { AppContext } from '../context.js';
import { allowSocketHandshake } from '../http/origin.js';
import { bilingual } from '../i18n/messages.js';
import { observeSockets } from '../metrics/metrics.js';
import { authenticateSocket, type Guarded, type OnBus, type SocketData } from './handshake.js';
import { announceHoldsLive } from './holds.js';
import { announceInterceptionsLive } from './interceptions.js';
import { attachOutletNamespace } from './outlet.js';

// The shared handshake lives in ./handshake.ts; re-exported for those who knew it here.
export { handshakeSchema, SOCKET_MESSAGES, type Handshake } from './handshake.js';

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

/** The most alerts replayed to a reconnecting client; beyond that it pages GET /api/alerts?since=. */
export const MAX_CATCH_UP = 500;

export type Realtime = { io: Server; close(): Promise<void> };

export function attachRealtime(httpServer: HttpServer, ctx: AppContext): Realtime {
  const io = new Server(httpServer, {
    serveClient: false,
    // A page on another site may not open live alerts with the user's cookie: every engine.io handshake,
    // polling or WebSocket, passes the same Origin check as state-changing requests (server/http/origin.ts).
    allowRequest: allowSocketHandshake(ctx.config),
    // A reconnect within two minutes gets the events it missed from memory (one process). Past that, or
    // through another process, the handshake's `since` replays them from the database.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
  });
  // Several processes on one PostgreSQL server: every emit reaches every process's sockets through NOTIFY.
  let adapterPool: pg.Pool | undefined;
  if (ctx.config.realtimeAdapter === 'postgres' && ctx.config.databaseUrl) {
    adapterPool = new pg.Pool({ connectionString: ctx.config.databaseUrl, max: 2 });
    adapterPool.on('error', (err) => ctx.log.warn({ err }, 'realtime adapter: an idle connection failed; the pool replaces it'));
    io.adapter(createAdapter(adapterPool, { errorHandler: (err) => ctx.log.warn({ err }, 'realtime adapter error') }));
  }
  observeSockets(ctx, io); // connections per namespace, counted when /metrics is scraped
  const alerts = io.of('/alerts');

  /**
   * Every socket handler runs through this: a throw or a rejection is logged and told to that one client
   * (its ack, or a `server-error` event), and the process keeps serving everyone else.
   */
  const guarded: Guarded = function guarded<A extends unknown[]>(handler: string, socket: Socket, fn: (...args: A) => unknown, onFailure?: () => void) {
    return (...args: A) => {
      const failed = (err: unknown) => {
        const user = (socket.data as Partial<SocketData>).user;
        ctx.log.error({ err, handler, socketId: socket.id, username: user?.username }, 'socket handler failed');
        const problem = { status: 500, code: 'INTERNAL', ...bilingual('SOCKET_INTERNAL') };
        const ack = args[args.length - 1];
        if (typeof ack === 'function') ack({ error: problem });
        // Local: with a cluster adapter socket.emit first publishes through the database, and would arrive
        // after the disconnect below.
        else socket.nsp.local.to(socket.id).emit('server-error', problem);
        onFailure?.();
      };
      try {
        const result = fn(...args);
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    };
  }

  /** Bus listeners run inside whoever emitted (an intake, a logout): their failure is logged, not thrown back. */
  const onBus: OnBus = function onBus<A extends unknown[]>(event: string, fn: (...args: A) => unknown) {
    ctx.bus.on(event, (...args: A) => {
      const failed = (err: unknown) => ctx.log.error({ err, event }, 'realtime: handling a bus event failed');
      try {
        const result = fn(...args);
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    });
  }

  alerts.use(authenticateSocket(ctx, ALERT_ROLES, 'Live alerts'));

  alerts.on('connection', (socket) =>
    guarded('connection', socket, async () => {
      const { user, since } = socket.data as SocketData;
      // user:<id> lets a password change or a disabled account end every socket of that person (below).
      // Awaited: a cluster adapter may join asynchronously, and `ready` means the socket is in its rooms.
      await socket.join([`session:${user.sessionTokenHash}`, `user:${user.id}`, ...roomsFor(user)]);
      if (!socket.connected) return; // left while joining
      if (!(await sessionStillStands(ctx.db, user.sessionTokenHash))) return void socket.disconnect(true); // revoked while joining
      // The socket ends with the session: at expiry, or at logout (below).
      const msLeft = Math.min(user.sessionExpiresAt.getTime() - Date.now(), 2 ** 31 - 1);
      const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, msLeft));
      socket.on('disconnect', guarded('disconnect', socket, () => clearTimeout(expiry)));
      // serverTime: where a client's `since` should start, in this clock rather than the client's.
      socket.emit('ready', { user: publicUser(user), recovered: socket.recovered, serverTime: new Date().toISOString() });
      if (!socket.recovered && since) void catchUp(socket, user, since);
    }, () => socket.disconnect())(), // not close: the server-error packet goes out first
  );

  /**
   * A client that says when it last heard (`auth.since`, an alert's updatedAt) gets what changed since, in
   * order, then `caught-up`. Works after any gap and through any process, since it reads the database.
   */
  async function catchUp(socket: Socket, user: AuthUser, since: Date) {
    try {
      const rows = await ctx.db
        .select()
        .from(alertsTable)
        .where(and(alertScope(user), gt(alertsTable.updatedAt, since)))
        .orderBy(asc(alertsTable.updatedAt), asc(alertsTable.id))
        .limit(MAX_CATCH_UP + 1);
      for (const row of rows.slice(0, MAX_CATCH_UP)) {
        socket.emit(row.createdAt > since ? 'alert:new' : 'alert:updated', presentAlert(row));
      }
      socket.emit('caught-up', { count: Math.min(rows.length, MAX_CATCH_UP), more: rows.length > MAX_CATCH_UP });
    } catch (err) {
      ctx.log.warn({ err }, 'alert catch-up failed');
      socket.emit('caught-up', { count: 0, more: true });
    }
  }

  // Disconnects go through the adapter, so with the PostgreSQL adapter every process drops its sockets too.
  onBus('session:revoked', (tokenHash: string) => alerts.in(`session:${tokenHash}`).disconnectSockets(true));
  // A password change or a disabled account ends all of that user's sessions, and so all of their sockets.
  onBus('user:revoked', (userId: string) => alerts.in(`user:${userId}`).disconnectSockets(true));
  const outlet = attachOutletNamespace(io, ctx, guarded);
  onBus('session:revoked', (tokenHash: string) => outlet.in(`session:${tokenHash}`).disconnectSockets(true));
  onBus('user:revoked', (userId: string) => outlet.in(`user:${userId}`).disconnectSockets(true));
  // Holds: to the outlet's couriers and supervisors, and to the officers over it (after commit).
  announceHoldsLive(ctx, onBus, alerts, outlet);
  announceInterceptionsLive(onBus, alerts, outlet); // interception orders, to the same rooms as holds
  // Alerts go to the rooms of the outlets' jurisdictions, after the intake that raised them committed.
  onBus('alert', (change: AlertChange) => {
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
