// After a seizure (知识产权海关保护, 无害化销毁): the notice to each protected brand's right holder — made with the
// seizure, then sent (when, by whom, how, with the holder's deadline) and answered — and what became of the
// seized goods. The routes are in ip-router.ts; the outcome handler (router.ts) calls createSeizureNotices.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import {
  customsInspections,
  DISPOSAL_KINDS,
  NOTICE_ANSWERS,
  NOTICE_METHODS,
  protectedBrands,
  rightHolderNotices,
  seizureDisposals,
} from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { Queryable } from '../db/database.js';
import { defineMessages } from '../i18n/messages.js';
import { addDays, chinaDay, chinaMidnight } from '../reports/period.js';
import { brandKey, mentionedBrands } from '../watchlist/normalize.js';

export const IP_MESSAGES = defineMessages({
  NOTICE_NOT_FOUND: { en: 'No right-holder notice {id} in your jurisdiction.', zh: '您的辖区内没有权利人通知 {id}。' },
  NOTICE_ALREADY_SENT: {
    en: 'The notice to {rightHolder} about {waybillNo} was sent by {by} ({method}) at {at}; a notice is sent once.',
    zh: '关于 {waybillNo} 的权利人通知已由 {by} 于 {at} 以 {method} 方式送达 {rightHolder}，不能重复通知。',
  },
  NOTICE_NOT_SENT: {
    en: 'The notice about {waybillNo} has not been sent to {rightHolder} yet: record the notification first, then the answer.',
    zh: '关于 {waybillNo} 的通知尚未送达 {rightHolder}：请先登记通知，再登记答复。',
  },
  NOTICE_ALREADY_ANSWERED: {
    en: 'The holder’s answer about {waybillNo} ({answer}) was recorded by {by} at {at}; an answer is recorded once.',
    zh: '权利人关于 {waybillNo} 的答复（{answer}）已由 {by} 于 {at} 登记，不能重复登记。',
  },
  NOTICE_TIME_IN_FUTURE: { en: '{field} {at} is in the future; give the time it happened (now is {now}).', zh: '{field} {at} 晚于当前时间 {now}，请填写实际发生的时间。' },
  TIME_BEFORE_INTAKE: { en: '{field} {at} is before the parcel was taken in ({after}).', zh: '{field} {at} 早于邮件收寄时间 {after}。' },
  TIME_BEFORE_NOTIFICATION: { en: '{field} {at} is before the right holder was notified ({after}).', zh: '{field} {at} 早于通知权利人的时间 {after}。' },
  TIME_BEFORE_SEIZURE: { en: '{field} {at} is before the seizure ({after}).', zh: '{field} {at} 早于扣留时间 {after}。' },
  DEADLINE_NOT_AFTER_NOTICE: { en: 'The deadline {deadlineAt} must come after the notification ({notifiedAt}).', zh: '答复期限 {deadlineAt} 必须晚于通知时间 {notifiedAt}。' },
  CUSTOMS_PARCEL_NOT_FOUND: { en: 'No cross-border parcel {waybillNo} in your jurisdiction.', zh: '您的辖区内没有跨境邮件 {waybillNo}。' },
  NOT_SEIZED: {
    en: 'Parcel {waybillNo} was not seized (customs outcome: {outcome}); only seized goods get a disposal record.',
    zh: '邮件 {waybillNo} 未被扣留（查验结果：{outcome}），只有扣留的货物才登记处置。',
  },
  DISPOSAL_ALREADY_RECORDED: {
    en: 'The goods of {waybillNo} were recorded as {kind} by {by} at {at}; a disposal is recorded once.',
    zh: '邮件 {waybillNo} 的货物已由 {by} 于 {at} 登记为{kind}，处置只登记一次。',
  },
  DISPOSAL_DAY_INVALID: { en: '{day} is not a day of the calendar (YYYY-MM-DD, Beijing time).', zh: '{day} 不是有效日期（YYYY-MM-DD，北京时间）。' },
  DISPOSAL_PERIOD_REVERSED: { en: 'The period starts ({from}) after it ends ({to}).', zh: '起始日期（{from}）晚于结束日期（{to}）。' },
  CERTIFICATE_REQUIRED: {
    en: 'Harmless destruction (无害化销毁) needs the number of the destruction certificate from the qualified party.',
    zh: '无害化销毁须填写有资质处置单位出具的销毁证明编号。',
  },
});

