// The handshake every live namespace shares (/alerts, /outlet): the auth payload is validated, the session
// token (handshake or cookie) authenticated, the role checked; a refusal reaches the client as connect_error
// with `data: {status, code, detailZh?, errors?}`. The Origin check runs before, on the engine.io request
// (server/http/origin.ts), for every namespace alike.
import type { Socket } from 'socket.io';
import { z } from 'zod';
import type { Role } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { authenticateToken, tokenFromRequest } from '../accounts/sessions.js';
import type { AppContext } from '../context.js';
import { ApiError, BadRequestError, ForbiddenError, withMessage } from '../http/errors.js';
import { fieldErrorsFromZod } from '../http/problem.js';
import { bilingual, defineMessages } from '../i18n/messages.js';

export type SocketData = { user: AuthUser; since?: Date };

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

export function parseHandshake(auth: unknown): Handshake {
  const parsed = handshakeSchema.safeParse(auth ?? {});
  if (parsed.success) return parsed.data;
  const errors = fieldErrorsFromZod(parsed.error, auth).map((e) => ({ ...e, path: `auth${e.path ? `.${e.path}` : ''}` }));
  const fields = errors.map((e) => `${e.path} (${e.code})`).join(', ');
  throw withMessage(new BadRequestError('', errors, 'HANDSHAKE_INVALID'), bilingual('HANDSHAKE_INVALID', { fields }));
}

/** A refused handshake: the client's connect_error has `data: {status, code, detailZh?, errors?}`. */
export function socketError(err: unknown): Error {
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

/** Middleware for a namespace open to `roles`: the socket's user (and `since`) land in socket.data. */
export function authenticateSocket(ctx: Pick<AppContext, 'db' | 'log'>, roles: readonly Role[], what: string) {
  return async (socket: Socket, next: (err?: Error) => void) => {
    try {
      const handshake = parseHandshake(socket.handshake.auth);
      const user = await authenticateToken(ctx.db, tokenFromRequest(socket.request, handshake.token));
      if (!roles.includes(user.role)) {
        throw new ForbiddenError(`${what} are for ${roles.join(', ')}; you are ${user.role}.`, 'ROLE_FORBIDDEN');
      }
      (socket.data as SocketData).user = user;
      (socket.data as SocketData).since = handshake.since === undefined ? undefined : new Date(handshake.since);
      next();
    } catch (err) {
      if (!(err instanceof ApiError)) ctx.log.error({ err, namespace: socket.nsp.name }, 'live socket handshake failed');
      next(socketError(err));
    }
  };
}

/** A socket handler wrapped so a throw or rejection is logged and told to that one client (server/realtime/socket.ts). */
export type Guarded = <A extends unknown[]>(handler: string, socket: Socket, fn: (...args: A) => unknown, onFailure?: () => void) => (...args: A) => void;
/** A bus listener whose failure is logged, not thrown back to whoever emitted. */
export type OnBus = <A extends unknown[]>(event: string, fn: (...args: A) => unknown) => void;
