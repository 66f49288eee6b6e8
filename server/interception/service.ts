// What people do with interception orders: an officer orders one by hand, the outlet answers, and the job escalates
// those unanswered past due. Each in one transaction with its audit row (written last); announced after commit.
import { and, eq, isNull, lte } from 'drizzle-orm';
import { interceptionOrders, interceptionSources, parcels } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { HoldPolicy } from '../config.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { announceHold } from '../holds/events.js';
import { openHold, type HoldRow } from '../holds/store.js';
import { ConflictError, NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { INTERCEPTION_STATUS_LABELS, PARCEL_STATUS_LABELS, statusWords } from '../reports/labels.js';
import { announceInterception } from './events.js';
import {
  INTERCEPTION_MESSAGES,
  PARCEL_STATUS_AFTER,
  mayAnswerOrder,
  mayViewOrder,
  orderInterceptions,
  withSources,
  type InterceptionOrderView,
  type InterceptionResult,
} from './orders.js';

export const INTERCEPTION_ERRORS = defineMessages({
  INTERCEPTION_PARCEL_NOT_FOUND: { en: 'No parcel {waybillNo} in your area.', zh: '您的辖区内没有运单 {waybillNo}。' },
  NOT_INTERCEPTABLE: {
    en: 'Parcel {waybillNo} cannot be intercepted: it is {statusEn}, not accepted and on its way.',
    zh: '运单 {waybillNo} 无法拦截：其状态为“{statusZh}”，并非已收寄在途。',
  },
  INTERCEPTION_ALREADY_ANSWERED: {
    en: 'The interception of {waybillNo} was already answered ({statusEn}); an order is answered once.',
    zh: '运单 {waybillNo} 的拦截指令已答复（{statusZh}），每个指令只能答复一次。',
  },
  NOT_ORDERED: { en: 'No interception was ordered for {waybillNo}: there is nothing to answer.', zh: '运单 {waybillNo} 没有拦截指令，无需答复。' },
  INTERCEPTION_NOTE_REQUIRED: {
    en: 'Say what happened: a note is required when the parcel was not found or already delivered.',
    zh: '请说明情况：未找到或已妥投时必须填写备注。',
  },
});

const notFound = (waybillNo: string) =>
  withMessage(new NotFoundError('', 'PARCEL_NOT_FOUND'), bilingual(INTERCEPTION_ERRORS.INTERCEPTION_PARCEL_NOT_FOUND, { waybillNo }));

type ParcelPlace = { id: string; outletId: string; regionCode: string; crossBorder: boolean; status: string };

const parcelPlace = async (tx: Queryable, waybillNo: string): Promise<ParcelPlace | undefined> =>
  (
    await tx
      .select({ id: parcels.id, outletId: parcels.outletId, regionCode: parcels.regionCode, crossBorder: parcels.crossBorder, status: parcels.status })
      .from(parcels)
      .where(eq(parcels.waybillNo, waybillNo))
  )[0];

/**
 * An officer's order (regulator or admin; customs for cross-border parcels) with a note. A parcel ordered already and
 * still open gets this officer as one more source (created: false); a new order needs the parcel accepted and on its
 * way. Outside the officer's area: 404.
 */
export async function orderByHand(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  user: AuthUser,
  waybillNo: string,
  note: string,
  requestId: string,
): Promise<{ created: boolean; order: InterceptionOrderView }> {
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const parcel = await parcelPlace(tx, waybillNo);
    if (!parcel || !mayViewOrder(user, parcel)) throw notFound(waybillNo);
    const [existing] = await tx.select().from(interceptionOrders).where(eq(interceptionOrders.parcelId, parcel.id)).for('update');
    if (existing && existing.status !== 'requested' && existing.status !== 'withdrawn') {
      throw withMessage(
        new ConflictError('', 'INTERCEPTION_ALREADY_ANSWERED'),
        bilingual(INTERCEPTION_ERRORS.INTERCEPTION_ALREADY_ANSWERED, { waybillNo, ...statusWords(INTERCEPTION_STATUS_LABELS, existing.status) }),
      );
    }
    if ((!existing || existing.status === 'withdrawn') && parcel.status !== 'accepted') {
      throw withMessage(new ConflictError('', 'NOT_INTERCEPTABLE'), bilingual(INTERCEPTION_ERRORS.NOT_INTERCEPTABLE, { waybillNo, ...statusWords(PARCEL_STATUS_LABELS, parcel.status) }));
    }
    // One source per officer: a retried POST (a lost response, a double tap) finds theirs and changes nothing.
    const key = `manual:${user.id}`;
    if (existing?.status === 'requested') {
      const [mine] = await tx
        .select({ key: interceptionSources.sourceKey })
        .from(interceptionSources)
        .where(and(eq(interceptionSources.orderId, existing.id), eq(interceptionSources.sourceKey, key)));
      if (mine) return { created: false, order: (await withSources(tx, [existing], now))[0]! };
    }
    // A manual order is the officer's call: no window of days applies (anyAge).
    const source = {
      key,
      kind: 'manual' as const,
      by: { id: user.id, username: user.username },
      note,
      reason: { code: INTERCEPTION_MESSAGES.INTERCEPT_MANUAL, ...bilingual(INTERCEPTION_MESSAGES.INTERCEPT_MANUAL, { by: user.username, note }) },
    };
    const opened = await orderInterceptions(tx, [parcel.id], source, { at: now, anyAge: true });
    const [row] = await tx.select().from(interceptionOrders).where(eq(interceptionOrders.parcelId, parcel.id));
    if (!row || row.status !== 'requested') {
      // Customs seized or returned it meanwhile: nothing left to stop.
      throw withMessage(new ConflictError('', 'NOT_INTERCEPTABLE'), bilingual(INTERCEPTION_ERRORS.NOT_INTERCEPTABLE, { waybillNo, ...statusWords(PARCEL_STATUS_LABELS, parcel.status) }));
    }
    await recordAudit(tx, {
      actor: user,
      action: 'interception.order',
      subjectType: 'parcel',
      subjectId: waybillNo,
      requestId,
      details: { orderId: row.id, created: opened.length > 0 },
    });
    return { created: opened.length > 0, order: (await withSources(tx, [row], now))[0]! };
  });
}

