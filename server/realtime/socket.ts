// socket.io on the same HTTP server. Namespace /alerts: authenticated by the same session tokens,
// and every socket joins only the rooms its role and jurisdiction allow.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Role } from '../../models/schema.js';
import { publicUser, type AuthUser } from '../accounts/access.js';
import { authenticateToken, tokenFromRequest } from '../accounts/sessions.js';
import type { AlertChange } from '../alerts/alerts.js';
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

export function attachRealtime(httpServer: HttpServer, ctx: AppContext): Server {
  const io = new Server(httpServer, {
    serveClient: false,
    // Same-origin clients only; a reconnect within two minutes gets the events it missed.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
  });
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
    socket.emit('ready', { user: publicUser(user) });
  });

  ctx.bus.on('session:revoked', (tokenHash: string) => {
    alerts.in(`session:${tokenHash}`).disconnectSockets(true);
  });
  // Alerts go to the rooms of the outlets' jurisdictions, after the intake that raised them committed.
  ctx.bus.on('alert', (change: AlertChange) => {
    alerts.to(roomsForAlert(change.regionCodes, change.alert.crossBorder)).emit(change.event, change.alert);
  });
  return io;
}
