// Issue 14 item 11: a page on another site cannot act with the session cookie, over HTTP or by opening the
// live-alerts socket. Same origin (directly or behind a trusted proxy) and ALLOWED_ORIGINS still work, and
// clients that send no Origin (a carrier's system with a Bearer token) are not affected.
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { ConfigError, loadConfig } from '../server/config.js';
import { foreignOrigin } from '../server/http/origin.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

const EVIL = 'https://parcelguard.evil.example';
const PARTNER = 'https://console.partner.example.gov.cn';

describe('Origin check: the rule', () => {
  const policy = { allowedOrigins: [PARTNER], trustProxy: undefined };
  const at = (headers: Record<string, string>, p: { allowedOrigins: string[]; trustProxy: string | undefined } = policy) =>
    foreignOrigin({ headers: { host: 'pg.example.gov.cn', ...headers } }, p);
  const table: [string, Record<string, string>, boolean][] = [
    ['no Origin, no Sec-Fetch-Site (a non-browser client)', {}, false],
    ['its own origin over https', { origin: 'https://pg.example.gov.cn' }, false],
    ['its own origin over http', { origin: 'http://pg.example.gov.cn' }, false],
    ['its own origin, upper case', { origin: 'HTTPS://PG.Example.gov.cn' }, false],
    ['a listed origin', { origin: PARTNER }, false],
    ['a listed origin, even cross-site', { origin: PARTNER, 'sec-fetch-site': 'cross-site' }, false],
    ['same-origin fetch metadata', { origin: 'https://pg.example.gov.cn', 'sec-fetch-site': 'same-origin' }, false],
    ['another site', { origin: EVIL }, true],
    ['the same host on another port', { origin: 'https://pg.example.gov.cn:8443' }, true],
    ['a sibling subdomain', { origin: 'https://evil.example.gov.cn' }, true],
    ['a host that only starts like ours', { origin: 'https://pg.example.gov.cn.evil.example' }, true],
    ['Origin: null (sandboxed frame, file: page)', { origin: 'null' }, true],
    ['not a URL', { origin: '%%%' }, true],
    ['no Origin but Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, true],
    ['own Origin but Sec-Fetch-Site: cross-site', { origin: 'https://pg.example.gov.cn', 'sec-fetch-site': 'cross-site' }, true],
  ];
  for (const [what, headers, foreign] of table) {
    it(`${what}: ${foreign ? 'foreign' : 'accepted'}`, () => assert.equal(at(headers) !== undefined, foreign));
  }

  it('behind a trusted proxy the forwarded host is its own; without TRUST_PROXY the header is ignored', () => {
    const headers = { host: '127.0.0.1:3000', 'x-forwarded-host': 'pg.example.gov.cn, internal:3000', origin: 'https://pg.example.gov.cn' };
    assert.equal(foreignOrigin({ headers }, { allowedOrigins: [], trustProxy: '1' }), undefined);
    assert.ok(foreignOrigin({ headers }, { allowedOrigins: [], trustProxy: undefined }));
  });

  it('ALLOWED_ORIGINS is a validated, normalised list of origins', () => {
    assert.deepEqual(loadConfig({ ALLOWED_ORIGINS: ` ${PARTNER}, http://LOCALHOST:5173/ ` }).allowedOrigins, [PARTNER, 'http://localhost:5173']);
    assert.deepEqual(loadConfig({}).allowedOrigins, []);
    for (const bad of ['https://a.example/console', 'ftp://a.example', 'a.example', 'https://a.example?x=1']) {
      assert.throws(() => loadConfig({ ALLOWED_ORIGINS: bad }), (e: unknown) => e instanceof ConfigError && /ALLOWED_ORIGINS/.test(e.message), bad);
    }
  });
});

describe('Origin check: HTTP and the live-alerts socket', () => {
  let s: TestServer;
  let own: string;
  const open: Socket[] = [];
  before(async () => {
    s = await startTestServer({ ALLOWED_ORIGINS: PARTNER, TRUST_PROXY: '1' });
    own = s.url.replace('localhost', '127.0.0.1');
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  const cookie = async (username: string) => `pg_session=${await s.login(username)}`;
  const freshCookie = async (username: string) =>
    `pg_session=${(await s.http().post('/api/session').send({ username, password: 'parcelguard-demo' }).expect(200)).body.token}`;

  it('cookie-authenticated import, acknowledge, delete and key rotation from another site are 403 ORIGIN_FORBIDDEN', async () => {
    const admin = await cookie('admin');
    const id = '00000000-0000-4000-8000-000000000000';
    const attempts = [
      s.http().post('/api/watchlist/import').attach('file', Buffer.from('type,value\n'), 'list.csv'),
      s.http().post(`/api/alerts/${id}/acknowledge`),
      s.http().delete(`/api/watchlist/entries/${id}`),
      s.http().post('/api/customs/selection-keys'),
      s.http().post('/api/watchlist/entries').send({ entries: [{ type: 'phone', value: '13800138000', reason: 'x' }] }),
    ];
    for (const attempt of attempts) {
      const body = expectProblem(await attempt.set('Cookie', admin).set('Origin', EVIL), 403, 'ORIGIN_FORBIDDEN');
      assert.match(body.detail, /parcelguard\.evil\.example/);
      assert.ok((body as { detailZh?: string }).detailZh);
    }
    // The same key rotation from the console's own page works.
    await s.http().post('/api/customs/selection-keys').set('Cookie', admin).set('Origin', own).expect(201);
  });

  it('a refused request changed nothing: a cross-site logout leaves the session working', async () => {
    const c = await freshCookie('regulator1');
    expectProblem(await s.http().delete('/api/session').set('Cookie', c).set('Origin', EVIL), 403, 'ORIGIN_FORBIDDEN');
    await s.http().get('/api/session').set('Cookie', c).expect(200);
    await s.http().delete('/api/session').set('Cookie', c).set('Origin', own).set('Sec-Fetch-Site', 'same-origin').expect(204);
    expectProblem(await s.http().get('/api/session').set('Cookie', c), 401);
  });

  it('Sec-Fetch-Site: cross-site without an Origin, and Origin: null, are refused too', async () => {
    const c = await cookie('admin');
    expectProblem(await s.http().post('/api/customs/selection-keys').set('Cookie', c).set('Sec-Fetch-Site', 'cross-site'), 403, 'ORIGIN_FORBIDDEN');
    expectProblem(await s.http().post('/api/customs/selection-keys').set('Cookie', c).set('Origin', 'null'), 403, 'ORIGIN_FORBIDDEN');
  });

  it('a login form posted from another site is refused (login CSRF)', async () => {
    expectProblem(await s.http().post('/api/session').set('Origin', EVIL).send({ username: 'admin', password: 'parcelguard-demo' }), 403, 'ORIGIN_FORBIDDEN');
  });

  it('an origin in ALLOWED_ORIGINS may act; reading is never refused', async () => {
    const c = await cookie('admin');
    await s.http().post('/api/customs/selection-keys').set('Cookie', c).set('Origin', PARTNER).expect(201);
    await s.http().get('/api/session').set('Cookie', c).set('Origin', EVIL).set('Sec-Fetch-Site', 'cross-site').expect(200);
  });

  it('a Bearer client that sends no Origin (a carrier system, a script) is not affected', async () => {
    await s.http().post('/api/customs/selection-keys').set('Authorization', `Bearer ${await s.login('admin')}`).expect(201);
  });

  it('behind a trusted reverse proxy the public origin (X-Forwarded-Host) is same-origin', async () => {
    // This server trusts one proxy hop (TRUST_PROXY=1); the rule's table above shows the header ignored without it.
    const token = (await s.http().post('/api/session').set('X-Forwarded-Host', 'pg.example.gov.cn').set('Origin', 'https://pg.example.gov.cn')
      .send({ username: 'admin', password: 'parcelguard-demo' }).expect(200)).body.token as string;
    await s.http().post('/api/customs/selection-keys').set('Cookie', `pg_session=${token}`)
      .set('X-Forwarded-Host', 'pg.example.gov.cn').set('X-Forwarded-Proto', 'https').set('Origin', 'https://pg.example.gov.cn').expect(201);
    // The public origin is not this server's when the proxy says the request was for another host.
    expectProblem(
      await s.http().post('/api/customs/selection-keys').set('Cookie', `pg_session=${token}`).set('X-Forwarded-Host', 'other.example.gov.cn').set('Origin', 'https://pg.example.gov.cn'),
      403,
      'ORIGIN_FORBIDDEN',
    );
  });

  describe('the socket.io handshake', () => {
    const outcome = (c: Socket) =>
      new Promise<{ ready?: unknown; error?: Error & { description?: unknown } }>((resolve) => {
        c.once('ready', (ready) => resolve({ ready }));
        c.once('connect_error', (error) => resolve({ error }));
      });
    function socket(transport: 'websocket' | 'polling', headers: Record<string, string>) {
      const c = connect(`${s.url}/alerts`, { transports: [transport], reconnection: false, extraHeaders: headers });
      open.push(c);
      return c;
    }

    for (const transport of ['websocket', 'polling'] as const) {
      it(`over ${transport}: another site's page is refused with the cookie; the console's own page connects`, async () => {
        const c = await cookie('regulator1');
        const refused = await outcome(socket(transport, { Cookie: c, Origin: EVIL }));
        assert.equal(refused.ready, undefined);
        assert.ok(refused.error);
        assert.equal((await s.io.of('/alerts').fetchSockets()).length, 0, 'no socket was opened');
        assert.ok((await outcome(socket(transport, { Cookie: c, Origin: own }))).ready);
        assert.ok((await outcome(socket(transport, { Cookie: c, Origin: PARTNER }))).ready);
        assert.equal((await outcome(socket(transport, { Cookie: c, 'Sec-Fetch-Site': 'cross-site' }))).ready, undefined);
      });
    }

    it('the engine answers a foreign polling handshake 403 naming ORIGIN_FORBIDDEN', async () => {
      const res = await request(s.httpServer).get('/socket.io/?EIO=4&transport=polling').set('Origin', EVIL).set('Cookie', await cookie('regulator1'));
      assert.equal(res.status, 403);
      assert.match(JSON.parse(res.text).message, /^ORIGIN_FORBIDDEN/);
    });
  });
});
