// Opaque bearer tokens; only their SHA-256 is stored, so logout and expiry are real revocation.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { outlets, sessions, users } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import { bilingual } from '../i18n/messages.js';
import { ForbiddenError, UnauthenticatedError, withMessage } from '../http/errors.js';
import './messages.js';
import type { AuthUser } from './access.js';
import { authenticateApiKey, forgetAllApiKeys, forgetApiKeysOf, gatedApiKeyUser, serviceRouteAllowed } from '../machine/auth.js';
import { apiKeyFromHeaders } from '../machine/keys.js';

export const SESSION_COOKIE = 'pg_session';
const TOKEN_PREFIX = 'pgs_';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export async function createSession(db: Queryable, userId: string, ttlMs: number, now = new Date()) {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs);
  // Expired sessions of this user are swept at each login; nothing else needs a timer.
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now)));
  await db.insert(sessions).values({ tokenHash: hashToken(token), userId, expiresAt });
  return { token, expiresAt };
}

export async function revokeSession(db: Queryable, tokenHash: string) {
  forgetSession(tokenHash);
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** The token from `Authorization: Bearer …`, the socket.io handshake, or the browser's httpOnly cookie. */
export function tokenFromRequest(req: Pick<IncomingMessage, 'headers'>, explicit?: unknown): string | undefined {
  if (typeof explicit === 'string' && explicit) return explicit;
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1] ?? '';
  }
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return ''; // malformed percent-encoding: not a token this server issued (401 TOKEN_INVALID), never a 500
    }
  }
  return undefined;
}

