// Two ParcelGuard processes on one PostgreSQL server: an intake on one reaches a regulator's socket on the
// other (@socket.io/postgres-adapter), and a client that reconnects to the other process catches up from
// the database. Real processes, real sockets; PostgreSQL only (PGlite serves one process).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { aParcel, aResidentId } from './helpers/factories.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from './helpers/process.js';
import { DEMO_PASSWORD, freshDatabase, usingPostgresServer } from './helpers/server.js';

type Proc = ServerProcess;

describe('live alerts across two server processes (PostgreSQL)', function () {
  this.timeout(60_000);
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: Proc | undefined;
  let b: Proc | undefined;
  const sockets: Socket[] = [];

  before(async function () {
    if (!usingPostgresServer()) this.skip(); // several processes need a database server
    db = await freshDatabase();
    const env = {
      NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: db.url!, PASSWORD_HASH_COST: '10',
      LOGIN_RATE_LIMIT_PER_MINUTE: '10000', DEMO_PASSWORD, DATA_DIR: path.join('/tmp', `pg-cluster-${randomBytes(4).toString('hex')}`),
      // Both processes must seal and blind-index with the same keys.
      PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    };
    a = await startServerProcess(env); // migrates and seeds
    b = await startServerProcess(env);
  });
  after(async () => {
    sockets.forEach((c) => c.close());
    await Promise.all([stopServerProcess(a), stopServerProcess(b)]);
    await db?.drop();
  });

  const login = async (p: Proc, username: string) => (await request(p.url).post('/api/session').send({ username, password: DEMO_PASSWORD }).expect(200)).body.token as string;

  async function listen(p: Proc, username: string, auth: Record<string, string> = {}) {
    const c = connect(`${p.url}/alerts`, { auth: { token: await login(p, username), ...auth }, transports: ['websocket'], reconnection: false });
    sockets.push(c);
    const events: { event: string; alert: { id: string; type: string; parcelCount: number; evidence: { code: string }[] } }[] = [];
    c.on('alert:new', (alert) => events.push({ event: 'alert:new', alert }));
    c.on('alert:updated', (alert) => events.push({ event: 'alert:updated', alert }));
    await new Promise((resolve, reject) => (c.once('ready', resolve), c.once('connect_error', reject)));
    return events;
  }

  it('a ring taken in at process A alerts the regulator listening at process B, and only the right regulators', async () => {
    const onB = await listen(b!, 'regulator1');
    const onA = await listen(a!, 'regulator1');
    const zhejiangOnB = await listen(b!, 'regulator2');
    const since = new Date().toISOString();
    const courier = await login(a!, 'courier1');
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await request(a!.url)
        .post('/api/parcels')
        .set('Authorization', `Bearer ${courier}`)
        .send(aParcel({
          sender: { idNumber: aResidentId('440106', `1980010${i + 1}`, '135'), name: '周敏', phone: '13822223333', address: '广东省广州市白云区机场路1号' },
          recipient: { name: 'Tanaka Yui', phone: '+81 90 1234 5601', address: '1-2-3 Shibuya, Tokyo', country: 'JP' },
          declared: { description: '样品一批', category: 'samples', quantity: 2, valueCny: 930, brand: undefined },
        }))
        .expect(201);
      for (const al of res.body.alerts) ids.add(al.id);
    }
    assert.equal(ids.size, 1);
    const deadline = Date.now() + 5000;
    while (onB.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(onB.map((e) => e.event), ['alert:new', 'alert:updated'], 'process B heard it through PostgreSQL');
    assert.equal(onB[1]!.alert.parcelCount, 4);
    assert.ok(onB[1]!.alert.evidence.some((e) => e.code === 'VALUES_JUST_UNDER_LIMIT'));
    assert.deepEqual(onA.map((e) => e.event), ['alert:new', 'alert:updated'], 'and process A delivered it once to its own');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(zhejiangOnB, []);

    // A client that was away reconnects to the other process and catches up from the database.
    const back = connect(`${b!.url}/alerts`, { auth: { token: await login(b!, 'customs1'), since }, transports: ['websocket'], reconnection: false });
    sockets.push(back);
    const missed: { id: string }[] = [];
    back.on('alert:new', (al) => missed.push(al));
    await new Promise((resolve) => back.once('caught-up', resolve));
    assert.deepEqual(missed.map((m) => m.id), [...ids]);
  });
});