/** What a notice's state is: made at the seizure, sent, answered, or sent and past its deadline unanswered. */
export const NOTICE_STATUSES = ['pending', 'notified', 'answered', 'overdue'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

/** The holder's time to ask for detention, in working days after the day of notification. */
export const NOTICE_WORKING_DAYS = 3;

/**
 * The end (24:00 Beijing) of the `days`-th working day after the Beijing day of `notifiedAt`. Working days are
 * Monday to Friday; public holidays and the weekends worked in their place (调休) are not known here, so a
 * deadline over a holiday is early — officers give deadlineAt themselves then.
 */
export function workingDayDeadline(notifiedAt: Date, days = NOTICE_WORKING_DAYS): Date {
  let day = chinaDay(notifiedAt);
  for (let left = days; left > 0; ) {
    day = addDays(day, 1);
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return chinaMidnight(addDays(day, 1));
}

type NoticeRow = typeof rightHolderNotices.$inferSelect;

export function noticeStatus(n: Pick<NoticeRow, 'notifiedAt' | 'answer' | 'deadlineAt'>, now: Date): NoticeStatus {
  if (n.answer) return 'answered';
  if (!n.notifiedAt) return 'pending';
  return n.deadlineAt && n.deadlineAt <= now ? 'overdue' : 'notified';
}

/** The notices in one status as of `now`, as SQL on right_holder_notices. */
export function noticeStatusIs(status: NoticeStatus, now: Date): SQL {
  const t = rightHolderNotices;
  switch (status) {
    case 'pending':
      return sql`${t.notifiedAt} is null`;
    case 'answered':
      return sql`${t.answer} is not null`;
    case 'notified':
      return sql`${t.notifiedAt} is not null and ${t.answer} is null and ${t.deadlineAt} > ${now}`;
    case 'overdue':
      return sql`${t.notifiedAt} is not null and ${t.answer} is null and ${t.deadlineAt} <= ${now}`;
  }
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const noticeSchema = z
  .object({
    id: z.string(),
    waybillNo: z.string(),
    parcelId: z.string(),
    originCity: z.string(),
    brandKey: z.string(),
    brandName: z.string(),
    rightHolder: z.string().nullable(),
    contact: z.string().nullable(),
    recordationNo: z.string().nullable(),
    status: z.enum(NOTICE_STATUSES),
    method: z.enum(NOTICE_METHODS).nullable(),
    note: z.string().nullable().meta({ description: 'What was said or sent when notifying' }),
    notifiedAt: z.string().nullable(),
    notifiedBy: z.string().nullable(),
    deadlineAt: z.string().nullable().meta({ description: 'By when the holder must ask for detention (default: 3 working days after the day of notification, 24:00 Beijing)' }),
    answer: z.enum(NOTICE_ANSWERS).nullable(),
    answerNote: z.string().nullable(),
    answeredAt: z.string().nullable(),
    answeredBy: z.string().nullable().meta({ description: 'Who recorded the answer' }),
    answeredLate: z.boolean().nullable().meta({ description: 'The answer came after the deadline' }),
    createdAt: z.string(),
  })
  .meta({ id: 'RightHolderNotice' });
export type NoticeView = z.output<typeof noticeSchema>;

export function presentNotice(n: NoticeRow, now: Date): NoticeView {
  return {
    id: n.id,
    waybillNo: n.waybillNo,
    parcelId: n.parcelId,
    originCity: n.originCity,
    brandKey: n.brandKey,
    brandName: n.brandName ?? n.brandKey,
    rightHolder: n.rightHolder,
    contact: n.contact,
    recordationNo: n.recordationNo,
    status: noticeStatus(n, now),
    method: n.method,
    note: n.notifyNote,
    notifiedAt: iso(n.notifiedAt),
    notifiedBy: n.notifiedByName,
    deadlineAt: iso(n.deadlineAt),
    answer: n.answer,
    answerNote: n.answerNote,
    answeredAt: iso(n.answeredAt),
    answeredBy: n.answerRecordedByName,
    answeredLate: n.answeredAt && n.deadlineAt ? n.answeredAt > n.deadlineAt : null,
    createdAt: n.createdAt.toISOString(),
  };
}

/**
 * The canonical brands a seizure concerns: those inspection found (`found`, each written any way an alias is —
 * 劳力士, ROLEX, "rolex watch"), or when not given the ones the declaration names. `[]` found means none.
 */
export function seizedBrandKeys(found: string[] | undefined, declared: { brand: string | null; description: string }): string[] {
  if (found === undefined) return mentionedBrands([declared.brand, declared.description].filter(Boolean).join(' '));
  const keys = found.flatMap((b) => {
    const named = mentionedBrands(b);
    return named.length ? named : [brandKey(b)];
  });
  return [...new Set(keys)];
}

/**
 * Makes the seizure's notices, in the seizing transaction: one per brand in the registry (active), the holder,
 * contact, name and recordation number copied as they stand now. Returns them and the brands that have no
 * registry entry (no right holder to tell). Not audited here: the caller audits them (auditSeizureNotices)
 * after its last other write, as the audit row takes the audit chain's lock.
 */
export async function createSeizureNotices(
  tx: Queryable,
  o: { parcelId: string; waybillNo: string; originCity: string; brandKeys: string[]; now: Date },
): Promise<{ notices: NoticeRow[]; unregistered: string[] }> {
  if (!o.brandKeys.length) return { notices: [], unregistered: [] };
  const brands = await tx
    .select()
    .from(protectedBrands)
    .where(and(inArray(protectedBrands.brandKey, o.brandKeys), eq(protectedBrands.active, true)))
    .orderBy(asc(protectedBrands.brandKey));
  const unregistered = o.brandKeys.filter((k) => !brands.some((b) => b.brandKey === k));
  if (!brands.length) return { notices: [], unregistered };
  const notices = await tx
    .insert(rightHolderNotices)
    .values(
      brands.map((b) => ({
        parcelId: o.parcelId,
        waybillNo: o.waybillNo,
        originCity: o.originCity,
        brandKey: b.brandKey,
        brandName: b.displayName,
        rightHolder: b.rightHolder,
        contact: b.contact,
        recordationNo: b.recordationNo,
        createdAt: o.now,
      })),
    )
    .onConflictDoNothing()
    .returning();
  return { notices, unregistered };
}

/** The audit rows of notices a seizure made (createSeizureNotices): one each. */
export async function auditSeizureNotices(tx: Queryable, notices: NoticeRow[], o: { source: 'inspection' | 'declaration'; by: AuthUser; requestId: string }): Promise<void> {
  for (const n of notices) {
    await recordAudit(tx, {
      actor: o.by,
      action: 'customs.notice.create',
      subjectType: 'right_holder_notice',
      subjectId: n.id,
      requestId: o.requestId,
      details: { waybillNo: n.waybillNo, brandKey: n.brandKey, rightHolder: n.rightHolder, source: o.source },
    });
  }
}

export async function noticesOfParcel(db: Queryable, parcelId: string): Promise<NoticeRow[]> {
  return db.select().from(rightHolderNotices).where(eq(rightHolderNotices.parcelId, parcelId)).orderBy(asc(rightHolderNotices.brandKey));
}

// ── Disposal ─────────────────────────────────────────────────────────────────────────────────────────────────

export const DISPOSAL_KIND_LABELS: Record<(typeof DISPOSAL_KINDS)[number], { zh: string; en: string }> = {
  destroyed: { zh: '无害化销毁', en: 'Destroyed harmlessly' },
  handed_to_police: { zh: '移交公安', en: 'Handed to the police' },
  returned: { zh: '退运', en: 'Returned' },
};

export const disposalSchema = z
  .object({
    waybillNo: z.string(),
    parcelId: z.string(),
    originCity: z.string(),
    kind: z.enum(DISPOSAL_KINDS),
    party: z.string().meta({ description: 'The qualified party that destroyed the goods, the police unit, or to whom they were returned' }),
    certificateNo: z.string().nullable(),
    disposedAt: z.string(),
    note: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: z.string(),
  })
  .meta({ id: 'SeizureDisposal' });
export type DisposalView = z.output<typeof disposalSchema>;

type DisposalRow = typeof seizureDisposals.$inferSelect;

export function presentDisposal(d: DisposalRow): DisposalView {
  return {
    waybillNo: d.waybillNo,
    parcelId: d.parcelId,
    originCity: d.originCity,
    kind: d.kind,
    party: d.party,
    certificateNo: d.certificateNo,
    disposedAt: d.disposedAt.toISOString(),
    note: d.note,
    recordedBy: d.recordedByName,
    recordedAt: d.recordedAt.toISOString(),
  };
}

// ── The customs part of a parcel's record ────────────────────────────────────────────────────────────────────

export const parcelCustomsSchema = z
  .object({
    selected: z.boolean(),
    grounds: z.array(z.string()),
    rate: z.number(),
    routeKey: z.string(),
    goodsRuleKey: z.string().nullable(),
    outcome: z.string().nullable(),
    outcomeNote: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    notices: z.array(noticeSchema),
    disposal: disposalSchema.nullable(),
  })
  .meta({ id: 'ParcelCustoms' });

/** Selection grounds, outcome, notices and disposal of a cross-border parcel; null for a parcel customs never saw. */
export async function parcelCustoms(db: Queryable, parcelId: string, now: Date): Promise<z.output<typeof parcelCustomsSchema> | null> {
  const [[ci], notices, [disposal]] = await Promise.all([
    db.select().from(customsInspections).where(eq(customsInspections.parcelId, parcelId)),
    noticesOfParcel(db, parcelId),
    db.select().from(seizureDisposals).where(eq(seizureDisposals.parcelId, parcelId)),
  ]);
  if (!ci) return null;
  return {
    selected: ci.selected,
    grounds: ci.grounds,
    rate: ci.rate,
    routeKey: ci.routeKey,
    goodsRuleKey: ci.goodsRuleKey,
    outcome: ci.outcome,
    outcomeNote: ci.outcomeNote,
    decidedBy: ci.decidedByName,
    decidedAt: iso(ci.decidedAt),
    notices: notices.map((n) => presentNotice(n, now)),
    disposal: disposal ? presentDisposal(disposal) : null,
  };
}

/** Newest first by creation, for lists: (created_at, id) descending. */
export const noticeOrder = [desc(rightHolderNotices.createdAt), desc(rightHolderNotices.id)];
