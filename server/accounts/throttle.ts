// Failed logins per account, across all addresses and server processes (issue 14 item 7). The counter lives in
// the database, keyed by the normalised username, so " admin", "ADMIN" and "ａｄｍｉｎ" are one account.
// An attempt is counted before its password is checked and cleared on success: concurrent guesses cannot all
// slip in before the first failure is written.
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { loginThrottle } from '../../models/schema.js';
import type { LoginThrottlePolicy } from '../config.js';
import type { Db } from '../db/database.js';
import { ApiError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import './messages.js';

/** Longest username kept (in the throttle key and the audit log); real usernames are at most 64. */
export const LOGIN_NAME_MAX = 64;

/**
 * How a typed username is compared and recorded: NFKC (full-width and compatibility forms fold), without
 * control or invisible format characters, trimmed, lower case, at most 64 characters.
 */
export function normaliseLoginName(raw: string): string {
  const folded = raw
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/gu, '')
    .trim()
    .toLowerCase();
  return Array.from(folded).slice(0, LOGIN_NAME_MAX).join('');
}

/** The lock a failure starts: the first at `lockAfterFailures`, doubling with each failure after it, capped. */
export function lockDurationMs(failures: number, policy: LoginThrottlePolicy): number {
  if (failures < policy.lockAfterFailures) return 0;
  const doublings = Math.min(failures - policy.lockAfterFailures, 30);
  return Math.min(policy.lockMs * 2 ** doublings, policy.maxLockMs);
}

export type LoginClaim = { allowed: true; failures: number } | { allowed: false; lockedUntil: Date };

/**
 * Counts an attempt at `account` before its password is checked. A locked account is refused and the attempt
 * is not counted, so hammering a locked account does not lengthen the lock (a bounded lock, not a weapon).
 * The attempt that reaches the threshold sets the lock at once; its own success clears it.
 */
export async function claimLoginAttempt(db: Db, account: string, policy: LoginThrottlePolicy, now: Date): Promise<LoginClaim> {
  return db.transaction(async (tx) => {
    await tx.insert(loginThrottle).values({ account, failures: 0, lastFailureAt: now }).onConflictDoNothing();
    const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.account, account)).for('update');
    if (row?.lockedUntil && row.lockedUntil > now) return { allowed: false, lockedUntil: row.lockedUntil };
    const remembered = row && row.lastFailureAt.getTime() > now.getTime() - policy.failureMemoryMs ? row.failures : 0;
    const failures = remembered + 1;
    const lockMs = lockDurationMs(failures, policy);
    await tx
      .update(loginThrottle)
      .set({ failures, lastFailureAt: now, lockedUntil: lockMs ? new Date(now.getTime() + lockMs) : null })
      .where(eq(loginThrottle.account, account));
    return { allowed: true, failures };
  });
}

/** A successful login: the account's count starts again. Old rows of any account are swept on the way. */
export async function clearLoginFailures(db: Db, account: string, policy: LoginThrottlePolicy, now: Date): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.account, account));
  const forgotten = new Date(now.getTime() - policy.failureMemoryMs);
  await db
    .delete(loginThrottle)
    .where(and(lt(loginThrottle.lastFailureAt, forgotten), or(isNull(loginThrottle.lockedUntil), lt(loginThrottle.lockedUntil, now))));
}

/** Seconds until a lock ends, at least 1 (the value of Retry-After). */
export const secondsUntil = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

/** 429 LOGIN_LOCKED: when to try again, as Retry-After and in the message. */
export function loginLockedError(lockedUntil: Date, now: Date): ApiError {
  const seconds = secondsUntil(lockedUntil, now);
  const err = new ApiError(429, 'LOGIN_LOCKED', 'Too many failed logins', '', undefined, { 'Retry-After': String(seconds) });
  return withMessage(err, bilingual('LOGIN_LOCKED', { until: lockedUntil.toISOString(), seconds }));
}
