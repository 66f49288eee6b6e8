// POST/GET/DELETE /api/session (login, who am I, logout) and the admin's account management.
import type { Request, Response } from 'express';
import { eq } from 'drizzle-orm';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { users } from '../../models/schema.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { RateLimitedError, UnauthenticatedError } from '../http/errors.js';
import { publicUser } from './access.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createSession, revokeSession, SESSION_COOKIE } from './sessions.js';
import { createUser, listUsers, newUserSchema, userSchema } from './users.js';

const loginSchema = z
  .strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
  .meta({ id: 'Login' });

const sessionUserSchema = z
  .object({
    username: z.string(),
    role: z.string(),
    outletId: z.string().optional(),
    jurisdiction: z.string().optional(),
  })
  .meta({ id: 'SessionUser' });

const sessionSchema = z.object({ token: z.string(), expiresAt: z.string(), user: sessionUserSchema }).meta({ id: 'Session' });

export function registerAccountRoutes(api: Api, ctx: AppContext) {
  const { db, config } = ctx;
  // A dummy hash makes an unknown username cost the same time as a wrong password.
  const dummyHash = hashPassword('not-a-real-password', config.passwordHashCost);

  const limiter = (limit: number, key: (req: Request) => string) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: key,
      handler: (_req, _res, next, options) =>
        next(new RateLimitedError('Too many login attempts. Wait a minute and try again.', Math.ceil(options.windowMs / 1000))),
    });
  const ip = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  const perAccount = limiter(config.loginRateLimitPerMinute, (req) => `${ip(req)}|${String(req.body?.username ?? '').toLowerCase()}`);
  const perAddress = limiter(config.loginRateLimitPerMinute * 10, ip);

  api.route({
    method: 'post',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Log in; returns a bearer token and sets the httpOnly session cookie',
    access: { public: true },
    before: [perAddress, perAccount],
    body: loginSchema,
    responses: { 200: { description: 'Logged in', schema: sessionSchema }, 401: { description: 'Wrong username or password' }, 429: { description: 'Too many attempts' } },
    handler: async ({ req, res, body }) => {
      const username = body.username.trim().toLowerCase();
      const [user] = await db.select().from(users).where(eq(users.username, username));
      const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyHash));
      if (!user || !ok || user.disabled) {
        await recordAudit(db, { actor: null, action: 'session.login_failed', requestId: String(req.id), details: { username } });
        throw new UnauthenticatedError('Wrong username or password.', 'INVALID_CREDENTIALS');
      }
      const session = await createSession(db, user.id, config.sessionTtlMs);
      await recordAudit(db, { actor: user, action: 'session.login', requestId: String(req.id) });
      setSessionCookie(res, session.token, config.sessionTtlMs, config.cookieSecure);
      const shown = publicUser({ ...user, outletRegionCode: null, sessionTokenHash: '', sessionExpiresAt: session.expiresAt });
      return { status: 200, body: { token: session.token, expiresAt: session.expiresAt.toISOString(), user: shown } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Who is logged in',
    access: { roles: ['courier', 'postal_regulator', 'customs_officer', 'admin'] },
    responses: { 200: { description: 'The logged-in user', schema: z.object({ user: sessionUserSchema }) } },
    handler: ({ user }) => ({ status: 200, body: { user: publicUser(user) } }),
  });

  api.route({
    method: 'delete',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Log out: ends this session everywhere, including open live-alert sockets',
    access: { roles: ['courier', 'postal_regulator', 'customs_officer', 'admin'] },
    responses: { 204: { description: 'Logged out' } },
    handler: async ({ req, res, user }) => {
      await revokeSession(db, user.sessionTokenHash);
      await recordAudit(db, { actor: user, action: 'session.logout', requestId: String(req.id) });
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      ctx.bus.emit('session:revoked', user.sessionTokenHash);
      return { status: 204 };
    },
  });

  api.route({
    method: 'get',
    path: '/api/users',
    tag: 'Accounts',
    summary: 'List accounts',
    access: { roles: ['admin'] },
    responses: { 200: { description: 'All accounts', schema: z.object({ users: z.array(userSchema) }) } },
    handler: async () => ({ status: 200, body: { users: await listUsers(db) } }),
  });

  api.route({
    method: 'post',
    path: '/api/users',
    tag: 'Accounts',
    summary: 'Create an account (courier with outletId; regulator or customs officer with jurisdiction)',
    access: { roles: ['admin'] },
    body: newUserSchema,
    responses: { 201: { description: 'Created', schema: userSchema }, 409: { description: 'Username taken' } },
    handler: async ({ req, body, user }) => {
      const created = await createUser(db, body, config.passwordHashCost);
      await recordAudit(db, { actor: user, action: 'user.create', subjectType: 'user', subjectId: created.username, requestId: String(req.id), details: { role: created.role } });
      return { status: 201, body: created };
    },
  });
}

function setSessionCookie(res: Response, token: string, ttlMs: number, secure: boolean) {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: ttlMs });
}
