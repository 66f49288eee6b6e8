// Key cases (重点案件督办, issue 15): opened from alerts, owned by a named officer (落实到人) with a time limit
// (限时办结), worked through notes and links, shared with another jurisdiction (区域协作), closed with an outcome;
// every change on the timeline and in the audit trail, announced live; and the weekly progress table.
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { caseEvents, cases, users } from '../models/schema.js';
import { caseProgress } from '../server/cases/progress.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const at = (iso: string) => new Date(iso);

describe('cases: the weekly progress table (caseProgress)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  it('lists the cases open at some time in the week or closed in it, in scope, with the week\'s events, last note and overdue as at the week\'s end', async () => {
    const db = s.database.db;
    const [owner] = await db.select().from(users).where(eq(users.username, 'regulator1'));
    const base = { ownerId: owner!.id, ownerName: 'regulator1', openedByName: 'regulator1', title: 't' };
    const inserted = await db
      .insert(cases)
      .values([
        // open through the week, due inside it: overdue at its end
        { ...base, reference: '44-2026-0001', title: 'open all week', jurisdiction: '44', openedAt: at('2026-03-01T00:00:00Z'), dueAt: at('2026-03-11T00:00:00Z') },
        // closed inside the week
        { ...base, reference: '44-2026-0002', title: 'closed this week', jurisdiction: '4401', openedAt: at('2026-03-02T00:00:00Z'), dueAt: at('2026-03-20T00:00:00Z'), status: 'closed', outcome: 'no_infringement', outcomeNote: 'ok', closedAt: at('2026-03-10T00:00:00Z') },
        // closed before the week: left out
        { ...base, reference: '44-2026-0003', title: 'closed before', jurisdiction: '44', openedAt: at('2026-02-01T00:00:00Z'), dueAt: at('2026-02-20T00:00:00Z'), status: 'closed', outcome: 'duplicate', outcomeNote: 'dup', closedAt: at('2026-02-10T00:00:00Z') },
        // opened after the week: left out
        { ...base, reference: '44-2026-0004', title: 'opened after', jurisdiction: '44', openedAt: at('2026-03-16T00:00:00Z'), dueAt: at('2026-03-30T00:00:00Z') },
        // closed after the week: open as at its end
        { ...base, reference: '44-2026-0005', title: 'closed after', jurisdiction: '44', openedAt: at('2026-03-03T00:00:00Z'), dueAt: at('2026-03-30T00:00:00Z'), status: 'closed', outcome: 'referred_to_police', outcomeNote: 'police', closedAt: at('2026-03-20T00:00:00Z') },
        // another province
        { ...base, reference: '33-2026-0001', title: 'zhejiang', jurisdiction: '33', openedAt: at('2026-03-05T00:00:00Z'), dueAt: at('2026-03-30T00:00:00Z') },
      ])
      .returning();
    const first = inserted[0]!;
    const ev = (kind: string, when: string, data: Record<string, unknown> = {}) => ({ caseId: first.id, kind, data, actorName: 'regulator1', actorRole: 'postal_regulator', actorJurisdiction: '44', at: at(when) });
    await db.insert(caseEvents).values([
      ev('open', '2026-03-01T00:00:00Z'),
      ev('note', '2026-03-08T00:00:00Z', { text: 'before the week' }),
      ev('note', '2026-03-10T00:00:00Z', { text: 'in the week' }),
      ev('link', '2026-03-12T00:00:00Z'),
      ev('note', '2026-03-16T00:00:00Z', { text: 'after the week' }),
    ]);

    const from = at('2026-03-09T00:00:00Z');
    const to = at('2026-03-16T00:00:00Z');
    const rows = await caseProgress(db, '44', from, to, at('2026-04-01T00:00:00Z'));
    assert.deepEqual(rows.map((r) => r.reference), ['44-2026-0001', '44-2026-0005', '44-2026-0002']);
    const [open, closedAfter, closed] = rows;
    assert.equal(open!.eventsThisPeriod, 2);
    assert.deepEqual(open!.lastNote, { text: 'in the week', by: 'regulator1', at: '2026-03-10T00:00:00.000Z' });
    assert.equal(open!.overdue, true);
    assert.equal(open!.status, 'open');
    assert.equal(open!.owner, 'regulator1');
    assert.equal(closedAfter!.status, 'open', 'closed after the week: open as the week ended');
    assert.equal(closedAfter!.outcome, undefined);
    assert.equal(closedAfter!.overdue, false);
    assert.equal(closed!.status, 'closed');
    assert.equal(closed!.outcome, 'no_infringement');
    assert.equal(closed!.closedAt, '2026-03-10T00:00:00.000Z');
    assert.equal(closed!.overdue, false);
    assert.equal(closed!.eventsThisPeriod, 0);

    const national = await caseProgress(db, null, from, to, at('2026-04-01T00:00:00Z'));
    assert.deepEqual(national.map((r) => r.reference).sort(), ['33-2026-0001', '44-2026-0001', '44-2026-0002', '44-2026-0005']);
    // A week still running: status and overdue as at now.
    const midWeek = await caseProgress(db, '4401', from, to, at('2026-03-09T12:00:00Z'));
    assert.deepEqual(midWeek.map((r) => [r.reference, r.status]), [['44-2026-0002', 'open']]);
  });
});
