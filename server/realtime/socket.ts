// socket.io on the same HTTP server. Namespace /alerts: authenticated by the same session tokens,
// and every socket joins only the rooms its role and jurisdiction allow.
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import { and, asc, gt } from 'drizzle-orm';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { alerts as alertsTable, type Role } from '../../models/schema.js';
import { publicUser, type AuthUser } from '../accounts/access.js';
import { authenticateToken, tokenFromRequest } from '../accounts/sessions.js';
import { alertScope, presentAlert, type AlertChange } from '../alerts/alerts.js';
import type { AppContext } from '../context.js';
import { ApiError, BadRequestError, ForbiddenError, withMessage } from '../http/errors.js';
import { allowSocketHandshake } from '../http/origin.js';
import { fieldErrorsFromZod } from '../http/problem.js';
import { bilingual, defineMessages } from '../i18n/messages.js';

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

type SocketData = { user: AuthUser; since?: Date };

export const SOCKET_MESSAGES = defineMessages({
  HANDSHAKE_INVALID: {
    en: 'The live-alerts handshake is not valid: {fields}. Send auth as {token?: string, since?: an ISO 8601 time}.',
    zh: '实时预警握手参数无效：{fields}。auth 应为 {token?: 字符串, since?: ISO 8601 时间}。',
  },
  SOCKET_INTERNAL: {
    en: 'Something went wrong on our side with the live alerts. Reconnect; the server log has the details.',
    zh: '实时预警服务端出错。请重新连接；详情见服务器日志。',
  },
});

/**
 * What a client may send in `auth`. `pid` and `offset` are socket.io's own (connection state recovery).
 * Anything else is refused rather than ignored, like unknown fields in request bodies.
 */
export const handshakeSchema = z
  .object({
    token: z.string().max(200).optional(),
    /** When the client last heard: an alert's updatedAt, or the serverTime of its last `ready`. */
    since: z.iso.datetime({ offset: true }).optional(),
    pid: z.string().max(100).optional(),
    offset: z.string().max(100).optional(),
  })
  .strict();
export type Handshake = z.output<typeof handshakeSchema>;

function parseHandshake(auth: unknown): Handshake {
  const parsed = handshakeSchema.safeParse(auth ?? {});
  if (parsed.success) return parsed.data;
  const errors = fieldErrorsFromZod(parsed.error, auth).map((e) => ({ ...e, path: `auth${e.path ? `.${e.path}` : ''}` }));
  const fields = errors.map((e) => `${e.path} (${e.code})`).join(', ');
  throw withMessage(new BadRequestError('', errors, 'HANDSHAKE_INVALID'), bilingual('HANDSHAKE_INVALID', { fields }));
}

/** A refused handshake: the client's connect_error has `data: {status, code, detailZh?, errors?}`. */
function socketError(err: unknown): Error {
  const known = err instanceof ApiError ? err : withMessage(new ApiError(500, 'INTERNAL', 'Internal error', ''), bilingual('SOCKET_INTERNAL'));
  const e = new Error(known.message) as Error & { data: unknown };
  e.data = {
    status: known.status,
    code: known.code,
    ...(known.detailZh ? { detailZh: known.detailZh } : {}),
    ...(known.errors ? { errors: known.errors } : {}),
  };
  return e;
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
  const alerts = io.of('/alerts');

  /**
   * Every socket handler runs through this: a throw or a rejection is logged and told to that one client
   * (its ack, or a `server-error` event), and the process keeps serving everyone else.
   */
  function guarded<A extends unknown[]>(handler: string, socket: Socket, fn: (...args: A) => unknown, onFailure?: () => void) {
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
  function onBus<A extends unknown[]>(event: string, fn: (...args: A) => unknown) {
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

  alerts.use(async (socket: Socket, next) => {
    try {
      const handshake = parseHandshake(socket.handshake.auth);
      const user = await authenticateToken(ctx.db, tokenFromRequest(socket.request, handshake.token));
      if (!ALERT_ROLES.includes(user.role)) {
        throw new ForbiddenError(`Live alerts are for ${ALERT_ROLES.join(', ')}; you are ${user.role}.`, 'ROLE_FORBIDDEN');
      }
      (socket.data as SocketData).user = user;
      (socket.data as SocketData).since = handshake.since === undefined ? undefined : new Date(handshake.since);
      next();
    } catch (err) {
      if (!(err instanceof ApiError)) ctx.log.error({ err }, 'live alerts handshake failed');
      next(socketError(err));
    }
  });

  alerts.on('connection', (socket) =>
    guarded('connection', socket, async () => {
      const { user, since } = socket.data as SocketData;
      // user:<id> lets a password change or a disabled account end every socket of that person (below).
      // Awaited: a cluster adapter may join asynchronously, and `ready` means the socket is in its rooms.
      await socket.join([`session:${user.sessionTokenHash}`, `user:${user.id}`, ...roomsFor(user)]);
      if (!socket.connected) return; // left while joining
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
