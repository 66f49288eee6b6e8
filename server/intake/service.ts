// Takes in a parcel: one transaction around the pipeline, with Idempotency-Key replay so a handheld that
// retries after a dropped connection never creates two parcels and never loses one. A replay runs the
// checks again and finds the waybill taken; only then is the stored answer looked up, so the common path
// pays no extra round trip for idempotency.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { idempotencyKeys } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Db } from '../db/database.js';
import { transactionCommittingWith } from '../db/commit-with.js';
import { ApiError, BadRequestError, ForbiddenError } from '../http/errors.js';
import type { PiiVault } from '../privacy/pii.js';
import type { Foreground } from './foreground.js';
import { runIntake, type IntakeStep } from './pipeline.js';
import type { IntakeRequest } from './schema.js';

export type IntakeOutcome = { status: number; body: unknown; replayed: boolean };

const KEY_FORMAT = /^[\x21-\x7E]{8,200}$/;

/** Same body, same hash, whatever the key order: the canonical JSON of the validated request. */
export function requestHash(request: IntakeRequest): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(request))).digest('base64url');
}

class KeyTakenMeanwhile extends Error {}

const DEADLOCK = '40P01';
const UNIQUE_VIOLATION = '23505';
/** A field of a database error, wherever a driver or drizzle wrapped it (`cause` chains). */
function errorField(err: unknown, field: 'code' | 'constraint'): string | undefined {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e[field] === 'string') return e[field] as string;
  }
  return undefined;
}
export const sqlState = (err: unknown): string | undefined => errorField(err, 'code');
const constraintOf = (err: unknown): string | undefined => errorField(err, 'constraint');

/**
 * Two intakes that bridge the same rings from opposite ends can deadlock on the ring locks; PostgreSQL
 * aborts one, and it is simply run again (the whole transaction, so nothing half-done survives).
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || sqlState(err) !== DEADLOCK) throw err;
    }
  }
}

/** The first answer for this key, or a 422 when the key was used for another intake. */
async function storedAnswer(db: Db, userId: string, key: string, hash: string): Promise<IntakeOutcome | undefined> {
  const [stored] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  if (!stored) return undefined;
  if (stored.requestHash !== hash) {
    throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', 'This Idempotency-Key was used for a different intake. Use a new key for a new parcel.');
  }
  return { status: stored.statusCode, body: stored.response, replayed: true };
}

export function createIntakeService(db: Db, vault: PiiVault, steps: IntakeStep[], clock: () => Date = () => new Date(), foreground?: Foreground) {
  const takeIn = async function takeIn(user: AuthUser, request: IntakeRequest, idempotencyKey: string | undefined): Promise<IntakeOutcome> {
    if (user.role !== 'courier' || !user.outletId || !user.outletRegionCode) {
      throw new ForbiddenError('Only a courier at an outlet takes in parcels.', 'ROLE_FORBIDDEN');
    }
    if (idempotencyKey !== undefined && !KEY_FORMAT.test(idempotencyKey)) {
      throw new BadRequestError('Idempotency-Key must be 8 to 200 printable ASCII characters (a UUID is ideal).', [
        { path: 'header.Idempotency-Key', code: 'IDEMPOTENCY_KEY_INVALID', message: 'Use a UUID' },
      ], 'IDEMPOTENCY_KEY_INVALID');
    }
    const courier = { ...user, outletId: user.outletId, outletRegionCode: user.outletRegionCode };
    const hash = requestHash(request);

    let afterCommit: (() => void)[] = [];
    try {
      const outcome = await retryOnDeadlock(() => transactionCommittingWith(db, async (tx) => {
        afterCommit = [];
        const result = await runIntake(steps, {
          request,
          courier,
          tx,
          vault,
          now: clock(),
          fieldErrors: [],
          findings: [],
          watchlistHits: [],
          alerts: [],
          afterCommit,
        });
        // Stored with the answer, last, and sent with the COMMIT (server/db/commit-with.ts). The waybill's unique
        // index already serialises concurrent retries of one intake: the second waits for the first to commit, then
        // finds its waybill taken (below). A key taken meanwhile by another intake is a unique violation.
        const last = idempotencyKey
          ? tx.insert(idempotencyKeys).values({ userId: user.id, key: idempotencyKey, requestHash: hash, statusCode: 201, response: result }).getSQL()
          : null;
        return { result: { status: 201, body: result, replayed: false } as IntakeOutcome, last };
      }).catch((err: unknown) => {
        if (sqlState(err) === UNIQUE_VIOLATION && constraintOf(err) === 'idempotency_keys_user_id_key_pk') throw new KeyTakenMeanwhile();
        throw err;
      }));
      for (const hook of afterCommit) hook();
      return outcome;
    } catch (err) {
      const mayBeRetry = err instanceof KeyTakenMeanwhile || (err instanceof ApiError && err.code === 'WAYBILL_DUPLICATE');
      if (idempotencyKey && mayBeRetry) {
        const replay = await storedAnswer(db, user.id, idempotencyKey, hash);
        if (replay) return replay;
      }
      throw err;
    }
  };
  // A counter's intake is foreground work: a bulk intake's extra workers give way to it (./foreground.ts).
  return foreground ? (user: AuthUser, request: IntakeRequest, key: string | undefined) => foreground.run(() => takeIn(user, request, key)) : takeIn;
}
