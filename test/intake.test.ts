import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { auditLog, idempotencyKeys, parcels, senders } from '../models/schema.js';
import { authenticateToken } from '../server/accounts/sessions.js';
import { archiveStep } from '../server/intake/archive.js';
import type { IntakeStep } from '../server/intake/pipeline.js';
import { intakeRequestSchema } from '../server/intake/schema.js';
import { createIntakeService } from '../server/intake/service.js';
import { contentsStep, identityStep, inspectionStep, screeningStep, waybillStep } from '../server/intake/steps.js';
import { sweepIdempotencyKeys } from '../server/housekeeping.js';
import { aParcel, aResidentId, aWaybill } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('parcel intake (POST /api/parcels)', () => {
  let s: TestServer;
  let courier: string;
  before(async () => {
    // These tests send the contract example (one sender, Nike shoes to one consignee) dozens of times: a ring by
    // any measure. Rings have their own tests (rings.test.ts); here they would only add ANT_MOVING to verdicts.
    s = await startTestServer({ RING_ALERT_SCORE: '100' });
    courier = await s.login('courier1');
  });
  after(() => s?.close());

  const intake = (body: object, key?: string) => {
    const req = s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const reasonCodes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

  it("the contract's example is accepted with its parcel, verdict and empty lists", async () => {
    const body = aParcel();
    const res = await intake(body).expect(201);
    assert.equal(res.body.verdict, 'accepted');
    assert.equal(res.body.parcel.waybillNo, body.waybillNo);
    assert.equal(res.body.parcel.status, 'accepted');
    assert.match(res.body.parcel.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(res.body.reasons, []);
    assert.deepEqual(res.body.watchlistHits, []);
    assert.deepEqual(res.body.alerts, []);
  });

  describe('verdicts', () => {
    const cases: [string, object, string, string][] = [
      ['refused inspection', { inspection: { performed: false, refused: true, matchesDeclaration: undefined } }, 'rejected', 'INSPECTION_REFUSED'],
      ['a prohibited screening', { screening: { result: 'prohibited' } }, 'rejected', 'SCREENING_PROHIBITED'],
      ['a prohibited class declared', { declared: { category: 'fireworks', description: '烟花' } }, 'rejected', 'PROHIBITED_ITEM'],
      ['contents that do not match', { inspection: { matchesDeclaration: false } }, 'held', 'INSPECTION_MISMATCH'],
      ['a suspect screening', { screening: { result: 'suspect' } }, 'held', 'SCREENING_SUSPECT'],
      ['a description naming a replica gun', { declared: { description: '仿真枪玩具', category: 'toys' } }, 'held', 'PROHIBITED_ITEM_SUSPECTED'],
    ];
    for (const [what, patch, verdict, code] of cases) {
      it(`${what} is ${verdict} with ${code}, and stored`, async () => {
        const body = aParcel(patch);
        const res = await intake(body).expect(201);
        assert.equal(res.body.verdict, verdict);
        assert.ok(reasonCodes(res.body).includes(code), JSON.stringify(res.body.reasons));
        assert.ok(res.body.reasons.every((r: { message: string; messageZh: string }) => r.message && r.messageZh));
        const [row] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo));
        assert.equal(row?.verdict, verdict);
      });
    }

    it('a water gun is a toy, not a firearm', async () => {
      const res = await intake(aParcel({ declared: { description: '儿童水枪', category: 'toys' } })).expect(201);
      assert.equal(res.body.verdict, 'accepted');
    });

    it('refusing outranks holding: rejected, with the refusal reason first', async () => {
      const res = await intake(aParcel({ screening: { result: 'prohibited' }, inspection: { matchesDeclaration: false } })).expect(201);
      assert.equal(res.body.verdict, 'rejected');
      assert.deepEqual(reasonCodes(res.body), ['SCREENING_PROHIBITED', 'INSPECTION_MISMATCH']);
    });
  });

  describe('identity (寄递实名制): never accepted missing or invalid', () => {
    it('a missing ID number is 400 ID_REQUIRED at sender.idNumber', async () => {
      const body = aParcel();
      delete (body.sender as Partial<typeof body.sender>).idNumber;
      const problem = expectProblem(await intake(body), 400, 'ID_REQUIRED');
      assert.equal(problem.errors![0]!.path, 'sender.idNumber');
    });

    it('an empty name is 400 NAME_REQUIRED at sender.name', async () => {
      const problem = expectProblem(await intake(aParcel({ sender: { name: '  ' } })), 400, 'NAME_REQUIRED');
      assert.equal(problem.errors![0]!.path, 'sender.name');
    });

    it('a bad ID check digit is a 422 naming sender.idNumber, reason CHECK_DIGIT, and nothing is stored', async () => {
      const body = aParcel({ sender: { idNumber: '110105194912310021' } });
      const problem = expectProblem(await intake(body), 422, 'ID_INVALID');
      assert.deepEqual(problem.errors, [{ path: 'sender.idNumber', code: 'ID_INVALID', reason: 'CHECK_DIGIT', message: problem.errors![0]!.message, messageZh: '居民身份证号码校验码不正确，请核对号码。' }]);
      assert.equal((await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo))).length, 0);
    });

    it('a 15-digit legacy number asks for the current card', async () => {
      const problem = expectProblem(await intake(aParcel({ sender: { idNumber: '110105491231002' } })), 422, 'ID_INVALID');
      assert.equal(problem.errors![0]!.reason, 'LEGACY_15');
      assert.match(problem.errors![0]!.message, /18-digit/);
    });

    it('every field problem is reported at once, each at its path', async () => {
      const body = aParcel({ sender: { idNumber: '110105194912310021', phone: '12345' }, recipient: { country: 'XX' }, waybillNo: 'EA123456784CN' });
      const problem = expectProblem(await intake(body), 422, 'VALIDATION_FAILED');
      assert.deepEqual(problem.errors!.map((e) => `${e.path}:${e.code}`).sort(), [
        'recipient.country:COUNTRY_INVALID',
        'sender.idNumber:ID_INVALID',
        'sender.phone:PHONE_INVALID',
        'waybillNo:WAYBILL_INVALID',
      ]);
    });

    it('a passport needs its issuing state, and a scanned MRZ must agree', async () => {
      const passport = { idType: 'PASSPORT', idNumber: 'L898902C3', name: 'Anna Maria Eriksson' };
      expectProblem(await intake(aParcel({ sender: passport })), 422, 'ISSUING_COUNTRY_REQUIRED');
      const mrz = 'L898902C35UTO7408122F1204159ZE184226B<<<<<10';
      const bad = expectProblem(await intake(aParcel({ sender: { ...passport, idIssuingCountry: 'SWE', mrz } })), 422, 'MRZ_INVALID');
      assert.equal(bad.errors![0]!.path, 'sender.mrz');
      const ok = await intake(aParcel({ sender: { ...passport, idIssuingCountry: 'SWE', mrz: mrz.replace('C35', 'C36') } }));
      assert.equal(ok.status, 201);
    });

    it('each document type is accepted by its own rules', async () => {
      for (const sender of [
        { idType: 'HK_MACAU_PERMIT', idNumber: 'H12345678', name: '陳大文' },
        { idType: 'TW_PERMIT', idNumber: '12345678', name: '林志明' },
        { idType: 'FOREIGN_PERMANENT_RESIDENT_ID', idNumber: 'USA440119800101', name: 'Mary Lee' },
      ]) {
        const res = await intake(aParcel({ sender }));
        assert.equal(res.status, 201, `${sender.idType}: ${res.text}`);
      }
    });

    it('not inspecting without a refusal is 422 INSPECTION_REQUIRED', async () => {
      expectProblem(await intake(aParcel({ inspection: { performed: false, matchesDeclaration: undefined } })), 422, 'INSPECTION_REQUIRED');
    });
  });

  describe('waybills (运单信息核对)', () => {
    it('a waybill number is used once: a second intake is 409 WAYBILL_DUPLICATE', async () => {
      const body = aParcel();
      await intake(body).expect(201);
      const again = await intake({ ...body, sender: { ...body.sender, name: '李四' } });
      expectProblem(again, 409, 'WAYBILL_DUPLICATE');
      assert.match(again.body.detailZh, /已被收寄/); // the counter reads it in Chinese too
    });

    it('a typed S10 with a wrong check digit is 422 WAYBILL_INVALID naming the right digit', async () => {
      const problem = expectProblem(await intake(aParcel({ waybillNo: 'EA123456784CN' })), 422, 'WAYBILL_INVALID');
      assert.match(problem.errors![0]!.message, /should be 5/);
    });

    it('an express waybill that contradicts its carrier is 422 WAYBILL_CARRIER_MISMATCH', async () => {
      expectProblem(await intake(aParcel({ waybillNo: 'YT1234567890123', carrier: 'SF' })), 422, 'WAYBILL_CARRIER_MISMATCH');
    });
  });

  describe('Idempotency-Key', () => {
    it('a retry with the same key and body returns the same answer and stores nothing new', async () => {
      const body = aParcel({ sender: { idNumber: aResidentId('440106', '19770707', '555') } });
      const key = crypto.randomUUID();
      const first = await intake(body, key).expect(201);
      const again = await intake(body, key).expect(201);
      const [sender] = await s.ctx.db.select().from(senders).where(eq(senders.idMasked, `440106********${body.sender.idNumber.slice(-4)}`));
      assert.equal(sender?.parcelCount, 1, 'the replay did not count the sender twice');
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const rows = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo));
      assert.equal(rows.length, 1);
    });

    it('concurrent retries with one key create one parcel', async () => {
      const body = aParcel();
      const key = crypto.randomUUID();
      const results = await Promise.all(Array.from({ length: 5 }, () => intake(body, key)));
      assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201, 201]);
      assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 4);
      assert.equal(new Set(results.map((r) => r.body.parcel.id)).size, 1);
    });

    it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = crypto.randomUUID();
      await intake(aParcel(), key).expect(201);
      expectProblem(await intake(aParcel(), key), 422, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('a failed intake leaves its key free: the corrected retry goes through', async () => {
      const key = crypto.randomUUID();
      const body = aParcel({ sender: { idNumber: '110105194912310021' } });
      expectProblem(await intake(body, key), 422, 'ID_INVALID');
      expectProblem(await intake(body, key), 422, 'ID_INVALID');
      await intake({ ...body, sender: { ...body.sender, idNumber: '11010519491231002X' } }, crypto.randomUUID()).expect(201);
    });
  });

  describe('sender archive (用户信息档案库) and personal data at rest', () => {
    it('one record per identity, with counts, first/last seen and outlets; ID and phone sealed', async () => {
      const idNumber = aResidentId('440106', '19850315', '271');
      await intake(aParcel({ sender: { idNumber, name: '王五', phone: '13912345678' } })).expect(201);
      await intake(aParcel({ sender: { idNumber: idNumber.toLowerCase(), name: '王五', phone: '139 1234 5678' } })).expect(201);
      const rows = await s.ctx.db.select().from(senders).where(eq(senders.idMasked, `440106********${idNumber.slice(-4)}`));
      assert.equal(rows.length, 1);
      const [sender] = rows;
      assert.equal(sender!.parcelCount, 2);
      assert.deepEqual(sender!.outletIds, ['GZ-TH-001']);
      assert.ok(sender!.lastSeenAt >= sender!.firstSeenAt);
      assert.equal(sender!.birthDate, '1985-03-15');
      // Nothing stores the number or the phone in plain text.
      const dump = JSON.stringify(await s.ctx.db.select().from(senders)) + JSON.stringify(await s.ctx.db.select().from(parcels));
      assert.ok(!dump.includes(idNumber) && !dump.includes('13912345678'));
      assert.equal(s.ctx.vault.open('id_number', sender!.idSealed), idNumber);
    });

    it('the stored record comes masked to a courier, who may not unmask it', async () => {
      const body = aParcel();
      await intake(body).expect(201);
      const res = await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${courier}`).expect(200);
      assert.equal(res.body.parcel.sender.idNumber, '110105********002X');
      assert.equal(res.body.parcel.sender.phone, '+86 138****8000');
      assert.equal(res.body.parcel.recipient.phone, '+1 415***0100');
      assert.equal(res.body.parcel.masked, true);
      assert.equal(res.body.parcel.inspection.performed, true);
      assert.equal(res.body.parcel.screening.machineId, 'XR-01');
      expectProblem(await s.http().get(`/api/parcels/${body.waybillNo}?unmask=true`).set('Authorization', `Bearer ${courier}`), 403, 'UNMASK_FORBIDDEN');
    });

    it('a regulator of the province may unmask, and that view is audited; another province sees nothing', async () => {
      const body = aParcel();
      await intake(body).expect(201);
      const regulator = await s.login('regulator1');
      const res = await s.http().get(`/api/parcels/${body.waybillNo}?unmask=true`).set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(res.body.parcel.sender.idNumber, '11010519491231002X');
      assert.equal(res.body.parcel.sender.phone, '+8613800138000');
      const audit = await s.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, body.waybillNo));
      assert.deepEqual(audit.map((a) => [a.action, a.actorUsername]), [['pii.unmask', 'regulator1']]);
      const masked = await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${regulator}`).expect(200);
      assert.equal(masked.body.parcel.sender.idNumber, '110105********002X');
      const after = await s.ctx.db.select().from(auditLog).where(eq(auditLog.subjectId, body.waybillNo)).orderBy(auditLog.id);
      assert.deepEqual(after.map((a) => a.action), ['pii.unmask', 'pii.read'], 'masked views are audited as reads (issue 14.14)');
      expectProblem(await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${await s.login('regulator2')}`), 404, 'PARCEL_NOT_FOUND');
      expectProblem(await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${await s.login('courier2')}`), 404, 'PARCEL_NOT_FOUND');
    });
  });

  describe('one intake is one transaction', () => {
    it('a step failing after the parcel was written leaves no parcel, no sender change and no idempotency key', async () => {
      const steps: IntakeStep[] = [identityStep, waybillStep, inspectionStep, screeningStep, contentsStep, archiveStep,
        { name: 'failing-after-archive', record: () => { throw new Error('simulated failure after the parcel insert'); } }];
      const takeIn = createIntakeService(s.ctx.db, s.ctx.vault, steps);
      const idNumber = aResidentId('440106', '19660606', '313');
      const body = intakeRequestSchema.parse(aParcel({ sender: { idNumber } }));
      const key = crypto.randomUUID();
      const user = await authenticateToken(s.ctx.db, courier);
      await assert.rejects(takeIn(user, body, key), /simulated failure/);
      assert.equal((await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo))).length, 0);
      assert.equal((await s.ctx.db.select().from(senders).where(eq(senders.idMasked, `440106********${idNumber.slice(-4)}`))).length, 0);
      assert.equal((await s.ctx.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))).length, 0);
      // The same intake through the real pipeline then goes through.
      await intake(body, key).expect(201);
    });
  });

  describe('roles and bad input', () => {
    it('only couriers take in parcels', async () => {
      const regulator = await s.login('regulator1');
      expectProblem(await s.http().post('/api/parcels').set('Authorization', `Bearer ${regulator}`).send(aParcel()), 403, 'ROLE_FORBIDDEN');
    });

    it('wrong types and unknown fields are 400s with paths', async () => {
      const problem = expectProblem(await intake({ ...aParcel(), declared: { ...aParcel().declared, quantity: 'two' }, extra: 1 }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(problem.errors!.map((e) => `${e.path}:${e.code}`).sort(), ['declared.quantity:INVALID_TYPE', 'extra:UNKNOWN_FIELD']);
    });

    it('keys past their retention are swept; a late retry of the same intake then meets WAYBILL_DUPLICATE', async () => {
      const body = aParcel();
      const key = crypto.randomUUID();
      await intake(body, key).expect(201);
      const ttl = s.ctx.config.idempotencyTtlMs;
      assert.equal(await sweepIdempotencyKeys(s.ctx.db, ttl, new Date(Date.now() + ttl - 60_000)), 0);
      assert.ok((await sweepIdempotencyKeys(s.ctx.db, ttl, new Date(Date.now() + ttl + 60_000))) >= 1);
      expectProblem(await intake(body, key), 409, 'WAYBILL_DUPLICATE');
    });

    it('a nonsense Idempotency-Key is 400 IDEMPOTENCY_KEY_INVALID', async () => {
      expectProblem(await intake(aParcel(), 'short'), 400, 'IDEMPOTENCY_KEY_INVALID');
    });

    it('unknown photo ids are 422 PHOTO_UNKNOWN, reported with the other field problems', async () => {
      const problem = expectProblem(await intake(aParcel({ inspection: { photoIds: [crypto.randomUUID()] } })), 422, 'PHOTO_UNKNOWN');
      assert.equal(problem.errors![0]!.path, 'inspection.photoIds.0');
      const both = expectProblem(await intake(aParcel({ sender: { phone: '12345' }, inspection: { photoIds: [crypto.randomUUID()] } })), 422, 'VALIDATION_FAILED');
      assert.deepEqual(both.errors!.map((e) => e.code).sort(), ['PHONE_INVALID', 'PHOTO_UNKNOWN']);
    });

    it('a domestic parcel is not cross-border', async () => {
      const body = aParcel({ waybillNo: aWaybill(), recipient: { country: 'CN', phone: '13700137000', address: '上海市浦东新区' } });
      await intake(body).expect(201);
      const [row] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo));
      assert.equal(row!.crossBorder, false);
    });
  });
});
