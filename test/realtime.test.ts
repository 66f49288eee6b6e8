import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { roomsForAlert } from '../server/realtime/socket.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('live alerts socket (/alerts)', () => {
  let s: TestServer;
  const open: Socket[] = [];
  before(async () => {
    s = await startTestServer();
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  function socket(auth: object, extraHeaders?: Record<string, string>) {
    const c = connect(`${s.url}/alerts`, { auth, extraHeaders, transports: ['websocket'], reconnection: false });
    open.push(c);
    return c;
  }
  const outcome = (c: Socket) =>
    new Promise<{ ready?: { user: { username: string } }; error?: { message: string; data?: { code: string } } }>((resolve) => {
      c.once('ready', (ready) => resolve({ ready }));
      c.once('connect_error', (error) => resolve({ error: error as never }));
    });

  it('a regulator with a token connects and is told who they are', async () => {
    const r = await outcome(socket({ token: await s.login('regulator1') }));
    assert.equal(r.ready?.user.username, 'regulator1');
  });

  it('the session cookie works as well as the handshake token', async () => {
    const token = await s.login('customs1');
    const r = await outcome(socket({}, { Cookie: `pg_session=${token}` }));
    assert.equal(r.ready?.user.username, 'customs1');
  });

  it('no token is UNAUTHENTICATED, an unknown one SESSION_EXPIRED, a malformed one TOKEN_INVALID', async () => {
    assert.equal((await outcome(socket({}))).error?.data?.code, 'UNAUTHENTICATED');
    assert.equal((await outcome(socket({ token: 'pgs_made-up' }))).error?.data?.code, 'SESSION_EXPIRED');
    assert.equal((await outcome(socket({ token: 'garbage' }))).error?.data?.code, 'TOKEN_INVALID');
  });

  it('a courier may not listen to alerts: ROLE_FORBIDDEN', async () => {
    assert.equal((await outcome(socket({ token: await s.login('courier1') }))).error?.data?.code, 'ROLE_FORBIDDEN');
  });

  it('logging out closes the open socket of that session', async () => {
    const login = await s.http().post('/api/session').send({ username: 'regulator2', password: 'parcelguard-demo' });
    const c = socket({ token: login.body.token });
    await outcome(c);
    const closed = new Promise<string>((resolve) => c.once('disconnect', resolve));
    await s.http().delete('/api/session').set('Authorization', `Bearer ${login.body.token}`).expect(204);
    assert.equal(await closed, 'io server disconnect');
  });

  it('a Guangdong alert reaches Guangdong rooms and admins, never Zhejiang ones', async () => {
    const rooms = roomsForAlert(['440106', '440304'], true);
    assert.ok(rooms.includes('postal:44') && rooms.includes('postal:4401') && rooms.includes('customs:44') && rooms.includes('admin'));
    assert.ok(!rooms.some((r) => r.endsWith(':33')));
    assert.ok(!roomsForAlert(['440106'], false).some((r) => r.startsWith('customs:')), 'domestic alerts are not for customs');
  });

  it('each user joins only the room of their jurisdiction', async () => {
    const sockets = await s.io.of('/alerts').fetchSockets();
    assert.equal(sockets.length, 0);
    const c = socket({ token: await s.login('regulator1') });
    await outcome(c);
    const [server] = await s.io.of('/alerts').fetchSockets();
    assert.deepEqual([...server!.rooms].filter((r) => !r.startsWith('session:') && !r.startsWith('user:') && r !== server!.id), ['postal:44']);
  });
});
