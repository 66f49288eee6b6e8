// The one job mechanism (STYLE.md #11): schedule rules in Beijing time, idempotent enqueue, two runners on one
// database running each job once, retries with backoff then failure, a dead worker's job taken over, and a
// server that was down on Friday 17:00 catching up the reports it owes. Clocks are injected; nothing waits.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { defineJobKind } from '../server/jobs/registry.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { nextOccurrence, occurrenceName, parseScheduleRule } from '../server/jobs/schedule.js';
import { seedSchedules, tickSchedules } from '../server/jobs/scheduler.js';
import { SCHEDULES } from '../server/jobs/start.js';
import { claimJobs, enqueueJob } from '../server/jobs/store.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const next = (rule: string, after: string) => nextOccurrence(parseScheduleRule(rule), new Date(after)).toISOString();

describe('schedule rules (Beijing time, whatever the server’s TZ)', () => {
  const FRI = 'weekly fri 17:00 Asia/Shanghai';
  const LAST = 'monthly last 17:00 Asia/Shanghai';
  const table: [rule: string, after: string, expected: string, why: string][] = [
    ['every 60s', '2026-11-27T09:00:30.000Z', '2026-11-27T09:01:00.000Z', 'aligned to the minute, so every process names the same occurrence'],
    ['every 60s', '2026-11-27T09:01:00.000Z', '2026-11-27T09:02:00.000Z', 'strictly after'],
    [FRI, '2026-11-25T00:00:00.000Z', '2026-11-27T09:00:00.000Z', 'Wednesday → that Friday 17:00 Beijing (09:00 UTC)'],
    [FRI, '2026-11-27T09:00:00.000Z', '2026-12-04T09:00:00.000Z', 'at the occurrence → a week later'],
    [FRI, '2026-11-26T16:30:00.000Z', '2026-11-27T09:00:00.000Z', 'Thursday in UTC but already Friday 00:30 in Beijing'],
    [FRI, '2026-11-27T17:00:00.000Z', '2026-12-04T09:00:00.000Z', 'still Friday in UTC, Saturday 01:00 in Beijing'],
    [FRI, '2026-12-31T10:00:00.000Z', '2027-01-01T09:00:00.000Z', 'across the new year'],
    ['weekly mon 09:30 Asia/Shanghai', '2026-11-29T16:00:00.000Z', '2026-11-30T01:30:00.000Z', 'Monday 00:00 Beijing → 09:30 that day'],
    [LAST, '2026-02-10T00:00:00.000Z', '2026-02-28T09:00:00.000Z', 'February of a common year: the 28th'],
    [LAST, '2028-02-10T00:00:00.000Z', '2028-02-29T09:00:00.000Z', 'leap year: the 29th'],
    [LAST, '2100-02-01T00:00:00.000Z', '2100-02-28T09:00:00.000Z', '2100 is not a leap year'],
    [LAST, '2000-02-01T00:00:00.000Z', '2000-02-29T09:00:00.000Z', '2000 is'],
    [LAST, '2026-04-01T00:00:00.000Z', '2026-04-30T09:00:00.000Z', 'a 30-day month'],
    [LAST, '2026-01-31T09:00:00.000Z', '2026-02-28T09:00:00.000Z', 'at the occurrence → the next month’s last day'],
    [LAST, '2026-01-31T08:59:00.000Z', '2026-01-31T09:00:00.000Z', 'a minute before'],
    [LAST, '2026-12-31T09:00:00.000Z', '2027-01-31T09:00:00.000Z', 'December → January of the next year'],
    [LAST, '2026-11-30T16:30:00.000Z', '2026-12-31T09:00:00.000Z', '30 November in UTC is already 1 December in Beijing'],
  ];
  for (const [rule, after, expected, why] of table) {
    it(`${rule} after ${after} → ${expected} (${why})`, () => assert.equal(next(rule, after), expected));
  }

  it('gives the same answers with the process in another time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC']) {
        process.env.TZ = tz;
        for (const [rule, after, expected] of table) assert.equal(next(rule, after), expected, `${tz} ${rule} ${after}`);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('names occurrences by week, month or instant; bad rules are refused with the reason', () => {
    assert.equal(occurrenceName(parseScheduleRule(FRI), new Date('2026-11-27T09:00:00Z')), '2026-W48');
    assert.equal(occurrenceName(parseScheduleRule(LAST), new Date('2026-11-30T09:00:00Z')), '2026-11');
    assert.equal(occurrenceName(parseScheduleRule('every 60s'), new Date('2026-11-30T09:00:00Z')), '2026-11-30T09:00:00.000Z');
    for (const bad of ['weekly fri 17:00 UTC', 'every 0s', 'every 5m', 'monthly first 17:00 Asia/Shanghai', 'weekly fri 24:00 Asia/Shanghai', 'weekly fry 17:00 Asia/Shanghai', 'hourly']) {
      assert.throws(() => parseScheduleRule(bad), /Schedule rule/, bad);
    }
  });
});

