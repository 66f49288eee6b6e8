// Taking a batch: the whole batch is refused only for what concerns all of it (who sends, which organisation,
// how many parcels, the key); each parcel is judged on its own by the intake schema, and a bad one is stored
// as an invalid item with its field paths. The good ones are stored sealed (they carry names and phones) with
// the job that takes them in, in one transaction: a batch is either fully accepted for work or not at all.
import { and, eq } from 'drizzle-orm';
import { organisations, parcelBatches, parcelBatchItems } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import { ApiError, BadRequestError, ForbiddenError, PayloadTooLargeError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { fieldErrorsFromZod } from '../http/problem.js';
import { findInvalidText } from '../http/text.js';
import { bilingual } from '../i18n/messages.js';
import { intakeFieldCodes, intakeRequestSchema } from '../intake/schema.js';
import { requestHash } from '../intake/service.js';
import { enqueueJob } from '../jobs/store.js';
import { normalizeUscc } from '../organisations/uscc.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { announceBatch, BATCH_JOB_KIND, presentBatch } from './store.js';
import { MAX_BATCH_PARCELS } from './file.js';
import { BATCH_MESSAGES } from './messages.js';

export type BatchSubmission = { uscc: string; handler?: unknown; parcels: unknown[]; source: 'json' | 'csv' | 'xlsx' };
export type SubmitOutcome = { status: 200 | 202; body: { batchId: string; status: string; total: number }; replayed: boolean };

const KEY_FORMAT = /^[\x21-\x7E]{8,200}$/;
/** A process killed mid-batch leaves it to another after this many crashes at most (each claim is an attempt). */
const BATCH_JOB_ATTEMPTS = 50;

type Item = { index: number; waybillNo: string | null; requestSealed: string | null; status: 'pending' | 'invalid'; errors: FieldError[] | null };

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Errors of the sender part alone (the organisation and its handler), as the batch's own fields. */
function senderErrors(uscc: string, handler: unknown): FieldError[] {
  const parsed = intakeRequestSchema.safeParse({ sender: { kind: 'organisation', uscc, ...(handler === undefined ? {} : { handler }) } });
  if (parsed.success) return [];
  return fieldErrorsFromZod(parsed.error, {}, intakeFieldCodes)
    .filter((e) => e.path.startsWith('sender.'))
    .map((e) => ({ ...e, path: e.path.replace(/^sender\./, '') }));
}

/** One parcel judged by the intake schema; paths as parcels.<i>.<path>. */
function judge(index: number, raw: unknown, sender: Record<string, unknown>, seen: Map<string, number>, vault: AppContext['vault']): Item {
  const invalid = (errors: FieldError[], waybillNo: string | null = null): Item => ({ index, waybillNo, requestSealed: null, status: 'invalid', errors });
  const waybillOf = (p: unknown) => (isObject(p) && typeof p.waybillNo === 'string' ? p.waybillNo.trim().slice(0, 60) || null : null);
  if (!isObject(raw)) return invalid([{ path: `parcels.${index}`, code: 'INVALID_TYPE', ...bilingual(BATCH_MESSAGES.BATCH_ITEM_NOT_OBJECT, { index }) }]);
  // Control characters, bidi overrides…: a JSON body with them is refused whole before this (server/http/api.ts); a
  // file's cell with them refuses its own parcel only.
  const textErrors = findInvalidText(raw, `parcels.${index}`);
  if (textErrors.length) return invalid(textErrors.slice(0, 20), waybillOf(raw));
  if ('sender' in raw) return invalid([{ path: `parcels.${index}.sender`, code: 'SENDER_NOT_ALLOWED', ...bilingual(BATCH_MESSAGES.BATCH_ITEM_SENDER) }], waybillOf(raw));
  const input = { ...raw, sender };
  const parsed = intakeRequestSchema.safeParse(input);
  if (!parsed.success) {
    const errors = fieldErrorsFromZod(parsed.error, input, intakeFieldCodes)
      .filter((e) => !e.path.startsWith('sender.')) // the sender's were judged once for the batch
      .map((e) => ({ ...e, path: `parcels.${index}${e.path ? `.${e.path}` : ''}` }));
    if (errors.length) return invalid(errors, waybillOf(raw));
  }
  const request = parsed.success ? parsed.data : input;
  const waybillNo = normalizeWaybill(String((request as { waybillNo: string }).waybillNo));
  const first = seen.get(waybillNo);
  if (first !== undefined) {
    return invalid([{ path: `parcels.${index}.waybillNo`, code: 'WAYBILL_DUPLICATE_IN_BATCH', ...bilingual(BATCH_MESSAGES.WAYBILL_DUPLICATE_IN_BATCH, { waybillNo, first }) }], waybillNo);
  }
  seen.set(waybillNo, index);
  return { index, waybillNo, requestSealed: vault.seal('batch_item', JSON.stringify(request)), status: 'pending', errors: null };
}

export async function submitBatch(ctx: AppContext, user: AuthUser, sub: BatchSubmission, idempotencyKey: string | undefined, hashOf: unknown, requestId: string): Promise<SubmitOutcome> {
  const { db, vault } = ctx;
  if ((user.role !== 'courier' && user.role !== 'outlet_supervisor') || !user.outletId || !user.outletRegionCode) {
    throw withMessage(new ForbiddenError('', 'ROLE_FORBIDDEN'), bilingual(BATCH_MESSAGES.BATCH_FORBIDDEN));
  }
  if (idempotencyKey !== undefined && !KEY_FORMAT.test(idempotencyKey)) {
    const text = bilingual(BATCH_MESSAGES.BATCH_IDEMPOTENCY_KEY_INVALID);
    throw withMessage(new BadRequestError('', [{ path: 'header.Idempotency-Key', code: 'IDEMPOTENCY_KEY_INVALID', ...text }], 'IDEMPOTENCY_KEY_INVALID'), text);
  }
  if (sub.parcels.length === 0) {
    const text = bilingual(BATCH_MESSAGES.BATCH_EMPTY, { max: MAX_BATCH_PARCELS });
    throw withMessage(new ValidationError([{ path: 'parcels', code: 'BATCH_EMPTY', ...text }]), text);
  }
  if (sub.parcels.length > MAX_BATCH_PARCELS) {
    throw withMessage(new PayloadTooLargeError('', 'BATCH_TOO_LARGE'), bilingual(BATCH_MESSAGES.BATCH_TOO_LARGE, { count: sub.parcels.length, max: MAX_BATCH_PARCELS }));
  }
  const hash = requestHash(hashOf as never);
  const replay = async (): Promise<SubmitOutcome | undefined> => {
    if (!idempotencyKey) return undefined;
    const [prior] = await db.select().from(parcelBatches).where(and(eq(parcelBatches.submittedBy, user.id), eq(parcelBatches.idempotencyKey, idempotencyKey)));
    if (!prior) return undefined;
    if (prior.requestHash !== hash) throw withMessage(new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', ''), bilingual(BATCH_MESSAGES.BATCH_IDEMPOTENCY_KEY_REUSED));
    return { status: 200, body: { batchId: prior.id, status: prior.status, total: prior.total }, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;

  const uscc = normalizeUscc(sub.uscc);
  const [org] = await db.select({ id: organisations.id, status: organisations.status }).from(organisations).where(eq(organisations.uscc, uscc));
  if (!org || org.status !== 'approved') {
    const text = bilingual(BATCH_MESSAGES.BATCH_ORGANISATION_NOT_APPROVED, { uscc });
    throw withMessage(new ApiError(422, 'ORGANISATION_NOT_APPROVED', 'Invalid data', '', [{ path: 'uscc', code: 'ORGANISATION_NOT_APPROVED', ...text }]), text);
  }
  const handlerErrors = senderErrors(uscc, sub.handler);
  if (handlerErrors.length) throw new ValidationError(handlerErrors);

  const sender = { kind: 'organisation', uscc, ...(sub.handler === undefined ? {} : { handler: sub.handler }) };
  const seen = new Map<string, number>();
  const items = sub.parcels.map((p, i) => judge(i, p, sender, seen, vault));
  const invalid = items.filter((i) => i.status === 'invalid').length;
  const allInvalid = invalid === items.length;

  class KeyTaken extends Error {}
  try {
    const batch = await db.transaction(async (tx) => {
      const now = ctx.clock();
      const [row] = await tx
        .insert(parcelBatches)
        .values({
          organisationId: org.id,
          outletId: user.outletId!,
          submittedBy: user.id,
          idempotencyKey: idempotencyKey ?? null,
          requestHash: hash,
          source: sub.source,
          handlerSealed: sub.handler === undefined ? null : vault.seal('batch_item', JSON.stringify(sub.handler)),
          status: allInvalid ? 'done' : 'queued',
          total: items.length,
          done: invalid,
          invalid,
          jobKey: 'pending',
          finishedAt: allInvalid ? now : null,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new KeyTaken(); // the same key committed meanwhile (a retry racing the first request)
      const jobKey = `${BATCH_JOB_KIND}:${row.id}`;
      await tx.update(parcelBatches).set({ jobKey }).where(eq(parcelBatches.id, row.id));
      for (let at = 0; at < items.length; at += 1000) {
        await tx.insert(parcelBatchItems).values(items.slice(at, at + 1000).map((i) => ({ batchId: row.id, ...i })));
      }
      if (!allInvalid) await enqueueJob(tx, { kind: BATCH_JOB_KIND, key: jobKey, payload: { batchId: row.id }, maxAttempts: BATCH_JOB_ATTEMPTS });
      await recordAudit(tx, {
        actor: user,
        action: 'batch.submitted',
        subjectType: 'parcel_batch',
        subjectId: row.id,
        requestId,
        details: { organisationId: org.id, outletId: user.outletId, source: sub.source, total: items.length, invalid },
      });
      return { ...row, jobKey };
    });
    announceBatch(ctx.bus, batch);
    return { status: 202, body: { batchId: batch.id, status: batch.status, total: batch.total }, replayed: false };
  } catch (err) {
    if (err instanceof KeyTaken || (err as { code?: string }).code === '23505') {
      const again = await replay();
      if (again) return again;
    }
    throw err;
  }
}

export { presentBatch };
