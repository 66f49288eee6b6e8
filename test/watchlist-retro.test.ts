// Suspect lists applied backwards (issue 16): a new entry screens the parcels of the last 90 days on the job queue,
// in chunks handed on from job to job, with intake's matching; matches open or grow the entry's alert, parcels still
// in the network are flagged (holds untouched), and a retried or doubled job counts nothing twice.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import type { AlertChange } from '../server/alerts/alerts.js';
import { loadConfig } from '../server/config.js';
import { queryRows } from '../server/db/database.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { runRetroJob, stillInNetwork } from '../server/watchlist/retro.js';
import { fetchCandidates } from '../server/watchlist/screen.js';
import { aHandler, aHeldParcel, anOrganisationParcel, aParcel, aResidentId, aUscc, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
const T = new Date('2026-06-01T04:00:00.000Z');

describe('still in the network (pure)', () => {
  const policy = loadConfig({}).watchlistRetro;
  type Facts = Parameters<typeof stillInNetwork>[0];
  const base: Facts = { verdict: 'accepted', holdStatus: null, customsOutcome: null, crossBorder: false, createdAt: new Date(T.getTime() - 3 * DAY) };
  const table: [string, Partial<Facts>, boolean][] = [
    ['accepted 3 days ago, domestic', {}, true],
    ['accepted 8 days ago, domestic (past 7)', { createdAt: new Date(T.getTime() - 8 * DAY) }, false],
    ['cross-border 20 days ago (within 21)', { crossBorder: true, createdAt: new Date(T.getTime() - 20 * DAY) }, true],
    ['cross-border 22 days ago', { crossBorder: true, createdAt: new Date(T.getTime() - 22 * DAY) }, false],
    ['held, hold pending', { verdict: 'held', holdStatus: 'pending' }, true],
    ['held, hold released', { verdict: 'held', holdStatus: 'released' }, true],
    ['held, hold refused (returned or handed over)', { verdict: 'held', holdStatus: 'refused' }, false],
    ['refused at the counter', { verdict: 'rejected' }, false],
    ['seized by customs', { crossBorder: true, customsOutcome: 'seized' }, false],
    ['returned by customs', { crossBorder: true, customsOutcome: 'returned' }, false],
    ['cleared by customs', { crossBorder: true, customsOutcome: 'cleared' }, true],
  ];
  for (const [what, p, expected] of table) it(`${what} → ${expected}`, () => assert.equal(stillInNetwork({ ...base, ...p }, T, policy), expected));
});

describe('suspect lists applied backwards (/api/watchlist/retro)', () => {
  let s: TestServer;
  let clock = T;
  let regulator: string;
  let courier: string;
  const events: AlertChange[] = [];
  const open: Socket[] = [];

  before(async function () {
    this.timeout(60_000);
    // jobMs 0: every job screens one chunk of 2 parcels and hands on, so every run here crosses several jobs.
    const base = loadConfig({}).watchlistRetro;
    s = await startTestServer({ JOBS_ENABLED: 'false' }, { watchlistRetro: { ...base, chunkSize: 2, jobMs: 0, pauseMs: 0 } }, undefined, { clock: () => clock });
    regulator = await s.login('regulator1');
    courier = await s.login('courier1');
    s.ctx.bus.on('alert', (c: AlertChange) => events.push(c));
  });
  after(async () => {
    open.forEach((c) => c.close());
    await s?.close();
  });

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const intakeAt = async (daysAgo: number, body: object) => {
    clock = new Date(T.getTime() - daysAgo * DAY);
    const res = await s.http().post('/api/parcels').set(auth(courier)).send(body).expect(201);
    clock = T;
    return res.body as { parcel: { waybillNo: string; id: string }; verdict: string; alerts: { id: string }[] };
  };
  const add = (entries: unknown[], token = regulator) => s.http().post('/api/watchlist/entries').set(auth(token)).send({ entries });
  const retro = (jobId: string, token = regulator) => s.http().get(`/api/watchlist/retro/${jobId}`).set(auth(token));
  const runQueue = () => createJobRunner(s.ctx, { pollMs: 1000, worker: 'retro-test' }).runOnce();
  const inWindow = async (from: string, to: string) =>
    (await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from parcels where created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz`))[0]!.n;
  /** A parcel of its own sender and consignee (no rings between tests), with what the test lists. */
  const own = (overrides: Record<string, unknown> = {}) => aParcel({ ...unlinkedParties(), declared: { brand: 'Li-Ning', description: '运动服' }, ...overrides });

  it('a phone listed today meets its parcels of the last 90 days, in chunks on the queue: one alert, in-network parcels flagged, holds untouched', async () => {
    const phone = '13922220001';
    const tooOld = await intakeAt(100, own({ sender: { ...unlinkedParties().sender, phone } }));
    const monthOld = await intakeAt(30, own({ sender: { ...unlinkedParties().sender, phone } }));
    const crossBorder = await intakeAt(10, own({ sender: { ...unlinkedParties().sender, phone } }));
    const toRecipient = await intakeAt(3, own({ recipient: { name: '王五', phone: '+86 139 2222 0001', address: '浙江省杭州市西湖区文三路9号', country: 'CN' } }));
    const refused = await intakeAt(2, own({ sender: { ...unlinkedParties().sender, phone }, inspection: { performed: false, refused: true, matchesDeclaration: undefined } }));
    const held = await intakeAt(1, aHeldParcel({ sender: { phone }, declared: { brand: 'Li-Ning', description: '运动服' } }));
    const other = await intakeAt(1, own());
    assert.deepEqual([refused.verdict, held.verdict], ['rejected', 'held']);

    const listed = await add([{ type: 'phone', value: phone, note: '回溯测试' }]).expect(201);
    assert.equal(listed.body.created, 1);
    const { jobId, lookbackDays, status } = listed.body.retroScreening;
    assert.deepEqual([lookbackDays, status], [90, 'queued']);
    assert.equal((await retro(jobId).expect(200)).body.status, 'queued');

    events.length = 0;
    await runQueue();

    const run = (await retro(jobId).expect(200)).body;
    const screened = await inWindow(run.windowFrom, run.windowTo);
    assert.equal(run.status, 'done');
    assert.equal(run.entries, 1);
    assert.equal(run.parcelsScreened, screened);
    assert.equal(run.windowTo, T.toISOString());
    assert.equal(run.windowFrom, new Date(T.getTime() - 90 * DAY).toISOString());
    assert.deepEqual(
      [run.matched, run.alertsOpened, run.alertsGrown, run.flaggedInNetwork],
      [5, 1, 0, 3],
      'month-old, cross-border, to-recipient, refused and held match; cross-border (10 days), to-recipient (3) and held are still in the network',
    );
    assert.deepEqual(run.matchedByProvince, { 44: 5 });

    // Several queue jobs, each one chunk, each done; one run.
    const jobs = await queryRows<{ key: string; state: string }>(s.ctx.db, sql`select key, state from jobs where key like ${`watchlist.retro:${jobId}:%`} order by created_at`);
    assert.ok(jobs.length >= Math.ceil(screened / 2), `${jobs.length} jobs for ${screened} parcels`);
    assert.ok(jobs.every((j) => j.state === 'done'));

    // The alert is the entry's, as an intake hit would open it, with exactly the matched parcels.
    const alerts = await s.http().get('/api/alerts?type=WATCHLIST_HIT').set(auth(regulator)).expect(200);
    const alert = alerts.body.alerts.find((a: { summary: string }) => a.summary.includes('139****0001'));
    assert.ok(alert, 'the entry has its alert');
    assert.equal(alert.parcelCount, 5);
    assert.equal(alert.severity, 'high');
    const waybills = [monthOld, crossBorder, toRecipient, refused, held].map((p) => p.parcel.waybillNo);
    assert.deepEqual([...alert.waybills].sort(), [...waybills].sort());
    assert.ok(!alert.waybills.includes(tooOld.parcel.waybillNo) && !alert.waybills.includes(other.parcel.waybillNo));
    const parcels = await s.http().get(`/api/alerts/${alert.id}/parcels`).set(auth(regulator)).expect(200);
    const flagged = parcels.body.parcels.filter((p: { flaggedInNetwork: unknown }) => p.flaggedInNetwork).map((p: { waybillNo: string }) => p.waybillNo);
    assert.deepEqual(flagged.sort(), [crossBorder, toRecipient, held].map((p) => p.parcel.waybillNo).sort());

    // Live once committed: the regulators of Guangdong hear alert:new (then its growth), with the final count.
    const mine = events.filter((e) => e.alert.id === alert.id);
    assert.equal(mine[0]!.event, 'alert:new');
    assert.equal(mine[mine.length - 1]!.alert.parcelCount, 5);

    // The mark on the parcel; the hold and verdict are as they were.
    const record = (await s.http().get(`/api/parcels/${held.parcel.waybillNo}`).set(auth(regulator)).expect(200)).body.parcel;
    assert.equal(record.retroFlags.length, 1);
    assert.equal(record.retroFlags[0].reason.code, 'WATCHLIST_RETRO_FLAG');
    assert.match(record.retroFlags[0].reason.message, /phone is on the suspect list \(\+86 139\*\*\*\*0001\)/);
    assert.match(record.retroFlags[0].reason.messageZh, /嫌疑名单/);
    assert.equal(record.retroFlags[0].alertId, alert.id);
    assert.deepEqual([record.verdict, record.hold.status, record.hold.reasons.map((r: { code: string }) => r.code)], ['held', 'pending', ['INSPECTION_MISMATCH']]);
    const old = (await s.http().get(`/api/parcels/${monthOld.parcel.waybillNo}`).set(auth(regulator)).expect(200)).body.parcel;
    assert.deepEqual([old.retroFlags, old.verdict], [[], 'accepted']);
    // The courier at the counter sees the mark on the parcel they took in.
    const atCounter = (await s.http().get(`/api/parcels/${toRecipient.parcel.waybillNo}`).set(auth(courier)).expect(200)).body.parcel;
    assert.equal(atCounter.retroFlags.length, 1);

    // Run again (a retried job, a second worker): nothing changes.
    await runRetroJob(s.ctx, jobId);
    const again = (await retro(jobId).expect(200)).body;
    assert.deepEqual([again.parcelsScreened, again.matched, again.flaggedInNetwork], [run.parcelsScreened, 5, 3]);
    assert.equal((await s.http().get(`/api/alerts/${alert.id}`).set(auth(regulator)).expect(200)).body.parcelCount, 5);

    const audit = await queryRows<{ details: { matched: number } }>(s.ctx.db, sql`select details from audit_log where action = 'watchlist.retro.done' and subject_id = ${jobId}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.details.matched, 5);
  });

  it('an alert an intake opened after listing grows with the past parcels; a parcel already on it is not counted twice', async () => {
    const name = 'Ivan Petrenko-Retro';
    const past = [await intakeAt(20, own({ recipient: { name, phone: '+7 912 000 0001', address: '1 Lenina St, Omsk', country: 'RU' } })), await intakeAt(5, own({ recipient: { name, phone: '+7 912 000 0002', address: '2 Lenina St, Omsk', country: 'RU' } }))];
    const listed = await add([{ type: 'consignee', value: name }]).expect(201);
    // Before the job runs, a counter takes in a parcel to the same consignee: intake opens the entry's alert.
    const fresh = await s.http().post('/api/parcels').set(auth(courier)).send(own({ recipient: { name, phone: '+7 912 000 0003', address: '3 Lenina St, Omsk', country: 'RU' } })).expect(201);
    assert.equal(fresh.body.verdict, 'held');
    const alertId = fresh.body.alerts[0].id;

    await runQueue();
    const run = (await retro(listed.body.retroScreening.jobId).expect(200)).body;
    assert.deepEqual([run.status, run.matched, run.alertsOpened, run.alertsGrown], ['done', 2, 0, 1]);
    const alert = (await s.http().get(`/api/alerts/${alertId}`).set(auth(regulator)).expect(200)).body;
    assert.equal(alert.parcelCount, 3, 'the intake parcel and the two past ones, each once');
    assert.deepEqual([...alert.waybills].sort(), [...past.map((p) => p.parcel.waybillNo), fresh.body.parcel.waybillNo].sort());
    // Cross-border: the route on the alert, customs see it too.
    assert.equal(alert.crossBorder, true);
  });

  it('two workers on one run at once screen each parcel once', async () => {
    const company = '回溯并发测试贸易有限公司';
    for (const d of [4, 6, 8, 12, 15]) await intakeAt(d, own({ recipient: { name: company, phone: `+1 415 555 ${7000 + d}`, address: `${d} Pine St, Boston`, country: 'US' } }));
    const listed = await add([{ type: 'company', value: company }]).expect(201);
    const { jobId } = listed.body.retroScreening;
    await Promise.all([runRetroJob(s.ctx, jobId), runRetroJob(s.ctx, jobId), runQueue()]);
    // jobMs is 0: each job did one chunk; finish whatever was handed on.
    await runQueue();
    const run = (await retro(jobId).expect(200)).body;
    assert.equal(run.status, 'done');
    assert.equal(run.parcelsScreened, await inWindow(run.windowFrom, run.windowTo));
    assert.deepEqual([run.matched, run.alertsOpened], [5, 1]);
    const [a] = await queryRows<{ parcel_count: number; linked: number }>(
      s.ctx.db,
      sql`select a.parcel_count, (select count(*)::int from alert_parcels ap where ap.alert_id = a.id) as linked
            from alerts a join watchlist_retro_alerts ra on ra.alert_id = a.id where ra.run_id = ${jobId}`,
    );
    assert.deepEqual([a!.parcel_count, a!.linked], [5, 5]);
  });

  // Review: retro screened an organisation's parcel as a person's (its name as a person name) and never its handler
  // or the organisation against `company` entries. Now it screens what intake screens (screen.ts screenInputOf).
  it("an organisation's parcels are screened backwards as at intake: the handler as a person, the organisation as a company", async () => {
    const admin = await s.login('admin');
    const organisation = async (name: string, phone: string) => {
      const uscc = aUscc();
      const reg = await s.http().post('/api/organisations').set(auth(admin)).send({
        name, uscc, legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
        address: `广东省广州市天河区体育西路${phone.slice(-2)}号`, phone,
      });
      assert.equal(reg.status, 201, reg.text);
      await s.http().post(`/api/organisations/${reg.body.id}/review`).set(auth(admin)).send({ decision: 'approve', reason: '资质审核' }).expect(200);
      return uscc;
    };
    const byName = await organisation('佛山市南海区回溯五金有限公司', '13900140001');
    const byCode = await organisation('中山市回溯灯饰有限公司', '13900140002');
    const clean = await organisation('江门市回溯家居有限公司', '13900140003');
    const handler = aHandler();
    const orgParcel = (uscc: string, h: object) => anOrganisationParcel(uscc, h, { recipient: unlinkedParties().recipient, declared: { brand: 'Li-Ning', description: '运动服' } });
    const byHandler = await intakeAt(4, orgParcel(clean, handler));
    const ofNamed = await intakeAt(3, orgParcel(byName, aHandler()));
    const ofCoded = await intakeAt(2, orgParcel(byCode, aHandler()));
    const untouched = await intakeAt(1, orgParcel(clean, aHandler()));
    assert.deepEqual([byHandler, ofNamed, ofCoded, untouched].map((r) => r.verdict), ['accepted', 'accepted', 'accepted', 'accepted']);

    // Listed after: the handler's ID number, one organisation's name and the other's code as companies; and the
    // organisation's name as a person — an organisation is no person, so that entry meets nothing.
    const listed = await add([
      { type: 'id_number', value: handler.idNumber },
      { type: 'company', value: '南海区回溯五金' },
      { type: 'company', value: byCode },
      { type: 'person_name', value: '江门市回溯家居有限公司' },
    ]).expect(201);
    await runQueue();
    const run = (await retro(listed.body.retroScreening.jobId).expect(200)).body;
    assert.equal(run.status, 'done', JSON.stringify(run));
    assert.equal(run.matched, 3, JSON.stringify(run));

    const hit = await queryRows<{ waybill_no: string; list_type: string }>(
      s.ctx.db,
      sql`select p.waybill_no, f.list_type from watchlist_retro_flags f join parcels p on p.id = f.parcel_id where f.run_id = ${listed.body.retroScreening.jobId}::uuid`,
    );
    assert.deepEqual(
      hit.map((h) => `${h.waybill_no}:${h.list_type}`).sort(),
      [`${byHandler.parcel.waybillNo}:id_number`, `${ofNamed.parcel.waybillNo}:company`, `${ofCoded.parcel.waybillNo}:company`].sort(),
    );
    // And each is ordered stopped, as any list hit on a parcel still on its way.
    const orders = (await s.http().get('/api/interceptions?status=all&limit=200').set(auth(regulator)).expect(200)).body.interceptions as { waybillNo: string; sources: { kind: string }[] }[];
    const ordered = new Map(orders.map((o) => [o.waybillNo, o]));
    for (const p of [byHandler, ofNamed, ofCoded]) assert.deepEqual(ordered.get(p.parcel.waybillNo)?.sources.map((x) => x.kind), ['watchlist_entry'], p.parcel.waybillNo);
    assert.ok(!ordered.has(untouched.parcel.waybillNo));
  });

  it("intake screens an organisation sender in one statement: the candidates function and its company branch together", async () => {
    await add([{ type: 'company', value: '顺德区一次读取电器有限公司' }, { type: 'phone', value: '13922220555' }]).expect(201);
    let statements = 0;
    // Every statement reaches the database through db.execute or, named, through its session's prepareQuery.
    type Session = { prepareQuery(...args: unknown[]): unknown };
    const session = (s.ctx.db as unknown as { session: Session }).session;
    const countingSession = new Proxy(session, {
      get: (t, p) => (p === 'prepareQuery' ? (...args: unknown[]) => (statements++, t.prepareQuery(...args)) : typeof Reflect.get(t, p) === 'function' ? Reflect.get(t, p).bind(t) : Reflect.get(t, p)),
    });
    const counting = new Proxy(s.ctx.db, {
      get: (t, p) => (p === 'execute' ? (q: never) => (statements++, t.execute(q)) : p === 'session' ? countingSession : Reflect.get(t, p)),
    });
    const found = await fetchCandidates(counting, {
      organisationName: '佛山市顺德区一次读取电器有限公司', organisationUscc: aUscc(), senderPhoneBlind: s.ctx.vault.blind('phone', '+8613922220555'),
    });
    assert.equal(statements, 1);
    assert.deepEqual(found.map((c) => c.type).sort(), ['company', 'phone']);
  });

  it('an entry removed before its screening runs matches nothing, as at intake', async () => {
    const phone = '13922220077';
    await intakeAt(2, own({ sender: { ...unlinkedParties().sender, phone } }));
    const listed = await add([{ type: 'phone', value: phone }]).expect(201);
    const list = await s.http().get('/api/watchlist/entries?type=phone').set(auth(regulator)).expect(200);
    const entry = list.body.entries.find((e: { value: string }) => e.value.endsWith('0077'));
    await s.http().delete(`/api/watchlist/entries/${entry.id}`).set(auth(regulator)).expect(204);
    await runQueue();
    const run = (await retro(listed.body.retroScreening.jobId).expect(200)).body;
    assert.deepEqual([run.status, run.matched, run.alertsOpened, run.flaggedInNetwork], ['done', 0, 0, 0]);
  });

  it('an import answers with its screening; one of duplicates only is done at once with no entries', async () => {
    await intakeAt(6, own({ sender: { ...unlinkedParties().sender, address: '广东省广州市越秀区回溯路18号' } }));
    const csv = 'type,value,note\naddress,广州市越秀区回溯路18号,回溯导入\nphone,13922220099,\n';
    const imported = await s.http().post('/api/watchlist/import').set(auth(regulator)).attach('file', Buffer.from(csv), 'list.csv').expect(201);
    assert.equal(imported.body.created, 2);
    assert.deepEqual([imported.body.retroScreening.lookbackDays, imported.body.retroScreening.status], [90, 'queued']);
    await runQueue();
    const run = (await retro(imported.body.retroScreening.jobId).expect(200)).body;
    assert.deepEqual([run.source, run.entries, run.status, run.matched, run.flaggedInNetwork], ['import', 2, 'done', 1, 1]);

    const again = await s.http().post('/api/watchlist/import').set(auth(regulator)).attach('file', Buffer.from(csv), 'list.csv').expect(201);
    assert.equal(again.body.duplicates, 2);
    assert.equal(again.body.retroScreening.status, 'done');
    const none = (await retro(again.body.retroScreening.jobId).expect(200)).body;
    assert.deepEqual([none.entries, none.parcelsScreened], [0, 0]);
  });

  it('roles as for the lists; another province, a bad or unknown id: 404 or 400; a job failed for good shows failed', async () => {
    const listed = await add([{ type: 'waybill', value: 'SF9988776655443' }]).expect(201);
    const { jobId } = listed.body.retroScreening;
    await retro(jobId, await s.login('customs1')).expect(200); // customs of the same province
    await retro(jobId, await s.login('admin')).expect(200);
    const outside = expectProblem(await retro(jobId, await s.login('regulator2')), 404, 'RETRO_NOT_FOUND');
    assert.ok(outside.detail.includes(jobId));
    expectProblem(await retro(jobId, courier), 403, 'ROLE_FORBIDDEN');
    expectProblem(await retro('not-a-uuid'), 400);
    expectProblem(await retro('00000000-0000-4000-8000-000000000000'), 404, 'RETRO_NOT_FOUND');
    // An admin's screening is national: only admins see it.
    const national = await add([{ type: 'waybill', value: 'SF9988776655444' }], await s.login('admin')).expect(201);
    expectProblem(await retro(national.body.retroScreening.jobId), 404, 'RETRO_NOT_FOUND');

    await s.ctx.db.execute(sql`update jobs set state = 'failed', last_error = 'Error' where key = ${`watchlist.retro:${jobId}:0`}`);
    assert.equal((await retro(jobId).expect(200)).body.status, 'failed');
    const zh = await s.http().get(`/api/watchlist/retro/00000000-0000-4000-8000-000000000000`).set(auth(regulator)).set('Accept-Language', 'zh-CN');
    assert.match(JSON.stringify(zh.body), /回溯筛查/);
  });

  it('live alerts of a retroactive screening reach the outlet’s province only', async () => {
    const listen = async (token: string) => {
      const c = connect(`${s.url}/alerts`, { auth: { token }, transports: ['websocket'], reconnection: false });
      open.push(c);
      await new Promise((r) => c.once('ready', r));
      const got: { event: string; alert: { summary: string } }[] = [];
      c.onAny((event, alert) => got.push({ event, alert }));
      return got;
    };
    const phone = '13922220055';
    await intakeAt(4, own({ sender: { ...unlinkedParties().sender, phone } }));
    const guangdong = await listen(regulator);
    const zhejiang = await listen(await s.login('regulator2'));
    await add([{ type: 'phone', value: phone }]).expect(201);
    await runQueue();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(guangdong.some((e) => e.event === 'alert:new' && e.alert.summary.includes('139****0055')));
    assert.equal(zhejiang.filter((e) => e.alert.summary?.includes('139****0055')).length, 0);
  });
});
