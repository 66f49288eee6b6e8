// Failed logins per account, across all addresses and server processes (issue 14 item 7). The counter lives in
// the database, keyed by the normalised username, so " admin", "ADMIN" and "ａｄｍｉｎ" are one account.
//
// An attempt is claimed before its password is checked and counts towards the lock while it is in flight, so
// concurrent guesses cannot all slip in before the first failure is written: with a threshold of 5, at most 5
// are ever being checked at once. An attempt beyond that waits (it does not fail) until the ones in flight
// settle: if they were wrong guesses the lock is set and the waiter is refused; if they were right, the count
// starts again and the waiter goes on. Only settled failures set the lock, so a carrier system logging in
// from eight workers at once is never locked out by its own correct logins.
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

export type LoginClaim = { allowed: true } | { allowed: false; lockedUntil: Date };

/** How long an attempt may stay in flight before it is presumed lost (its process died mid-check). */
export const IN_FLIGHT_EXPIRY_MS = 60_000;
/** How long an attempt waits for the ones in flight to settle before it is refused for now. */
export const CLAIM_WAIT_MS = 5_000;
/** How long "for now" is: the Retry-After of an attempt that waited in vain. */
const BUSY_RETRY_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Failures not yet forgotten, as of `now`. */
const remembered = (row: { failures: number; lastFailureAt: Date }, policy: LoginThrottlePolicy, now: Date) =>
  row.lastFailureAt.getTime() > now.getTime() - policy.failureMemoryMs ? row.failures : 0;

/** Attempts still being checked, as of `now` (a lost attempt stops counting after IN_FLIGHT_EXPIRY_MS). */
const inFlight = (row: { inFlight: number; inFlightAt: Date | null }, now: Date) =>
  row.inFlightAt && row.inFlightAt.getTime() > now.getTime() - IN_FLIGHT_EXPIRY_MS ? row.inFlight : 0;

/**
 * Claims an attempt at `account` before its password is checked; settle it with `recordLoginFailure` or
 * `clearLoginFailures`. A locked account is refused and the attempt is not counted, so hammering a locked
 * account does not lengthen the lock (a bounded lock, not a weapon). While settled failures and attempts in
 * flight together reach the threshold (after a lock has run out: while one is in flight), the attempt waits up
 * to `waitMs` for them to settle.
 */
export async function claimLoginAttempt(
  db: Db,
  account: string,
  policy: LoginThrottlePolicy,
  now: Date,
  waitMs = CLAIM_WAIT_MS,
): Promise<LoginClaim> {
  const started = Date.now();
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    const at = new Date(now.getTime() + (Date.now() - started));
    const outcome = await db.transaction(async (tx) => {
      await tx.insert(loginThrottle).values({ account, failures: 0, lastFailureAt: at }).onConflictDoNothing();
      const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.account, account)).for('update');
      if (!row) return 'busy' as const; // removed between the two statements: try again
      if (row.lockedUntil && row.lockedUntil > at) return { allowed: false as const, lockedUntil: row.lockedUntil };
      const pending = inFlight(row, at);
      // Once a lock has run out, one attempt at a time: each of its failures doubles the lock again.
      if (pending >= Math.max(policy.lockAfterFailures - remembered(row, policy, at), 1)) return 'busy' as const;
      // The time of the oldest attempt still counted: a lost attempt (its process died) stops counting a minute
      // after it began, however many attempts come after it.
      await tx
        .update(loginThrottle)
        .set({ inFlight: pending + 1, inFlightAt: pending > 0 ? row.inFlightAt : at })
        .where(eq(loginThrottle.account, account));
      return { allowed: true as const };
    });
    if (outcome !== 'busy') return outcome;
    if (Date.now() - started >= waitMs) return { allowed: false, lockedUntil: new Date(at.getTime() + BUSY_RETRY_MS) };
    await sleep(pause);
  }
}

