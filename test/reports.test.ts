// The weekly report and the overview figures, through the API: a known week of intakes, holds, refusals, a
// confirmed ring, a rate change and a seizure is counted exactly, in JSON, XLSX (read back) and CSV (formulas
// neutralised); periods are China-time weeks and days; each officer sees their own jurisdiction only.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { authenticateToken } from '../server/accounts/sessions.js';
import { loadAlertParcels } from '../server/alerts/parcels.js';
import { queryRows } from '../server/db/database.js';
import { HOLDING_CODES, REJECTING_CODES } from '../server/intake/verdict.js';
import { storeReports } from '../server/reports/archive.js';
import { neutraliseFormula } from '../server/reports/export.js';
import { REASON_LABELS } from '../server/reports/labels.js';
import { chinaDay, isoWeekOf, parseIsoWeek, weeksInIsoYear } from '../server/reports/period.js';
import { anIdentity, aParcel, ringParcel } from './helpers/factories.js';
import { metricsOf, readWeeklyXlsx } from './helpers/weekly-xlsx.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('report periods (China time)', () => {
  it('ISO weeks start on Monday 00:00 Beijing time and the year has 52 or 53 of them', () => {
    const w1 = parseIsoWeek('2026-W01')!;
    assert.deepEqual([w1.days[0], w1.days[6]], ['2025-12-29', '2026-01-04']);
    assert.equal(w1.from.toISOString(), '2025-12-28T16:00:00.000Z');
    assert.equal(w1.to.toISOString(), '2026-01-04T16:00:00.000Z');
    assert.equal(weeksInIsoYear(2020), 53);
    assert.equal(weeksInIsoYear(2026), 53);
    assert.equal(weeksInIsoYear(2025), 52);
    assert.equal(parseIsoWeek('2025-W53'), null);
    assert.ok(parseIsoWeek('2026-W53'));
    for (const bad of ['2026-W00', '2026-W54', '2026-47', '26-W47', '2026-w47']) assert.equal(parseIsoWeek(bad), null, bad);
  });

  it('an instant belongs to the week and day of Beijing, not of UTC', () => {
    // Sunday 23:59 and Monday 00:00 in Beijing are 15:59 and 16:00 UTC on Sunday.
    assert.equal(isoWeekOf(new Date('2026-11-22T15:59:00Z')), '2026-W47');
    assert.equal(isoWeekOf(new Date('2026-11-22T16:00:00Z')), '2026-W48');
    assert.equal(chinaDay(new Date('2026-11-22T16:00:00Z')), '2026-11-23');
    assert.equal(isoWeekOf(new Date('2021-01-03T12:00:00Z')), '2020-W53');
    for (const w of ['2020-W53', '2024-W01', '2026-W47']) assert.equal(isoWeekOf(parseIsoWeek(w)!.from), w);
  });

  it('every code that refuses or holds a parcel has a Chinese and an English name for the reports', () => {
    for (const code of [...REJECTING_CODES, ...HOLDING_CODES]) assert.ok(REASON_LABELS[code]?.zh && REASON_LABELS[code]?.en, code);
  });

  it('text a spreadsheet would run as a formula is neutralised; numbers and plain text are not', () => {
    const cases: [string | number | null, string | number | null][] = [
      ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`], ['+1+1', "'+1+1"], ['-2+3', "'-2+3"], ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"], ['\rx', "'\rx"], ['假冒手袋 =3', '假冒手袋 =3'], [-5, -5], [12.5, 12.5], [null, null],
    ];
    for (const [input, out] of cases) assert.equal(neutraliseFormula(input), out, String(input));
  });
});

describe('weekly report and overview (API)', () => {
  let s: TestServer;
  let week: string;
  let ringAlertId: string;
  const NOTE = '=HYPERLINK("http://evil.example","点我")';
  const headers = new Map<string, { Authorization: string }>();
  const as = (user: string) => headers.get(user)!;
  const intake = async (body: object, user = 'courier1') => s.http().post('/api/parcels').set(as(user)).send(body).expect(201);

  before(async function () {
    this.timeout(30_000);
    // Base rate 0: only the raised route and the targeted grounds select, so the customs counts are exact.
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    for (const user of ['courier1', 'courier2', 'regulator1', 'regulator2', 'customs1']) headers.set(user, { Authorization: `Bearer ${await s.login(user)}` });
    // Two accepted, two refused (inspection refused; prohibited on screening), one held on a suspect list.
    // Unrelated senders and consignees, so that these form no ring of their own.
    let n = 0;
    const quiet = (overrides: Record<string, unknown> = {}) =>
      aParcel({ sender: { ...anIdentity(), phone: `1370000000${++n}`, address: `广东省广州市天河区林和西路${n}号` }, recipient: { name: `John Doe${'abcdefg'[n]}`, phone: `+1 415 555 010${n}`, address: `${n} Main St, Boston` }, declared: { description: '茶叶', category: 'tea', brand: undefined, valueCny: 200 }, ...overrides });
    await intake(quiet());
    await intake(quiet({ recipient: { name: 'Taro Yamada', country: 'JP', phone: '+81 3 1234 5678', address: '1-1 Chiyoda, Tokyo' } }));
    await intake(quiet({ inspection: { performed: false, refused: true, matchesDeclaration: undefined } }));
    await intake(quiet({ screening: { result: 'prohibited' } }));
    await s.http().post('/api/watchlist/entries').set(as('regulator1')).send({ entries: [{ type: 'phone', value: '13666666666', note: 'test' }] }).expect(201);
    const held = await intake(quiet({ sender: { ...anIdentity(), phone: '13666666666' } }));
    assert.equal(held.body.verdict, 'held');
    // customs raises 4401-RU-postal to 1; a ring of three to Russia forms, is selected, one is seized.
    await s.http().put('/api/routes/4401-RU-postal/inspection-rate').set(as('customs1')).send({ rate: 1, reason: '+ring to Moscow' }).expect(200);
    const ring = [];
    for (let i = 0; i < 3; i++) ring.push((await intake(ringParcel('13912340077'))).body);
    ringAlertId = ring[2].alerts[0].id;
    assert.ok(ring.every((r) => r.customsInspection.selected));
    await s.http().post(`/api/parcels/${ring[0].parcel.waybillNo}/customs-outcome`).set(as('customs1')).send({ outcome: 'seized', note: '仿冒手袋 3 只' }).expect(200);
    await s.http().post(`/api/alerts/${ringAlertId}/resolve`).set(as('regulator1')).send({ resolution: 'confirmed', note: NOTE }).expect(200);
    // Outside Guangdong: one intake in Zhejiang that no Guangdong report may count.
    await intake(aParcel(), 'courier2');
    week = isoWeekOf(new Date(ring[0].parcel.createdAt));
  });
  after(() => s?.close());

  const weekly = (user: string, query = '') => s.http().get(`/api/reports/weekly?week=${week}${query}`).set(as(user));

  it('counts the week of a Guangdong regulator exactly', async () => {
    const r = (await weekly('regulator1').expect(200)).body;
    assert.equal(r.week, week);
    assert.deepEqual(r.intakes, { total: 8, accepted: 4, held: 2, rejected: 2, crossBorder: 8 });
    assert.deepEqual(r.refusalsByReason, [{ code: 'INSPECTION_REFUSED', count: 1 }, { code: 'SCREENING_PROHIBITED', count: 1 }]);
    // The ring's first two parcels were accepted before it showed; its third was held.
    assert.deepEqual(r.holdsByReason, [{ code: 'ANT_MOVING_SUSPECTED', count: 1 }, { code: 'WATCHLIST_HIT', count: 1 }]);
    assert.equal(r.suspectListHits, 1);
    assert.deepEqual(r.alerts, { opened: 2, confirmed: 1, falsePositive: 0, openNow: 1 });
    // The three of the raised route, and the parcel held on the suspect list (selected on that ground, issue 17).
    assert.deepEqual(r.customs, { selected: 4, inspected: 1, seized: 1, returned: 0, rateChanges: 1 });
    // The seized ring parcel (gifts, no brand): no notice to anyone, its goods still waiting for a disposal.
    assert.deepEqual([r.disposals, r.notices], [{ destroyed: 0, handedToPolice: 0, returned: 0, pending: 1 }, { sent: 0, answered: 0, overdue: 0 }]);
    assert.equal(r.confirmedCases.length, 1);
    assert.equal(r.confirmedCases[0].alertId, ringAlertId);
    assert.equal(r.confirmedCases[0].parcelCount, 3);
    assert.equal(r.confirmedCases[0].note, NOTE);
    assert.equal(r.rateChanges[0].routeKey, '4401-RU-postal');
    assert.equal(r.days.length, 7);
    assert.equal(r.days.reduce((n: number, d: { intakes: number }) => n + d.intakes, 0), 8);
  });

  it('a customs officer counts the cross-border part, and Zhejiang sees nothing of Guangdong', async () => {
    const customs = (await weekly('customs1').expect(200)).body;
    assert.equal(customs.crossBorderOnly, true);
    assert.equal(customs.intakes.total, 8);
    const zj = (await weekly('regulator2').expect(200)).body;
    assert.equal(zj.intakes.total, 1);
    assert.deepEqual(zj.alerts, { opened: 0, confirmed: 0, falsePositive: 0, openNow: 0 });
    assert.equal(zj.customs.rateChanges, 0);
    expectProblem(await weekly('regulator2', '&jurisdiction=44'), 403, 'OUTSIDE_JURISDICTION');
    const city = (await weekly('regulator1', '&jurisdiction=4403').expect(200)).body;
    assert.equal(city.intakes.total, 0);
  });

  it('the XLSX opens with the same numbers, codes beside them, and the note neutralised', async () => {
    const res = await weekly('regulator1', '&format=xlsx').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    assert.match(String(res.headers['content-type']), /spreadsheetml/);
    assert.match(String(res.headers['content-disposition']), new RegExp(`attachment; filename="?parcelguard-weekly-${week}-44\\.xlsx`));
    const { workbook: wb, metrics, sheet } = await readWeeklyXlsx(res.body);
    assert.equal(metrics.get('INTAKES'), 8);
    assert.equal(metrics.get('REFUSED'), 2);
    assert.equal(metrics.get('HELD'), 2);
    assert.equal(metrics.get('SUSPECT_LIST_HITS'), 1);
    assert.equal(metrics.get('ALERTS_CONFIRMED'), 1);
    assert.equal(metrics.get('SEIZURES'), 1);
    assert.equal(metrics.get('RATE_CHANGES'), 1);
    const cases = sheet('本周确认案件');
    const row = cases.getRow(2);
    assert.equal(row.getCell(1).value, ringAlertId);
    assert.equal(row.getCell(12).value, `'${NOTE}`);
    const rates = sheet('查验比例调整');
    assert.equal(rates.getRow(2).getCell(5).value, "'+ring to Moscow");
    // No cell anywhere is a formula.
    for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => assert.notEqual(c.type, ExcelJS.ValueType.Formula)));
  });

  it('the CSV has the same tables, a BOM for Excel, and no cell that starts a formula', async () => {
    const res = await weekly('regulator1', '&format=csv').expect(200);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.ok(res.text.startsWith('\uFEFF'));
    const rows: string[][] = parse(res.text.slice(1), { relax_column_count: true });
    assert.ok(rows.some((r) => r[0] === 'INTAKES' && r[3] === '8'));
    assert.ok(rows.some((r) => r[0] === 'SEIZURES' && r[3] === '1'));
    assert.ok(rows.some((r) => r[1] === 'INSPECTION_REFUSED' && r[4] === '1'));
    assert.ok(rows.some((r) => r[0] === ringAlertId && r[11] === `'${NOTE}`));
    for (const cell of rows.flat()) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, cell);
  });

  it('exports are audited; bad weeks and roles get clear problems', async () => {
    const audit = await s.ctx.db.execute(`select actor_username, subject_id, details from audit_log where action = 'report.weekly.export' order by id`);
    const rows = (audit as unknown as { rows: { actor_username: string; subject_id: string; details: { format: string } }[] }).rows;
    assert.ok(rows.some((r) => r.actor_username === 'regulator1' && r.subject_id === `${week}/44` && r.details.format === 'xlsx'));
    const problem = expectProblem(await s.http().get('/api/reports/weekly?week=2026-47').set(as('regulator1')), 400, 'WEEK_INVALID');
    assert.equal(problem.errors![0]!.path, 'query.week');
    expectProblem(await s.http().get('/api/reports/weekly?week=2025-W53').set(as('regulator1')), 422, 'WEEK_INVALID');
    expectProblem(await s.http().get('/api/reports/weekly?week=2099-W01').set(as('regulator1')), 422, 'WEEK_IN_FUTURE');
    expectProblem(await s.http().get('/api/reports/weekly?format=pdf').set(as('regulator1')), 400);
    expectProblem(await s.http().get('/api/reports/weekly').set(as('courier1')), 403, 'ROLE_FORBIDDEN');
    expectProblem(await s.http().get('/api/reports/weekly'), 401);
  });

  it('the overview gives every day of the period and the breakdowns the charts draw', async () => {
    const today = chinaDay(new Date());
    const o = (await s.http().get(`/api/stats/overview?from=${today}&to=${today}`).set(as('regulator1')).expect(200)).body;
    assert.equal(o.days.length, 1);
    assert.deepEqual(o.totals, { intakes: 8, accepted: 4, held: 2, rejected: 2, crossBorder: 8, alerts: 2, seizures: 1 });
    assert.deepEqual(o.topDestinations.map((d: { country: string }) => d.country), ['US', 'RU', 'JP']);
    assert.deepEqual(o.alertsByRoute.map((x: { routeKey: string; count: number }) => [x.routeKey, x.count]), [['4401-RU-postal', 1], ['4401-US-postal', 1]]);
    assert.equal(o.alertsByRoute[1].high, 1, 'a listed phone is a high-severity hit');
    assert.deepEqual(o.alertsByOutlet.map((x: { outletId: string; count: number }) => [x.outletId, x.count]), [['GZ-TH-001', 2]]);
    assert.deepEqual(o.holdsByReason, [{ code: 'ANT_MOVING_SUSPECTED', count: 1 }, { code: 'WATCHLIST_HIT', count: 1 }]);
    const fortnight = (await s.http().get('/api/stats/overview').set(as('regulator1')).expect(200)).body;
    assert.equal(fortnight.days.length, 14);
    assert.equal(fortnight.days.at(-1).day, today);
    expectProblem(await s.http().get('/api/stats/overview?from=2026-02-30&to=2026-03-01').set(as('regulator1')), 422, 'PERIOD_INVALID');
    expectProblem(await s.http().get('/api/stats/overview?from=2026-03-02&to=2026-03-01').set(as('regulator1')), 422, 'PERIOD_INVALID');
    expectProblem(await s.http().get('/api/stats/overview?from=2024-01-01&to=2026-03-01').set(as('regulator1')), 422, 'PERIOD_TOO_LONG');
  });

  it('an alert’s parcels come masked with their links; unmasking is for officers and audited', async () => {
    const masked = (await s.http().get(`/api/alerts/${ringAlertId}/parcels`).set(as('regulator1')).expect(200)).body;
    assert.equal(masked.total, 3);
    assert.equal(masked.masked, true);
    assert.ok(masked.parcels.every((p: { sender: { idNumber: string; phone: string } }) => /\*{4}/.test(p.sender.idNumber) && /\*{4}/.test(p.sender.phone)));
    // Three identities over one phone, one address, one consignee.
    const byKind = (kind: string) => masked.links.filter((l: { kind: string }) => l.kind === kind);
    assert.equal(byKind('sender').length, 3);
    assert.deepEqual(byKind('phone').map((l: { ref: string; waybills: string[] }) => [l.ref, l.waybills.length]), [['P1', 3]]);
    assert.equal(byKind('consignee')[0].waybills.length, 3);
    assert.ok(masked.parcels.every((p: { justUnderLimit: boolean; valueLimitCny: number }) => p.justUnderLimit && p.valueLimitCny === 1000));
    assert.equal(masked.parcels.find((p: { customs: { outcome: string } | null }) => p.customs?.outcome === 'seized') !== undefined, true);

    const open = (await s.http().get(`/api/alerts/${ringAlertId}/parcels?unmask=true`).set(as('customs1')).expect(200)).body;
    assert.equal(open.masked, false);
    assert.equal(open.parcels[0].sender.phone, '+8613912340077');
    const audit = (await s.ctx.db.execute(`select actor_username, subject_type, subject_id from audit_log where action = 'pii.unmask'`)) as unknown as { rows: { actor_username: string; subject_type: string; subject_id: string }[] };
    assert.deepEqual(audit.rows, [{ actor_username: 'customs1', subject_type: 'alert', subject_id: ringAlertId }]);
    expectProblem(await s.http().get(`/api/alerts/${ringAlertId}/parcels`).set(as('regulator2')), 404, 'ALERT_NOT_FOUND');
    expectProblem(await s.http().get(`/api/alerts/${ringAlertId}/parcels`).set(as('courier1')), 403, 'ROLE_FORBIDDEN');
  });

  it('an alert with more parcels than are shown says how many there are in all', async () => {
    const user = await authenticateToken(s.ctx.db, as('regulator1').Authorization.slice(7));
    const page = await loadAlertParcels(s.ctx.db, ringAlertId, user, s.ctx.config.ring, null, 2);
    assert.deepEqual([page.parcels.length, page.total, page.truncated], [2, 3, true]);
    // The newest two, linked as the page shows them: both on the ring's one phone.
    assert.deepEqual(page.links.filter((l) => l.kind === 'phone').map((l) => [l.ref, l.waybills.length]), [['P1', 2]]);
  });

  it('the board filters by severity, route, outlet and time, and counts what is unresolved', async () => {
    const list = async (q: string) => (await s.http().get(`/api/alerts?${q}`).set(as('regulator1')).expect(200)).body.alerts as { id: string; type: string }[];
    assert.deepEqual((await list('routeKey=4401-RU-postal')).map((a) => a.id), [ringAlertId]);
    assert.equal((await list('outletId=GZ-TH-001')).length, 2);
    assert.equal((await list('outletId=GZ-BY-002')).length, 0);
    assert.deepEqual((await list('type=WATCHLIST_HIT&severity=high')).map((a) => a.type), ['WATCHLIST_HIT']);
    assert.equal((await list(`createdFrom=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length, 0);
    const counts = (await s.http().get('/api/alerts/counts').set(as('regulator1')).expect(200)).body;
    assert.deepEqual(counts, { open: 1, acknowledged: 0, high: 1 });
    assert.deepEqual((await s.http().get('/api/alerts/counts').set(as('regulator2')).expect(200)).body, { open: 0, acknowledged: 0, high: 0 });
  });

  it('an alert’s parcels: customs officers see the cross-border ones, and unmasking opens only your own jurisdiction’s', async () => {
    // Two more parcels for the listed phone: a domestic one in Guangzhou, a cross-border one in Zhejiang.
    await intake(aParcel({ sender: { ...anIdentity(), phone: '13666666666' }, recipient: { name: '王五', phone: '13900001111', address: '北京市朝阳区建国路1号', country: 'CN' } }));
    await intake(aParcel({ sender: { ...anIdentity('330782'), phone: '13666666666', address: '浙江省义乌市稠城街道1号' } }), 'courier2');
    const [hit] = (await s.http().get('/api/alerts?type=WATCHLIST_HIT').set(as('regulator1')).expect(200)).body.alerts;
    assert.equal(hit.parcelCount, 3);
    const parcelsOf = async (user: string, q = '') => (await s.http().get(`/api/alerts/${hit.id}/parcels${q}`).set(as(user)).expect(200)).body;

    const customs = await parcelsOf('customs1');
    assert.equal(customs.total, 2);
    assert.ok(customs.parcels.every((p: { recipient: { country: string } }) => p.recipient.country !== 'CN'));

    const opened = await parcelsOf('regulator1', '?unmask=true');
    assert.equal(opened.total, 3);
    const phoneOf = (outlet: string) => opened.parcels.find((p: { outletId: string }) => p.outletId === outlet).sender.phone;
    assert.equal(phoneOf('GZ-TH-001'), '+8613666666666');
    assert.match(phoneOf('YW-CC-001'), /\*{4}/, 'Zhejiang’s parcel stays masked for a Guangdong regulator');
    assert.equal(opened.masked, true);
    const audit = await queryRows<{ details: { waybills: string[] } }>(s.ctx.db, sql`select details from audit_log where action = 'pii.unmask' and subject_id = ${hit.id}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.details.waybills.length, 2, 'the audit names the two parcels opened, not the masked one');
  });
});