describe('job queue and runners (API and database)', () => {
  let s: TestServer;
  const ran: string[] = [];
  let clock = new Date('2026-11-18T02:00:00.000Z');
  const now = () => clock;
  const jobsOf = (kind: string) =>
    queryRows<{ key: string; state: string; attempts: number; last_error: string | null; run_at: Date; locked_by: string | null }>(
      s.ctx.db,
      sql`select key, state, attempts, last_error, run_at, locked_by from jobs where kind = ${kind} order by key`,
    );

  before(async function () {
    this.timeout(60_000);
    s = await startTestServer({ JOBS_ENABLED: 'false' });
    defineJobKind('test.count', async (_ctx, job) => {
      await new Promise((r) => setTimeout(r, 2)); // give the other runner a chance to interleave
      ran.push(job.key);
    });
    defineJobKind('test.flaky', async () => {
      throw new Error('could not reach 13812345678 at 广东省广州市天河区林和西路9号');
    });
  });
  after(() => s?.close());

  it('housekeeping is a scheduled job, not a timer of its own: run, it removes an expired session', async () => {
    assert.ok(SCHEDULES.some((x) => x.kind === 'housekeeping' && x.rule === 'every 3600s'));
    const [user] = await queryRows<{ id: string }>(s.ctx.db, sql`select id from users where username = 'courier1'`);
    await s.ctx.db.execute(sql`insert into sessions (token_hash, user_id, expires_at) values ('expired-housekeeping-test', ${user!.id}, ${new Date(clock.getTime() - 86_400_000)})`);
    await enqueueJob(s.ctx.db, { kind: 'housekeeping', key: 'housekeeping:test', runAt: clock });
    await createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'h' }).runOnce();
    const left = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from sessions where token_hash = 'expired-housekeeping-test'`);
    assert.equal(left[0]!.n, 0);
  });

  it('enqueueing is idempotent on the key', async () => {
    assert.equal(await enqueueJob(s.ctx.db, { kind: 'test.count', key: 'once:1', runAt: clock }), true);
    assert.equal(await enqueueJob(s.ctx.db, { kind: 'test.count', key: 'once:1', runAt: clock, payload: { again: true } }), false);
    assert.equal((await jobsOf('test.count')).filter((j) => j.key === 'once:1').length, 1);
  });

  it('two runners on one database run each job once (FOR UPDATE SKIP LOCKED)', async function () {
    this.timeout(20_000);
    for (let i = 0; i < 20; i++) await enqueueJob(s.ctx.db, { kind: 'test.count', key: `many:${String(i).padStart(2, '0')}`, runAt: clock });
    const a = createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'a', batch: 2 });
    const b = createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'b', batch: 2 });
    const [na, nb] = await Promise.all([a.runOnce(), b.runOnce()]);
    assert.equal(na + nb, 21);
    assert.equal(ran.length, 21);
    assert.equal(new Set(ran).size, 21, 'no job ran twice');
    const rows = await jobsOf('test.count');
    assert.ok(rows.every((j) => j.state === 'done' && j.attempts === 1 && j.locked_by === null));
  });

  it('a failing job is retried with growing backoff, then failed with an error that names no person', async () => {
    const t0 = new Date(clock);
    await enqueueJob(s.ctx.db, { kind: 'test.flaky', key: 'flaky:1', runAt: t0, maxAttempts: 3 });
    const r = createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'r' });
    await r.runOnce();
    let [job] = await jobsOf('test.flaky');
    assert.equal(job!.state, 'queued');
    assert.equal(job!.attempts, 1);
    assert.equal(new Date(job!.run_at).getTime() - t0.getTime(), 10_000);
    assert.equal(await r.runOnce(), 0, 'not due before its backoff');
    clock = new Date(t0.getTime() + 10_000);
    await r.runOnce();
    [job] = await jobsOf('test.flaky');
    assert.equal(job!.attempts, 2);
    assert.equal(new Date(job!.run_at).getTime() - clock.getTime(), 20_000);
    clock = new Date(clock.getTime() + 20_000);
    await r.runOnce();
    [job] = await jobsOf('test.flaky');
    assert.equal(job!.state, 'failed');
    assert.equal(job!.attempts, 3);
    assert.equal(job!.last_error, 'Error');
    assert.doesNotMatch(job!.last_error!, /138|广州|林和/);
  });

  it('a job whose worker died mid-run is taken over once its lease has expired', async () => {
    const t0 = new Date(clock);
    await enqueueJob(s.ctx.db, { kind: 'test.count', key: 'orphan:1', runAt: t0 });
    const [claimed] = await claimJobs(s.ctx.db, 'dead-worker', t0, 60_000, 1);
    assert.equal(claimed!.key, 'orphan:1'); // …and that process never finishes it
    const r = createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'heir' });
    clock = new Date(t0.getTime() + 30_000);
    await r.runOnce();
    assert.ok(!ran.includes('orphan:1'), 'not while the lease holds');
    clock = new Date(t0.getTime() + 61_000);
    await r.runOnce();
    assert.equal(ran.filter((k) => k === 'orphan:1').length, 1);
    const [job] = (await jobsOf('test.count')).filter((j) => j.key === 'orphan:1');
    assert.equal(job!.state, 'done');
    assert.equal(job!.attempts, 2);
  });

  it('a server down on Friday 17:00 enqueues every report it owes at start, once, and stores them once', async function () {
    this.timeout(60_000);
    await s.ctx.db.execute(sql`delete from job_schedules`);
    // First started on Wednesday 18 November 2026 (week 47)…
    await seedSchedules(s.ctx.db, SCHEDULES, new Date('2026-11-18T02:00:00.000Z'));
    // …and back on Monday 7 December 10:00 Beijing: three Fridays and one month end were missed.
    clock = new Date('2026-12-07T02:00:00.000Z');
    const created = await tickSchedules(s.ctx.db, clock);
    assert.deepEqual(
      created.filter((k) => k.startsWith('reports.')).sort(),
      ['reports.monthly:2026-11', 'reports.weekly:2026-W47', 'reports.weekly:2026-W48', 'reports.weekly:2026-W49'],
    );
    // A missed escalation is not owed minute by minute: only the latest one.
    assert.equal(created.filter((k) => k.startsWith('holds.escalate:')).length, 1);
    assert.deepEqual(await tickSchedules(s.ctx.db, clock), [], 'a second process ticking at the same moment enqueues nothing');
    const weekly = (await jobsOf('reports.weekly')).find((j) => j.key === 'reports.weekly:2026-W48')!;
    assert.equal(new Date(weekly.run_at).toISOString(), '2026-11-27T09:00:00.000Z');

    const r = createJobRunner(s.ctx, { pollMs: 1000, now, worker: 'catch-up' });
    await r.runOnce();
    assert.ok((await jobsOf('reports.weekly')).every((j) => j.state === 'done'));
    const stored = await queryRows<{ kind: string; period: string; scope: string; format: string; generated_at: Date }>(
      s.ctx.db,
      sql`select kind, period, scope, format, generated_at from report_archive order by kind, period, scope, format`,
    );
    // national + Guangdong (regulator1) + Zhejiang (regulator2) + Guangdong's cross-border part (customs1), three formats each.
    const w48 = stored.filter((x) => x.kind === 'weekly' && x.period === '2026-W48');
    assert.deepEqual([...new Set(w48.map((x) => x.scope))], ['33', '44', '44-cross-border', 'national']);
    assert.equal(w48.length, 12);
    assert.equal(new Date(w48[0]!.generated_at).toISOString(), '2026-11-27T09:00:00.000Z', 'generated with the occurrence’s clock');
    assert.equal(stored.filter((x) => x.kind === 'monthly' && x.period === '2026-11').length, 12);
    // The schedule now points at the next Friday, and the stored files are not made twice by a re-run.
    const [schedule] = await queryRows<{ next_run_at: Date }>(s.ctx.db, sql`select next_run_at from job_schedules where name = 'reports.weekly'`);
    assert.equal(new Date(schedule!.next_run_at).toISOString(), '2026-12-11T09:00:00.000Z');
    await s.ctx.db.execute(sql`update jobs set state = 'queued', run_at = ${clock.toISOString()}::timestamptz where kind = 'reports.weekly'`);
    await r.runOnce();
    const [again] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from report_archive`);
    assert.equal(again!.n, stored.length);
  });

  it('admins see the jobs and the schedules; nobody else does', async () => {
    const admin = { Authorization: `Bearer ${await s.login('admin')}` };
    const failed = (await s.http().get('/api/jobs?state=failed').set(admin).expect(200)).body;
    assert.equal(failed.jobs.length, 1);
    assert.equal(failed.jobs[0].key, 'flaky:1');
    assert.equal(failed.jobs[0].lastError, 'Error');
    // Done jobs are kept a week: the runner at 7 December swept those done on 18 November.
    assert.equal((await s.http().get('/api/jobs?kind=test.count').set(admin).expect(200)).body.jobs.length, 0);
    const page = (await s.http().get('/api/jobs?kind=reports.weekly&limit=2').set(admin).expect(200)).body;
    assert.equal(page.jobs.length, 2);
    const rest = (await s.http().get(`/api/jobs?kind=reports.weekly&limit=2&cursor=${page.nextCursor}`).set(admin).expect(200)).body;
    assert.equal(rest.jobs.length, 1);
    assert.ok(page.nextCursor);
    const schedules = (await s.http().get('/api/jobs/schedules').set(admin).expect(200)).body.schedules;
    assert.deepEqual(schedules.map((x: { name: string }) => x.name), ['audit.anchor', 'holds.escalate', 'housekeeping', 'interceptions.escalate', 'privacy.purge', 'reports.monthly', 'reports.weekly']);
    assert.equal(schedules.find((x: { name: string }) => x.name === 'reports.weekly').rule, 'weekly fri 17:00 Asia/Shanghai');
    const regulator = { Authorization: `Bearer ${await s.login('regulator1')}` };
    expectProblem(await s.http().get('/api/jobs').set(regulator), 403, 'ROLE_FORBIDDEN');
    expectProblem(await s.http().get('/api/jobs/schedules').set(regulator), 403, 'ROLE_FORBIDDEN');
  });
});
