// Retention (issue 21): a purge deletes or anonymises exactly what aged out — parcels with their photos, photos and
// inspection notes of their own period, archive records in two parts, resolved alerts, the oldest audit rows — and
// nothing tied to open work (an open case, an unresolved alert, a pending hold); it reports counts per class, is
// audited, and a second run changes nothing. Data is aged with the intake clock (and, for rows the database stamps
// itself, by setting their timestamps back).
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { queryRows } from '../server/db/database.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { runPurge } from '../server/privacy/retention.js';
import pg from 'pg';
import { aHandler, anOrganisationParcel, aParcel, aResidentId, aUscc } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;

describe('retention: the purge', () => {
  let s: TestServer;
  let clock = new Date();
  let courier: string;
  let admin: string;
  const ago = (days: number) => new Date(Date.now() - days * DAY);
  let n = 0;
  const person = (name: string) => ({ idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', String(100 + n++)), name, phone: `1391000${String(1000 + n).slice(-4)}`, address: `广东省广州市天河区天河路${n}号` });
  // Domestic parcels to a recipient each: cross-border ones to one consignee would form a ring, whose open alert holds them.
  const domesticTo = (k: number) => ({ country: 'CN', name: `收件人${'甲乙丙丁戊己庚辛'[k]}`, phone: `1370000${String(2000 + k)}`, address: `北京市朝阳区建国路${k + 1}号` });
  const aDomesticParcel = (sender: ReturnType<typeof person>, more: Record<string, unknown> = {}) => aParcel({ sender, recipient: domesticTo(n), ...more });

  async function takeIn(daysAgo: number, body = aParcel()) {
    clock = ago(daysAgo);
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body).expect(201);
    clock = new Date();
    return body;
  }
  async function photo(): Promise<string> {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
    const res = await s.http().post('/api/media').set('Authorization', `Bearer ${courier}`).attach('file', jpeg, { filename: 'p.jpg', contentType: 'image/jpeg' }).expect(201);
    return res.body.id;
  }
  const exists = async (waybillNo: string) => (await queryRows(s.ctx.db, sql`select 1 from parcels where waybill_no = ${waybillNo}`)).length === 1;
  const mediaExists = async (id: string) => (await queryRows(s.ctx.db, sql`select 1 from media where id = ${id}::uuid`)).length === 1;

  async function purge() {
    const res = await s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${admin}`).expect(202);
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
    const run = await s.http().get(`/api/privacy/purges/${res.body.jobId}`).set('Authorization', `Bearer ${await s.login('auditor1')}`).expect(200);
    assert.equal(run.body.state, 'done');
    type Counts = { removed: number; anonymised: number; waiting: number };
    return run.body as { jobId: string; report: { classes: Record<'archive_ids' | 'archive_names' | 'parcels' | 'photos' | 'inspection_notes' | 'alerts_cases' | 'ring_records' | 'sessions' | 'audit', Counts>; related: Record<string, number> } };
  }

  // The cast, by age (days) and by what ties them to open work.
  const old = aDomesticParcel(person('老件'));
  const oldInCase = aDomesticParcel(person('案件'), { inspection: { notes: '寄件人称是给表哥的' } });
  const oldHeld = aDomesticParcel(person('暂扣'), { inspection: { matchesDeclaration: false, notes: '不符' } });
  const oldAlerted = aDomesticParcel(person('预警'));
  const mid = aDomesticParcel(person('半年'), { inspection: { notes: '包装破损' } });
  const recent = aDomesticParcel(person('新件'), { inspection: { notes: '正常' } });
  const veryOld = aDomesticParcel(person('两年'));
  const ancient = aDomesticParcel(person('三年'));
  let oldPhoto: string, midPhoto: string, recentPhoto: string, staleOrphan: string, freshOrphan: string;
  let caseId: string;

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' }, {}, undefined, { clock: () => clock });
    // The first rows of the audit chain, from long ago (before anyone logs in): the audit class prunes them.
    await s.ctx.db.execute(sql`insert into audit_log (at, action, details) values (${ago(1200)}, 'test.ancient', '{}'), (${ago(1199)}, 'test.ancient', '{}'), (${ago(1198)}, 'test.ancient', '{}')`);
    courier = await s.login('courier1');
    admin = await s.login('admin');
    const regulator = await s.login('regulator1');
    [oldPhoto, midPhoto, recentPhoto, staleOrphan, freshOrphan] = [await photo(), await photo(), await photo(), await photo(), await photo()];
    old.inspection.photoIds = [oldPhoto];
    mid.inspection.photoIds = [midPhoto];
    recent.inspection.photoIds = [recentPhoto];
    await s.ctx.db.execute(sql`update media set created_at = ${ago(400)} where id = ${oldPhoto}::uuid`);
    await s.ctx.db.execute(sql`update media set created_at = ${ago(200)} where id = ${midPhoto}::uuid`);
    await s.ctx.db.execute(sql`update media set created_at = ${ago(10)} where id = ${staleOrphan}::uuid`);

    await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).send({ entries: [{ type: 'phone', value: oldAlerted.sender.phone }] }).expect(201);
    await takeIn(400, old);
    await takeIn(400, oldInCase);
    await takeIn(400, oldHeld);
    await takeIn(400, oldAlerted);
    await takeIn(200, mid);
    await takeIn(10, recent);
    await takeIn(800, veryOld);
    await takeIn(1200, ancient);
    // The alerted parcel's hold is decided: only its open alert keeps it now.
    await s.http().post(`/api/parcels/${oldAlerted.waybillNo}/release`).set('Authorization', `Bearer ${admin}`).send({ note: '放行' }).expect(200);
    const kase = await s.http().post('/api/cases').set('Authorization', `Bearer ${regulator}`)
      .send({ title: '留存测试', ownerUsername: 'regulator1', dueAt: new Date(Date.now() + 7 * DAY).toISOString() }).expect(201);
    caseId = kase.body.id;
    await s.ctx.db.execute(sql`insert into case_links (case_id, kind, ref_id) select ${caseId}::uuid, 'parcel', id from parcels where waybill_no = ${oldInCase.waybillNo}`);
  });
  after(() => s?.close());

  it('deletes exactly what aged out, leaves what open work holds, and reports it per class', async () => {
    const { report } = await purge();
    // Parcels (365 days): three old ones go; the one in an open case, the held one and the alerted one wait.
    for (const p of [old, veryOld, ancient]) assert.equal(await exists(p.waybillNo), false, `${p.sender.name} deleted`);
    for (const p of [oldInCase, oldHeld, oldAlerted, mid, recent]) assert.equal(await exists(p.waybillNo), true, `${p.sender.name} kept`);
    assert.deepEqual(report.classes.parcels, { removed: 3, anonymised: 0, waiting: 3 });

    // Photos: the old parcel's with it, the 200-day one by its own period, the unused upload after 7 days.
    assert.deepEqual(
      await Promise.all([oldPhoto, midPhoto, recentPhoto, staleOrphan, freshOrphan].map(mediaExists)),
      [false, false, true, false, true],
    );
    assert.equal(report.classes.photos.removed, 3);
    const [midInspection] = await queryRows<{ photo_ids: string[] | string; notes: string }>(
      s.ctx.db, sql`select pi.photo_ids, pi.notes from parcel_inspections pi join parcels p on p.id = pi.parcel_id where p.waybill_no = ${mid.waybillNo}`);
    assert.ok(String(midInspection!.photo_ids) === '{}' || (Array.isArray(midInspection!.photo_ids) && midInspection!.photo_ids.length === 0), 'the record keeps no id of a deleted photo');

    // Inspection notes (180 days): blanked on the 200-day parcel; the ones held by open work wait.
    assert.equal(midInspection!.notes, '');
    const notes = await queryRows<{ waybill_no: string; notes: string }>(s.ctx.db,
      sql`select p.waybill_no, pi.notes from parcel_inspections pi join parcels p on p.id = pi.parcel_id where p.waybill_no in (${oldInCase.waybillNo}, ${recent.waybillNo})`);
    assert.deepEqual(new Set(notes.map((r) => r.notes)), new Set(['寄件人称是给表哥的', '正常']));
    assert.deepEqual(report.classes.inspection_notes, { removed: 0, anonymised: 1, waiting: 2 });

    // Archive: the 1200-day identity (no parcel left) is gone; the 800-day one lost name and address, keeps its ID.
    const archive = await queryRows<{ name: string; address: string | null; id_blind: string }>(s.ctx.db,
      sql`select name, address, id_blind from senders where id_blind in (${s.ctx.vault.blind('id_number', ancient.sender.idNumber)}, ${s.ctx.vault.blind('id_number', veryOld.sender.idNumber)})`);
    assert.equal(archive.length, 1);
    assert.deepEqual([archive[0]!.name, archive[0]!.address], ['', null]);
    assert.equal(archive[0]!.id_blind, s.ctx.vault.blind('id_number', veryOld.sender.idNumber));
    assert.equal(report.related.archiveRecords, 1);
    assert.equal(report.classes.archive_names.anonymised, 1);
    assert.equal(report.classes.archive_ids.anonymised, 0);

    // The audit chain's three ancient rows are pruned from its start, and what is left still verifies.
    assert.equal(report.classes.audit.removed, 3);
    const verify = await s.http().get('/api/audit/verify').set('Authorization', `Bearer ${await s.login('auditor1')}`).expect(200);
    assert.equal(verify.body.intact, true, JSON.stringify(verify.body.firstBroken));
    assert.equal(verify.body.base.seq, 3);
  });

  it('is recorded in the audit trail with its counts, and a second run changes nothing', async () => {
    const second = await purge();
    for (const [k, c] of Object.entries(second.report.classes)) assert.equal(c.removed + c.anonymised, 0, `${k} changed again`);
    assert.equal(second.report.classes.parcels.waiting, 3);
    const rows = await queryRows<{ actor_username: string; subject_id: string; details: { trigger: string; classes: unknown } }>(s.ctx.db,
      sql`select actor_username, subject_id, details from audit_log where action = 'privacy.purge' order by chain_seq`);
    assert.equal(rows.length, 2);
    assert.deepEqual([rows[1]!.actor_username, rows[1]!.subject_id, rows[1]!.details.trigger], ['admin', second.jobId, 'on_demand']);
    assert.deepEqual(rows[1]!.details.classes, second.report.classes);
  });

  it('once the case closes, the alert is resolved and the hold decided, what waited goes', async () => {
    const regulator = await s.login('regulator1');
    await s.http().post(`/api/cases/${caseId}/close`).set('Authorization', `Bearer ${regulator}`).send({ outcome: 'no_infringement', note: '结案' }).expect(200);
    const [alert] = await queryRows<{ id: string }>(s.ctx.db, sql`select a.id from alerts a join alert_parcels ap on ap.alert_id = a.id join parcels p on p.id = ap.parcel_id where p.waybill_no = ${oldAlerted.waybillNo}`);
    await s.http().post(`/api/alerts/${alert!.id}/acknowledge`).set('Authorization', `Bearer ${regulator}`).expect(200);
    await s.http().post(`/api/alerts/${alert!.id}/resolve`).set('Authorization', `Bearer ${regulator}`).send({ resolution: 'false_positive', note: '误报' }).expect(200);
    await s.http().post(`/api/parcels/${oldHeld.waybillNo}/release`).set('Authorization', `Bearer ${admin}`).send({ note: '放行' }).expect(200);
    const { report } = await purge();
    for (const p of [oldInCase, oldHeld, oldAlerted]) assert.equal(await exists(p.waybillNo), false, `${p.sender.name} deleted now`);
    assert.deepEqual(report.classes.parcels, { removed: 3, anonymised: 0, waiting: 0 });
    // The resolved alert is recent (its last change is today): it stays until its own period ends.
    assert.equal((await queryRows(s.ctx.db, sql`select 1 from alerts where id = ${alert!.id}::uuid`)).length, 1);
    await s.ctx.db.execute(sql`update alerts set updated_at = ${ago(1200)} where id = ${alert!.id}::uuid`);
    await s.ctx.db.execute(sql`update cases set updated_at = ${ago(1200)} where id = ${caseId}::uuid`);
    const later = await purge();
    assert.deepEqual(later.report.classes.alerts_cases, { removed: 2, anonymised: 0, waiting: 0 });
    assert.equal((await queryRows(s.ctx.db, sql`select 1 from cases where id = ${caseId}::uuid`)).length, 0);
  });

  it('only admins start a purge; auditors read the schedule with a reason for each class', async () => {
    expectProblem(await s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${await s.login('regulator1')}`), 403, 'ROLE_FORBIDDEN');
    expectProblem(await s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${await s.login('auditor1')}`), 403, 'ROLE_FORBIDDEN');
    const res = await s.http().get('/api/privacy/retention').set('Authorization', `Bearer ${await s.login('auditor1')}`).expect(200);
    assert.deepEqual(res.body.classes.map((c: { key: string }) => c.key), ['archive_ids', 'archive_names', 'parcels', 'photos', 'inspection_notes', 'alerts_cases', 'ring_records', 'sessions', 'audit']);
    assert.ok(res.body.classes.every((c: { why: string; days: number }) => c.why.length > 20 && c.days > 0));
    const list = await s.http().get('/api/privacy/purges').set('Authorization', `Bearer ${admin}`).expect(200);
    assert.ok(list.body.purges.length >= 4 && list.body.purges.every((p: { state: string; report: unknown }) => p.state === 'done' && p.report));
  });
});

// Review of issue 21: seized goods awaiting disposal and right-holder notices awaiting an answer are open work; a parcel
// linked to an open case while the purge runs survives; ring records age out with alerts and cases; one purge at a time.
describe('retention: open customs work, concurrent links, ring records, one purge at a time', () => {
  let s: TestServer;
  let clock = new Date();
  let courier: string;
  let admin: string;
  const ago = (days: number) => new Date(Date.now() - days * DAY);
  let n = 0;
  const domestic = () => {
    n++;
    return aParcel({
      sender: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19810101', String(300 + n)), name: `复核${'甲乙丙丁戊己庚辛壬癸'[n % 10]}`, phone: `1391100${String(1000 + n).slice(-4)}`, address: `广东省广州市越秀区复核路${n}号` },
      recipient: { country: 'CN', name: `收件${'甲乙丙丁戊己庚辛壬癸'[n % 10]}`, phone: `1370011${String(1000 + n).slice(-4)}`, address: `北京市海淀区复核街${n}号` },
    });
  };
  async function takeIn(daysAgo: number) {
    const body = domestic();
    clock = ago(daysAgo);
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    clock = new Date();
    const [p] = await queryRows<{ id: string }>(s.ctx.db, sql`select id from parcels where waybill_no = ${body.waybillNo}`);
    return { waybillNo: body.waybillNo, id: p!.id };
  }
  const exists = async (id: string) => (await queryRows(s.ctx.db, sql`select 1 from parcels where id = ${id}::uuid`)).length === 1;
  const seize = (p: { id: string; waybillNo: string }) =>
    s.ctx.db.execute(sql`insert into customs_inspections (parcel_id, waybill_no, route_key, origin_city, rate, key_id, draw, selected, created_at, outcome)
                          values (${p.id}::uuid, ${p.waybillNo}, 'CN>CN', '4401', 1, 'sk_test', 0.1, true, ${ago(400)}, 'seized')
                          on conflict (parcel_id) do update set selected = true, outcome = 'seized'`);
  const notice = (p: { id: string; waybillNo: string }, state: 'unsent' | 'sent' | 'answered') =>
    s.ctx.db.execute(sql`insert into right_holder_notices (parcel_id, waybill_no, brand_key, origin_city, method, notified_at, notified_by_name, answer, answered_at)
                          values (${p.id}::uuid, ${p.waybillNo}, 'brand:test', '4401', ${state === 'unsent' ? null : 'letter'}, ${state === 'unsent' ? null : ago(390)},
                                  ${state === 'unsent' ? null : 'customs1'}, ${state === 'answered' ? 'no_action' : null}, ${state === 'answered' ? ago(380) : null})`);
  async function purgeNow() {
    const res = await s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${admin}`).expect(202);
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
    return (await s.http().get(`/api/privacy/purges/${res.body.jobId}`).set('Authorization', `Bearer ${admin}`).expect(200)).body.report as {
      classes: Record<string, { removed: number; anonymised: number; waiting: number }>;
    };
  }

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' }, {}, undefined, { clock: () => clock });
    courier = await s.login('courier1');
    admin = await s.login('admin');
  });
  after(() => s?.close());

  it('two admins starting a purge at the same moment get one job', async () => {
    const other = await s.login('admin');
    // Requests in flight together: each one's check runs before any other's enqueue is committed, unless they queue.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${i % 2 ? other : admin}`).expect(202)));
    assert.equal(new Set(answers.map((a) => a.body.jobId)).size, 1);
    assert.equal(answers.filter((a) => !a.body.alreadyQueued).length, 1);
    const [{ n: queued }] = (await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from jobs where kind = 'privacy.purge'`)) as [{ n: number }];
    assert.equal(queued, 1);
    const [{ n: requested }] = (await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log where action = 'privacy.purge_requested'`)) as [{ n: number }];
    assert.equal(requested, 1, 'one request recorded: the others were given the queued job');
    await createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
  });

  it('seized goods wait for their disposal record, a right-holder notice for its answer', async () => {
    const seizedPending = await takeIn(400);
    const seizedDisposed = await takeIn(400);
    const noticeUnsent = await takeIn(400);
    const noticeSent = await takeIn(400);
    const noticeAnswered = await takeIn(400);
    await seize(seizedPending);
    await seize(seizedDisposed);
    await s.ctx.db.execute(sql`insert into seizure_disposals (parcel_id, waybill_no, origin_city, kind, party, disposed_at, recorded_by_name)
                                values (${seizedDisposed.id}::uuid, ${seizedDisposed.waybillNo}, '4401', 'destroyed', '无害化处理厂', ${ago(380)}, 'customs1')`);
    await notice(noticeUnsent, 'unsent');
    await notice(noticeSent, 'sent');
    await notice(noticeAnswered, 'answered');
    const report = await purgeNow();
    assert.deepEqual(
      await Promise.all([seizedPending, seizedDisposed, noticeUnsent, noticeSent, noticeAnswered].map((p) => exists(p.id))),
      [true, false, true, true, false],
    );
    assert.deepEqual(report.classes.parcels, { removed: 2, anonymised: 0, waiting: 3 });
    // The notices and the seizure record that waited are still there with their parcels.
    const [{ n: notices }] = (await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from right_holder_notices`)) as [{ n: number }];
    assert.equal(notices, 2);
  });

  it('ended allowlistings and the personal part of old ring events go with the alerts-and-cases period', async () => {
    const ringId = '00000000-0000-4000-8000-000000000021';
    await s.ctx.db.execute(sql`insert into ring_allowlist (kind, key, label, reason, ring_id, region_code, expires_at, created_by_name, created_at, revoked_at, revoked_by_name) values
      ('consignee_address', 'consignee_address:old', '北京市海淀区复核街1号, CN', '家人', ${ringId}::uuid, '44', ${ago(1100)}, 'analyst1', ${ago(1300)}, ${ago(1200)}, 'analyst1'),
      ('consignee_address', 'consignee_address:expired', '北京市海淀区复核街2号, CN', '家人', ${ringId}::uuid, '44', ${ago(1150)}, 'analyst1', ${ago(1300)}, null, null),
      ('sender_phone', 'sender_phone:live', '+8613911001001', '登记商户', ${ringId}::uuid, '44', ${new Date(Date.now() + 30 * DAY)}, 'analyst1', ${ago(5)}, null, null)`);
    await s.ctx.db.execute(sql`insert into ring_events (ring_id, kind, at, by_name, details) values
      (${ringId}::uuid, 'allowlisted', ${ago(1300)}, 'analyst1', ${JSON.stringify({ keyKind: 'consignee_address', label: '北京市海淀区复核街1号, CN', waybillNo: 'SF1234567890', reason: '家人' })}::jsonb),
      (${ringId}::uuid, 'moved', ${ago(1250)}, null, ${JSON.stringify({ from: '44', to: '31', waybillNo: 'SF1234567891', parcelId: ringId, outletName: '天河网点' })}::jsonb),
      (${ringId}::uuid, 'split', ${ago(10)}, 'analyst1', ${JSON.stringify({ waybillNos: ['SF1234567892'], note: '不是同一团伙' })}::jsonb)`);
    const report = await purgeNow();
    const entries = await queryRows<{ key: string }>(s.ctx.db, sql`select key from ring_allowlist order by key`);
    assert.deepEqual(entries.map((e) => e.key), ['sender_phone:live']);
    const events = await queryRows<{ kind: string; details: Record<string, unknown> }>(s.ctx.db, sql`select kind, details from ring_events order by at`);
    assert.deepEqual(events.map((e) => [e.kind, e.details]), [
      ['allowlisted', { keyKind: 'consignee_address' }],
      ['moved', { from: '44', to: '31', outletName: '天河网点' }],
      ['split', { waybillNos: ['SF1234567892'], note: '不是同一团伙' }],
    ]);
    assert.deepEqual(report.classes.ring_records, { removed: 2, anonymised: 2, waiting: 0 });
    const again = await purgeNow();
    assert.deepEqual(again.classes.ring_records, { removed: 0, anonymised: 0, waiting: 0 });
    const schedule = await s.http().get('/api/privacy/retention').set('Authorization', `Bearer ${admin}`).expect(200);
    const ring = schedule.body.classes.find((c: { key: string }) => c.key === 'ring_records');
    assert.equal(ring.env, 'RETENTION_ALERTS_CASES_DAYS');
  });

  it('a parcel linked to an open case while the purge runs survives it (PostgreSQL: concurrent transactions)', async function () {
    // PGlite runs one statement at a time on one connection: a link and a purge cannot overlap there.
    if (s.ctx.dbKind !== 'postgres') this.skip();
    const p = await takeIn(400);
    const regulator = await s.login('regulator1');
    const kase = await s.http().post('/api/cases').set('Authorization', `Bearer ${regulator}`)
      .send({ title: '并发关联', ownerUsername: 'regulator1', dueAt: new Date(Date.now() + 7 * DAY).toISOString() }).expect(201);
    // The link's transaction pauses after inserting the link, until the test lets it go: the purge runs meanwhile.
    const PAUSE = 7_245_999;
    await s.ctx.db.execute(sql.raw(`create or replace function test_link_pause() returns trigger language plpgsql as $$ begin perform pg_advisory_xact_lock_shared(${PAUSE}); return new; end $$`));
    await s.ctx.db.execute(sql`create trigger test_link_pause after insert on case_links for each row execute function test_link_pause()`);
    const holder = new pg.Client({ connectionString: s.ctx.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [PAUSE]);
      const linking = s.http().post(`/api/cases/${kase.body.id}/links`).set('Authorization', `Bearer ${regulator}`).send({ waybillNos: [p.waybillNo] }).then((r) => r);
      for (let i = 0; ; i++) {
        const waiting = await queryRows(s.ctx.db, sql`select 1 from pg_locks where locktype = 'advisory' and objid = ${PAUSE} and not granted`);
        if (waiting.length) break;
        assert.ok(i < 200, 'the link never reached its pause');
        await new Promise((r) => setTimeout(r, 25));
      }
      const report = await runPurge(s.ctx.db, s.ctx.vault, s.ctx.config.retention, new Date());
      await holder.query('select pg_advisory_unlock($1)', [PAUSE]);
      assert.equal((await linking).status, 200);
      assert.equal(await exists(p.id), true, 'the parcel being linked was left for a later run');
      assert.equal(report.classes.parcels.waiting >= 1, true);
      // And now that the link is in, the next purge sees it as open work.
      await runPurge(s.ctx.db, s.ctx.vault, s.ctx.config.retention, new Date());
      assert.equal(await exists(p.id), true);
    } finally {
      await holder.end();
      await s.ctx.db.execute(sql`drop trigger if exists test_link_pause on case_links`);
    }
  });
});

// Review: an organisation's handler keeps a person's archive row (server/intake/archive.ts, parcels.handler_sender_id).
// A held parcel they handed over is open work for that row as for a sender's: it is not anonymised while the hold waits.
describe('retention: an organisation handler’s archive row', () => {
  let s: TestServer;
  let clock = new Date();
  const ago = (days: number) => new Date(Date.now() - days * DAY);

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' }, {}, undefined, { clock: () => clock });
  });
  after(() => s?.close());

  it('is kept whole while a parcel they handed over is held, and goes once the hold is decided and the parcel aged out', async () => {
    const admin = await s.login('admin');
    const courier = await s.login('courier1');
    const uscc = aUscc();
    const reg = await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name: '广州留存测试贸易有限公司', uscc,
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
      address: '广东省广州市天河区留存路1号', phone: '13900150001',
    });
    assert.equal(reg.status, 201, reg.text);
    await s.http().post(`/api/organisations/${reg.body.id}/review`).set('Authorization', `Bearer ${admin}`).send({ decision: 'approve', reason: '资质审核' }).expect(200);
    const handler = aHandler();
    const body = anOrganisationParcel(uscc, handler, {
      recipient: { country: 'CN', name: '收件留存', phone: '13700150001', address: '北京市朝阳区留存街1号' },
      inspection: { matchesDeclaration: false, notes: '不符' },
    });
    clock = ago(1200);
    const res = await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
    clock = new Date();
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.verdict, 'held');

    const purge = async () => {
      const started = await s.http().post('/api/privacy/purge').set('Authorization', `Bearer ${admin}`).expect(202);
      await createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
      return (await s.http().get(`/api/privacy/purges/${started.body.jobId}`).set('Authorization', `Bearer ${admin}`).expect(200)).body;
    };
    const handlerRow = async () =>
      (await queryRows<{ id_blind: string; name: string; phone_blind: string | null }>(
        s.ctx.db,
        sql`select s.id_blind, s.name, s.phone_blind from senders s join parcels p on p.handler_sender_id = s.id where p.waybill_no = ${String(body.waybillNo)}`,
      ))[0];
    assert.equal((await purge()).state, 'done');
    const kept = await handlerRow();
    assert.equal(kept?.id_blind, s.ctx.vault.blind('id_number', handler.idNumber), 'the ID stays while the hold waits');
    assert.equal(kept?.name, handler.name);
    assert.ok(kept?.phone_blind);

    await s.http().post(`/api/parcels/${String(body.waybillNo)}/release`).set('Authorization', `Bearer ${admin}`).send({ note: '放行' }).expect(200);
    assert.equal((await purge()).state, 'done');
    // The parcel aged out with its hold decided, so nothing names the handler any more: their row goes.
    assert.equal(await handlerRow(), undefined);
    assert.equal((await queryRows(s.ctx.db, sql`select 1 from senders where id_blind = ${s.ctx.vault.blind('id_number', handler.idNumber)}`)).length, 0);
  });
});

describe('a person’s own data (POST /api/privacy/subject-export)', () => {
  let s: TestServer;
  let admin: string;
  const me = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19900202', '246'), name: '陈小明', phone: '13655556666', address: '广东省广州市天河区体育东路2号' };
  const sent = aParcel({ sender: me, recipient: { name: '王大力', phone: '13700009999', address: '北京市朝阳区建国路99号', country: 'CN' } });
  const toMe = aParcel({ sender: { ...me, idNumber: aResidentId('440106', '19700303', '357'), name: '林其他', phone: '13811112222', address: '广东省深圳市福田区福华路1号' },
    recipient: { name: '陈小明', phone: me.phone, address: me.address, country: 'CN' } });

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' });
    admin = await s.login('admin');
    const courier = await s.login('courier1');
    for (const b of [sent, toMe]) await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(b).expect(201);
  });
  after(() => s?.close());

  it('gives the person’s own data in full, others’ masked, as JSON or XLSX; audited without the number in plain', async () => {
    const res = await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: me.idType, idNumber: me.idNumber, phone: me.phone, reason: '本人书面申请 2026-11-20' }).buffer(true).expect(200);
    assert.match(res.headers['content-disposition'] ?? '', /attachment; filename="subject-export-/);
    const data = JSON.parse(res.text);
    assert.deepEqual([data.archive.name, data.archive.phone, data.subject.idNumber], ['陈小明', '+8613655556666', me.idNumber]);
    assert.deepEqual(data.parcelsSent.map((p: { waybillNo: string }) => p.waybillNo), [sent.waybillNo]);
    assert.deepEqual(data.parcelsSent[0].recipient.name, '王**');
    assert.ok(!res.text.includes('王大力') && !res.text.includes('13700009999') && !res.text.includes('建国路99号'), 'the recipient is masked');
    assert.deepEqual(data.parcelsReceived.map((p: { waybillNo: string }) => p.waybillNo), [toMe.waybillNo]);
    assert.equal(data.parcelsReceived[0].sender.name, '林**');
    assert.ok(!res.text.includes('13811112222') && !res.text.includes('林其他'));
    assert.equal(data.investigations.included, false);

    const xlsx = await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: me.idType, idNumber: me.idNumber, reason: '本人书面申请', format: 'xlsx' }).buffer(true)
      .parse((r, cb) => { const chunks: Buffer[] = []; r.on('data', (c: Buffer) => chunks.push(c)); r.on('end', () => cb(null, Buffer.concat(chunks))); }).expect(200);
    assert.equal((xlsx.body as Buffer).subarray(0, 2).toString(), 'PK');

    const rows = await queryRows<{ actor_username: string; details: Record<string, unknown> }>(s.ctx.db, sql`select actor_username, details from audit_log where action = 'privacy.subject_export' order by chain_seq`);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.details.reason, '本人书面申请 2026-11-20');
    assert.equal(rows[0]!.details.idBlind, s.ctx.vault.blind('id_number', me.idNumber));
    assert.equal(rows[0]!.details.phoneBlind, s.ctx.vault.blind('phone', '+8613655556666'));
    assert.ok(!JSON.stringify(rows).includes(me.idNumber) && !JSON.stringify(rows).includes(me.phone));
  });

  it('with a lent ID: only the phone the person showed is in full; the borrower’s phone and parcels addressed to it are not theirs', async () => {
    const courier = await s.login('courier1');
    const lender = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19850505', '579'), name: '周借出', phone: '13622223333', address: '广东省广州市海珠区江南大道1号' };
    // The same ID at the counter with someone else's phone and address: the latest parcel, so the archive now holds that phone.
    const borrower = { ...lender, phone: '13944445555', address: '广东省佛山市禅城区祖庙路8号' };
    const own = aParcel({ sender: lender, recipient: { name: '王收件', phone: '13700001111', address: '北京市东城区东单1号', country: 'CN' } });
    const lent = aParcel({ sender: borrower, recipient: { name: '李收件', phone: '13700002222', address: '北京市西城区西单2号', country: 'CN' } });
    const toBorrower = aParcel({ sender: { ...me, idNumber: aResidentId('440106', '19750707', '680'), name: '孙寄件', phone: '13833334444' },
      recipient: { name: '吴借用', phone: borrower.phone, address: borrower.address, country: 'CN' } });
    const toHousehold = aParcel({ sender: { ...me, idNumber: aResidentId('440106', '19760808', '791'), name: '钱寄件', phone: '13855556666' },
      recipient: { name: '周家人', phone: lender.phone, address: lender.address, country: 'CN' } });
    for (const b of [own, lent, toBorrower, toHousehold]) await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(b).expect(201);

    const res = await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: lender.idType, idNumber: lender.idNumber, phone: lender.phone, reason: '本人申请，短信验证码核实电话' }).buffer(true).expect(200);
    const data = JSON.parse(res.text);
    assert.equal(data.archive.phone, '+86 139****5555', 'the archive’s phone is the borrower’s: masked');
    const sentBy = new Map(data.parcelsSent.map((p: { waybillNo: string; sender: { phone: string } }) => [p.waybillNo, p.sender.phone]));
    assert.deepEqual([sentBy.get(own.waybillNo), sentBy.get(lent.waybillNo)], ['+8613622223333', '+86 139****5555']);
    assert.ok(!res.text.includes('13944445555') && !res.text.includes('吴借用'), 'nothing of the borrower’s in full');
    assert.deepEqual(data.parcelsReceived.map((p: { waybillNo: string }) => p.waybillNo), [toHousehold.waybillNo]);
    assert.deepEqual(data.parcelsReceived[0].recipient, { name: '周**', phone: '+8613622223333', address: lender.address, country: 'CN' });
    assert.equal(data.totals.parcelsReceived, 1);

    // Without a phone shown to be theirs: every phone masked, nothing found by phone.
    const bare = await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: lender.idType, idNumber: lender.idNumber, reason: '本人申请' }).buffer(true).expect(200);
    const b = JSON.parse(bare.text);
    assert.deepEqual([b.parcelsReceived, b.totals.parcelsReceived], [[], 0]);
    assert.ok(!bare.text.includes('13622223333') && !bare.text.includes('13944445555'));
    assert.equal(b.parcelsSent.length, 2);

    const bad = expectProblem(await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: lender.idType, idNumber: lender.idNumber, phone: '12345', reason: '本人申请' }), 422, 'PHONE_INVALID');
    assert.equal(bad.errors?.[0]?.path, 'phone');
  });

  it('admins only; a number that fails its check is 422 at idNumber; an unknown person gets an empty export', async () => {
    expectProblem(await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${await s.login('regulator1')}`).send({ idType: me.idType, idNumber: me.idNumber, reason: 'x' }), 403, 'ROLE_FORBIDDEN');
    const bad = expectProblem(await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`).send({ idType: 'CN_RESIDENT_ID', idNumber: '440106199002022461', reason: 'x' }), 422, 'ID_INVALID');
    assert.equal(bad.errors?.[0]?.path, 'idNumber');
    expectProblem(await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`).send({ idType: me.idType, idNumber: me.idNumber }), 400, 'REQUIRED');
    const none = await s.http().post('/api/privacy/subject-export').set('Authorization', `Bearer ${admin}`)
      .send({ idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19950505', '468'), reason: '本人申请' }).buffer(true).expect(200);
    const data = JSON.parse(none.text);
    assert.deepEqual([data.archive, data.parcelsSent, data.parcelsReceived], [null, [], []]);
  });
});