describe('issue 15: holds and case progress in the weekly report, the monthly summary, stored reports', () => {
  let s: TestServer;
  const headers = new Map<string, { Authorization: string }>();
  const as = (user: string) => headers.get(user)!;
  const waybills: Record<string, string> = {};
  const T = (iso: string) => new Date(iso).toISOString();
  const bytes = (req: ReturnType<TestServer['http']>['get'] extends (...a: never[]) => infer R ? R : never) =>
    req.buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });

  before(async function () {
    this.timeout(90_000);
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', JOBS_ENABLED: 'false' });
    for (const user of ['courier1', 'courier2', 'regulator1', 'regulator2', 'customs1', 'admin']) headers.set(user, { Authorization: `Bearer ${await s.login(user)}` });
    let n = 0;
    const quiet = (overrides: Record<string, unknown> = {}) =>
      aParcel({ sender: { ...anIdentity(), phone: `1350000000${++n}`, address: `广东省广州市天河区体育西路${n}号` }, recipient: { name: `Jane Roe${'abcdefg'[n]}`, phone: `+1 415 555 020${n}`, address: `${n} Elm St, Boston` }, declared: { description: '茶叶', category: 'tea', brand: undefined, valueCny: 200 }, ...overrides });
    const intake = async (name: string, body: object, user = 'courier1') => {
      waybills[name] = (await s.http().post('/api/parcels').set(as(user)).send(body).expect(201)).body.parcel.waybillNo;
    };
    await intake('P1', quiet());
    await intake('P2', quiet({ inspection: { performed: false, refused: true, matchesDeclaration: undefined } }));
    for (const h of ['H1', 'H2', 'H3']) await intake(h, quiet({ screening: { result: 'suspect' } }));
    await intake('H4', aParcel({ screening: { result: 'suspect' } }), 'courier2');
    // Saturday 10 October 2026, 10:00 Beijing: inside ISO week 2026-W41 and the month 2026-10.
    const held = '2026-10-10T02:00:00.000Z';
    await s.ctx.db.execute(sql`update parcels set created_at = ${held}::timestamptz`);
    const hold = async (name: string, status: string, decidedAfterH: number | null) =>
      s.ctx.db.execute(sql`
        insert into holds (parcel_id, waybill_no, outlet_id, region_code, cross_border, reasons, held_at, due_at, status, decided_at)
        select id, waybill_no, outlet_id, region_code, cross_border, array['SCREENING_SUSPECT'], ${held}::timestamptz, ${held}::timestamptz + interval '4 hours',
               ${status}, ${decidedAfterH === null ? null : new Date(Date.parse(held) + decidedAfterH * 3600_000).toISOString()}::timestamptz
          from parcels where waybill_no = ${waybills[name]!}
        on conflict (parcel_id) do update set held_at = excluded.held_at, due_at = excluded.due_at, status = excluded.status, decided_at = excluded.decided_at, reasons = excluded.reasons`);
    await hold('H1', 'released', 2);
    await hold('H2', 'refused', 10);
    await hold('H3', 'pending', null);
    await hold('H4', 'released', 4);
    // Two Guangdong cases: one opened on Monday, past due on Thursday, noted on Wednesday; one opened and closed in October.
    await s.ctx.db.execute(sql`
      insert into cases (reference, title, jurisdiction, owner_id, owner_name, due_at, opened_by_name, opened_at, status, outcome, closed_at)
      select '44-2026-0001', '天河假冒手袋团伙', '44', id, username, '2026-10-08T02:00:00Z'::timestamptz, username, '2026-10-05T02:00:00Z'::timestamptz, 'open', null, null::timestamptz from users where username = 'regulator1'
      union all
      select '44-2026-0002', '=cmd|calc', '44', id, username, '2026-10-30T02:00:00Z'::timestamptz, username, '2026-10-06T02:00:00Z'::timestamptz, 'closed', 'duplicate', '2026-10-15T02:00:00Z'::timestamptz from users where username = 'regulator1'`);
    await s.ctx.db.execute(sql`
      insert into case_events (case_id, kind, data, actor_name, actor_role, at)
      select id, 'note', '{"text": "已约谈网点负责人"}'::jsonb, 'regulator1', 'postal_regulator', '2026-10-07T02:00:00Z' from cases where reference = '44-2026-0001'`);
  });
  after(() => s?.close());

  it('the weekly JSON has the holds table (decisions, waits, pending, overdue list) and the case progress table', async () => {
    const r = (await s.http().get('/api/reports/weekly?week=2026-W41').set(as('regulator1')).expect(200)).body;
    assert.deepEqual({ ...r.holds, overdueList: undefined }, {
      held: 3, released: 1, refused: 1, medianWaitHours: 6, p90WaitHours: 9.2, maxWaitHours: 10, pending: 1, overdue: 1, overdueList: undefined,
    });
    assert.deepEqual(r.holds.overdueList, [{ waybillNo: waybills.H3, outletId: 'GZ-TH-001', reasons: ['SCREENING_SUSPECT'], heldAt: T('2026-10-10T02:00:00Z'), dueAt: T('2026-10-10T06:00:00Z') }]);
    assert.deepEqual(r.cases.map((c: { reference: string; status: string; overdue: boolean; eventsThisPeriod: number }) => [c.reference, c.status, c.overdue, c.eventsThisPeriod]), [
      ['44-2026-0001', 'open', true, 1],
      ['44-2026-0002', 'open', false, 0],
    ]);
    assert.equal(r.cases[0].owner, 'regulator1');
    assert.equal(r.cases[0].lastNote.text, '已约谈网点负责人');
    // Zhejiang: its own hold only, no Guangdong case.
    const zj = (await s.http().get('/api/reports/weekly?week=2026-W41').set(as('regulator2')).expect(200)).body;
    assert.deepEqual([zj.holds.held, zj.holds.released, zj.holds.medianWaitHours, zj.cases.length], [1, 1, 4, 0]);
  });

  it('the weekly XLSX reads back the same holds figures, overdue list and case table, formulas neutralised', async () => {
    const res = await bytes(s.http().get('/api/reports/weekly?week=2026-W41&format=xlsx').set(as('regulator1'))).expect(200);
    const { sheet } = await readWeeklyXlsx(res.body);
    const holds = metricsOf(sheet('暂扣处置'));
    assert.equal(holds.get('HOLDS_PLACED'), 3);
    assert.equal(holds.get('HOLDS_RELEASED'), 1);
    assert.equal(holds.get('HOLDS_REFUSED'), 1);
    assert.equal(holds.get('HOLD_WAIT_MEDIAN_H'), 6);
    assert.equal(holds.get('HOLD_WAIT_P90_H'), 9.2);
    assert.equal(holds.get('HOLDS_OVERDUE'), 1);
    assert.equal(sheet('超时未处置暂扣').getRow(2).getCell(1).value, waybills.H3);
    const cases = sheet('案件进展');
    assert.equal(cases.getRow(2).getCell(1).value, '44-2026-0001');
    assert.equal(cases.getRow(2).getCell(4).value, 'regulator1');
    assert.equal(cases.getRow(2).getCell(12).value, '是 yes');
    assert.equal(cases.getRow(3).getCell(2).value, "'=cmd|calc");
  });

  it('the monthly summary counts a known month per province and in total, in JSON, XLSX and CSV, audited', async () => {
    const gd = (await s.http().get('/api/reports/monthly?month=2026-10').set(as('regulator1')).expect(200)).body;
    assert.deepEqual(gd.provinces.map((p: { jurisdiction: string }) => p.jurisdiction), ['44']);
    assert.deepEqual(gd.total.intakes, { total: 5, accepted: 1, held: 3, rejected: 1 });
    assert.deepEqual(gd.total.holds, { held: 3, released: 1, refused: 1, medianWaitHours: 6, p90WaitHours: 9.2, maxWaitHours: 10, pending: 1, overdue: 1 });
    assert.deepEqual(gd.total.cases, { opened: 2, closed: 1, overdue: 1 });
    assert.deepEqual(gd.total.alerts, { opened: 0, confirmed: 0, falsePositive: 0 });
    assert.deepEqual(gd.total.customs, { selected: 0, seized: 0 });
    assert.deepEqual([gd.total.disposals, gd.total.notices], [{ destroyed: 0, handedToPolice: 0, returned: 0, pending: 0 }, { sent: 0, answered: 0, overdue: 0 }]);
    const cn = (await s.http().get('/api/reports/monthly?month=2026-10').set(as('admin')).expect(200)).body;
    assert.deepEqual(cn.provinces.map((p: { jurisdiction: string; intakes: { total: number } }) => [p.jurisdiction, p.intakes.total]), [['33', 1], ['44', 5]]);
    assert.deepEqual([cn.total.intakes.total, cn.total.holds.held, cn.total.holds.released, cn.total.holds.medianWaitHours, cn.total.holds.p90WaitHours, cn.total.holds.maxWaitHours], [6, 4, 2, 4, 8.8, 10]);
    const xlsx = await bytes(s.http().get('/api/reports/monthly?month=2026-10&format=xlsx').set(as('admin'))).expect(200);
    assert.match(String(xlsx.headers['content-disposition']), /parcelguard-monthly-2026-10-CN\.xlsx/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const summary = wb.worksheets[0]!;
    const header = summary.getRow(7).values as unknown[];
    const col = (code: string) => header.findIndex((h) => typeof h === 'string' && h.endsWith(` ${code}`));
    assert.equal(summary.getRow(10).getCell(1).value, '合计 Total');
    assert.equal(summary.getRow(10).getCell(col('INTAKES')).value, 6);
    assert.equal(summary.getRow(9).getCell(col('HOLD_WAIT_MAX_H')).value, 10);
    const csv = await s.http().get('/api/reports/monthly?month=2026-10&format=csv').set(as('regulator1')).expect(200);
    assert.ok(csv.text.startsWith('\uFEFF'));
    const rows: string[][] = parse(csv.text.slice(1), { relax_column_count: true });
    assert.ok(rows.some((r) => r[0] === '44' && r[1] === '5'));
    const audit = await queryRows<{ actor_username: string; subject_id: string }>(s.ctx.db, sql`select actor_username, subject_id from audit_log where action = 'report.monthly.export' order by id`);
    assert.deepEqual(audit.map((a) => [a.actor_username, a.subject_id]), [['admin', '2026-10/CN'], ['regulator1', '2026-10/44']]);
    expectProblem(await s.http().get('/api/reports/monthly?month=2026-13').set(as('regulator1')), 422, 'MONTH_INVALID');
    expectProblem(await s.http().get('/api/reports/monthly?month=2099-01').set(as('regulator1')), 422, 'MONTH_IN_FUTURE');
    expectProblem(await s.http().get('/api/reports/monthly?jurisdiction=44').set(as('regulator2')), 403, 'OUTSIDE_JURISDICTION');
    expectProblem(await s.http().get('/api/reports/monthly').set(as('courier1')), 403, 'ROLE_FORBIDDEN');
  });

  it('stored reports: kept once, listed by jurisdiction, downloaded byte for byte with their checksum, never changed', async function () {
    this.timeout(60_000);
    // The Friday 17:00 occurrence of week 41 reports the week up to that moment.
    const friday = new Date('2026-10-09T09:00:00.000Z');
    const first = await storeReports(s.ctx.db, 'weekly', friday);
    assert.equal(first, 12); // national, 33, 44, 44-cross-border × json, xlsx, csv
    assert.equal(await storeReports(s.ctx.db, 'weekly', friday), 0, 'a re-run stores nothing twice');
    const list = (user: string, q = '') => s.http().get(`/api/reports/archive${q}`).set(as(user)).expect(200).then((r) => r.body.reports as { id: string; scope: string; format: string; sha256: string; bytes: number; period: string }[]);
    assert.deepEqual([...new Set((await list('regulator1')).map((r) => r.scope))].sort(), ['44', '44-cross-border']);
    assert.deepEqual([...new Set((await list('customs1')).map((r) => r.scope))], ['44-cross-border']);
    assert.deepEqual([...new Set((await list('regulator2')).map((r) => r.scope))], ['33']);
    assert.equal((await list('admin', '?kind=weekly')).length, 12);
    assert.equal((await list('admin', '?kind=monthly')).length, 0);
    const page = (await s.http().get('/api/reports/archive?limit=5').set(as('admin')).expect(200)).body;
    assert.equal(page.reports.length, 5);
    assert.equal((await s.http().get(`/api/reports/archive?limit=10&cursor=${page.nextCursor}`).set(as('admin')).expect(200)).body.reports.length, 7);

    const xlsx = (await list('regulator1')).find((r) => r.scope === '44' && r.format === 'xlsx')!;
    const [stored] = await queryRows<{ content: Buffer }>(s.ctx.db, sql`select content from report_archive where id = ${xlsx.id}`);
    const res = await bytes(s.http().get(`/api/reports/archive/${xlsx.id}`).set(as('regulator1'))).expect(200);
    assert.ok(Buffer.compare(res.body, Buffer.from(stored!.content)) === 0, 'byte-identical');
    assert.equal(res.headers['x-content-sha256'], createHash('sha256').update(res.body).digest('hex'));
    assert.equal(xlsx.sha256, res.headers['x-content-sha256']);
    assert.equal(xlsx.bytes, res.body.length);
    assert.match(String(res.headers['content-type']), /spreadsheetml/);
    assert.match(String(res.headers['content-disposition']), /parcelguard-weekly-2026-W41-44\.xlsx/);
    const json = (await list('regulator1')).find((r) => r.scope === '44' && r.format === 'json')!;
    const report = JSON.parse((await s.http().get(`/api/reports/archive/${json.id}`).set(as('regulator1')).expect(200).expect('Content-Type', /application\/json/)).text);
    assert.equal(report.to, friday.toISOString(), 'up to Friday 17:00');
    assert.equal(report.holds.held, 0, 'the Saturday holds came after it');
    const audit = await queryRows<{ subject_id: string }>(s.ctx.db, sql`select subject_id from audit_log where action = 'report.archive.download'`);
    assert.deepEqual(audit.map((a) => a.subject_id), [xlsx.id, json.id]);
    // Out of jurisdiction looks like missing.
    expectProblem(await s.http().get(`/api/reports/archive/${xlsx.id}`).set(as('regulator2')), 404);
    expectProblem(await s.http().get(`/api/reports/archive/${xlsx.id}`).set(as('customs1')), 404);
    expectProblem(await s.http().get('/api/reports/archive').set(as('courier1')), 403, 'ROLE_FORBIDDEN');
    const appendOnly = (err: Error & { cause?: Error }) => /append-only/.test(`${err.message} ${err.cause?.message}`);
    await assert.rejects(s.ctx.db.execute(sql`update report_archive set content = '\\x00'::bytea where id = ${xlsx.id}`), appendOnly);
    await assert.rejects(s.ctx.db.execute(sql`delete from report_archive where id = ${xlsx.id}`), appendOnly);
  });
});
