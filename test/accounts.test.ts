import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { users } from '../models/schema.js';
import { authenticateToken, createSession } from '../server/accounts/sessions.js';
import { DEMO_USERS } from '../server/accounts/demo.js';
import { sweepSessions } from '../server/housekeeping.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

describe('accounts and sessions', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  /** A fresh admin account, logged in; returns its token. */
  async function aTemporaryAdmin(username: string): Promise<string> {
    await s.http().post('/api/users').set('Authorization', `Bearer ${await s.login('admin')}`)
      .send({ username, password: 'temporary-pass', role: 'admin' }).expect(201);
    return s.login(username, 'temporary-pass');
  }

  for (const demo of DEMO_USERS) {
    it(`demo account ${demo.username} logs in as ${demo.role} with its scope`, async () => {
      const res = await s.http().post('/api/session').send({ username: demo.username, password: 'parcelguard-demo' }).expect(200);
      assert.match(res.body.token, /^pgs_/);
      assert.equal(res.body.user.role, demo.role);
      assert.equal(res.body.user.outletId, demo.outletId ?? undefined);
      assert.equal(res.body.user.jurisdiction, demo.jurisdiction ?? undefined);
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /pg_session=pgs_/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
    });
  }

  it('a wrong password and an unknown username get the same 401 INVALID_CREDENTIALS', async () => {
    expectProblem(await s.http().post('/api/session').send({ username: 'courier1', password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');
    expectProblem(await s.http().post('/api/session').send({ username: 'nobody', password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');
  });

  it('the bearer token and the httpOnly cookie both identify the user', async () => {
    const token = await s.login('regulator1');
    const viaBearer = await s.http().get('/api/session').set('Authorization', `Bearer ${token}`).expect(200);
    assert.deepEqual(viaBearer.body.user, { username: 'regulator1', role: 'postal_regulator', jurisdiction: '44' });
    const viaCookie = await s.http().get('/api/session').set('Cookie', `pg_session=${token}`).expect(200);
    assert.equal(viaCookie.body.user.username, 'regulator1');
  });

  it('without a login every non-public route is 401', async () => {
    expectProblem(await s.http().get('/api/session'), 401, 'UNAUTHENTICATED');
    expectProblem(await s.http().get('/api/outlets'), 401, 'UNAUTHENTICATED');
    expectProblem(await s.http().get('/api/users').set('Authorization', 'Bearer nonsense'), 401, 'TOKEN_INVALID');
    expectProblem(await s.http().get('/api/users').set('Authorization', 'Basic abc'), 401);
  });

  it('an expired token is 401 SESSION_EXPIRED', async () => {
    const [admin] = await s.ctx.db.select().from(users).where(eq(users.username, 'admin'));
    const { token } = await createSession(s.ctx.db, admin!.id, 1000, new Date(Date.now() - 60_000));
    expectProblem(await s.http().get('/api/session').set('Authorization', `Bearer ${token}`), 401, 'SESSION_EXPIRED');
  });

  it('expired sessions are swept, live ones kept', async () => {
    const [admin] = await s.ctx.db.select().from(users).where(eq(users.username, 'admin'));
    await createSession(s.ctx.db, admin!.id, 1000, new Date(Date.now() - 60_000));
    assert.ok((await sweepSessions(s.ctx.db)) >= 1);
    await s.http().get('/api/session').set('Authorization', `Bearer ${await s.login('admin')}`).expect(200);
  });

  it('logout ends the session: the same token is then refused', async () => {
    const res = await s.http().post('/api/session').send({ username: 'customs1', password: 'parcelguard-demo' }).expect(200);
    const token = res.body.token;
    await s.http().delete('/api/session').set('Authorization', `Bearer ${token}`).expect(204);
    expectProblem(await s.http().get('/api/session').set('Authorization', `Bearer ${token}`), 401, 'SESSION_EXPIRED');
  });

  it('a disabled account cannot use its open session', async () => {
    const token = await aTemporaryAdmin('temp1');
    await s.ctx.db.update(users).set({ disabled: true }).where(eq(users.username, 'temp1'));
    expectProblem(await s.http().get('/api/session').set('Authorization', `Bearer ${token}`), 401, 'ACCOUNT_DISABLED');
  });

  it('a session cached for speed still ends for a disabled account once the 15 s cache window passes', async () => {
    const token = await aTemporaryAdmin('temp2');
    const now = new Date();
    assert.equal((await authenticateToken(s.ctx.db, token, now)).username, 'temp2'); // now cached
    await s.ctx.db.update(users).set({ disabled: true }).where(eq(users.username, 'temp2'));
    assert.equal((await authenticateToken(s.ctx.db, token, new Date(now.getTime() + 5_000))).username, 'temp2', 'within the window');
    await assert.rejects(authenticateToken(s.ctx.db, token, new Date(now.getTime() + 16_000)), /disabled/);
  });

  it('a courier asking for the account list is 403 ROLE_FORBIDDEN; an admin gets it', async () => {
    const courier = await s.login('courier1');
    const body = expectProblem(await s.http().get('/api/users').set('Authorization', `Bearer ${courier}`), 403, 'ROLE_FORBIDDEN');
    assert.match(body.detail, /admin/);
    const admin = await s.login('admin');
    const list = await s.http().get('/api/users').set('Authorization', `Bearer ${admin}`).expect(200);
    assert.ok(list.body.users.some((u: { username: string }) => u.username === 'courier1'));
    assert.ok(list.body.users.every((u: object) => !('passwordHash' in u)));
  });

  describe('an admin creating accounts', () => {
    let admin: string;
    before(async () => {
      admin = await s.login('admin');
    });
    const post = (body: object) => s.http().post('/api/users').set('Authorization', `Bearer ${admin}`).send(body);

    it('creates a courier at an outlet, who can then log in', async () => {
      const res = await post({ username: 'Courier9', password: 'long-enough-pw', role: 'courier', outletId: 'GZ-TH-001' }).expect(201);
      assert.equal(res.body.username, 'courier9');
      const login = await s.http().post('/api/session').send({ username: 'COURIER9', password: 'long-enough-pw' }).expect(200);
      assert.equal(login.body.user.outletId, 'GZ-TH-001');
    });

    it('a courier without an outlet is 422 OUTLET_REQUIRED', async () => {
      const body = expectProblem(await post({ username: 'c10', password: 'long-enough-pw', role: 'courier' }), 422, 'OUTLET_REQUIRED');
      assert.equal(body.errors![0]!.path, 'outletId');
    });

    it('an unknown outlet or jurisdiction is 422 naming the field', async () => {
      expectProblem(await post({ username: 'c11', password: 'long-enough-pw', role: 'courier', outletId: 'XX-0' }), 422, 'OUTLET_UNKNOWN');
      expectProblem(await post({ username: 'r11', password: 'long-enough-pw', role: 'postal_regulator', jurisdiction: '99' }), 422, 'JURISDICTION_UNKNOWN');
      expectProblem(await post({ username: 'r12', password: 'long-enough-pw', role: 'customs_officer' }), 422, 'JURISDICTION_REQUIRED');
    });

    it('a taken username is 409 USERNAME_TAKEN', async () => {
      expectProblem(await post({ username: 'courier1', password: 'long-enough-pw', role: 'admin' }), 409, 'USERNAME_TAKEN');
    });

    it('an unknown role is 400 naming the field; a short password 422 PASSWORD_WEAK saying so', async () => {
      const body = expectProblem(await post({ username: 'x12', password: 'long-enough-pw', role: 'boss' }), 400, 'INVALID_VALUE');
      assert.deepEqual(body.errors!.map((e) => [e.path, e.code]), [['role', 'INVALID_VALUE']]);
      const weak = expectProblem(await post({ username: 'x12', password: 'short', role: 'admin' }), 422, 'PASSWORD_WEAK');
      assert.deepEqual(weak.errors!.map((e) => [e.path, e.reason]), [['password', 'TOO_SHORT']]);
    });
  });
});

// Login throttling per account and per address: test/accounts-security.test.ts.
