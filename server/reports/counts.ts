// Counts the weekly report and the overview share: intakes per China-time day by verdict, and what held
// or refused them by reason code.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/database.js';
import { HOLDING_CODES, REJECTING_CODES } from '../intake/verdict.js';
import { chinaDaySql } from './period.js';

export type ReasonCount = { code: string; count: number };
export type DayCount = { day: string; accepted: number; held: number; rejected: number; crossBorder: number; suspectListHits: number };

const REJECTING = new Set<string>(REJECTING_CODES);
const HOLDING = new Set<string>(HOLDING_CODES);

/** `parcels` is a condition on parcels aliased p. A refused parcel counts its refusing reasons, a held one its holding ones. */
export async function reasonCounts(db: Queryable, parcels: SQL): Promise<{ refusalsByReason: ReasonCount[]; holdsByReason: ReasonCount[] }> {
  const rows = await queryRows<{ verdict: string; code: string; count: number }>(
    db,
    sql`select p.verdict, r.value->>'code' as code, count(*)::int as count
          from parcels p cross join lateral jsonb_array_elements(p.reasons) r
         where ${parcels} and p.verdict <> 'accepted'
         group by 1, 2 order by 3 desc, 2`,
  );
  const pick = (verdict: string, codes: Set<string>) => rows.filter((r) => r.verdict === verdict && codes.has(r.code)).map(({ code, count }) => ({ code, count }));
  return { refusalsByReason: pick('rejected', REJECTING), holdsByReason: pick('held', HOLDING) };
}

/** Every day in `days`, with zeros where nothing came in; one scan gives the period's totals too. */
export async function dayCounts(db: Queryable, parcels: SQL, days: string[]): Promise<DayCount[]> {
  const rows = await queryRows<DayCount>(
    db,
    sql`select to_char(${sql.raw(chinaDaySql('p.created_at'))}, 'YYYY-MM-DD') as day,
               count(*) filter (where p.verdict = 'accepted')::int as accepted,
               count(*) filter (where p.verdict = 'held')::int as held,
               count(*) filter (where p.verdict = 'rejected')::int as rejected,
               count(*) filter (where p.cross_border)::int as "crossBorder",
               count(*) filter (where p.reasons @> '[{"code": "WATCHLIST_HIT"}]')::int as "suspectListHits"
          from parcels p where ${parcels} group by 1`,
  );
  const byDay = new Map(rows.map((d) => [d.day, d]));
  return days.map((day) => byDay.get(day) ?? { day, accepted: 0, held: 0, rejected: 0, crossBorder: 0, suspectListHits: 0 });
}

/** `col >= from and col < to` over ISO instants. */
export const between = (column: string, from: string, to: string): SQL =>
  sql`${sql.raw(column)} >= ${from}::timestamptz and ${sql.raw(column)} < ${to}::timestamptz`;
