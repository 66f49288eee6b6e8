// Service accounts with API keys (issue 18, machine clients): created and keyed by admins, scoped to an outlet or
// a carrier (X-Outlet-Id), acting as couriers and nothing more, refused at once when revoked or disabled,
// rate-limited per key, the key shown once and stored hashed.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { apiKeys, auditLog, parcels, users } from '../models/schema.js';
import { DEMO_ORGANISATION } from '../server/organisations/store.js';
import { aParcel } from './helpers/factories.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from './helpers/process.js';
import { DEMO_PASSWORD, expectProblem, freshDatabase, startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

const KEY_FORM = /^pgk_[a-z2-7]{12}_[a-z2-7]{40}$/;

describe('machine clients: service accounts and API keys', () => {
  let s: TestServer;
  let admin: string;
  const asAdmin = () => ({ Authorization: `Bearer ${admin}` });
  before(async () => {
    // A low limit per key so the rate-limit test is quick; every other test uses its own keys.
    s = await startTestServer({ RING_ALERT_SCORE: '100', API_KEY_RATE_LIMIT_PER_MINUTE: '25' });
    admin = await s.login('admin');
  });
  after(() => s?.close());

  async function account(name: string, scope: { outletId?: string; carrier?: string }) {
    const res = await s.http().post('/api/service-accounts').set(asAdmin()).send({ name, ...scope });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; name: string };
  }
  async function issue(accountId: string, label = 'test') {
    const res = await s.http().post(`/api/service-accounts/${accountId}/keys`).set(asAdmin()).send({ label });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; key: string; prefix: string };
  }
  const intakeWith = (headers: Record<string, string>, body: object = aParcel(), idem?: string) => {
    const req = s.http().post('/api/parcels').set(headers);
    if (idem) req.set('Idempotency-Key', idem);
    return req.send(body);
  };

  it('admins create service accounts with exactly one valid scope; nobody else may', async () => {
    expectProblem(await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-both', outletId: 'GZ-TH-001', carrier: 'EMS' }), 422, 'SERVICE_SCOPE_REQUIRED');
    expectProblem(await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-none' }), 422, 'SERVICE_SCOPE_REQUIRED');
    const unknownOutlet = expectProblem(await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-x', outletId: 'NOPE-1' }), 422, 'SERVICE_OUTLET_UNKNOWN');
    assert.equal(unknownOutlet.errors?.[0]?.path, 'outletId');
    expectProblem(await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-x', carrier: 'NO-SUCH' }), 422, 'SERVICE_CARRIER_UNKNOWN');
    const courier = await s.login('courier1');
    expectProblem(await s.http().post('/api/service-accounts').set('Authorization', `Bearer ${courier}`).send({ name: 'sa-c', outletId: 'GZ-TH-001' }), 403, 'ROLE_FORBIDDEN');
    const created = await account('sa-dup', { outletId: 'GZ-TH-001' });
    expectProblem(await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-dup', carrier: 'EMS' }), 409, 'SERVICE_NAME_TAKEN');
    const [row] = await s.ctx.db.select().from(users).where(eq(users.id, created.id));
    assert.equal(row?.kind, 'service');
    assert.equal(row?.role, 'courier');
    await issue(created.id);
    const list = await s.http().get('/api/service-accounts').set(asAdmin()).expect(200);
    const shown = list.body.serviceAccounts.find((a: { name: string }) => a.name === 'sa-dup');
    assert.deepEqual({ ...shown, createdAt: undefined }, { id: created.id, name: 'sa-dup', outletId: 'GZ-TH-001', carrier: null, disabled: false, createdAt: undefined, activeKeys: 1 });
  });

  it('an answer carrying a key is never cached; an account whose audit row cannot be written is not created', async () => {
    const a = await account('sa-nostore', { outletId: 'GZ-TH-001' });
    const res = await s.http().post(`/api/service-accounts/${a.id}/keys`).set(asAdmin()).send({ label: 'x' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    // The audit row is written in the account's transaction: when it fails, there is no account it does not show.
    await s.ctx.db.execute(sql`create function test_audit_fail() returns trigger language plpgsql as $$
      begin if new.subject_id = 'sa-auditfail' then raise exception 'audit refused (test)'; end if; return new; end $$`);
    await s.ctx.db.execute(sql`create trigger zz_test_audit_fail before insert on audit_log for each row execute function test_audit_fail()`);
    try {
      const failed = await s.http().post('/api/service-accounts').set(asAdmin()).send({ name: 'sa-auditfail', outletId: 'GZ-TH-001' });
      assert.equal(failed.status, 500, failed.text);
    } finally {
      await s.ctx.db.execute(sql`drop trigger zz_test_audit_fail on audit_log`);
      await s.ctx.db.execute(sql`drop function test_audit_fail()`);
    }
    assert.equal((await s.ctx.db.select().from(users).where(eq(users.username, 'sa-auditfail'))).length, 0, 'no account without its audit row');
    await account('sa-auditfail', { outletId: 'GZ-TH-001' }); // and the name is free
  });

  it('a key is shown once, in its form; only a hash of its secret is kept, and the list never shows it', async () => {
    const a = await account('sa-keys', { outletId: 'GZ-TH-001' });
    const issued = await issue(a.id, 'dispatch system');
    assert.match(issued.key, KEY_FORM);
    assert.equal(issued.key.slice(4, 16), issued.prefix);
    const secret = issued.key.slice(17);
    const [row] = await s.ctx.db.select().from(apiKeys).where(eq(apiKeys.id, issued.id));
    assert.ok(row);
    assert.match(row.secretHash, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(row).includes(secret), 'the secret is not stored');
    const list = await s.http().get(`/api/service-accounts/${a.id}/keys`).set(asAdmin()).expect(200);
    assert.equal(list.body.keys.length, 1);
    assert.deepEqual(Object.keys(list.body.keys[0]).sort(), ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'prefix', 'revokedAt']);
    assert.ok(!list.text.includes(secret) && !list.text.includes(row.secretHash));
    const [audit] = await s.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'api_key.issue'), eq(auditLog.subjectId, 'sa-keys')));
    assert.equal(audit?.details.prefix, issued.prefix);
    assert.ok(!JSON.stringify(audit).includes(secret));
  });

  it('an intake by API key works like a courier’s, Idempotency-Key included, by Bearer or X-Api-Key', async () => {
    const a = await account('sa-intake', { outletId: 'GZ-TH-001' });
    const { key } = await issue(a.id);
    const body = aParcel();
    const idem = randomUUID();
    const first = await intakeWith({ Authorization: `Bearer ${key}` }, body, idem);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.verdict, 'accepted');
    const again = await intakeWith({ 'X-Api-Key': key }, body, idem);
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.parcel.id, first.body.parcel.id);
    const rows = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.outletId, 'GZ-TH-001');
    // The parcel reads back through the courier's route.
    const read = await s.http().get(`/api/parcels/${body.waybillNo}`).set('X-Api-Key', key);
    assert.equal(read.status, 200, read.text);
  });

  it('a batch by API key works like a courier’s: 202, the same Idempotency-Key gives the same batch, progress readable', async () => {
    const a = await account('sa-batch', { carrier: 'EMS' });
    const { key } = await issue(a.id);
    const headers = { 'X-Api-Key': key, 'X-Outlet-Id': 'GZ-TH-001' };
    const parcel = (n: number) => {
      const { sender: _sender, ...rest } = aParcel({ recipient: { name: `Batch Customer ${n}`, phone: `+1 415 555 ${2000 + n}`, address: `${n} Batch St, San Francisco, CA`, country: 'US' } });
      return rest;
    };
    const body = { uscc: DEMO_ORGANISATION.uscc, parcels: [parcel(1), parcel(2)] };
    const idem = randomUUID();
    const first = await s.http().post('/api/parcels/batch').set(headers).set('Idempotency-Key', idem).send(body);
    assert.equal(first.status, 202, first.text);
    const again = await s.http().post('/api/parcels/batch').set(headers).set('Idempotency-Key', idem).send(body);
    assert.ok([200, 202].includes(again.status), again.text);
    assert.equal(again.body.batchId, first.body.batchId);
    const status = await s.http().get(`/api/parcels/batch/${first.body.batchId}`).set(headers);
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.total, 2);
    // Another EMS outlet's view of the batch is another outlet's business.
    const other = await s.http().get(`/api/parcels/batch/${first.body.batchId}`).set({ ...headers, 'X-Outlet-Id': 'SZ-FT-001' });
    assert.ok([403, 404].includes(other.status), other.text);
  });

  it('a carrier-scoped key names its outlet in X-Outlet-Id, which must be one of its carrier’s', async () => {
    const a = await account('sa-ems', { carrier: 'EMS' });
    const { key } = await issue(a.id);
    const auth = { Authorization: `Bearer ${key}` };
    const missing = expectProblem(await intakeWith(auth), 400, 'OUTLET_REQUIRED');
    assert.ok(missing.detail && (missing as { detailZh?: string }).detailZh);
    expectProblem(await intakeWith({ ...auth, 'X-Outlet-Id': 'YW-CC-001' }), 403, 'OUTLET_OUTSIDE_SCOPE'); // a YTO outlet
    expectProblem(await intakeWith({ ...auth, 'X-Outlet-Id': 'NO-SUCH' }), 403, 'OUTLET_OUTSIDE_SCOPE');
    const body = aParcel();
    const res = await intakeWith({ ...auth, 'X-Outlet-Id': 'SZ-FT-001' }, body);
    assert.equal(res.status, 201, res.text);
    const [row] = await s.ctx.db.select().from(parcels).where(eq(parcels.waybillNo, body.waybillNo));
    assert.equal(row?.outletId, 'SZ-FT-001');
    const who = await s.http().get('/api/session').set({ ...auth, 'X-Outlet-Id': 'GZ-TH-001' }).expect(200);
    assert.deepEqual(who.body.user, { username: 'sa-ems', role: 'courier', outletId: 'GZ-TH-001' });
    // An outlet-scoped key may not name another outlet.
    const b = await account('sa-one-outlet', { outletId: 'GZ-TH-001' });
    const k2 = await issue(b.id);
    expectProblem(await intakeWith({ 'X-Api-Key': k2.key, 'X-Outlet-Id': 'SZ-FT-001' }), 403, 'OUTLET_OUTSIDE_SCOPE');
  });

  it('a service account never logs in with a password, even one an admin set', async () => {
    const a = await account('sa-nologin', { outletId: 'GZ-TH-001' });
    const password = 'Quartz-Meadow-7319-Lantern';
    await s.http().patch('/api/users/sa-nologin').set(asAdmin()).send({ password }).expect(200);
    expectProblem(await s.http().post('/api/session').send({ username: 'sa-nologin', password }), 401, 'INVALID_CREDENTIALS');
    assert.ok(a.id);
  });

  it('API keys reach courier routes only: no session or password routes, no admin or officer routes', async () => {
    const a = await account('sa-limits', { outletId: 'GZ-TH-001' });
    const { key } = await issue(a.id);
    const auth = { 'X-Api-Key': key };
    expectProblem(await s.http().post('/api/session/password').set(auth).send({ currentPassword: 'x', newPassword: 'Another-Long-Passphrase-42' }), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().delete('/api/session').set(auth), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().get('/api/users').set(auth), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().patch('/api/users/admin').set(auth).send({ disabled: true }), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().post('/api/service-accounts').set(auth).send({ name: 'sa-self', outletId: 'GZ-TH-001' }), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().get('/api/webhooks').set(auth), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    await s.http().get('/api/holds').set(auth).expect(200);
  });

  it('service accounts are held to the machine allowlist: courier routes a person may use by hand are refused', async () => {
    const a = await account('sa-allow', { outletId: 'GZ-TH-001' });
    const { key } = await issue(a.id);
    const auth = { 'X-Api-Key': key };
    const org = { uscc: '91440106MA59C1XQ2N', name: '广州某贸易有限公司' };
    // Couriers may register organisations and upload photos; a carrier's system may not.
    const refused = expectProblem(await s.http().post('/api/organisations').set(auth).send(org), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    assert.ok((refused as { detailZh?: string }).detailZh?.includes('服务账号'), 'refused in Chinese too');
    assert.ok(refused.detail?.includes('service account'));
    expectProblem(await s.http().post('/api/media').set(auth).attach('file', Buffer.from('GIF89a'), 'x.gif'), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    // The route as declared is what counts, not the URL as typed (Express routes letter case and a final slash alike).
    expectProblem(await s.http().post('/API/Organisations/').set(auth).send(org), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    expectProblem(await s.http().get('/api/organisations/00000000-0000-4000-8000-000000000000').set(auth), 403, 'SERVICE_ACCOUNT_ROUTE_FORBIDDEN');
    // The picker's list, the session, holds and interceptions stay open.
    const picker = await s.http().get('/api/organisations?status=approved').set(auth);
    assert.equal(picker.status, 200, picker.text);
    assert.equal((await s.http().get('/api/session').set(auth)).status, 200);
    assert.equal((await s.http().get('/api/interceptions').set(auth)).status, 200);
    // A courier by hand still registers organisations (the refusal is for machines only).
    const byHand = await s.http().post('/api/organisations').set('Authorization', `Bearer ${await s.login('courier1')}`).send({});
    assert.notEqual(byHand.status, 403, byHand.text);
  });

  it('unknown, malformed, revoked and expired keys and disabled accounts are 401 API_KEY_INVALID in both languages', async () => {
    const bad = expectProblem(await s.http().get('/api/session').set('X-Api-Key', 'pgk_nonsense'), 401, 'API_KEY_INVALID');
    assert.ok((bad as { detailZh?: string }).detailZh?.includes('API 密钥无效'));
    expectProblem(await s.http().get('/api/session').set('Authorization', `Bearer pgk_${'a'.repeat(12)}_${'b'.repeat(40)}`), 401, 'API_KEY_INVALID');
    const a = await account('sa-revoke', { outletId: 'GZ-TH-001' });
    const k = await issue(a.id);
    await s.http().get('/api/session').set('X-Api-Key', k.key).expect(200); // cached now: revocation must still win at once
    await s.http().delete(`/api/service-accounts/${a.id}/keys/${k.id}`).set(asAdmin()).expect(204);
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', k.key), 401, 'API_KEY_INVALID');
    expectProblem(await s.http().delete(`/api/service-accounts/${a.id}/keys/${k.id}`).set(asAdmin()), 409, 'API_KEY_REVOKED');
    // A right secret with another key's prefix is no key.
    const k2 = await issue(a.id);
    const k3 = await issue(a.id);
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', `pgk_${k2.prefix}_${k3.key.slice(17)}`), 401, 'API_KEY_INVALID');
    // Rotation: the new key works, the old one stops when told (here at once).
    const rotated = await s.http().post(`/api/service-accounts/${a.id}/keys/${k2.id}/rotate`).set(asAdmin()).send({ revokeOldAfterSeconds: 0 });
    assert.equal(rotated.status, 201, rotated.text);
    assert.match(rotated.body.key, KEY_FORM);
    assert.ok(rotated.body.old.revokedAt);
    assert.equal(rotated.headers['cache-control'], 'no-store', 'the rotated key is not cached along the way');
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', k2.key), 401, 'API_KEY_INVALID');
    await s.http().get('/api/session').set('X-Api-Key', rotated.body.key).expect(200);
    // A key past its expiry.
    await s.ctx.db.update(apiKeys).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiKeys.id, k3.id));
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', k3.key), 401, 'API_KEY_INVALID');
    // Disabling the account stops every key at once.
    await s.http().patch(`/api/service-accounts/${a.id}`).set(asAdmin()).send({ disabled: true }).expect(200);
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', rotated.body.key), 401, 'API_KEY_INVALID');
    expectProblem(await s.http().post(`/api/service-accounts/${a.id}/keys`).set(asAdmin()).send({}), 422, 'SERVICE_ACCOUNT_DISABLED');
    const actions = (await s.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, 'sa-revoke'))).map((r) => r.action);
    for (const a of ['service_account.create', 'api_key.issue', 'api_key.revoke', 'api_key.rotate', 'service_account.disable']) assert.ok(actions.includes(a), `${a} audited`);
  });

  it('each key has its own rate limit: 429 with Retry-After, other keys unaffected', async () => {
    const a = await account('sa-busy', { outletId: 'GZ-TH-001' });
    const busy = await issue(a.id);
    const calm = await issue(a.id);
    for (let i = 0; i < 25; i++) await s.http().get('/api/session').set('X-Api-Key', busy.key).expect(200);
    const limited = expectProblem(await s.http().get('/api/session').set('X-Api-Key', busy.key), 429, 'RATE_LIMITED');
    assert.ok((limited as { detailZh?: string }).detailZh);
    const res = await s.http().get('/api/session').set('X-Api-Key', busy.key);
    assert.ok(Number(res.headers['retry-after']) >= 1 && Number(res.headers['retry-after']) <= 60, `Retry-After ${res.headers['retry-after']}`);
    await s.http().get('/api/session').set('X-Api-Key', calm.key).expect(200);
    // Made-up secrets under the busy key's prefix are refused as invalid, not counted against anyone.
    expectProblem(await s.http().get('/api/session').set('X-Api-Key', `pgk_${calm.prefix}_${'c'.repeat(40)}`), 401, 'API_KEY_INVALID');
    await s.http().get('/api/session').set('X-Api-Key', calm.key).expect(200);
  });

  it('last_used_at is set on use and written at most once a minute per key', async () => {
    const a = await account('sa-used', { outletId: 'GZ-TH-001' });
    const k = await issue(a.id);
    const lastUsed = async () => (await s.ctx.db.select({ at: apiKeys.lastUsedAt }).from(apiKeys).where(inArray(apiKeys.id, [k.id])))[0]!.at;
    assert.equal(await lastUsed(), null);
    await s.http().get('/api/session').set('X-Api-Key', k.key).expect(200);
    const first = await lastUsed();
    assert.ok(first);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) await s.http().get('/api/session').set('X-Api-Key', k.key).expect(200);
    assert.equal((await lastUsed())?.getTime(), first.getTime(), 'not rewritten within the minute');
    const list = await s.http().get(`/api/service-accounts/${a.id}/keys`).set(asAdmin()).expect(200);
    assert.equal(list.body.keys[0].lastUsedAt, first.toISOString());
  });
});

