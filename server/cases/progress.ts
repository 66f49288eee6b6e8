// The weekly case progress table (案件进展情况汇总表): every key case that was open at some time in the period or
// closed in it, with what happened to it in the period. Read by the weekly report (server/reports); no HTTP here.
import { and, asc, gte, isNull, like, lt, or, sql } from 'drizzle-orm';
import { caseEvents, cases } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';

export type CaseProgressRow = {
  reference: string;
  title: string;
  /** The owner's username (落实到人). */
  owner: string;
  /** The owning jurisdiction: shared cases count there only. */
  jurisdiction: string;
  openedAt: string;
  dueAt: string;
  /** As at the end of the period (or now, if the period has not ended). */
  status: 'open' | 'closed';
  outcome?: string;
  closedAt?: string;
  /** Timeline entries (notes, links, changes, shares, opening, closing) inside [from, to). */
  eventsThisPeriod: number;
  /** The latest note written before the end of the period. */
  lastNote?: { text: string; by: string; at: string };
  /** Open at the end of the period and past its due time then. */
  overdue: boolean;
};

/**
 * Cases of `scope` (a jurisdiction prefix such as '44' or '4401'; null or 'national' for the whole country) open
 * at any time in [from, to) or closed in it, by jurisdiction then opening time. Status and overdue are as at
 * min(to, now), so a past week's table says what it said on its Friday.
 */
export async function caseProgress(db: Queryable, scope: string | null, from: Date, to: Date, now: Date = new Date()): Promise<CaseProgressRow[]> {
  const asOf = to < now ? to : now;
  const national = scope === null || scope === 'national';
  const rows = await db
    .select({
      c: cases,
      eventsThisPeriod: sql<number>`(select count(*) from ${caseEvents} e where e.case_id = "cases"."id" and e.at >= ${from.toISOString()}::timestamptz and e.at < ${to.toISOString()}::timestamptz)::int`,
      lastNote: sql<{ text: string; by: string; at: string } | null>`(
        select jsonb_build_object('text', e.data ->> 'text', 'by', e.actor_name, 'at', e.at)
        from ${caseEvents} e where e.case_id = "cases"."id" and e.kind = 'note' and e.at < ${to.toISOString()}::timestamptz
        order by e.at desc, e.id desc limit 1)`,
    })
    .from(cases)
    .where(
      and(
        national ? undefined : like(cases.jurisdiction, `${scope}%`),
        lt(cases.openedAt, to),
        or(isNull(cases.closedAt), gte(cases.closedAt, from)),
      ),
    )
    .orderBy(asc(cases.jurisdiction), asc(cases.openedAt), asc(cases.reference));
  return rows.map(({ c, eventsThisPeriod, lastNote }) => {
    const closed = c.status === 'closed' && c.closedAt !== null && c.closedAt <= asOf;
    return {
      reference: c.reference,
      title: c.title,
      owner: c.ownerName,
      jurisdiction: c.jurisdiction,
      openedAt: c.openedAt.toISOString(),
      dueAt: c.dueAt.toISOString(),
      status: closed ? 'closed' : 'open',
      ...(closed ? { outcome: c.outcome!, closedAt: c.closedAt!.toISOString() } : {}),
      eventsThisPeriod,
      ...(lastNote ? { lastNote: { text: lastNote.text, by: lastNote.by, at: new Date(lastNote.at).toISOString() } } : {}),
      overdue: !closed && c.dueAt < asOf,
    };
  });
}