/** Every request runs this; prepared once per database so it is not rebuilt each time. */
const prepared = new WeakMap<Queryable, ReturnType<typeof prepareSessionLookup>>();
function prepareSessionLookup(db: Queryable) {
  return db
    .select({
      id: users.id,
      username: users.username,
      role: users.role,
      outletId: users.outletId,
      outletRegionCode: outlets.regionCode,
      jurisdiction: users.jurisdiction,
      disabled: users.disabled,
      kind: users.kind,
      mustChangePassword: users.mustChangePassword,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(outlets, eq(outlets.id, users.outletId))
    .where(and(eq(sessions.tokenHash, sql.placeholder('tokenHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .limit(1)
    .prepare('session_lookup');
}
function sessionLookup(db: Queryable) {
  let p = prepared.get(db);
  if (!p) prepared.set(db, (p = prepareSessionLookup(db)));
  return p;
}

/**
 * Sessions seen in the last few seconds, so a busy counter does not pay a database round trip per request.
 * Logout evicts at once in this process. A password change, a disabled account or a forced password change
 * evicts every session of that user here, and in other processes through NOTIFY (./revocation.ts); without
 * that listener (it reconnects after a failure) other processes see the change within the TTL.
 */
const CACHE_TTL_MS = 15_000;
const CACHE_MAX = 10_000;
const recent = new Map<string, { user: AuthUser; until: number }>();
/**
 * Bumped at every eviction: a lookup that began before it may have read the old row, so it is not cached
 * (it would otherwise bring the ended session back for the TTL).
 */
let evictions = 0;

export function forgetSession(tokenHash: string): void {
  recent.delete(tokenHash);
  evictions++;
}

/** Drops every cached session of a user, so the next request reads the account afresh. */
export function forgetUserSessions(userId: string): void {
  for (const [tokenHash, { user }] of recent) if (user.id === userId) recent.delete(tokenHash);
  forgetApiKeysOf(userId); // a revoked key or disabled service account reaches the API-key cache the same way
  evictions++;
}

/** Drops the whole cache, e.g. when a missed notification cannot be ruled out. */
export function forgetAllSessions(): void {
  recent.clear();
  forgetAllApiKeys();
  evictions++;
}

/**
 * The user behind a token. A user who must change their password is refused (403 PASSWORD_CHANGE_REQUIRED)
 * unless `passwordChangeAllowed`, which only the routes that let them do so (or log out) pass.
 */
export async function authenticateToken(
  db: Queryable,
  token: string | undefined,
  now = new Date(),
  opts: { passwordChangeAllowed?: boolean } = {},
): Promise<AuthUser> {
  const user = await sessionUser(db, token, now);
  if (user.mustChangePassword && !opts.passwordChangeAllowed) {
    throw withMessage(new ForbiddenError('', 'PASSWORD_CHANGE_REQUIRED'), bilingual('PASSWORD_CHANGE_REQUIRED'));
  }
  return user;
}

/** Routes a user who must change their password may still call: who am I, log out, change the password. */
const PASSWORD_CHANGE_ROUTES = new Set(['GET /api/session', 'DELETE /api/session', 'POST /api/session/password']);

/**
 * The authenticator of every HTTP route (server/app.ts). An API key (`Authorization: Bearer pgk_…` or
 * `X-Api-Key`) authenticates its service account as a courier (server/machine/auth.ts); such a caller reaches
 * only the routes of a carrier system's courier work (serviceRouteAllowed), never the session routes or the rest.
 */
export async function authenticateRequest(db: Queryable, req: Request): Promise<AuthUser> {
  const path = (req.originalUrl ?? req.url).split('?')[0]!.replace(/\/+$/, '');
  const apiKey = apiKeyFromHeaders(req.headers);
  if (apiKey !== undefined) {
    const user = gatedApiKeyUser(req) ?? (await authenticateApiKey(db, apiKey, req.headers['x-outlet-id']));
    // Matched on the route as declared (Express sets req.route before the route's own handlers), not on the
    // URL as typed: letter case, encodings and trailing slashes cannot make a refused route look like an allowed one.
    const route = (req as Request & { route?: { path?: unknown } }).route;
    const pattern = typeof route?.path === 'string' ? `${req.baseUrl ?? ''}${route.path}` : undefined;
    if (!serviceRouteAllowed(req.method, pattern)) {
      throw withMessage(new ForbiddenError('', 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN'), bilingual('SERVICE_ACCOUNT_ROUTE_FORBIDDEN'));
    }
    return user;
  }
  return authenticateToken(db, tokenFromRequest(req), new Date(), { passwordChangeAllowed: PASSWORD_CHANGE_ROUTES.has(`${req.method} ${path}`) });
}

async function sessionUser(db: Queryable, token: string | undefined, now: Date): Promise<AuthUser> {
  if (token !== undefined && token.startsWith(TOKEN_PREFIX) && token.length <= 200) {
    const hit = recent.get(hashToken(token));
    if (hit && hit.until > now.getTime() && hit.user.sessionExpiresAt > now) return hit.user;
  }
  const before = evictions;
  const user = await lookUpSession(db, token, now);
  if (before === evictions) {
    if (recent.size >= CACHE_MAX) recent.clear();
    recent.set(user.sessionTokenHash, { user, until: now.getTime() + CACHE_TTL_MS });
  }
  return user;
}

async function lookUpSession(db: Queryable, token: string | undefined, now: Date): Promise<AuthUser> {
  if (token === undefined) throw new UnauthenticatedError();
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) {
    throw new UnauthenticatedError('The token is not one this server issued. Log in again.', 'TOKEN_INVALID');
  }
  const tokenHash = hashToken(token);
  const [row] = await sessionLookup(db).execute({ tokenHash, now });
  if (!row) throw withMessage(new UnauthenticatedError('', 'SESSION_EXPIRED'), bilingual('SESSION_EXPIRED'));
  if (row.disabled) throw withMessage(new UnauthenticatedError('', 'ACCOUNT_DISABLED'), bilingual('ACCOUNT_DISABLED'));
  // A service account never holds a session (login refuses it); should a row exist anyway, it is not honoured.
  if (row.kind !== 'person') throw withMessage(new UnauthenticatedError('', 'SESSION_EXPIRED'), bilingual('SESSION_EXPIRED'));
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    outletId: row.outletId,
    outletRegionCode: row.outletRegionCode,
    jurisdiction: row.jurisdiction,
    sessionTokenHash: tokenHash,
    sessionExpiresAt: row.expiresAt,
    mustChangePassword: row.mustChangePassword,
  };
}

/**
 * Whether a session still stands, read from the database (never the cache). A live socket asks once it is in
 * its rooms: a revocation that landed between its handshake and its joining `user:<id>` found no socket to close.
 */
export async function sessionStillStands(db: Queryable, tokenHash: string, now = new Date()): Promise<boolean> {
  const [row] = await db
    .select({ disabled: users.disabled })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .limit(1);
  return row !== undefined && !row.disabled;
}
