// Investigative look-up (issue 21): one criterion and a reason, names matched across scripts and spellings as the
// suspect lists match them, the caller's jurisdiction only, masked unless unmasked, and every look-up audited with
// its query as a keyed hash or masked — never in plain text.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { maskIdNumber } from '../server/identity/masking.js';
import { aParcel, aResidentId } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type AuditRow = { action: string; actor_username: string; subject_type: string | null; subject_id: string | null; details: Record<string, unknown> };

describe('investigative look-up (POST /api/lookup)', () => {
  let s: TestServer;
  let regulator: string;
  const zhangWei = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19850312', '111'), name: '张伟', phone: '13912345678', address: '广东省广州市天河区体育西路1号' };
  const zhangWeiHomophone = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19860415', '223'), name: '张玮', phone: '13912345679', address: '广东省广州市越秀区北京路8号' };
  const zhangWeiZhejiang = { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('330782', '19870101', '335'), name: '张伟', phone: '13912345670', address: '浙江省义乌市稠城街道1号' };
  const domestic = aParcel({ sender: zhangWei, recipient: { name: '李四', phone: '13700001111', address: '北京市朝阳区建国路88号', country: 'CN' } });
  const crossBorder = aParcel({ sender: zhangWei, recipient: { name: 'John Smith', phone: '+1 415 555 0100', address: '1 Market St, San Francisco, CA', country: 'US' } });
  const homophone = aParcel({ sender: zhangWeiHomophone, recipient: { name: '王五', phone: '13700002222', address: '上海市黄浦区南京东路1号', country: 'CN' } });
  const zhejiang = aParcel({ sender: zhangWeiZhejiang, recipient: { name: '赵六', phone: '13700003333', address: '杭州市西湖区文三路1号', country: 'CN' } });

  const lookup = (token: string, body: Record<string, unknown>) => s.http().post('/api/lookup').set('Authorization', `Bearer ${token}`).send(body);
  const lookupAudits = () =>
    queryRows<AuditRow>(s.ctx.db, sql`select action, actor_username, subject_type, subject_id, details from audit_log where action like 'lookup.%' order by chain_seq`);

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    regulator = await s.login('regulator1');
    const courier1 = await s.login('courier1');
    for (const body of [domestic, crossBorder, homophone]) await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier1}`).send(body).expect(201);
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier2')}`).send(zhejiang).expect(201);
  });
  after(() => s?.close());

  it('refuses a look-up without a reason (400 at reason) and records nothing', async () => {
    const before = (await lookupAudits()).length;
    const res = expectProblem(await lookup(regulator, { name: '张伟' }), 400, 'REASON_REQUIRED');
    assert.deepEqual(res.errors?.map((e) => [e.path, e.code]), [['reason', 'REASON_REQUIRED']]);
    expectProblem(await lookup(regulator, { name: '张伟', reason: '   ' }), 400, 'REASON_REQUIRED');
    assert.equal((await lookupAudits()).length, before);
  });

  it('needs exactly one criterion', async () => {
    expectProblem(await lookup(regulator, { reason: '协查函 粤公协〔2026〕1号' }), 400, 'LOOKUP_CRITERION_REQUIRED');
    const two = expectProblem(await lookup(regulator, { name: '张伟', phone: '13912345678', reason: '协查' }), 400, 'LOOKUP_ONE_CRITERION');
    assert.deepEqual(two.errors?.map((e) => e.path).sort(), ['name', 'phone']);
  });

  it('finds 张伟 written 張偉, in pinyin in either order or as one word, and the homophone 张玮 — inside the jurisdiction only', async () => {
    for (const name of ['張偉', '张伟', 'Zhang Wei', 'WEI Zhang', 'zhangwei']) {
      const res = await lookup(regulator, { name, reason: '协查函 粤公协〔2026〕1号' }).expect(200);
      const senders = res.body.senders as { name: string; idNumber: string; matches: { score: number }[] }[];
      const exact = senders.find((x) => x.idNumber === maskIdNumber(zhangWei.idNumber));
      assert.ok(exact, `${name} finds 张伟`);
      assert.ok(!senders.some((x) => x.idNumber === maskIdNumber(zhangWeiZhejiang.idNumber)), `${name}: the Zhejiang 张伟 is outside 44`);
      if (/[\u4e00-\u9fff]/.test(name)) {
        assert.equal(exact.matches[0]!.score, 1);
        const homo = senders.find((x) => x.name === '张玮');
        assert.ok(homo && homo.matches[0]!.score < 1 && homo.matches[0]!.score >= 0.85, `${name} finds the homophone 张玮, scored lower`);
      }
      const waybills = (res.body.parcels as { waybillNo: string }[]).map((p) => p.waybillNo);
      assert.ok(waybills.includes(domestic.waybillNo) && waybills.includes(crossBorder.waybillNo));
      assert.ok(!waybills.includes(zhejiang.waybillNo));
    }
    const zj = await lookup(await s.login('regulator2'), { name: '張偉', reason: '协查' }).expect(200);
    assert.deepEqual(zj.body.senders.map((x: { idNumber: string }) => x.idNumber), [maskIdNumber(zhangWeiZhejiang.idNumber)]);
  });

  it('answers masked by default, in full with unmask, and audits each with the query as a keyed hash and the reason', async () => {
    const masked = await lookup(regulator, { idNumber: zhangWei.idNumber, reason: '案件 44-2026-0001' }).expect(200);
    assert.equal(masked.body.masked, true);
    const [sender] = masked.body.senders;
    assert.equal(sender.idNumber, maskIdNumber(zhangWei.idNumber));
    assert.equal(sender.phone, '+86 139****5678');
    assert.ok(masked.body.parcels.every((p: { sender: { idNumber: string } }) => p.sender.idNumber === maskIdNumber(zhangWei.idNumber)));

    const open = await lookup(regulator, { idNumber: zhangWei.idNumber, reason: '案件 44-2026-0001', unmask: true }).expect(200);
    assert.equal(open.body.masked, false);
    assert.equal(open.body.senders[0].idNumber, zhangWei.idNumber);
    assert.equal(open.body.senders[0].phone, '+8613912345678');

    const [a, b] = (await lookupAudits()).slice(-2);
    assert.deepEqual([a!.action, b!.action], ['lookup.masked', 'lookup.unmask']);
    assert.equal(a!.actor_username, 'regulator1');
    assert.equal(a!.details.reason, '案件 44-2026-0001');
    assert.deepEqual(a!.details.query, { idType: null, masked: maskIdNumber(zhangWei.idNumber), blind: s.ctx.vault.blind('id_number', zhangWei.idNumber) });
    assert.deepEqual((b!.details.waybills as string[]).sort(), [domestic.waybillNo, crossBorder.waybillNo].sort());
    for (const row of [a, b]) assert.ok(!JSON.stringify(row).includes(zhangWei.idNumber), 'no plain ID number in the audit trail');

    await lookup(regulator, { name: '張偉', reason: '协查' }).expect(200);
    const [byName] = (await lookupAudits()).slice(-1);
    assert.ok(!JSON.stringify(byName).includes('張偉') && !JSON.stringify(byName).includes('张伟'), 'no plain name in the audit trail');
    assert.equal((byName!.details.query as { term: { length: number } }).term.length, 2);
  });

  it('finds by phone (as sender or recipient), consignee in another order, address without its province, and waybill', async () => {
    const byPhone = await lookup(regulator, { phone: '137 0000 1111', reason: '协查' }).expect(200);
    assert.deepEqual(byPhone.body.parcels.map((p: { waybillNo: string; matches: { field: string }[] }) => [p.waybillNo, p.matches[0]!.field]), [[domestic.waybillNo, 'recipient.phone']]);

    const byConsignee = await lookup(regulator, { consignee: 'SMITH John', reason: '协查' }).expect(200);
    assert.deepEqual(byConsignee.body.parcels.map((p: { waybillNo: string }) => p.waybillNo), [crossBorder.waybillNo]);
    assert.equal(byConsignee.body.senders[0].idNumber, maskIdNumber(zhangWei.idNumber), 'who sends to the consignee');

    const byAddress = await lookup(regulator, { address: '天河区 体育西路1号', reason: '协查' }).expect(200);
    assert.ok(byAddress.body.senders.some((x: { idNumber: string }) => x.idNumber === maskIdNumber(zhangWei.idNumber)));
    assert.ok(byAddress.body.parcels.some((p: { waybillNo: string }) => p.waybillNo === domestic.waybillNo));

    const byWaybill = await lookup(regulator, { waybillNo: homophone.waybillNo.toLowerCase(), reason: '协查' }).expect(200);
    assert.deepEqual(byWaybill.body.parcels.map((p: { waybillNo: string }) => p.waybillNo), [homophone.waybillNo]);
    const outside = await lookup(regulator, { waybillNo: zhejiang.waybillNo, reason: '协查' }).expect(200);
    assert.deepEqual([outside.body.parcels, outside.body.senders], [[], []]);
  });

  it('shows customs officers the cross-border parcels only; couriers and auditors may not look up', async () => {
    const res = await lookup(await s.login('customs1'), { name: '张伟', reason: '布控' }).expect(200);
    assert.deepEqual(res.body.parcels.map((p: { waybillNo: string }) => p.waybillNo), [crossBorder.waybillNo]);
    expectProblem(await lookup(await s.login('courier1'), { name: '张伟', reason: 'x' }), 403, 'ROLE_FORBIDDEN');
    expectProblem(await lookup(await s.login('auditor1'), { name: '张伟', reason: 'x' }), 403, 'ROLE_FORBIDDEN');
  });

  it('takes a case the caller may see (and puts the look-up on its timeline), refuses one outside with 422 at caseId', async () => {
    const due = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const own = await s.http().post('/api/cases').set('Authorization', `Bearer ${regulator}`).send({ title: '张伟 线索', ownerUsername: 'regulator1', dueAt: due }).expect(201);
    const other = await s.http().post('/api/cases').set('Authorization', `Bearer ${await s.login('regulator2')}`).send({ title: '义乌线索', ownerUsername: 'regulator2', dueAt: due }).expect(201);
    const refused = expectProblem(await lookup(regulator, { name: '张伟', reason: '协查', caseId: other.body.id }), 422, 'LOOKUP_CASE_NOT_FOUND');
    assert.equal(refused.errors?.[0]?.path, 'caseId');
    await lookup(regulator, { name: '张伟', reason: '案件线索核查', caseId: own.body.id }).expect(200);
    const [row] = (await lookupAudits()).slice(-1);
    assert.deepEqual([row!.subject_type, row!.subject_id, row!.details.caseId], ['case', own.body.id, own.body.id]);
    const events = await queryRows<{ kind: string; data: Record<string, unknown> }>(s.ctx.db, sql`select kind, data from case_events where case_id = ${own.body.id} and kind = 'lookup'`);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.reason, '案件线索核查');
    assert.ok(!JSON.stringify(events[0]!.data).includes('张伟'));
  });

  it('bad values are 422 with their path, not 500', async () => {
    expectProblem(await lookup(regulator, { phone: '12345', reason: '协查' }), 422, 'PHONE_INVALID');
    const id = expectProblem(await lookup(regulator, { idType: 'CN_RESIDENT_ID', idNumber: '440106198503121110', reason: '协查' }), 422, 'ID_INVALID');
    assert.equal(id.errors?.[0]?.path, 'idNumber');
    expectProblem(await lookup(regulator, { address: '广东省', reason: '协查' }), 422, 'LOOKUP_ADDRESS_TOO_VAGUE');
  });
});
