// POST/GET/DELETE /api/session (login, who am I, logout) and the admin's account management.
import type { Request, Response } from 'express';
import { eq } from 'drizzle-orm';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { users } from '../../models/schema.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ApiError, ForbiddenError, UnauthenticatedError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { accountPatchSchema, changeAccount, changeOwnPassword, passwordChangeSchema, type AccountDeps } from './account-changes.js';
import { publicUser } from './access.js';
import { announceSessionEnded } from './revocation.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createSession, revokeSession, SESSION_COOKIE } from './sessions.js';
import { claimLoginAttempt, lockDurationMs, loginLockedError, normaliseLoginName, settleLoginAttempt } from './throttle.js';
import { createUser, listUsers, newUserSchema, usernameSchema, userSchema } from './users.js';
import './messages.js';

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

const sessionSchema = z
  .object({
    token: z.string(),
    expiresAt: z.string(),
    user: sessionUserSchema,
    /** Present when an admin requires a new password: until POST /api/session/password, other routes are 403. */
    mustChangePassword: z.literal(true).optional(),
  })
  .meta({ id: 'Session' });

export function registerAccountRoutes(api: Api, ctx: AppContext) {
  const { db, config } = ctx;
  // A dummy hash makes an unknown username cost the same time as a wrong password.
  const dummyHash = hashPassword('not-a-real-password', config.passwordHashCost);

  // Per address: failed logins a minute, whatever the usernames (an office behind one NAT logs in freely).
  // Per account: ./throttle.ts, in the database, across addresses and processes.
  const perAddress = rateLimit({
    windowMs: 60_000,
    limit: config.loginRateLimitPerMinute,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (_req, _res, next, options) => {
      const seconds = Math.ceil(options.windowMs / 1000);
      const err = new ApiError(429, 'RATE_LIMITED', 'Too many requests', '', undefined, { 'Retry-After': String(seconds) });
      next(withMessage(err, bilingual('LOGIN_ADDRESS_LIMITED', { seconds })));
    },
  });
  const accountDeps: AccountDeps = {
    db,
    dbKind: ctx.dbKind,
    hashCost: config.passwordHashCost,
    demoPassword: config.demoPassword,
    loginThrottle: config.loginThrottle,
    bus: ctx.bus,
  };

  api.route({
    method: 'post',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Log in; returns a bearer token and sets the httpOnly session cookie',
    access: { public: true },
    before: [perAddress],
    body: loginSchema,
    responses: {
      200: { description: 'Logged in', schema: sessionSchema },
      401: { description: 'Wrong username or password' },
      429: { description: 'LOGIN_LOCKED: the account is locked after repeated failures (Retry-After says until when); RATE_LIMITED: too many failures from this address' },
    },
    handler: async ({ req, res, body }) => {
      // One normalisation for the lookup, the lock and the audit log: padding or case gives no fresh guesses.
      const username = normaliseLoginName(body.username);
      const now = new Date();
      const claim = await claimLoginAttempt(db, username, config.loginThrottle, now);
      if (!claim.allowed) {
        ctx.log.warn({ username, lockedUntil: claim.lockedUntil }, 'login refused: account locked');
        throw loginLockedError(claim.lockedUntil, now);
      }
      let user: typeof users.$inferSelect | undefined;
      const outcome = await settleLoginAttempt(db, username, config.loginThrottle, async () => {
        [user] = await db.select().from(users).where(eq(users.username, username));
        const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyHash));
        return !!user && ok && !user.disabled && user.kind === 'person'; // service accounts use API keys only
      });
      if (!outcome.ok || !user) {
        const failures = outcome.ok ? 0 : outcome.failures;
        const lockMs = lockDurationMs(failures, config.loginThrottle);
        const details = { username, failures, ...(lockMs ? { lockedForSeconds: lockMs / 1000 } : {}) };
        await recordAudit(db, { actor: null, action: 'session.login_failed', requestId: String(req.id), details });
        throw withMessage(new UnauthenticatedError('', 'INVALID_CREDENTIALS'), bilingual('INVALID_CREDENTIALS'));
      }
      const session = await createSession(db, user.id, config.sessionTtlMs);
      await recordAudit(db, { actor: user, action: 'session.login', requestId: String(req.id) });
      setSessionCookie(res, session.token, config.sessionTtlMs, config.cookieSecure);
      const shown = publicUser({ ...user, outletRegionCode: null, sessionTokenHash: '', sessionExpiresAt: session.expiresAt });
      const sessionBody = { token: session.token, expiresAt: session.expiresAt.toISOString(), user: shown };
      return { status: 200, body: user.mustChangePassword ? { ...sessionBody, mustChangePassword: true } : sessionBody };
    },
  });

  api.route({
    method: 'post',
    path: '/api/session/password',
    tag: 'Accounts',
    summary: 'Change your own password; your other sessions (and their live-alert sockets) end, this one stays',
    access: { roles: ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'] },
    body: passwordChangeSchema,
    responses: {
      204: { description: 'Changed; a required password change is done' },
      422: { description: 'PASSWORD_CURRENT_WRONG, or PASSWORD_WEAK with a reason (TOO_SHORT, COMMON, CONTAINS_USERNAME, SEQUENCE, REPETITION, KEYBOARD, DEMO_PASSWORD, UNCHANGED, GUESSABLE)' },
      429: { description: 'LOGIN_LOCKED: too many wrong current passwords' },
    },
    handler: async ({ req, body, user }) => {
      try {
        const { sessionsEnded } = await changeOwnPassword(accountDeps, user, body.currentPassword, body.newPassword);
        await recordAudit(db, { actor: user, action: 'user.password_change', subjectType: 'user', subjectId: user.username, requestId: String(req.id), details: { sessionsEnded } });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'PASSWORD_CURRENT_WRONG') {
          await recordAudit(db, { actor: user, action: 'user.password_change_failed', subjectType: 'user', subjectId: user.username, requestId: String(req.id) });
        }
        throw err;
      }
      return { status: 204 };
    },
  });

  api.route({
    method: 'get',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Who is logged in',
    access: { roles: ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'] },
    responses: { 200: { description: 'The logged-in user', schema: z.object({ user: sessionUserSchema }) } },
    handler: ({ user }) => ({ status: 200, body: { user: publicUser(user) } }),
  });

  api.route({
    method: 'delete',
    path: '/api/session',
    tag: 'Accounts',
    summary: 'Log out: ends this session everywhere, including open live-alert sockets',
    access: { roles: ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'] },
    responses: { 204: { description: 'Logged out' } },
    handler: async ({ req, res, user }) => {
      await revokeSession(db, user.sessionTokenHash);
      // Other processes' caches and sockets. The session is gone already: a failed announcement is logged (those
      // processes drop it from their cache within seconds anyway), not a failed logout.
      await announceSessionEnded(db, ctx.dbKind, user.sessionTokenHash).catch((err: unknown) => ctx.log.warn({ err }, 'logout: announcing the ended session to other processes failed'));
      await recordAudit(db, { actor: user, action: 'session.logout', requestId: String(req.id) });
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      ctx.bus.emit('session:revoked', user.sessionTokenHash);
      return { status: 204 };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/users/:username',
    tag: 'Accounts',
    summary: 'Disable or enable an account, set its password, or require a new one. Disabling or a new password ends all its sessions and live-alert sockets at once',
    access: { roles: ['admin'] },
    params: z.object({ username: usernameSchema }),
    body: accountPatchSchema,
    responses: {
      200: { description: 'The account as changed', schema: userSchema },
      403: { description: 'CANNOT_DISABLE_SELF: an admin cannot disable their own account' },
      404: { description: 'USER_NOT_FOUND' },
      422: { description: 'PASSWORD_WEAK with a reason' },
    },
    handler: async ({ req, body, params, user }) => {
      if (body.disabled === true && params.username === user.username) {
        // Otherwise the last admin could lock everyone out of account management.
        throw withMessage(new ForbiddenError('', 'CANNOT_DISABLE_SELF'), bilingual('CANNOT_DISABLE_SELF'));
      }
      const { user: changed, sessionsEnded } = await changeAccount(accountDeps, params.username, body);
      const details = {
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        ...(body.password !== undefined ? { passwordSet: true } : {}),
        ...(body.mustChangePassword !== undefined ? { mustChangePassword: body.mustChangePassword } : {}),
        sessionsEnded,
      };
      await recordAudit(db, { actor: user, action: 'user.update', subjectType: 'user', subjectId: changed.username, requestId: String(req.id), details });
      return { status: 200, body: changed };
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
    responses: { 201: { description: 'Created', schema: userSchema }, 409: { description: 'Username taken' }, 422: { description: 'Scope errors, or PASSWORD_WEAK with a reason' } },
    handler: async ({ req, body, user }) => {
      const created = await createUser(db, body, config.passwordHashCost, { demoPassword: config.demoPassword });
      await recordAudit(db, { actor: user, action: 'user.create', subjectType: 'user', subjectId: created.username, requestId: String(req.id), details: { role: created.role } });
      return { status: 201, body: created };
    },
  });
}

function setSessionCookie(res: Response, token: string, ttlMs: number, secure: boolean) {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: ttlMs });
}
