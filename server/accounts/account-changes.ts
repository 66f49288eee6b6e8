// Changing an existing account: an admin disabling it, setting its password or requiring a new one (API and
// CLI), and a user changing their own password. Whatever ends sessions ends them at once (./revocation.ts).
import type { EventEmitter } from 'node:events';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../../models/schema.js';
import type { LoginThrottlePolicy } from '../config.js';
import type { Db } from '../db/database.js';
import { NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import type { AuthUser } from './access.js';
import { checkPassword, PASSWORD_MAX_LENGTH } from './password-policy.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { announceRevocation, revokeUserSessions } from './revocation.js';
import { claimLoginAttempt, clearLoginFailures, loginLockedError, normaliseLoginName, settleLoginAttempt } from './throttle.js';
import { assertPasswordAcceptable, presentUser } from './users.js';
import './messages.js';

export const accountPatchSchema = z
  .strictObject({
    disabled: z.boolean().optional(),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH).optional(),
    mustChangePassword: z.boolean().optional(),
  })
  .refine((p) => p.disabled !== undefined || p.password !== undefined || p.mustChangePassword !== undefined, {
    message: 'give at least one of disabled, password, mustChangePassword',
  })
  .meta({ id: 'AccountPatch' });
export type AccountPatch = z.output<typeof accountPatchSchema>;

export const passwordChangeSchema = z
  .strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH), newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .meta({ id: 'PasswordChange' });

export type AccountDeps = {
  db: Db;
  dbKind: 'pglite' | 'postgres';
  hashCost: number;
  demoPassword?: string;
  loginThrottle: LoginThrottlePolicy;
  /** Absent in the CLI: no sockets there; other processes hear of it through NOTIFY. */
  bus?: EventEmitter;
};

/**
 * Applies an admin's change. Disabling or setting the password ends every session and socket of the account;
 * requiring a new password drops its sockets and makes its sessions answer PASSWORD_CHANGE_REQUIRED at once.
 * A new password also lifts a login lock, so the owner can use it straight away.
 */
export async function changeAccount(deps: AccountDeps, username: string, patch: AccountPatch) {
  const [target] = await deps.db.select().from(users).where(eq(users.username, username));
  if (!target) throw withMessage(new NotFoundError('', 'USER_NOT_FOUND'), bilingual('USER_NOT_FOUND', { username }));
  if (patch.password !== undefined) assertPasswordAcceptable(patch.password, target.username, deps.demoPassword);
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password, deps.hashCost);
  const endSessions = passwordHash !== undefined || patch.disabled === true;
  const { row, revocation } = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(patch.mustChangePassword !== undefined ? { mustChangePassword: patch.mustChangePassword } : {}),
      })
      .where(eq(users.id, target.id))
      .returning();
    const revocation = await revokeUserSessions(tx, deps.dbKind, target.id, {
      endSessions,
      endSockets: endSessions || patch.mustChangePassword === true,
    });
    return { row: row!, revocation };
  });
  announceRevocation(deps.bus, revocation);
  if (passwordHash !== undefined) await clearLoginFailures(deps.db, normaliseLoginName(target.username), deps.loginThrottle, new Date(), false);
  return { user: presentUser(row), sessionsEnded: revocation.endedTokenHashes.length };
}

/**
 * A user choosing a new password. The current one is checked like a login (and counts towards the account's
 * lock, so a stolen session cannot guess it freely); the other sessions end, this one stays.
 */
export async function changeOwnPassword(deps: AccountDeps, user: AuthUser, currentPassword: string, newPassword: string) {
  const account = normaliseLoginName(user.username);
  const now = new Date();
  const claim = await claimLoginAttempt(deps.db, account, deps.loginThrottle, now);
  if (!claim.allowed) throw loginLockedError(claim.lockedUntil, now);
  const outcome = await settleLoginAttempt(deps.db, account, deps.loginThrottle, async () => {
    const [row] = await deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id));
    return !!row && (await verifyPassword(currentPassword, row.passwordHash));
  });
  if (!outcome.ok) {
    throw new ValidationError([{ path: 'currentPassword', code: 'PASSWORD_CURRENT_WRONG', ...bilingual('PASSWORD_CURRENT_WRONG') }]);
  }
  const weak = checkPassword(newPassword, {
    username: user.username,
    current: currentPassword,
    path: 'newPassword',
    ...(deps.demoPassword ? { demoPassword: deps.demoPassword } : {}),
  });
  if (weak) throw new ValidationError([weak]);
  const passwordHash = await hashPassword(newPassword, deps.hashCost);
  const revocation = await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, mustChangePassword: false }).where(eq(users.id, user.id));
    return revokeUserSessions(tx, deps.dbKind, user.id, { keep: user.sessionTokenHash });
  });
  announceRevocation(deps.bus, revocation);
  return { sessionsEnded: revocation.endedTokenHashes.length };
}