/**
 * A claimed attempt failed: it stops being in flight and becomes a failure. The failure that reaches the
 * threshold sets the lock; each after it doubles the lock. Returns the account's count of failures.
 */
export async function recordLoginFailure(db: Db, account: string, policy: LoginThrottlePolicy, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.insert(loginThrottle).values({ account, failures: 0, lastFailureAt: now }).onConflictDoNothing();
    const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.account, account)).for('update');
    const failures = (row ? remembered(row, policy, now) : 0) + 1;
    const lockMs = lockDurationMs(failures, policy);
    await tx
      .update(loginThrottle)
      .set({
        failures,
        lastFailureAt: now,
        inFlight: row ? Math.max(inFlight(row, now) - 1, 0) : 0,
        ...(lockMs ? { lockedUntil: new Date(now.getTime() + lockMs) } : {}),
      })
      .where(eq(loginThrottle.account, account));
    return failures;
  });
}

/**
 * A claimed attempt succeeded (or an administrator set a new password): the count of failures starts again.
 * Other attempts still in flight keep counting until they settle. Old rows of any account are swept on the way.
 */
export async function clearLoginFailures(db: Db, account: string, policy: LoginThrottlePolicy, now: Date, settlesClaim = true): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.account, account)).for('update');
    if (!row) return;
    const pending = Math.max(inFlight(row, now) - (settlesClaim ? 1 : 0), 0);
    if (pending === 0) await tx.delete(loginThrottle).where(eq(loginThrottle.account, account));
    else await tx.update(loginThrottle).set({ failures: 0, lockedUntil: null, inFlight: pending }).where(eq(loginThrottle.account, account));
  });
  const forgotten = new Date(now.getTime() - policy.failureMemoryMs);
  await db
    .delete(loginThrottle)
    .where(
      and(
        lt(loginThrottle.lastFailureAt, forgotten),
        or(isNull(loginThrottle.lockedUntil), lt(loginThrottle.lockedUntil, now)),
        or(isNull(loginThrottle.inFlightAt), lt(loginThrottle.inFlightAt, new Date(now.getTime() - IN_FLIGHT_EXPIRY_MS))),
      ),
    );
}

/** A claimed attempt that could not be checked (an error, not a wrong password): it stops counting, uncounted. */
export async function releaseLoginAttempt(db: Db, account: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(loginThrottle).where(eq(loginThrottle.account, account)).for('update');
    if (!row) return;
    await tx.update(loginThrottle).set({ inFlight: Math.max(inFlight(row, now) - 1, 0) }).where(eq(loginThrottle.account, account));
  });
}

/**
 * Checks a claimed attempt and settles it, whatever happens: `check` says whether the password was right; a wrong
 * one counts as a failure (and may lock), a right one clears the count, an error releases the claim uncounted.
 */
export async function settleLoginAttempt(
  db: Db,
  account: string,
  policy: LoginThrottlePolicy,
  check: () => Promise<boolean>,
): Promise<{ ok: true } | { ok: false; failures: number }> {
  let ok: boolean;
  try {
    ok = await check();
  } catch (err) {
    await releaseLoginAttempt(db, account, new Date()).catch(() => undefined);
    throw err;
  }
  if (ok) {
    await clearLoginFailures(db, account, policy, new Date());
    return { ok: true };
  }
  return { ok: false, failures: await recordLoginFailure(db, account, policy, new Date()) };
}

/** Seconds until a lock ends, at least 1 (the value of Retry-After). */
export const secondsUntil = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

/** 429 LOGIN_LOCKED: when to try again, as Retry-After and in the message. */
export function loginLockedError(lockedUntil: Date, now: Date): ApiError {
  const seconds = secondsUntil(lockedUntil, now);
  const err = new ApiError(429, 'LOGIN_LOCKED', 'Too many failed logins', '', undefined, { 'Retry-After': String(seconds) });
  return withMessage(err, bilingual('LOGIN_LOCKED', { until: lockedUntil.toISOString(), seconds }));
}