export type Answer = { result: InterceptionResult; note?: string };

/**
 * The outlet's answer (or a regulator's for it): once per order. `intercepted` opens a hold (INTERCEPTED, due per the
 * hold policy) and the parcel is `held`, decided like any other hold; not found and already delivered need a note.
 */
export async function answerOrder(
  ctx: Pick<AppContext, 'db' | 'clock' | 'bus'> & { config: { holds: HoldPolicy } },
  user: AuthUser,
  waybillNo: string,
  answer: Answer,
  requestId: string,
): Promise<InterceptionOrderView> {
  const note = answer.note?.trim() || null;
  if (answer.result !== 'intercepted' && !note) {
    const text = bilingual(INTERCEPTION_ERRORS.INTERCEPTION_NOTE_REQUIRED);
    throw new ValidationError([{ path: 'note', code: 'NOTE_REQUIRED', ...text }]);
  }
  const now = ctx.clock();
  const done = await ctx.db.transaction(async (tx) => {
    const parcel = await parcelPlace(tx, waybillNo);
    if (!parcel || !mayViewOrder(user, parcel)) throw notFound(waybillNo);
    // Locks the order: a concurrent answer waits here, then finds it answered.
    const [order] = await tx.select().from(interceptionOrders).where(eq(interceptionOrders.parcelId, parcel.id)).for('update');
    // A withdrawn order asks nothing any more: as if none had been made.
    if (!order || order.status === 'withdrawn') throw withMessage(new ConflictError('', 'NOT_ORDERED'), bilingual(INTERCEPTION_ERRORS.NOT_ORDERED, { waybillNo }));
    if (!mayAnswerOrder(user, order)) throw notFound(waybillNo);
    if (order.status !== 'requested') {
      throw withMessage(
        new ConflictError('', 'INTERCEPTION_ALREADY_ANSWERED'),
        bilingual(INTERCEPTION_ERRORS.INTERCEPTION_ALREADY_ANSWERED, { waybillNo, ...statusWords(INTERCEPTION_STATUS_LABELS, order.status) }),
      );
    }
    const [answered] = await tx
      .update(interceptionOrders)
      .set({
        status: answer.result,
        answeredAt: now,
        answerNote: note,
        answeredBy: user.id,
        answeredByName: user.username,
        answeredByRole: user.role,
      })
      .where(eq(interceptionOrders.id, order.id))
      .returning();
    let hold: HoldRow | null = null;
    if (answer.result === 'intercepted') {
      const reason = {
        code: 'INTERCEPTED',
        ...bilingual(INTERCEPTION_MESSAGES.INTERCEPTED_IN_NETWORK, { by: user.username, note: note ?? '—' }),
      };
      hold = await openHold(
        tx,
        { parcelId: parcel.id, waybillNo, outletId: order.outletId, regionCode: order.regionCode, crossBorder: order.crossBorder },
        reason,
        now,
        ctx.config.holds,
      );
    } else {
      await tx.update(parcels).set({ status: PARCEL_STATUS_AFTER[answer.result] }).where(eq(parcels.id, parcel.id));
    }
    await recordAudit(tx, {
      actor: user,
      action: 'interception.answer',
      subjectType: 'parcel',
      subjectId: waybillNo,
      requestId,
      details: { orderId: order.id, result: answer.result, dueAt: order.dueAt.toISOString(), late: order.dueAt.getTime() < now.getTime() },
    });
    return { order: (await withSources(tx, [answered!], now))[0]!, hold };
  });
  announceInterception(ctx.bus, 'interception:answered', done.order);
  if (done.hold) announceHold(ctx.bus, 'hold:new', done.hold);
  return done.order;
}

export const INTERCEPTION_ESCALATE_JOB_KIND = 'interceptions.escalate';

/**
 * Orders unanswered past due at `now` are marked escalated once (escalated_at), audited and announced
 * (interception:overdue), as overdue holds are (server/holds/escalate.ts). Safe from several processes at once.
 */
export async function escalateOverdueOrders(ctx: Pick<AppContext, 'db' | 'bus'>, now: Date): Promise<number> {
  const views = await ctx.db.transaction(async (tx) => {
    const marked = await tx
      .update(interceptionOrders)
      .set({ escalatedAt: now })
      .where(and(eq(interceptionOrders.status, 'requested'), isNull(interceptionOrders.escalatedAt), lte(interceptionOrders.dueAt, now)))
      .returning();
    for (const o of marked) {
      await recordAudit(tx, {
        actor: null,
        action: 'interception.escalate',
        subjectType: 'parcel',
        subjectId: o.waybillNo,
        details: { orderId: o.id, dueAt: o.dueAt.toISOString(), escalatedAt: now.toISOString() },
      });
    }
    return withSources(tx, marked, now);
  });
  for (const order of views) announceInterception(ctx.bus, 'interception:overdue', order);
  return views.length;
}
