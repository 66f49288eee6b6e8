// Authentication by API key (机器客户端): the key's service account acts as a courier of one outlet — its own, or,
// for a carrier-scoped account, the outlet named by X-Outlet-Id, which must be that carrier's. Used by
// server/accounts/sessions.ts (every route's authenticator) and by the gate in front of /api (rate limit).
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { and, eq, sql } from 'drizzle-orm';
import { rateLimit } from 'express-rate-limit';
import { apiKeys, outlets, users } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { ApiError, BadRequestError, ForbiddenError, UnauthenticatedError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { apiKeyFromHeaders, parseApiKey, secretMatches } from './keys.js';
import './messages.js';

/** A key's user carries this in sessionTokenHash: tells API-key callers apart without widening AuthUser. */
const API_KEY_SESSION_MARK = 'apikey:';
export const isServiceUser = (u: Pick<AuthUser, 'sessionTokenHash'>) => u.sessionTokenHash.startsWith(API_KEY_SESSION_MARK);
export const apiKeyIdOf = (u: Pick<AuthUser, 'sessionTokenHash'>) => (isServiceUser(u) ? u.sessionTokenHash.slice(API_KEY_SESSION_MARK.length) : null);

export type ApiKeyUser = AuthUser & { apiKeyPrefix: string };

/**
 * The routes (as declared: method and path pattern) a service account may call: a carrier system's courier work
 * and nothing else a courier may do by hand (registering organisations, uploading media, …). Denied by default,
 * so a route added later is closed to machines until it is named here.
 */
const SERVICE_ROUTES = new Set([
  'GET /api/session',
  'POST /api/parcels',
  'GET /api/parcels/:waybillNo',
  'GET /api/holds',
  'GET /api/holds/counts',
  'POST /api/parcels/:waybillNo/interception',
  'GET /api/interceptions',
  'GET /api/interceptions/counts',
  'GET /api/organisations',
]);
/** Bulk intake (server/batches/) as a whole: sending, uploading, following, downloading results and the template. */
const SERVICE_ROUTE_PREFIXES = ['/api/parcels/batch'];

/** Whether a service account may call the route declared as `pattern` (e.g. '/api/parcels/:waybillNo'). */
export function serviceRouteAllowed(method: string, pattern: string | undefined): boolean {
  if (pattern === undefined) return false;
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  if (SERVICE_ROUTES.has(`${m} ${pattern}`)) return true;
  return (m === 'GET' || m === 'POST') && SERVICE_ROUTE_PREFIXES.some((p) => pattern === p || pattern.startsWith(`${p}/`));
}

const invalidKey = () => withMessage(new UnauthenticatedError('', 'API_KEY_INVALID'), bilingual('API_KEY_INVALID'));

/**
 * Keys seen in the last seconds, as for sessions: a busy carrier system does not pay a round trip per request.
 * Revoking a key or disabling its account evicts here and, through the sessions' NOTIFY, in other processes
 * (forgetApiKeysOf is called wherever a user's sessions are forgotten).
 */
const CACHE_TTL_MS = 15_000;
const CACHE_MAX = 10_000;
const recent = new Map<string, { user: ApiKeyUser; userId: string; until: number }>();
let evictions = 0;

export function forgetApiKeysOf(userId: string): void {
  for (const [k, v] of recent) if (v.userId === userId) recent.delete(k);
  evictions++;
}
export function forgetAllApiKeys(): void {
  recent.clear();
  evictions++;
}

/** last_used_at is written at most once a minute per key and process: no write per request. */
const LAST_USED_EVERY_MS = 60_000;
const lastUsedWritten = new Map<string, number>();

async function touchLastUsed(db: Queryable, keyId: string, now: Date): Promise<void> {
  const last = lastUsedWritten.get(keyId);
  if (last !== undefined && now.getTime() - last < LAST_USED_EVERY_MS) return;
  if (lastUsedWritten.size >= CACHE_MAX) lastUsedWritten.clear();
  lastUsedWritten.set(keyId, now.getTime());
  // Other processes may have written it meanwhile: the condition keeps it to about once a minute overall.
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${new Date(now.getTime() - LAST_USED_EVERY_MS).toISOString()}::timestamptz)`));
}

export async function authenticateApiKey(db: Queryable, rawKey: string, outletHeader: unknown, now = new Date()): Promise<ApiKeyUser> {
  const parsed = parseApiKey(rawKey);
  if (!parsed) throw invalidKey();
  const requestedOutlet = typeof outletHeader === 'string' && outletHeader.trim() ? outletHeader.trim() : null;
  if (requestedOutlet !== null && requestedOutlet.length > 64) throw outsideScope(`${requestedOutlet.slice(0, 64)}…`);
  const cacheKey = `${createHash('sha256').update(rawKey).digest('base64url')}|${requestedOutlet ?? ''}`;
  const hit = recent.get(cacheKey);
  if (hit && hit.until > now.getTime()) {
    await touchLastUsed(db, apiKeyIdOf(hit.user)!, now);
    return hit.user;
  }
  const before = evictions;
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      secretHash: apiKeys.secretHash,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      userId: users.id,
      username: users.username,
      role: users.role,
      kind: users.kind,
      disabled: users.disabled,
      outletId: users.outletId,
      carrier: users.carrier,
      outletRegionCode: outlets.regionCode,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(outlets, eq(outlets.id, users.outletId))
    .where(eq(apiKeys.prefix, parsed.prefix))
    .limit(1);
  // The secret is compared even for a revoked key, so timing says nothing about a key's state.
  const matches = !!row && secretMatches(parsed.secret, row.secretHash);
  if (!row || !matches || row.revokedAt || row.disabled || row.kind !== 'service' || row.role !== 'courier') throw invalidKey();
  if (row.expiresAt && row.expiresAt <= now) throw invalidKey();

  let outletId = row.outletId;
  let outletRegionCode = row.outletRegionCode;
  if (row.carrier !== null) {
    if (requestedOutlet === null) throw withMessage(new BadRequestError('', undefined, 'OUTLET_REQUIRED'), bilingual('OUTLET_REQUIRED'));
    const [outlet] = await db
      .select({ id: outlets.id, regionCode: outlets.regionCode })
      .from(outlets)
      .where(and(eq(outlets.id, requestedOutlet), eq(outlets.carrier, row.carrier)));
    if (!outlet) throw outsideScope(requestedOutlet);
    outletId = outlet.id;
    outletRegionCode = outlet.regionCode;
  } else if (requestedOutlet !== null && requestedOutlet !== row.outletId) {
    throw outsideScope(requestedOutlet);
  }
  const user: ApiKeyUser = {
    id: row.userId,
    username: row.username,
    role: 'courier',
    outletId,
    outletRegionCode,
    jurisdiction: null,
    sessionTokenHash: `${API_KEY_SESSION_MARK}${row.keyId}`,
    // A key without expiry still re-reads its row within the cache's TTL.
    sessionExpiresAt: row.expiresAt ?? new Date(now.getTime() + 365 * 86_400_000),
    mustChangePassword: false,
    apiKeyPrefix: parsed.prefix,
  };
  if (before === evictions) {
    if (recent.size >= CACHE_MAX) recent.clear();
    const until = Math.min(now.getTime() + CACHE_TTL_MS, row.expiresAt?.getTime() ?? Infinity);
    recent.set(cacheKey, { user, userId: row.userId, until });
  }
  await touchLastUsed(db, row.keyId, now);
  return user;
}

function outsideScope(outletId: string) {
  return withMessage(new ForbiddenError('', 'OUTLET_OUTSIDE_SCOPE'), bilingual('OUTLET_OUTSIDE_SCOPE', { outletId }));
}

/** Requests already authenticated by the gate; the route's authenticator takes the user from here. */
const gated = new WeakMap<Request, ApiKeyUser>();
export const gatedApiKeyUser = (req: Request): ApiKeyUser | undefined => gated.get(req);

/**
 * In front of /api: a request carrying an API key is authenticated here, then counted against its key's limit
 * (keyed by the verified prefix, so nobody can spend another's allowance with made-up secrets). Requests
 * without a key pass untouched. The limit is per process (express-rate-limit's memory store).
 */
export function apiKeyGate(db: Queryable, perMinute: number): RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    validate: false, // keyed by key prefix, not by address: the address checks do not apply
    keyGenerator: (req: Request) => `key:${gated.get(req)?.apiKeyPrefix ?? ''}`,
    handler: (req, _res, next, options) => {
      // Until this key's window ends (express-rate-limit puts it on the request), at least a second.
      const resetAt = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + options.windowMs;
      const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      const err = new ApiError(429, 'RATE_LIMITED', 'Too many requests', '', undefined, { 'Retry-After': String(seconds) });
      next(withMessage(err, bilingual('API_KEY_RATE_LIMITED', { seconds })));
    },
  });
  return (req, res, next) => {
    const key = apiKeyFromHeaders(req.headers);
    if (key === undefined) return next();
    authenticateApiKey(db, key, req.headers['x-outlet-id']).then(
      (user) => {
        gated.set(req, user);
        limiter(req, res, next);
      },
      next,
    );
  };
}
