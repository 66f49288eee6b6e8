// A server killed (SIGKILL) in the middle of a batch: another start on the same data resumes it once the job's short
// lease runs out, and every parcel ends up taken in exactly once — none lost, none twice — with the counts adding up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { orgCodeCheckChar, usccCheckChar } from '../server/organisations/uscc.js';
import { aParcel, aResidentId } from './helpers/factories.js';
import { startServerProcess as startProcess, stopServerProcess, type ServerProcess } from './helpers/process.js';
import { DEMO_PASSWORD, freshDatabase } from './helpers/server.js';

const TOTAL = 400;

function anUscc(division = '440106'): string {
  const body = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  const first17 = `91${division}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

/** This test's point is the restart, not the start-up time: a loaded CI machine may take longer than 30 s to start one. */
const START_MS = 150_000;
const startServerProcess = (env: Record<string, string>) => startProcess(env, START_MS);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bulk intake across a crash (SIGKILL mid-batch, then a restart)', function () {
  this.timeout(600_000);
  let proc: ServerProcess | undefined;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    db = await freshDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-batch-restart-'));
    env = {
      DATA_DIR: dataDir,
      DEMO_PASSWORD,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      // The restarted process must open what the first one sealed.
      PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
      BATCH_LEASE_MS: '2000',
      JOBS_POLL_MS: '200',
    };
  });
  after(async () => {
    await stopServerProcess(proc);
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes the batch; every parcel exists once with a verdict and the counts add up', async () => {
    proc = await startServerProcess(env);
    const login = async (url: string, username: string) => (await request(url).post('/api/session').send({ username, password: DEMO_PASSWORD }).expect(200)).body.token as string;
    let url = proc.url;
    const admin = await login(url, 'admin');
    const uscc = anUscc();
    const reg = await request(url).post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name: '广州天河优选电子商务有限公司',
      uscc,
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
      address: '广东省广州市天河区天河路100号',
      phone: '13900139000',
    });
    assert.equal(reg.status, 201, reg.text);
    await request(url).post(`/api/organisations/${reg.body.id}/review`).set('Authorization', `Bearer ${admin}`).send({ decision: 'approve', reason: '资质齐全' }).expect(200);

    const parcels = Array.from({ length: TOTAL }, (_, n) => {
      const { sender: _s, ...p } = aParcel({
        recipient: { name: `Customer ${n} Smith`, phone: `+1 415 555 ${String(1000 + n)}`, address: `${n} Market St, San Francisco, CA`, country: 'US' },
        declared: { brand: undefined },
      });
      return p;
    });
    let courier = await login(url, 'courier1');
    const sent = await request(url).post('/api/parcels/batch').set('Authorization', `Bearer ${courier}`).set('Idempotency-Key', `restart-${randomBytes(6).toString('hex')}`).send({ uscc, parcels });
    assert.equal(sent.status, 202, sent.text);
    const batchId = sent.body.batchId as string;
    const status = async () => (await request(url).get(`/api/parcels/batch/${batchId}?limit=1`).set('Authorization', `Bearer ${courier}`).expect(200)).body;

    // Killed while it works: some parcels in, most not.
    let atKill = await status();
    for (const started = Date.now(); atKill.done < 20 && Date.now() - started < 60_000; atKill = await status()) await sleep(20);
    proc.child.kill('SIGKILL');
    await new Promise((r) => proc!.child.once('exit', r));
    assert.ok(atKill.done >= 20 && atKill.done < TOTAL, `killed mid-batch (done ${atKill.done} of ${TOTAL})`);

    proc = await startServerProcess(env);
    url = proc.url;
    courier = await login(url, 'courier1');
    let end = await status();
    for (const started = Date.now(); end.status !== 'done' && Date.now() - started < 180_000; end = await status()) await sleep(250);
    assert.equal(end.status, 'done', JSON.stringify(end));

    const { accepted, held, rejected, invalid } = end.counts;
    assert.equal(end.done, TOTAL);
    assert.equal(accepted + held + rejected + invalid, TOTAL);
    // Exactly once: a parcel taken in twice would show as a WAYBILL_DUPLICATE refusal; one lost, as pending.
    assert.equal(invalid, 0, JSON.stringify(end.counts));
    const results: { index: number; waybillNo: string; status: string; verdict?: string; parcelId?: string }[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: { body: { results: typeof results; nextCursor: string | null } } = await request(url)
        .get(`/api/parcels/batch/${batchId}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
        .set('Authorization', `Bearer ${courier}`)
        .expect(200);
      results.push(...page.body.results);
      cursor = page.body.nextCursor;
    }
    assert.deepEqual(results.map((r) => r.index), Array.from({ length: TOTAL }, (_, i) => i));
    assert.ok(results.every((r) => r.status === 'done' && r.verdict && r.parcelId), 'every item has its parcel and verdict');
    assert.equal(new Set(results.map((r) => r.parcelId)).size, TOTAL);
    // Each waybill is one stored parcel, of this batch's verdict.
    for (const r of results.filter((_, i) => i % 20 === 0)) {
      const p = await request(url).get(`/api/parcels/${r.waybillNo}`).set('Authorization', `Bearer ${courier}`).expect(200);
      assert.equal(p.body.parcel.id, r.parcelId);
      assert.equal(p.body.parcel.verdict, r.verdict);
    }
  });
});
