// After a seizure (issue 17, "Right holders" and "Disposal"): each protected brand's right holder gets a notice,
// made with the seizure and then sent, answered or left overdue; the seized goods get one disposal record; both
// are listed and exported, shown on the parcel's record, kept to the jurisdiction, audited, and counted in the
// weekly and monthly reports.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { seizedBrandKeys, workingDayDeadline } from '../server/customs/ip.js';
import { queryRows } from '../server/db/database.js';
import { storeReports } from '../server/reports/archive.js';
import { aParcel, aWaybill, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';
import { metricsOf, readWeeklyXlsx } from './helpers/weekly-xlsx.js';

describe('right-holder notice deadlines and seized brands (unit)', () => {
  it('gives the holder until the end of the third working day after the Beijing day of notification, skipping the weekend', () => {
    // Friday 9 October 2026, 15:00 Beijing → Monday, Tuesday, Wednesday → Wednesday 24:00 Beijing.
    assert.equal(workingDayDeadline(new Date('2026-10-09T07:00:00Z')).toISOString(), '2026-10-14T16:00:00.000Z');
    // Late on Friday and on Saturday: the same three working days.
    assert.equal(workingDayDeadline(new Date('2026-10-09T15:30:00Z')).toISOString(), '2026-10-14T16:00:00.000Z');
    assert.equal(workingDayDeadline(new Date('2026-10-10T02:00:00Z')).toISOString(), '2026-10-14T16:00:00.000Z');
    // Sunday 20:00 UTC is Monday 04:00 in Beijing: Tuesday to Thursday.
    assert.equal(workingDayDeadline(new Date('2026-10-11T20:00:00Z')).toISOString(), '2026-10-15T16:00:00.000Z');
    // Midweek: Wednesday → Thursday, Friday, Monday.
    assert.equal(workingDayDeadline(new Date('2026-10-07T02:00:00Z')).toISOString(), '2026-10-12T16:00:00.000Z');
    assert.equal(workingDayDeadline(new Date('2026-10-07T02:00:00Z'), 1).toISOString(), '2026-10-08T16:00:00.000Z');
  });
});

describe('right-holder notices and disposals (API)', () => {
  let s: TestServer;
  const headers = new Map<string, { Authorization: string }>();
  const as = (user: string) => headers.get(user)!;
  const bytes = (req: ReturnType<ReturnType<TestServer['http']>['get']>) =>
    req.buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  const intake = async (declared: Record<string, unknown>) => {
    const res = await s.http().post('/api/parcels').set(as('courier1')).send(aParcel({ ...unlinkedParties(), declared }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.customsInspection.selected, true);
    return res.body.parcel.waybillNo as string;
  };
  const rolex = { description: '劳力士手表', category: 'watches', quantity: 1, valueCny: 800, brand: 'Rolex' };
  const tea = { description: '普洱茶饼', category: 'tea', quantity: 2, valueCny: 300, brand: undefined };
  const outcome = (wb: string, body: object, user = 'customs1') => s.http().post(`/api/parcels/${wb}/customs-outcome`).set(as(user)).send(body);
  const notify = (id: string, body: object, user = 'customs1') => s.http().post(`/api/customs/notices/${id}/notify`).set(as(user)).send(body);
  const answer = (id: string, body: object, user = 'customs1') => s.http().post(`/api/customs/notices/${id}/answer`).set(as(user)).send(body);
  const dispose = (wb: string, body: object, user = 'customs1') => s.http().post(`/api/parcels/${wb}/disposal`).set(as(user)).send(body);
  const audit = (action: string) => queryRows<{ actor_username: string; subject_id: string; details: Record<string, unknown> }>(
    s.ctx.db,
    sql`select actor_username, subject_id, details from audit_log where action = ${action} order by id`,
  );

  before(async function () {
    // A PGlite server with every migration, five logins: slow on a loaded machine.
    this.timeout(240_000);
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' });
    for (const user of ['courier1', 'customs1', 'regulator1', 'regulator2', 'admin']) headers.set(user, { Authorization: `Bearer ${await s.login(user)}` });
    const made = await s.http().post('/api/users').set(as('admin')).send({ username: 'customs33', password: 'zhejiang-customs', role: 'customs_officer', jurisdiction: '33' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    headers.set('customs33', { Authorization: `Bearer ${await s.login('customs33', 'zhejiang-customs')}` });
    await s.http().put('/api/routes/4401-US-postal/inspection-rate').set(as('customs1')).send({ rate: 1, reason: 'every parcel, for these tests' }).expect(200);
    await s.ctx.db.execute(sql`update protected_brands set contact = 'ip@rolex.example, +41 22 000 0000', recordation_no = 'T2019-12345' where brand_key = 'rolex'`);
  });
  after(() => s?.close());

  it('takes the brands inspection found by any alias (the registry the server loaded), else the declared ones; [] found is none', () => {
    assert.deepEqual(seizedBrandKeys(['劳力士', 'GUCCI bag', 'Rolex'], { brand: 'Nike', description: '运动鞋' }).sort(), ['gucci', 'rolex']);
    assert.deepEqual(seizedBrandKeys(undefined, { brand: null, description: '耐克运动鞋' }), ['nike']);
    assert.deepEqual(seizedBrandKeys([], { brand: 'Nike', description: '运动鞋' }), []);
    assert.deepEqual(seizedBrandKeys(undefined, { brand: null, description: '普洱茶饼' }), []);
  });

  let rolexNotice: { id: string; waybillNo: string };
  let gucciNotice: { id: string };
  let seizedWb: string;

  it('makes one notice per protected brand a seizure found, with the holder as on record then; none for unbranded goods', async () => {
    seizedWb = await intake(rolex);
    const seized = await outcome(seizedWb, { outcome: 'seized', note: '仿冒手表 1 只，另有手袋', brands: ['劳力士', 'GUCCI', 'Acme Watches'] });
    assert.equal(seized.status, 200, JSON.stringify(seized.body));
    const notices = seized.body.notices as Record<string, unknown>[];
    assert.deepEqual(notices.map((n) => n.brandKey), ['gucci', 'rolex']);
    assert.deepEqual(seized.body.unregisteredBrands, ['acme watches']);
    const r = notices.find((n) => n.brandKey === 'rolex')!;
    assert.deepEqual(
      [r.brandName, r.rightHolder, r.contact, r.recordationNo, r.status, r.waybillNo, r.notifiedAt, r.deadlineAt, r.answer],
      ['Rolex', 'Rolex SA', 'ip@rolex.example, +41 22 000 0000', 'T2019-12345', 'pending', seizedWb, null, null, null],
    );
    rolexNotice = r as { id: string; waybillNo: string };
    gucciNotice = notices.find((n) => n.brandKey === 'gucci') as { id: string };
    // The registry changes later; the notice keeps who was to be told at the seizure.
    await s.ctx.db.execute(sql`update protected_brands set right_holder = 'Someone Else SA' where brand_key = 'rolex'`);
    const again = await outcome(seizedWb, { outcome: 'seized', note: '仿冒手表 1 只，另有手袋', brands: ['劳力士', 'GUCCI', 'Acme Watches'] });
    assert.equal(again.status, 200, 'an identical retry answers the same');
    assert.deepEqual(again.body.unregisteredBrands, ['acme watches']);
    assert.deepEqual(again.body.notices.map((n: { id: string; rightHolder: string }) => [n.id, n.rightHolder]), [[gucciNotice.id, 'Guccio Gucci S.p.A.'], [rolexNotice.id, 'Rolex SA']]);
    await s.ctx.db.execute(sql`update protected_brands set right_holder = 'Rolex SA' where brand_key = 'rolex'`);

    // Without `brands`, the declaration's brands; with [] none; unbranded goods none; a cleared parcel none.
    const declared = await intake({ description: '耐克运动鞋', category: 'shoes', quantity: 2, valueCny: 300, brand: 'Nike' });
    assert.deepEqual((await outcome(declared, { outcome: 'seized', note: '假冒运动鞋' })).body.notices.map((n: { brandKey: string }) => n.brandKey), ['nike']);
    const noneFound = await intake({ description: '耐克运动鞋', category: 'shoes', quantity: 2, valueCny: 300, brand: 'Nike' });
    assert.deepEqual((await outcome(noneFound, { outcome: 'seized', note: '夹带违禁品，鞋为正品', brands: [] })).body.notices, []);
    const unbranded = await intake(tea);
    const teaSeized = await outcome(unbranded, { outcome: 'seized', note: '茶饼内夹带烟草' });
    assert.deepEqual([teaSeized.body.notices, teaSeized.body.unregisteredBrands], [[], []]);
    const cleared = await intake(rolex);
    assert.deepEqual((await outcome(cleared, { outcome: 'cleared', note: '正品' })).body.notices, []);
    const inDb = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from right_holder_notices where waybill_no in (${noneFound}, ${unbranded}, ${cleared})`);
    assert.equal(inDb[0]!.n, 0);

    await expectProblem(await outcome(await intake(rolex), { outcome: 'seized', note: 'x', brands: Array.from({ length: 21 }, (_, i) => `b${i}`) }), 400, 'BRANDS_TOO_MANY');
    const created = await audit('customs.notice.create');
    assert.deepEqual(created.filter((a) => a.details.waybillNo === seizedWb).map((a) => [a.actor_username, a.details.brandKey, a.details.source]), [
      ['customs1', 'gucci', 'inspection'],
      ['customs1', 'rolex', 'inspection'],
    ]);
  });

  it('records the notification once (default deadline three working days on), then the holder’s answer once', async () => {
    await expectProblem(await answer(rolexNotice.id, { answer: 'detention_requested', note: '申请扣留' }), 409, 'NOTICE_NOT_SENT');
    await expectProblem(await notify(rolexNotice.id, { method: 'pigeon' }), 400, 'METHOD_UNKNOWN');
    await expectProblem(await notify(rolexNotice.id, {}), 400, 'METHOD_REQUIRED');
    const future = expectProblem(await notify(rolexNotice.id, { method: 'phone', notifiedAt: new Date(Date.now() + 3_600_000).toISOString() }), 422, 'TIME_IN_FUTURE');
    assert.equal(future.errors![0]!.path, 'notifiedAt');
    assert.ok((future.errors![0] as { messageZh?: string }).messageZh);
    const early = expectProblem(await notify(rolexNotice.id, { method: 'phone', notifiedAt: '2020-01-01T00:00:00Z' }), 422, 'TIME_TOO_EARLY');
    assert.equal(early.errors![0]!.path, 'notifiedAt');
    const takenIn = (await s.http().get(`/api/parcels/${seizedWb}`).set(as('customs1')).expect(200)).body.parcel.createdAt;
    const notifiedAt = new Date(Date.parse(takenIn) + 1).toISOString();
    expectProblem(await notify(rolexNotice.id, { method: 'phone', notifiedAt, deadlineAt: notifiedAt }), 422, 'DEADLINE_INVALID');
    expectProblem(await notify(rolexNotice.id, { method: 'phone' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');

    const sent = await notify(rolexNotice.id, { method: 'phone', note: '电话告知权利人代理人李律师', notifiedAt });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.deepEqual([sent.body.status, sent.body.method, sent.body.notifiedBy, sent.body.notifiedAt, sent.body.note], ['notified', 'phone', 'customs1', notifiedAt, '电话告知权利人代理人李律师']);
    assert.equal(sent.body.deadlineAt, workingDayDeadline(new Date(notifiedAt)).toISOString());
    const twice = expectProblem(await notify(rolexNotice.id, { method: 'email' }), 409, 'NOTICE_ALREADY_SENT');
    assert.match((twice as { detailZh?: string }).detailZh ?? '', /不能重复通知/);

    expectProblem(await answer(rolexNotice.id, { answer: 'detention_requested' }), 400, 'NOTE_REQUIRED');
    expectProblem(await answer(rolexNotice.id, { answer: 'maybe', note: 'x' }), 400, 'ANSWER_UNKNOWN');
    const answered = await answer(rolexNotice.id, { answer: 'detention_requested', note: '权利人申请扣留并提供担保' });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.deepEqual([answered.body.status, answered.body.answer, answered.body.answeredBy, answered.body.answeredLate], ['answered', 'detention_requested', 'customs1', false]);
    expectProblem(await answer(rolexNotice.id, { answer: 'no_action', note: 'changed' }), 409, 'NOTICE_ALREADY_ANSWERED');
    expectProblem(await notify('00000000-0000-4000-8000-000000000000', { method: 'phone' }), 404, 'NOTICE_NOT_FOUND');
    expectProblem(await notify('not-a-uuid', { method: 'phone' }), 400);

    assert.deepEqual((await audit('customs.notice.notify')).map((a) => [a.actor_username, a.subject_id, a.details.method]), [['customs1', rolexNotice.id, 'phone']]);
    assert.deepEqual((await audit('customs.notice.answer')).map((a) => [a.actor_username, a.subject_id, a.details.answer]), [['customs1', rolexNotice.id, 'detention_requested']]);
  });

  it('lists notices by status — pending, notified, overdue, answered — for customs and regulators of the jurisdiction', async () => {
    // The Gucci notice goes out "ten days ago" (the parcel moved back with it): its deadline has passed unanswered.
    await s.ctx.db.execute(sql`update parcels set created_at = now() - interval '12 days' where waybill_no = ${seizedWb}`);
    const late = await notify(gucciNotice.id, { method: 'letter', notifiedAt: new Date(Date.now() - 10 * 86_400_000).toISOString() });
    assert.equal(late.body.status, 'overdue');
    const list = async (status: string, user = 'customs1') => {
      const res = await s.http().get(`/api/customs/notices?status=${status}`).set(as(user));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.notices as { brandKey: string; status: string; waybillNo: string }[]).map((n) => `${n.brandKey}:${n.status}`);
    };
    assert.deepEqual(await list('pending'), ['nike:pending']);
    assert.deepEqual(await list('overdue'), ['gucci:overdue']);
    assert.deepEqual(await list('answered'), ['rolex:answered']);
    assert.deepEqual(await list('notified'), []);
    assert.deepEqual((await list('all', 'regulator1')).sort(), ['gucci:overdue', 'nike:pending', 'rolex:answered']);
    const page = (await s.http().get('/api/customs/notices?limit=2').set(as('customs1')).expect(200)).body;
    assert.equal(page.notices.length, 2);
    const rest = (await s.http().get(`/api/customs/notices?limit=2&cursor=${page.nextCursor}`).set(as('customs1')).expect(200)).body;
    assert.deepEqual([rest.notices.length, rest.nextCursor], [1, null]);
    expectProblem(await s.http().get('/api/customs/notices?status=lost').set(as('customs1')), 400);
    expectProblem(await s.http().get('/api/customs/notices').set(as('courier1')), 403, 'ROLE_FORBIDDEN');
  });

  it('exports notices as CSV and XLSX that read back, audited', async () => {
    const csv = await s.http().get('/api/customs/notices?status=all&format=csv').set(as('customs1')).expect(200);
    assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(csv.headers['content-disposition']), /parcelguard-notices-all-44\.csv/);
    assert.ok(csv.text.startsWith('\uFEFF'));
    const rows: string[][] = parse(csv.text.slice(1), { relax_column_count: true });
    const header = rows.findIndex((r) => r[0] === '运单 Waybill');
    assert.ok(header > 0);
    const body = rows.slice(header + 1);
    assert.equal(body.length, 3);
    const rolexRow = body.find((r) => r[2] === 'rolex')!;
    assert.deepEqual([rolexRow[0], rolexRow[3], rolexRow[5], rolexRow[6], rolexRow[11]], [seizedWb, 'Rolex SA', 'T2019-12345', '已答复 answered', '申请扣留 detention_requested']);
    assert.equal(rolexRow[4], 'ip@rolex.example, +41 22 000 0000');
    for (const cell of rows.flat()) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, cell);

    const xlsx = await bytes(s.http().get('/api/customs/notices?status=overdue&format=xlsx').set(as('regulator1'))).expect(200);
    assert.match(String(xlsx.headers['content-type']), /spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    let found = 0;
    ws.eachRow((row) => {
      if (row.getCell(3).value === 'gucci') {
        found++;
        assert.equal(row.getCell(1).value, seizedWb);
        assert.equal(row.getCell(7).value, '逾期未答复 overdue');
        assert.equal(row.getCell(8).value, '信函 letter');
      }
    });
    assert.equal(found, 1);
    assert.deepEqual((await audit('customs.notices.export')).map((a) => [a.actor_username, a.details.format, a.details.status, a.details.rows]), [
      ['customs1', 'csv', 'all', 3],
      ['regulator1', 'xlsx', 'overdue', 1],
    ]);
  });

  it('records a seized parcel’s disposal once; destruction needs its certificate; only seized parcels', async () => {
    const destroyedNoCert = expectProblem(await dispose(seizedWb, { kind: 'destroyed', party: '广州市某环保科技有限公司' }), 400, 'CERTIFICATE_REQUIRED');
    assert.equal(destroyedNoCert.errors![0]!.path, 'certificateNo');
    assert.ok((destroyedNoCert.errors![0] as { messageZh?: string }).messageZh);
    expectProblem(await dispose(seizedWb, { kind: 'burned', party: 'x' }), 400, 'KIND_UNKNOWN');
    expectProblem(await dispose(seizedWb, { kind: 'returned', party: '  ' }), 400, 'PARTY_REQUIRED');
    expectProblem(await dispose(seizedWb, { kind: 'returned', party: 'x', disposedAt: new Date(Date.now() + 3_600_000).toISOString() }), 422, 'TIME_IN_FUTURE');
    const early = expectProblem(await dispose(seizedWb, { kind: 'returned', party: 'x', disposedAt: '2020-01-01T00:00:00Z' }), 422, 'TIME_TOO_EARLY');
    assert.match((early as { detailZh?: string }).detailZh ?? '', /早于扣留时间/);
    expectProblem(await dispose(seizedWb, { kind: 'returned', party: 'x' }, 'regulator1'), 403, 'ROLE_FORBIDDEN');

    const made = await dispose(seizedWb, { kind: 'destroyed', party: '广州市某环保科技有限公司', certificateNo: 'GZ-XH-2026-0087', note: '高温焚烧' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual([made.body.kind, made.body.party, made.body.certificateNo, made.body.recordedBy, made.body.waybillNo], ['destroyed', '广州市某环保科技有限公司', 'GZ-XH-2026-0087', 'customs1', seizedWb]);
    const twice = expectProblem(await dispose(seizedWb, { kind: 'returned', party: 'x' }), 409, 'DISPOSAL_ALREADY_RECORDED');
    assert.ok((twice as { detailZh?: string }).detailZh);

    const cleared = await intake(tea);
    await outcome(cleared, { outcome: 'cleared' }).expect(200);
    expectProblem(await dispose(cleared, { kind: 'returned', party: 'x' }), 409, 'NOT_SEIZED');
    expectProblem(await dispose(await intake(tea), { kind: 'returned', party: 'x' }), 409, 'NOT_SEIZED');
    expectProblem(await dispose(aWaybill(), { kind: 'returned', party: 'x' }), 404, 'PARCEL_NOT_FOUND');
    assert.deepEqual((await audit('customs.disposal')).map((a) => [a.actor_username, a.subject_id, a.details.kind, a.details.certificateNo]), [['customs1', seizedWb, 'destroyed', 'GZ-XH-2026-0087']]);
  });

  it('lists disposals and the seizures still waiting for one, and exports disposals', async () => {
    const pending = (await s.http().get('/api/customs/seizures/pending-disposal').set(as('regulator1')).expect(200)).body.seizures as { waybillNo: string; notices: { brandKey: string; status: string }[] }[];
    assert.equal(pending.length, 3, 'the Nike, the empty-handed and the tea seizures');
    assert.ok(!pending.some((p) => p.waybillNo === seizedWb));
    assert.deepEqual(pending.flatMap((p) => p.notices.map((n) => `${n.brandKey}:${n.status}`)), ['nike:pending']);

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const list = (await s.http().get(`/api/customs/disposals?from=${today}&to=${today}&kind=destroyed`).set(as('customs1')).expect(200)).body.disposals;
    assert.deepEqual(list.map((d: { waybillNo: string }) => d.waybillNo), [seizedWb]);
    assert.deepEqual((await s.http().get('/api/customs/disposals?kind=returned').set(as('customs1')).expect(200)).body.disposals, []);
    assert.deepEqual((await s.http().get('/api/customs/disposals?from=2026-01-01&to=2026-01-31').set(as('customs1')).expect(200)).body.disposals, []);
    expectProblem(await s.http().get('/api/customs/disposals?from=2026-02-30').set(as('customs1')), 422, 'PERIOD_INVALID');
    expectProblem(await s.http().get('/api/customs/disposals?from=2026-03-02&to=2026-03-01').set(as('customs1')), 422, 'PERIOD_INVALID');

    const csv = await s.http().get('/api/customs/disposals?format=csv').set(as('customs1')).expect(200);
    const rows: string[][] = parse(csv.text.slice(1), { relax_column_count: true });
    assert.ok(rows.some((r) => r[0] === seizedWb && r[1] === '无害化销毁 destroyed' && r[3] === 'GZ-XH-2026-0087'));
    const xlsx = await bytes(s.http().get('/api/customs/disposals?format=xlsx').set(as('admin'))).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const cells: unknown[] = [];
    wb.worksheets[0]!.eachRow((r) => cells.push(r.getCell(1).value, r.getCell(4).value));
    assert.ok(cells.includes(seizedWb) && cells.includes('GZ-XH-2026-0087'));
    assert.deepEqual((await audit('customs.disposals.export')).map((a) => [a.actor_username, a.details.format]), [['customs1', 'csv'], ['admin', 'xlsx']]);
  });

  it('shows the customs part on the parcel’s record to customs and regulators, not to the courier', async () => {
    const customs = (await s.http().get(`/api/parcels/${seizedWb}`).set(as('customs1')).expect(200)).body.parcel.customs;
    assert.equal(customs.selected, true);
    assert.ok(customs.grounds.includes('RANDOM'));
    assert.equal(customs.outcome, 'seized');
    assert.deepEqual(customs.notices.map((n: { brandKey: string; status: string }) => `${n.brandKey}:${n.status}`), ['gucci:overdue', 'rolex:answered']);
    assert.deepEqual([customs.disposal.kind, customs.disposal.certificateNo], ['destroyed', 'GZ-XH-2026-0087']);
    assert.equal((await s.http().get(`/api/parcels/${seizedWb}`).set(as('regulator1')).expect(200)).body.parcel.customs.disposal.kind, 'destroyed');
    assert.equal((await s.http().get(`/api/parcels/${seizedWb}`).set(as('courier1')).expect(200)).body.parcel.customs, undefined);
  });

  it('keeps another jurisdiction out: lists are empty, notices and parcels are not found', async () => {
    for (const user of ['customs33', 'regulator2']) {
      assert.deepEqual((await s.http().get('/api/customs/notices').set(as(user)).expect(200)).body.notices, []);
      assert.deepEqual((await s.http().get('/api/customs/disposals').set(as(user)).expect(200)).body.disposals, []);
      assert.deepEqual((await s.http().get('/api/customs/seizures/pending-disposal').set(as(user)).expect(200)).body.seizures, []);
      expectProblem(await s.http().get(`/api/customs/notices/${gucciNotice.id}`).set(as(user)), 404, 'NOTICE_NOT_FOUND');
    }
    expectProblem(await answer(gucciNotice.id, { answer: 'no_action', note: 'x' }, 'customs33'), 404, 'NOTICE_NOT_FOUND');
    expectProblem(await notify(gucciNotice.id, { method: 'phone' }, 'customs33'), 404, 'NOTICE_NOT_FOUND');
    const pending = (await s.http().get('/api/customs/seizures/pending-disposal').set(as('customs1')).expect(200)).body.seizures[0].waybillNo;
    expectProblem(await dispose(pending, { kind: 'returned', party: 'x' }, 'customs33'), 404, 'PARCEL_NOT_FOUND');
    expectProblem(await outcome(await intake(rolex), { outcome: 'seized', note: 'x' }, 'customs33'), 404, 'PARCEL_NOT_FOUND');
    // The admin answers anywhere.
    assert.equal((await answer(gucciNotice.id, { answer: 'no_action', note: '权利人未在期限内回复，后补答复' }, 'admin')).body.answeredLate, true);
  });

  it('takes one of two simultaneous notifications, answers and disposals, and refuses the other', async () => {
    const wb = await intake(rolex);
    const [notice] = (await outcome(wb, { outcome: 'seized', note: '仿冒手表', brands: ['Rolex'] }).expect(200)).body.notices;
    const statuses = async (reqs: Promise<{ status: number; body: { code?: string } }>[]) => (await Promise.all(reqs)).map((r) => `${r.status}${r.body.code ? ` ${r.body.code}` : ''}`).sort();
    assert.deepEqual(await statuses([notify(notice.id, { method: 'phone' }), notify(notice.id, { method: 'email' })]), ['200', '409 NOTICE_ALREADY_SENT']);
    assert.deepEqual(await statuses([answer(notice.id, { answer: 'no_action', note: 'a' }), answer(notice.id, { answer: 'no_action', note: 'b' })]), ['200', '409 NOTICE_ALREADY_ANSWERED']);
    assert.deepEqual(
      await statuses([dispose(wb, { kind: 'returned', party: '寄件人' }), dispose(wb, { kind: 'handed_to_police', party: '天河分局' })]),
      ['201', '409 DISPOSAL_ALREADY_RECORDED'],
    );
  });

  describe('in the weekly and monthly reports', () => {
    // ISO week 2026-W41 runs from Monday 5 October 00:00 to Monday 12 October 00:00, Beijing time.
    const wbs: Record<string, string> = {};
    before(async function () {
      this.timeout(180_000);
      wbs.A = await intake({ ...rolex, description: '劳力士手表与古驰手袋' });
      wbs.B = await intake({ description: '耐克运动鞋', category: 'shoes', quantity: 2, valueCny: 300, brand: 'Nike' });
      wbs.C = await intake(tea);
      for (const k of ['A', 'B', 'C']) await outcome(wbs[k]!, { outcome: 'seized', note: '查获' }).expect(200);
      const back = async (wb: string, createdAt: string, seizedAt: string) => {
        await s.ctx.db.execute(sql`update parcels set created_at = ${createdAt}::timestamptz where waybill_no = ${wb}`);
        await s.ctx.db.execute(sql`update customs_inspections set created_at = ${createdAt}::timestamptz, decided_at = ${seizedAt}::timestamptz where waybill_no = ${wb}`);
        await s.ctx.db.execute(sql`update right_holder_notices set created_at = ${seizedAt}::timestamptz where waybill_no = ${wb}`);
      };
      await back(wbs.A!, '2026-10-05T01:00:00Z', '2026-10-05T02:00:00Z');
      await back(wbs.B!, '2026-10-06T01:00:00Z', '2026-10-06T02:00:00Z');
      await back(wbs.C!, '2026-10-06T01:00:00Z', '2026-10-06T02:00:00Z');
      const [aRolex, aGucci] = ['rolex', 'gucci'].map((b) => s.http().get(`/api/customs/notices?waybillNo=${wbs.A}&brandKey=${b}`).set(as('customs1')));
      const rolexId = (await aRolex!).body.notices[0].id;
      const gucciId = (await aGucci!).body.notices[0].id;
      // Rolex: told on Tuesday, answered on Thursday. Gucci: told on Monday, deadline Thursday 24:00, never answered.
      await notify(rolexId, { method: 'email', notifiedAt: '2026-10-06T02:00:00Z' }).expect(200);
      await answer(rolexId, { answer: 'detention_requested', note: '申请扣留', answeredAt: '2026-10-08T02:00:00Z' }).expect(200);
      assert.equal((await notify(gucciId, { method: 'letter', notifiedAt: '2026-10-05T03:00:00Z' }).expect(200)).body.deadlineAt, '2026-10-08T16:00:00.000Z');
      await dispose(wbs.A!, { kind: 'destroyed', party: '某环保公司', certificateNo: 'C-1', disposedAt: '2026-10-07T02:00:00Z' }).expect(201);
      await dispose(wbs.C!, { kind: 'returned', party: '寄件人', disposedAt: '2026-10-09T02:00:00Z' }).expect(201);
      // B's goods go to the police the Monday after: pending at the end of the week, in the month's count.
      await dispose(wbs.B!, { kind: 'handed_to_police', party: '广州市公安局天河分局', disposedAt: '2026-10-12T02:00:00Z' }).expect(201);
    });

    const W41 = { disposals: { destroyed: 1, handedToPolice: 0, returned: 1, pending: 1 }, notices: { sent: 2, answered: 1, overdue: 1 } };

    it('the weekly report counts the week’s disposals by kind and the notices sent, answered and overdue, in JSON, XLSX and CSV', async () => {
      const r = (await s.http().get('/api/reports/weekly?week=2026-W41').set(as('customs1')).expect(200)).body;
      assert.deepEqual({ disposals: r.disposals, notices: r.notices }, W41);
      const zj = (await s.http().get('/api/reports/weekly?week=2026-W41').set(as('regulator2')).expect(200)).body;
      assert.deepEqual({ disposals: zj.disposals, notices: zj.notices }, { disposals: { destroyed: 0, handedToPolice: 0, returned: 0, pending: 0 }, notices: { sent: 0, answered: 0, overdue: 0 } });
      const xlsx = await bytes(s.http().get('/api/reports/weekly?week=2026-W41&format=xlsx').set(as('regulator1'))).expect(200);
      const { metrics } = await readWeeklyXlsx(xlsx.body);
      assert.deepEqual(
        ['DISPOSED_DESTROYED', 'DISPOSED_TO_POLICE', 'DISPOSED_RETURNED', 'DISPOSALS_PENDING', 'NOTICES_SENT', 'NOTICES_ANSWERED', 'NOTICES_OVERDUE'].map((c) => metrics.get(c)),
        [1, 0, 1, 1, 2, 1, 1],
      );
      const csv = await s.http().get('/api/reports/weekly?week=2026-W41&format=csv').set(as('regulator1')).expect(200);
      const rows: string[][] = parse(csv.text.slice(1), { relax_column_count: true });
      assert.ok(rows.some((row) => row[0] === 'NOTICES_OVERDUE' && row[3] === '1'));
      assert.ok(rows.some((row) => row[0] === 'DISPOSED_DESTROYED' && row[3] === '1'));
    });

    it('the monthly summary counts them per province and in total, in JSON and XLSX', async () => {
      const m = (await s.http().get('/api/reports/monthly?month=2026-10').set(as('admin')).expect(200)).body;
      const month = { disposals: { destroyed: 1, handedToPolice: 1, returned: 1, pending: 0 }, notices: { sent: 2, answered: 1, overdue: 1 } };
      assert.deepEqual({ disposals: m.total.disposals, notices: m.total.notices }, month);
      const gd = m.provinces.find((p: { jurisdiction: string }) => p.jurisdiction === '44');
      assert.deepEqual({ disposals: gd.disposals, notices: gd.notices }, month);
      const xlsx = await bytes(s.http().get('/api/reports/monthly?month=2026-10&format=xlsx').set(as('admin'))).expect(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
      const summary = wb.worksheets[0]!;
      let headerRow = 0;
      summary.eachRow((row, n) => {
        if (String(row.getCell(1).value).endsWith(' JURISDICTION')) headerRow = n;
      });
      const header = summary.getRow(headerRow).values as unknown[];
      const col = (code: string) => header.findIndex((h) => typeof h === 'string' && h.endsWith(` ${code}`));
      const total = summary.getRow(summary.rowCount);
      assert.equal(total.getCell(1).value, '合计 Total');
      assert.deepEqual(['DISPOSED_DESTROYED', 'DISPOSED_TO_POLICE', 'NOTICES_SENT', 'NOTICES_OVERDUE'].map((c) => total.getCell(col(c)).value), [1, 1, 2, 1]);
    });

    it('the stored Friday report carries them as they stood at 17:00', async function () {
      this.timeout(60_000);
      // Friday 9 October 17:00 Beijing: the Gucci deadline (Thursday 24:00) has passed; C was returned at 10:00.
      await storeReports(s.ctx.db, 'weekly', new Date('2026-10-09T09:00:00.000Z'));
      const [stored] = await queryRows<{ content: Buffer }>(s.ctx.db, sql`select content from report_archive where kind = 'weekly' and period = '2026-W41' and scope = '44-cross-border' and format = 'json'`);
      const report = JSON.parse(Buffer.from(stored!.content).toString());
      assert.deepEqual({ disposals: report.disposals, notices: report.notices }, W41);
      const [xlsx] = await queryRows<{ content: Buffer }>(s.ctx.db, sql`select content from report_archive where kind = 'weekly' and period = '2026-W41' and scope = 'national' and format = 'xlsx'`);
      const { workbook } = await readWeeklyXlsx(Buffer.from(xlsx!.content));
      assert.equal(metricsOf(workbook.worksheets[0]!).get('NOTICES_SENT'), 2);
    });
  });
});
