// Bulk intake (issue 18): POST /api/parcels/batch and /upload, the job that takes each parcel through the counter's
// pipeline, results and result files, who may read a batch, idempotency, and live progress on /outlet.
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { eq, sql } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { parcelBatchItems, parcels } from '../models/schema.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { claimJobs, enqueueJob, renewJobLease } from '../server/jobs/store.js';
import { orgCodeCheckChar, usccCheckChar } from '../server/organisations/uscc.js';
import { aParcel, aResidentId, aWaybill } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

/** A valid 统一社会信用代码 of a company (91) registered in `division`. */
function anUscc(division = '440106'): string {
  const body = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  const first17 = `91${division}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

/** A parcel of a batch: the intake body without its sender. */
let consignee = 0;
function batchParcel(overrides: Record<string, unknown> = {}) {
  // Each to a consignee of its own: one organisation's many parcels to one person would be a ring's pattern (held).
  const n = ++consignee;
  const recipient = { name: `Customer ${String.fromCharCode(65 + (n % 26))}${String.fromCharCode(65 + Math.floor(n / 26) % 26)} Smith`, phone: `+1 415 555 ${String(1000 + (n % 9000))}`, address: `${n} Market St, San Francisco, CA`, country: 'US' };
  const { sender: _sender, ...rest } = aParcel({ recipient, declared: { brand: undefined }, ...overrides });
  return rest;
}

async function registerOrganisation(s: TestServer, approve: boolean, uscc = anUscc()): Promise<string> {
  const admin = await s.login('admin');
  const reg = await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
    name: '广州天河优选电子商务有限公司',
    uscc,
    legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
    address: '广东省广州市天河区天河路100号',
    phone: '13900139000',
  });
  assert.equal(reg.status, 201, reg.text);
  if (approve) {
    const r = await s.http().post(`/api/organisations/${reg.body.id}/review`).set('Authorization', `Bearer ${admin}`).send({ decision: 'approve', reason: '资质齐全' });
    assert.equal(r.status, 200, r.text);
  }
  return uscc;
}

describe('bulk intake (POST /api/parcels/batch)', function () {
  this.timeout(120_000);
  let s: TestServer;
  let courier: string;
  let uscc: string;
  const runJobs = () => createJobRunner(s.ctx, { pollMs: 1000, worker: 'test' }).runOnce();
  const get = (path: string, token = courier) => s.http().get(path).set('Authorization', `Bearer ${token}`);
  const post = (body: unknown, key?: string) => {
    const r = s.http().post('/api/parcels/batch').set('Authorization', `Bearer ${courier}`);
    if (key) r.set('Idempotency-Key', key);
    return r.send(body as object);
  };

  before(async () => {
    s = await startTestServer({ JOBS_ENABLED: 'false', CUSTOMS_BASE_RATE: '0' });
    courier = await s.login('courier1');
    uscc = await registerOrganisation(s, true);
  });
  after(() => s?.close());

  it('answers 202 at once; each parcel gets its own verdict, a bad one is reported by index and path, never stopping the others', async () => {
    const dup = aWaybill();
    const body = {
      uscc: uscc.toLowerCase(),
      parcels: [
        batchParcel(),
        batchParcel({ screening: { result: 'prohibited' } }),
        batchParcel({ recipient: { country: 'XX' }, declared: { quantity: 'two' } }),
        batchParcel({ waybillNo: dup, screening: { result: 'suspect' } }),
        batchParcel({ waybillNo: dup }),
        'not a parcel',
        { ...batchParcel(), sender: { kind: 'person' } },
      ],
    };
    const res = await post(body);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.total, 7);
    assert.equal(res.body.status, 'queued');
    const batchId = res.body.batchId as string;

    // Refused at submission (schema, duplicate within the batch) are done already; the rest wait for the job.
    const before = await get(`/api/parcels/batch/${batchId}`);
    assert.equal(before.status, 200, before.text);
    assert.deepEqual([before.body.done, before.body.counts.invalid], [4, 4]);

    await runJobs();
    const res2 = await get(`/api/parcels/batch/${batchId}`);
    assert.equal(res2.body.status, 'done');
    assert.equal(res2.body.done, 7);
    assert.deepEqual(res2.body.counts, { accepted: 1, held: 1, rejected: 1, invalid: 4 });
    assert.equal(res2.body.organisation.uscc, uscc);
    const r = res2.body.results as { index: number; status: string; verdict?: string; errors?: { path: string; code: string; messageZh?: string }[]; waybillNo: string }[];
    assert.deepEqual(r.map((x) => x.index), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(r.map((x) => x.verdict ?? x.status), ['accepted', 'rejected', 'invalid', 'held', 'invalid', 'invalid', 'invalid']);
    const paths = r[2]!.errors!.map((e) => e.path).sort();
    assert.ok(paths.includes('parcels.2.declared.quantity'), paths.join());
    // The country code is judged by the pipeline, not by the schema: at submission it passes (two letters)
    assert.ok(r[2]!.errors!.every((e) => e.messageZh), 'every error in Chinese too');
    assert.deepEqual(r[4]!.errors!.map((e) => [e.path, e.code]), [['parcels.4.waybillNo', 'WAYBILL_DUPLICATE_IN_BATCH']]);
    assert.equal(r[5]!.errors![0]!.path, 'parcels.5');
    assert.equal(r[6]!.errors![0]!.code, 'SENDER_NOT_ALLOWED');

    // The parcels are the organisation's, in this batch, recorded as the courier's intakes; requests no longer kept.
    const [p] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, r[0]!.waybillNo));
    assert.equal(p!.batchId, batchId);
    assert.ok(p!.organisationId);
    const items = await s.ctx.db.select().from(parcelBatchItems).where(eq(parcelBatchItems.batchId, batchId));
    assert.ok(items.every((i) => i.requestSealed === null));
    const view = await get(`/api/parcels/${r[0]!.waybillNo}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.parcel.sender.idType, 'USCC');
  });

  it('runs pipeline refusals into the item (a waybill taken in before), with the paths of the intake', async () => {
    const taken = aWaybill();
    const first = await post({ uscc, parcels: [batchParcel({ waybillNo: taken })] });
    await runJobs();
    const again = await post({ uscc, parcels: [batchParcel({ waybillNo: taken }), batchParcel({ sender: undefined, recipient: { phone: '12' } })] });
    await runJobs();
    const res = await get(`/api/parcels/batch/${again.body.batchId}`);
    assert.equal((await get(`/api/parcels/batch/${first.body.batchId}`)).body.counts.accepted, 1);
    assert.equal(res.body.results[0].status, 'invalid');
    assert.equal(res.body.results[0].errors[0].code, 'WAYBILL_DUPLICATE');
    assert.equal(res.body.results[0].errors[0].path, 'parcels.0.waybillNo');
    assert.ok(res.body.results[1].errors.some((e: { path: string }) => e.path === 'parcels.1.recipient.phone'), JSON.stringify(res.body.results[1]));
  });

  it('a parcel refused after its validation (its waybill taken meanwhile) is undone alone: the parcels around it are taken in once', async () => {
    const taken = aWaybill();
    await post({ uscc, parcels: [batchParcel({ waybillNo: taken })] });
    await runJobs();
    const [a, c] = [aWaybill(), aWaybill()];
    const res = await post({ uscc, parcels: [batchParcel({ waybillNo: a }), batchParcel({ waybillNo: taken }), batchParcel({ waybillNo: c })] });
    await runJobs();
    const view = await get(`/api/parcels/batch/${res.body.batchId}`);
    assert.deepEqual(view.body.counts, { ...view.body.counts, accepted: 2, invalid: 1 });
    assert.deepEqual(view.body.results.map((r: { status: string }) => r.status), ['done', 'invalid', 'done']);
    assert.equal(view.body.results[1].errors[0].code, 'WAYBILL_DUPLICATE');
    for (const waybillNo of [a, c]) {
      const rows = await s.ctx.db.select({ id: parcels.id }).from(parcels).where(eq(parcels.waybillNo, waybillNo));
      assert.equal(rows.length, 1, waybillNo);
    }
  });

  it('refuses the whole batch only for what concerns all of it', async () => {
    const pending = await registerOrganisation(s, false);
    expectProblem(await post({ uscc: pending, parcels: [batchParcel()] }), 422, 'ORGANISATION_NOT_APPROVED');
    const unknown = expectProblem(await post({ uscc: anUscc('440111'), parcels: [batchParcel()] }), 422, 'ORGANISATION_NOT_APPROVED');
    assert.equal(unknown.errors![0]!.path, 'uscc');
    expectProblem(await post({ uscc, parcels: [] }), 422, 'BATCH_EMPTY');
    expectProblem(await post({ uscc, parcels: Array.from({ length: 10_001 }, () => ({})) }), 413, 'BATCH_TOO_LARGE');
    const badHandler = expectProblem(await post({ uscc, handler: { idType: 'CN_RESIDENT_ID', name: '李四', phone: '13800138000' }, parcels: [batchParcel()] }), 422);
    assert.ok(badHandler.errors!.some((e) => e.path === 'handler.idNumber'), JSON.stringify(badHandler));
    expectProblem(await s.http().post('/api/parcels/batch').set('Authorization', `Bearer ${await s.login('regulator1')}`).send({ uscc, parcels: [batchParcel()] }), 403, 'ROLE_FORBIDDEN');
    expectProblem(await post({ uscc, parcels: [batchParcel()] }, 'short'), 400, 'IDEMPOTENCY_KEY_INVALID');
  });

  it('takes 10,000 parcels in one JSON body (its own body limit)', async () => {
    const res = await post({ uscc, parcels: Array.from({ length: 10_000 }, () => ({ ...batchParcel(), inspection: { performed: true, matchesDeclaration: true, notes: '备注'.repeat(60) } })) });
    assert.equal(res.status, 202, res.text.slice(0, 300));
    assert.equal(res.body.total, 10_000);
    // Not run here (the benchmark does, on PostgreSQL): its job is removed so the other tests' rounds do not take it.
    await s.ctx.db.execute(sql`delete from jobs where key = ${`parcels.batch:${res.body.batchId}`}`);
  });

  it('the same Idempotency-Key and body give the same batch; another body under it is refused', async () => {
    const body = { uscc, handler: { idType: 'CN_RESIDENT_ID', idNumber: '11010519491231002X', name: '张三', phone: '13800138000' }, parcels: [batchParcel(), batchParcel()] };
    const key = `batch-${Date.now()}-key`;
    const a = await post(body, key);
    assert.equal(a.status, 202);
    const b = await post(body, key);
    assert.equal(b.status, 200);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.equal(b.body.batchId, a.body.batchId);
    expectProblem(await post({ ...body, parcels: [batchParcel()] }, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    await runJobs();
    const res = await get(`/api/parcels/batch/${a.body.batchId}`);
    assert.equal(res.body.counts.accepted + res.body.counts.held, 2, JSON.stringify(res.body));
    assert.equal((await post(body, key)).body.status, 'done');
  });

  it('reads CSV (Chinese header, GBK too) and XLSX (English header) uploads; the template round-trips', async () => {
    const upload = (file: Buffer, name: string, fields: Record<string, string> = { uscc }) => {
      const r = s.http().post('/api/parcels/batch/upload').set('Authorization', `Bearer ${courier}`);
      for (const [k, v] of Object.entries(fields)) r.field(k, v);
      return r.attach('file', file, name);
    };
    const [w1, w2, w3] = [aWaybill(), aWaybill(), aWaybill()];
    const csv = [
      '运单号,收件人,收件人电话,收件人地址,收件国家,内件品名,内件类别,数量,申报价值,品牌,已验视,验视相符,安检结果,安检机编号,备用列',
      `${w1},John Smith,+1 415 555 0100,"1 Market St, San Francisco",US,运动鞋,shoes,2,300,Nike,是,是,通过,XR-01,x`,
      `${w2},李雷,13800138001,广东省广州市越秀区中山五路1号,CN,茶叶,tea,1,88.5,,是,是,可疑,,`,
      `${w3},韩梅梅,13800138002,广东省广州市越秀区中山五路2号,CN,书,books,两本,50,,是,是,通过,,`,
      `${aWaybill()},韩\u202e梅梅,13800138003,广东省广州市越秀区中山五路3号,CN,书,books,1,50,,是,是,通过,,`,
    ].join('\r\n');
    const res = await upload(Buffer.from(csv), 'batch.csv', { uscc, handlerIdNumber: '11010519491231002X', handlerName: '张三', handlerPhone: '13800138000' });
    assert.equal(res.status, 202, res.text);
    await runJobs();
    const out = await get(`/api/parcels/batch/${res.body.batchId}`);
    assert.deepEqual(out.body.results.map((r: { verdict?: string; status: string }) => r.verdict ?? r.status), ['accepted', 'held', 'invalid', 'invalid']);
    assert.equal(out.body.results[2].errors[0].path, 'parcels.2.declared.quantity');
    assert.equal(out.body.results[3].errors[0].path, 'parcels.3.recipient.name'); // a bidi override in a cell: that row only
    assert.equal(out.body.source, 'csv');

    // As Chinese Excel saves CSV: GBK, no BOM. Read as GB18030, the Chinese header and cells come through.
    const gbkCsv = `运单号,收件人,收件人地址,收件国家,内件品名,内件类别,数量,申报价值,已验视,验视相符,安检结果\r\n${aWaybill()},李雷,广东省广州市越秀区中山五路9号,CN,茶叶,tea,1,88,是,是,通过`;
    const gbk = await upload(iconv.encode(gbkCsv, 'gbk'), 'gbk.csv');
    assert.equal(gbk.status, 202, gbk.text);
    await runJobs();
    assert.equal((await get(`/api/parcels/batch/${gbk.body.batchId}`)).body.counts.accepted, 1);

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('parcels');
    ws.addRow(['waybillNo', 'recipientName', 'recipientAddress', 'recipientCountry', 'description', 'category', 'quantity', 'valueCny', 'inspectionPerformed', 'matchesDeclaration', 'screeningResult']);
    ws.addRow([aWaybill(), 'John Smith', '1 Market St, San Francisco', 'US', 'running shoes', 'shoes', 2, 300, 'yes', 'yes', 'clear']);
    ws.addRow([aWaybill(), 'John Smith', '1 Market St, San Francisco', 'US', 'running shoes', 'shoes', 1, 150, 'true', 'true', 'prohibited']);
    const xlsx = await upload(Buffer.from(await wb.xlsx.writeBuffer()), 'batch.xlsx');
    assert.equal(xlsx.status, 202, xlsx.text);
    await runJobs();
    const outX = await get(`/api/parcels/batch/${xlsx.body.batchId}`);
    assert.deepEqual(outX.body.counts, { accepted: 1, held: 0, rejected: 1, invalid: 0 }, JSON.stringify(outX.body.results));
    assert.equal(outX.body.source, 'xlsx');

    for (const format of ['csv', 'xlsx'] as const) {
      const t = await get(`/api/parcels/batch/template?format=${format}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      assert.equal(t.status, 200);
      // The example row's waybill is replaced: the template's own would be taken by the first upload.
      let file = t.body as Buffer;
      if (format === 'csv') file = Buffer.from(file.toString('utf8').replace('EA123456785CN', aWaybill()));
      else {
        const tw = new ExcelJS.Workbook();
        await tw.xlsx.load(file as never);
        tw.worksheets[0]!.getRow(2).getCell(1).value = aWaybill();
        file = Buffer.from(await tw.xlsx.writeBuffer());
      }
      const up = await upload(file, `template.${format}`);
      assert.equal(up.status, 202, up.text);
      await runJobs();
      const done = await get(`/api/parcels/batch/${up.body.batchId}`);
      // Taken in (accepted, or held where the same example consignee keeps coming back: the ring rules see that).
      assert.equal(done.body.counts.accepted + done.body.counts.held, 1, JSON.stringify(done.body.results));
    }

    const missing = expectProblem(await upload(Buffer.from('运单号,收件人\nEA1,x'), 'bad.csv'), 422);
    assert.ok(missing.errors!.some((e) => e.path === 'file.header.recipientAddress'));
    expectProblem(await upload(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0, 1]), 'x.pdf'), 415, 'UNSUPPORTED_FILE');
  });

  it('lets the outlet, and the regulators of its area, read a batch and its result file; 404 to everyone else', async () => {
    const res = await post({ uscc, parcels: [batchParcel(), batchParcel({ declared: { quantity: 0 } })] });
    await runJobs();
    const path = `/api/parcels/batch/${res.body.batchId}`;
    assert.equal((await get(path, await s.login('supervisor1'))).status, 200);
    assert.equal((await get(path, await s.login('regulator1'))).status, 200);
    assert.equal((await get(path, await s.login('admin'))).status, 200);
    expectProblem(await get(path, await s.login('courier2')), 404, 'BATCH_NOT_FOUND');
    expectProblem(await get(path, await s.login('regulator2')), 404, 'BATCH_NOT_FOUND');
    expectProblem(await get(path, await s.login('customs1')), 403, 'ROLE_FORBIDDEN');
    expectProblem(await get('/api/parcels/batch/not-a-uuid'), 404, 'BATCH_NOT_FOUND');

    const page = await get(`${path}?limit=1`);
    assert.equal(page.body.results.length, 1);
    const next = await get(`${path}?limit=1&cursor=${page.body.nextCursor}`);
    assert.equal(next.body.results[0].index, 1);
    assert.equal(next.body.nextCursor, null);

    const csv = await get(`${path}?format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.text, /准予收寄/);
    assert.match(csv.text, /parcels\.1\.declared\.quantity/);
    const xlsx = await get(`${path}?format=xlsx`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as never);
    assert.equal(wb.worksheets[0]!.rowCount, 3);

    const mine = await get('/api/parcels/batch?limit=200');
    assert.ok(mine.body.batches.some((b: { batchId: string }) => b.batchId === res.body.batchId));
    assert.equal((await get('/api/parcels/batch', await s.login('courier2'))).body.batches.length, 0);
    assert.ok((await get('/api/parcels/batch?limit=200', await s.login('regulator1'))).body.batches.length > 0);
    assert.equal((await get('/api/parcels/batch', await s.login('regulator2'))).body.batches.length, 0);
    const first = await get('/api/parcels/batch?limit=1');
    assert.ok(first.body.nextCursor);
    const second = await get(`/api/parcels/batch?limit=1&cursor=${first.body.nextCursor}`);
    assert.notEqual(second.body.batches[0].batchId, first.body.batches[0].batchId);
  });

  it('tells the outlet live (batch:progress), and no other outlet', async () => {
    const open: Socket[] = [];
    const sock = async (username: string) => {
      const c = connect(`${s.url}/outlet`, { auth: { token: await s.login(username) }, transports: ['websocket'], reconnection: false });
      open.push(c);
      await new Promise((resolve, reject) => {
        c.once('ready', resolve);
        c.once('connect_error', reject);
      });
      return c;
    };
    try {
      const mine = await sock('courier1');
      const other = await sock('courier2');
      const heard: { batchId: string; status: string; done: number; total: number }[] = [];
      const overheard: unknown[] = [];
      mine.on('batch:progress', (p) => heard.push(p));
      other.on('batch:progress', (p) => overheard.push(p));
      const res = await post({ uscc, parcels: [batchParcel(), batchParcel(), batchParcel()] });
      await runJobs();
      await new Promise((r) => setTimeout(r, 300));
      const last = heard.filter((p) => p.batchId === res.body.batchId).at(-1);
      assert.ok(last, 'progress heard');
      assert.deepEqual([last.status, last.done, last.total], ['done', 3, 3]);
      assert.equal(overheard.length, 0);
    } finally {
      for (const c of open) c.close();
    }
  });

  it('renews a job lease only for the attempt that holds it', async () => {
    await enqueueJob(s.ctx.db, { kind: 'test.lease', key: `test.lease:${Date.now()}` });
    const now = new Date();
    const [job] = (await claimJobs(s.ctx.db, 'w1', now, 1, 50)).filter((j) => j.kind === 'test.lease');
    assert.ok(job);
    assert.equal(await renewJobLease(s.ctx.db, job.id, job.attempts, new Date(Date.now() + 60_000)), true);
    // Once the lease ran out another worker claims it (a new attempt); the old attempt's renewal is refused.
    const [taken] = (await claimJobs(s.ctx.db, 'w2', new Date(Date.now() + 120_000), 1000, 50)).filter((j) => j.id === job.id);
    assert.ok(taken);
    assert.equal(await renewJobLease(s.ctx.db, job.id, job.attempts, new Date(Date.now() + 60_000)), false);
    assert.equal(await renewJobLease(s.ctx.db, job.id, taken.attempts, new Date(Date.now() + 60_000)), true);
  });
});
