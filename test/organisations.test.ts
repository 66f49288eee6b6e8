// Organisations (协议客户), issue 18: registration by the unified social credit code, every refusal, the review
// transitions, jurisdiction (404 outside it), what couriers see, flags from a customs seizure and from a
// confirmed alert, and the audit row last in each transaction. Both databases.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { flagOrganisationsOfParcels } from '../server/organisations/flags.js';
import { DEMO_ORGANISATION } from '../server/organisations/store.js';
import { checkUscc } from '../server/organisations/uscc.js';
import { runPurge } from '../server/privacy/retention.js';
import { aParcel, aResidentId, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

/** Valid codes (GB 32100-2015) in Guangdong (天河 440106, 白云 440111) and in Zhejiang (义乌 330782). */
const GD = ['91440106MA5CT0013F', '91440106MA5CT0021A', '91440106MA5CT003X2', '91440106MA2HK7X12P'];
const ZJ = '91330782MA2AH9Q108';
/** The server's clock runs two days behind the wall clock: times taken from new Date() would show. */
const SKEW_MS = 2 * 86_400_000;

/** Tables a registration, a review and a flag write. */
const GUARDED = ['organisations', 'organisation_reviews', 'organisation_flags', 'senders', 'customs_inspections', 'alerts'];

type Org = { id: string; uscc: string; name: string; status: string; legalRepresentative?: { idNumber: string }; phone?: string; reviewFlaggedAt?: string | null; openFlags?: { kind: string; waybillNo: string | null; alertId: string | null }[] };

describe('organisations (协议客户)', () => {
  let s: TestServer;
  const as = async (u: string) => ({ Authorization: `Bearer ${await s.login(u)}` });
  const body = (uscc: string, overrides: Record<string, unknown> = {}) => ({
    name: '广州天河好物电子商务有限公司',
    uscc,
    legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '231'), name: '陈立' },
    address: '广东省广州市天河区天河路385号',
    phone: '020-38880000',
    ...overrides,
  });
  const register = async (user: string, b: object) => s.http().post('/api/organisations').set(await as(user)).send(b);
  const review = async (user: string, id: string, decision: string, reason = '资质材料齐全') =>
    s.http().post(`/api/organisations/${id}/review`).set(await as(user)).send({ decision, reason });
  const get = async (user: string, path: string) => s.http().get(path).set(await as(user));
  const audits = async (action: string, subjectId: string) =>
    queryRows<{ action: string; details: Record<string, unknown> }>(s.ctx.db, sql`select action, details from audit_log where action = ${action} and subject_id = ${subjectId} order by id`);

  /** A parcel the organisation sends at the counter (its handler hands it over), linked by the intake's archive step. */
  async function orgParcel(org: Org, overrides: Record<string, unknown> = {}) {
    const parties = unlinkedParties();
    const handler = { idType: 'CN_RESIDENT_ID', idNumber: parties.sender.idNumber, name: parties.sender.name, phone: parties.sender.phone };
    const body = { ...aParcel({ ...parties, ...overrides }), sender: { kind: 'organisation', uscc: org.uscc, handler } };
    const res = await s.http().post('/api/parcels').set(await as('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const parcel = res.body.parcel as { id: string; waybillNo: string };
    const [linked] = await queryRows<{ organisation_id: string | null }>(s.ctx.db, sql`select organisation_id from parcels where id = ${parcel.id}`);
    assert.equal(linked?.organisation_id, org.id);
    return { parcel, body: res.body as { verdict: string; alerts: { id: string; type: string }[]; customsInspection?: { selected: boolean } } };
  }

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '1' }, {}, undefined, { clock: () => new Date(Date.now() - SKEW_MS) });
    // Any write after the transaction's audit row fails (as in test/customs-audit-order.test.ts).
    await s.ctx.db.execute(sql`
      create function test_audit_last() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from audit_chain_head where id = 1 and xmin::text = (txid_current() % 4294967296)::text) then
          raise exception 'wrote % after the audit row of the same transaction', tg_table_name;
        end if;
        return coalesce(new, old);
      end $$`);
    for (const table of GUARDED) {
      await s.ctx.db.execute(sql.raw(`create trigger test_audit_last before insert or update or delete on ${table} for each row execute function test_audit_last()`));
    }
  });
  after(() => s?.close());

  let gd: Org;

  it('the demo seeds one approved organisation in Guangdong with a valid code (then this test removes it)', async () => {
    const list = await get('courier1', '/api/organisations');
    assert.deepEqual(list.body.organisations.map((o: Org) => [o.uscc, o.status]), [[DEMO_ORGANISATION.uscc, 'approved']]);
    assert.ok(checkUscc(DEMO_ORGANISATION.uscc).ok);
    const detail = await get('regulator1', `/api/organisations/${list.body.organisations[0].id}`);
    assert.equal(detail.body.regionCode, '440106');
    assert.deepEqual(detail.body.history.map((h: { decision: string }) => h.decision), ['approve', 'register']);
    await s.ctx.db.execute(sql`delete from organisations where uscc = ${DEMO_ORGANISATION.uscc}`);
  });

  describe('registration', () => {
    it('a regulator registers an organisation of their region: pending, its archive row, history and audit', async () => {
      const res = await register('regulator1', body(` ${GD[0]!.toLowerCase()} `));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      gd = res.body;
      assert.equal(gd.status, 'pending');
      assert.equal(gd.uscc, GD[0]);
      assert.equal(res.body.regionCode, '440106');
      assert.match(res.body.regionName, /天河/);
      assert.match(gd.legalRepresentative!.idNumber, /^440106\*{8}\d{3}[\dX]$/, 'masked');
      assert.equal(gd.phone, '+86 203***0000');
      assert.equal(res.body.registeredAtOutletId, null);

      const [row] = await queryRows<{ sender_id: string; created_at: Date | string; legal_rep_id_sealed: string }>(s.ctx.db, sql`select sender_id, created_at, legal_rep_id_sealed from organisations where id = ${gd.id}`);
      assert.ok(Math.abs(new Date(row!.created_at).getTime() - (Date.now() - SKEW_MS)) < 60_000, 'the server’s clock');
      assert.ok(!row!.legal_rep_id_sealed.includes('440106'), 'sealed');
      const [archived] = await queryRows<{ id_type: string; id_masked: string; id_blind: string; name: string; parcel_count: number }>(
        s.ctx.db,
        sql`select id_type, id_masked, id_blind, name, parcel_count from senders where id = ${row!.sender_id}`,
      );
      assert.deepEqual({ ...archived, id_blind: undefined }, { id_type: 'USCC', id_masked: GD[0], id_blind: undefined, name: '广州天河好物电子商务有限公司', parcel_count: 0 });
      assert.equal(archived!.id_blind, s.ctx.vault.blind('id_number', GD[0]!), 'the intake finds the same row by the same key');

      const [audit] = await audits('organisation.register', gd.id);
      assert.equal(audit?.details.uscc, GD[0]);
      const detail = await get('regulator1', `/api/organisations/${gd.id}`);
      assert.equal(detail.status, 200);
      assert.deepEqual(detail.body.history.map((h: { decision: string; toStatus: string; by: string }) => [h.decision, h.toStatus, h.by]), [['register', 'pending', 'regulator1']]);
    });

    it('422 USCC_INVALID at uscc with the reason, in both languages; other fields refused at their paths at once', async () => {
      const wrong = await register('regulator1', body('91440106MA5CT0013G'));
      const p = expectProblem(wrong, 422, 'USCC_INVALID');
      assert.equal(p.errors![0]!.path, 'uscc');
      assert.equal(p.errors![0]!.reason, 'CHECK_CHARACTER');
      assert.match((p.errors![0] as { messageZh?: string }).messageZh ?? '', /校验码/);
      for (const [code, reason] of [['91440106MA5CT0023F', 'ORG_CODE_CHECK'], ['91449906MA5CT0013F', 'DIVISION'], ['97440106MA5CT0013F', 'AUTHORITY'], ['9144010', 'LENGTH'], ['91440106MA5CT0O13F', 'CHARSET']]) {
        const e = expectProblem(await register('regulator1', body(code!)), 422, 'USCC_INVALID');
        assert.equal(e.errors![0]!.reason, reason, code);
      }
      const many = expectProblem(
        await register('regulator1', body('91440106MA5CT0013G', { name: '###', phone: '123', legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: '110105194912310021', name: '陈3' } })),
        422,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(
        many.errors!.map((e) => [e.path, e.code, e.reason ?? null]),
        [
          ['uscc', 'USCC_INVALID', 'CHECK_CHARACTER'],
          ['name', 'NAME_INVALID', null],
          ['legalRepresentative.idNumber', 'ID_INVALID', 'CHECK_DIGIT'],
          ['legalRepresentative.name', 'NAME_INVALID', null],
          ['phone', 'PHONE_INVALID', null],
        ],
      );
      assert.ok(many.errors!.every((e) => (e as { messageZh?: string }).messageZh), 'every refusal in Chinese too');
      const passport = expectProblem(
        await register('regulator1', body(GD[1]!, { legalRepresentative: { idType: 'PASSPORT', idNumber: 'E12345678', name: 'John Smith' } })),
        422,
        'ISSUING_COUNTRY_REQUIRED',
      );
      assert.equal(passport.errors![0]!.path, 'legalRepresentative.idIssuingCountry');
    });

    it('400 for a missing or malformed field, with domain codes', async () => {
      const { uscc: _u, ...noCode } = body(GD[1]!);
      expectProblem(await register('regulator1', noCode), 400, 'USCC_REQUIRED');
      expectProblem(await register('regulator1', body(GD[1]!, { legalRepresentative: { idType: 'DRIVING_LICENCE', idNumber: '1', name: '陈立' } })), 400, 'ID_TYPE_UNKNOWN');
      expectProblem(await register('regulator1', { ...body(GD[1]!), extra: 1 }), 400, 'UNKNOWN_FIELD');
    });

    it('409 ORGANISATION_EXISTS on a taken code, however it is typed', async () => {
      const p = expectProblem(await register('admin', body(GD[0]!.replace(/(.{4})/g, '$1 '))), 409, 'ORGANISATION_EXISTS');
      assert.match(p.detail, new RegExp(GD[0]!));
      // The status in words of the reader's language, not the English code.
      const zh = (p as { detailZh?: string }).detailZh ?? '';
      assert.match(zh, /状态：(待审核|已核准|已暂停|已撤销)）/, zh);
      assert.doesNotMatch(zh, /pending|approved|suspended|revoked/);
    });

    it('who may register: a regulator only in their jurisdiction, couriers for their outlet anywhere, not customs or auditors', async () => {
      const p = expectProblem(await register('regulator1', body(ZJ)), 403, 'OUTSIDE_JURISDICTION');
      assert.match((p as { detailZh?: string }).detailZh ?? '', /辖区/);
      expectProblem(await register('customs1', body(ZJ)), 403, 'ROLE_FORBIDDEN');
      expectProblem(await register('auditor1', body(ZJ)), 403, 'ROLE_FORBIDDEN');
      const byCourier = await register('courier1', body(ZJ, { name: '义乌小商品贸易有限公司', address: '浙江省义乌市稠城街道1号' }));
      assert.equal(byCourier.status, 201, JSON.stringify(byCourier.body));
      assert.equal(byCourier.body.status, 'pending');
      assert.equal(byCourier.body.registeredAtOutletId, 'GZ-TH-001');
    });
  });

  describe('review and jurisdiction', () => {
    let zj: Org;
    before(async () => {
      const list = await get('admin', `/api/organisations?q=${ZJ}`);
      zj = list.body.organisations[0];
      assert.equal(zj.uscc, ZJ);
    });

    it('outside the jurisdiction an organisation is not found: read and review', async () => {
      expectProblem(await get('regulator1', `/api/organisations/${zj.id}`), 404, 'ORGANISATION_NOT_FOUND');
      expectProblem(await review('regulator1', zj.id, 'approve'), 404, 'ORGANISATION_NOT_FOUND');
      expectProblem(await get('regulator2', `/api/organisations/${gd.id}`), 404, 'ORGANISATION_NOT_FOUND');
      expectProblem(await get('regulator1', '/api/organisations/00000000-0000-4000-8000-000000000000'), 404, 'ORGANISATION_NOT_FOUND');
      const list = await get('regulator2', '/api/organisations');
      assert.deepEqual(list.body.organisations.map((o: Org) => o.uscc), [ZJ]);
      const customs = await get('customs1', '/api/organisations');
      assert.deepEqual(customs.body.organisations.map((o: Org) => o.uscc), [GD[0]], 'customs read their jurisdiction');
      expectProblem(await review('customs1', gd.id, 'approve'), 403, 'ROLE_FORBIDDEN');
      expectProblem(await review('courier1', gd.id, 'approve'), 403, 'ROLE_FORBIDDEN');
    });

    it('a review needs a known decision and a reason', async () => {
      const noReason = await s.http().post(`/api/organisations/${zj.id}/review`).set(await as('regulator2')).send({ decision: 'approve' });
      expectProblem(noReason, 400, 'REASON_REQUIRED');
      const blank = await s.http().post(`/api/organisations/${zj.id}/review`).set(await as('regulator2')).send({ decision: 'approve', reason: '  ' });
      expectProblem(blank, 400, 'REASON_REQUIRED');
      const unknown = await s.http().post(`/api/organisations/${zj.id}/review`).set(await as('regulator2')).send({ decision: 'promote', reason: 'x' });
      expectProblem(unknown, 400, 'DECISION_UNKNOWN');
    });

    it('transitions: pending → approved ↔ suspended → revoked (final); anything else is 409, each step in the history and audited', async () => {
      const steps: [string, number, string?][] = [
        ['approve', 200, 'approved'],
        ['approve', 409],
        ['suspend', 200, 'suspended'],
        ['suspend', 409],
        ['approve', 200, 'approved'],
        ['revoke', 200, 'revoked'],
        ['approve', 409],
        ['suspend', 409],
        ['revoke', 409],
      ];
      for (const [decision, status, to] of steps) {
        const res = await review('regulator2', zj.id, decision, `${decision} 理由`);
        if (status === 409) {
          const p = expectProblem(res, 409, 'ORGANISATION_TRANSITION_INVALID');
          assert.match((p as { detailZh?: string }).detailZh ?? '', /不能作出/);
        } else {
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.status, to);
        }
      }
      const detail = await get('regulator2', `/api/organisations/${zj.id}`);
      assert.deepEqual(
        detail.body.history.map((h: { decision: string; fromStatus: string | null; toStatus: string; reason: string }) => [h.decision, h.fromStatus, h.toStatus]).reverse(),
        [['register', null, 'pending'], ['approve', 'pending', 'approved'], ['suspend', 'approved', 'suspended'], ['approve', 'suspended', 'approved'], ['revoke', 'approved', 'revoked']],
      );
      assert.equal((await audits('organisation.review', zj.id)).length, 4);
    });

    it('pending may be suspended or revoked directly', async () => {
      const a = await register('regulator1', body(GD[2]!, { name: '广州甲贸易有限公司' }));
      const b = await register('regulator1', body(GD[3]!, { name: '广州乙贸易有限公司' }));
      assert.equal((await review('regulator1', a.body.id, 'suspend')).body.status, 'suspended');
      assert.equal((await review('regulator1', b.body.id, 'revoke')).body.status, 'revoked');
    });

    it('the list filters by status and text and pages with a cursor', async () => {
      const pending = await get('regulator1', '/api/organisations?status=pending');
      assert.deepEqual(pending.body.organisations.map((o: Org) => o.uscc), [GD[0]]);
      const byName = await get('regulator1', `/api/organisations?q=${encodeURIComponent('甲贸易')}`);
      assert.deepEqual(byName.body.organisations.map((o: Org) => o.uscc), [GD[2]]);
      const byCode = await get('admin', '/api/organisations?q=91440106ma5ct00');
      assert.deepEqual(byCode.body.organisations.map((o: Org) => o.uscc).sort(), [GD[0], GD[2]].sort());
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { organisations: Org[]; nextCursor: string | null } } = await get('admin', `/api/organisations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.body.organisations.map((o) => o.uscc));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual([...seen].sort(), [GD[0], GD[2], GD[3], ZJ].sort(), 'each once');
      expectProblem(await get('admin', '/api/organisations?cursor=bogus'), 400, 'CURSOR_INVALID');
      expectProblem(await get('admin', '/api/organisations?status=open'), 400);
    });

    it('unmasking the legal representative: regulators on request, audited; couriers never see it', async () => {
      const masked = await get('regulator1', `/api/organisations/${gd.id}`);
      assert.match(masked.body.legalRepresentative.idNumber, /\*/);
      assert.equal(masked.body.unmasked, false);
      const full = await get('regulator1', `/api/organisations/${gd.id}?unmask=true`);
      assert.equal(full.body.legalRepresentative.idNumber, aResidentId('440106', '19800101', '231'));
      assert.equal(full.body.phone, '+862038880000');
      assert.equal((await audits('pii.unmask', gd.id)).length, 1);
    });
  });

  describe('what couriers and supervisors see', () => {
    it('approved organisations only, {id, uscc, name, status}; others are not found', async () => {
      assert.equal((await review('regulator1', gd.id, 'approve', '营业执照、法人身份证核验无误')).status, 200);
      for (const user of ['courier1', 'supervisor1', 'courier2']) {
        const list = await get(user, '/api/organisations');
        assert.deepEqual(list.body.organisations.map((o: Org) => o.uscc), [GD[0]], `${user}: approved only`);
        assert.deepEqual((await get(user, '/api/organisations?status=suspended')).body.organisations, [], 'nothing else, whatever is asked');
        assert.deepEqual(Object.keys(list.body.organisations[0]).sort(), ['id', 'name', 'status', 'uscc']);
        const picked = await get(user, `/api/organisations?q=${encodeURIComponent('好物')}`);
        assert.equal(picked.body.organisations.length, 1);
        const one = await get(user, `/api/organisations/${gd.id}?unmask=true`);
        assert.deepEqual(Object.keys(one.body).sort(), ['id', 'name', 'status', 'uscc']);
      }
      const suspended = (await get('admin', `/api/organisations?q=${encodeURIComponent('甲贸易')}`)).body.organisations[0] as Org;
      expectProblem(await get('courier1', `/api/organisations/${suspended.id}`), 404, 'ORGANISATION_NOT_FOUND');
    });
  });

  describe('flags', () => {
    it('a customs seizure of its parcel flags it; the console finds it flagged with why; a review clears it', async () => {
      const { parcel, body: intake } = await orgParcel(gd);
      assert.equal(intake.customsInspection?.selected, true, JSON.stringify(intake));
      const seized = await s.http().post(`/api/parcels/${parcel.waybillNo}/customs-outcome`).set(await as('customs1')).send({ outcome: 'seized', note: '假冒耐克运动鞋', brands: [] });
      assert.equal(seized.status, 200, JSON.stringify(seized.body));

      const flagged = await get('regulator1', '/api/organisations?flagged=true');
      assert.deepEqual(flagged.body.organisations.map((o: Org) => o.uscc), [GD[0]]);
      const org = flagged.body.organisations[0] as Org;
      assert.ok(org.reviewFlaggedAt);
      assert.deepEqual(org.openFlags!.map((f) => [f.kind, f.waybillNo]), [['seizure', parcel.waybillNo]]);
      const notFlagged = await get('regulator1', '/api/organisations?flagged=false');
      assert.ok(!notFlagged.body.organisations.some((o: Org) => o.id === gd.id));

      // Reported again (a retried transaction): the same flag, not a second one.
      await flagOrganisationsOfParcels(s.ctx.db, 'seizure', { parcelIds: [parcel.id] }, new Date());
      const detail = await get('regulator1', `/api/organisations/${gd.id}`);
      assert.equal(detail.body.flags.length, 1);
      assert.deepEqual(detail.body.parcels.last30Days, { accepted: 1, held: 0, rejected: 0 });
      assert.deepEqual(detail.body.parcels.latest.map((p: { waybillNo: string }) => p.waybillNo), [parcel.waybillNo]);

      const reviewed = await review('regulator1', gd.id, 'suspend', '所寄商品被海关查扣，暂停协议');
      assert.equal(reviewed.status, 200);
      assert.equal(reviewed.body.reviewFlaggedAt, null);
      assert.equal(reviewed.body.openFlags.length, 0);
      assert.equal(reviewed.body.flags[0].cleared, true);
      assert.equal(reviewed.body.flags[0].clearedByReviewId, reviewed.body.history[0].id);
      assert.equal((await get('regulator1', '/api/organisations?flagged=true')).body.organisations.length, 0);
      // Cleared and reported again: still the one flag, not re-raised.
      await flagOrganisationsOfParcels(s.ctx.db, 'seizure', { parcelIds: [parcel.id] }, new Date());
      assert.equal((await get('regulator1', `/api/organisations/${gd.id}`)).body.reviewFlaggedAt, null);
      assert.equal((await review('regulator1', gd.id, 'approve', '整改完成，恢复协议')).status, 200);
    });

    it('an alert resolved as confirmed flags the organisations of its parcels; a false positive does not', async () => {
      const listed = await s.http().post('/api/watchlist/entries').set(await as('regulator1')).send({ entries: [{ type: 'consignee', value: 'Boris Orgtest', note: '收货人涉嫌销售假货' }] });
      assert.equal(listed.status, 201, JSON.stringify(listed.body));
      const consignee = { name: 'Boris Orgtest', phone: '+7 912 345 6789', address: '1 Arbat St, Moscow', country: 'RU' };
      const { body: first } = await orgParcel(gd, { recipient: consignee });
      const alertId = first.alerts.find((a) => a.type === 'WATCHLIST_HIT')?.id;
      assert.ok(alertId, JSON.stringify(first));

      const resolved = await s.http().post(`/api/alerts/${alertId}/resolve`).set(await as('regulator1')).send({ resolution: 'confirmed', note: '' });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      const flagged = await get('regulator1', '/api/organisations?flagged=true');
      assert.deepEqual(flagged.body.organisations.map((o: Org) => o.uscc), [GD[0]]);
      assert.deepEqual(flagged.body.organisations[0].openFlags.map((f: { kind: string; alertId: string }) => [f.kind, f.alertId]), [['alert_confirmed', alertId]]);
      const [flagRow] = await queryRows<{ at: Date | string }>(s.ctx.db, sql`select at from organisation_flags where alert_id = ${alertId}`);
      assert.ok(Math.abs(new Date(flagRow!.at).getTime() - (Date.now() - SKEW_MS)) < 60_000, 'the server’s clock');
      assert.equal((await review('regulator1', gd.id, 'suspend', '预警确认，暂停协议待核查')).status, 200);
      assert.equal((await review('regulator1', gd.id, 'approve', '核查后继续合作')).status, 200);

      const other = await s.http().post('/api/watchlist/entries').set(await as('regulator1')).send({ entries: [{ type: 'consignee', value: 'Ivan Falsepos', note: '待核' }] });
      assert.equal(other.status, 201);
      const { body: second } = await orgParcel(gd, { recipient: { ...consignee, name: 'Ivan Falsepos' } });
      const alert2 = second.alerts.find((a) => a.type === 'WATCHLIST_HIT')?.id;
      assert.ok(alert2);
      const dismissed = await s.http().post(`/api/alerts/${alert2}/resolve`).set(await as('regulator1')).send({ resolution: 'false_positive', note: '同名不同人' });
      assert.equal(dismissed.status, 200);
      assert.equal((await get('regulator1', '/api/organisations?flagged=true')).body.organisations.length, 0);
    });

    it('parcels of no organisation, and revoked organisations, are not flagged', async () => {
      const res = await s.http().post('/api/parcels').set(await as('courier1')).send(aParcel(unlinkedParties()));
      assert.equal(res.status, 201);
      await flagOrganisationsOfParcels(s.ctx.db, 'seizure', { parcelIds: [res.body.parcel.id] }, new Date());
      const revoked = (await get('admin', '/api/organisations?status=revoked')).body.organisations as Org[];
      const [someParcel] = await queryRows<{ id: string }>(s.ctx.db, sql`select id from parcels where organisation_id is null limit 1`);
      await s.ctx.db.execute(sql`update parcels set organisation_id = ${revoked[0]!.id} where id = ${someParcel!.id}`);
      await flagOrganisationsOfParcels(s.ctx.db, 'seizure', { parcelIds: [someParcel!.id] }, new Date());
      const [{ n } = { n: -1 }] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from organisations where review_flagged_at is not null`);
      assert.equal(n, 0);
    });
  });

  describe('flags outside the viewer’s jurisdiction', () => {
    // Review: the detail listed every flag's waybill, while its latest parcels are limited to the viewer's region.
    it('a flag on a parcel taken in another province shows no waybill or alert to the regulator here; the admin sees it', async () => {
      const parties = unlinkedParties();
      const handler = { idType: 'CN_RESIDENT_ID', idNumber: parties.sender.idNumber, name: parties.sender.name, phone: parties.sender.phone };
      // courier2 works in Zhejiang (33); the organisation is Guangdong's (44), regulator1's.
      const res = await s.http().post('/api/parcels').set(await as('courier2')).send({ ...aParcel(parties), sender: { kind: 'organisation', uscc: gd.uscc, handler } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      await flagOrganisationsOfParcels(s.ctx.db, 'seizure', { parcelIds: [res.body.parcel.id] }, new Date());
      const here = await get('regulator1', `/api/organisations/${gd.id}`);
      assert.equal(here.status, 200);
      const mine = (here.body.flags as { kind: string; waybillNo: string | null; cleared: boolean }[]).filter((f) => !f.cleared);
      assert.deepEqual(mine.map((f) => [f.kind, f.waybillNo]), [['seizure', null]], 'the flag is there, its parcel is not theirs to see');
      assert.ok(!JSON.stringify(here.body).includes(res.body.parcel.waybillNo));
      const listed = await get('regulator1', '/api/organisations?flagged=true');
      assert.ok(!JSON.stringify(listed.body).includes(res.body.parcel.waybillNo));
      const admin = await get('admin', `/api/organisations/${gd.id}`);
      assert.ok((admin.body.flags as { waybillNo: string | null }[]).some((f) => f.waybillNo === res.body.parcel.waybillNo));
      // Reviewed: the flag is cleared, as the later tests expect.
      assert.equal((await review('regulator1', gd.id, 'suspend', '外省查扣，暂停核查')).status, 200);
      assert.equal((await review('regulator1', gd.id, 'approve', '核查完毕')).status, 200);
    });
  });

  describe('at the counter', () => {
    // Review: the intake's organisation look-up computed the code's blind index and seal again and opened the
    // organisation's phone on every parcel; it now takes its archive row as stored, in the same read.
    it("an organisation's parcel opens no sealed value and computes no blind index of the code; its archive row is the one registered", async () => {
      const vault = s.ctx.vault as unknown as Record<'open' | 'blind' | 'seal', (purpose: string, v: string) => string>;
      const calls: string[] = [];
      const saved = { open: vault.open, blind: vault.blind, seal: vault.seal };
      for (const k of ['open', 'blind', 'seal'] as const) {
        vault[k] = (purpose: string, v: string) => {
          if (v === gd.uscc || k === 'open') calls.push(`${k}:${purpose}`);
          return saved[k].call(s.ctx.vault, purpose, v);
        };
      }
      let parcel: { id: string };
      try {
        ({ parcel } = await orgParcel(gd));
      } finally {
        Object.assign(vault, saved);
      }
      assert.deepEqual(calls, []);
      const [row] = await queryRows<{ same: boolean; phone_masked: string | null }>(s.ctx.db, sql`
        select p.sender_id = o.sender_id as same, a.phone_masked from parcels p join organisations o on o.id = p.organisation_id
        join senders a on a.id = p.sender_id where p.id = ${parcel.id}`);
      assert.equal(row?.same, true);
      assert.ok(row?.phone_masked);
    });
  });

  describe('retention', () => {
    it('an organisation’s archive row outlives the archive’s retention: not deleted, not anonymised, the purge goes on', async () => {
      const decades = new Date(Date.now() + 30 * 365 * 86_400_000);
      await runPurge(s.ctx.db, s.ctx.vault, s.ctx.config.retention, decades);
      const rows = await queryRows<{ uscc: string; id_blind: string; name: string }>(
        s.ctx.db,
        sql`select o.uscc, s.id_blind, s.name from organisations o join senders s on s.id = o.sender_id order by o.uscc`,
      );
      assert.equal(rows.length, 4);
      for (const r of rows) {
        assert.equal(r.id_blind, s.ctx.vault.blind('id_number', r.uscc));
        assert.notEqual(r.name, '');
      }
    });
  });
});