describe('machine clients across two server processes (PostgreSQL)', function () {
  this.timeout(90_000);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;

  before(async function () {
    if (!usingPostgresServer()) this.skip(); // several processes need a database server
    db = await freshDatabase();
    const env = {
      NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: db.url!, PASSWORD_HASH_COST: '10', DEMO_PASSWORD,
      DATA_DIR: path.join('/tmp', `pg-machine-${randomBytes(4).toString('hex')}`),
      PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    };
    a = await startServerProcess(env); // migrates and seeds
    b = await startServerProcess(env);
  });
  after(async () => {
    await Promise.all([stopServerProcess(a), stopServerProcess(b)]);
    await db?.drop();
  });

  /** Polls until the key is refused on `p`, returning how long that took. */
  async function refusedWithin(p: ServerProcess, key: string, ms: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const res = await request(p.url).get('/api/session').set('X-Api-Key', key);
      if (res.status === 401) return Date.now() - start;
      assert.equal(res.status, 200, res.text);
      if (Date.now() - start > ms) throw new Error(`still accepted after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a key revoked, or an account disabled, in one process is refused at once by the other (whose cache held it)', async () => {
    const admin = (await request(a!.url).post('/api/session').send({ username: 'admin', password: DEMO_PASSWORD }).expect(200)).body.token as string;
    const auth = { Authorization: `Bearer ${admin}` };
    const acc = (await request(a!.url).post('/api/service-accounts').set(auth).send({ name: 'sa-cluster', outletId: 'GZ-TH-001' }).expect(201)).body;
    const k1 = (await request(a!.url).post(`/api/service-accounts/${acc.id}/keys`).set(auth).send({}).expect(201)).body;
    const k2 = (await request(a!.url).post(`/api/service-accounts/${acc.id}/keys`).set(auth).send({}).expect(201)).body;
    await request(b!.url).get('/api/session').set('X-Api-Key', k1.key).expect(200); // now in B's cache
    await request(b!.url).get('/api/session').set('X-Api-Key', k2.key).expect(200);
    await request(a!.url).delete(`/api/service-accounts/${acc.id}/keys/${k1.id}`).set(auth).expect(204);
    assert.ok((await refusedWithin(b!, k1.key, 2000)) < 2000, 'revocation reached the other process well before the cache TTL');
    await request(b!.url).get('/api/session').set('X-Api-Key', k2.key).expect(200);
    await request(a!.url).patch(`/api/service-accounts/${acc.id}`).set(auth).send({ disabled: true }).expect(200);
    await refusedWithin(b!, k2.key, 2000);
  });
});
