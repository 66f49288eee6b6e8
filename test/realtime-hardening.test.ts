// Issue 14, items 1 and 6 (socket side): nothing a client sends in the live-alerts handshake can stop the
// server, a failing socket handler is answered to that client only, an unexpected rejection does not end a
// real server process, and a revoked user's sockets are all closed, on every process.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { sessions, users } from '../models/schema.js';
import { hashToken } from '../server/accounts/sessions.js';
import type { AlertChange } from '../server/alerts/alerts.js';
import { startServer, type RunningServer } from '../server/server.js';
import { DEMO_PASSWORD, expectProblem, startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

type Outcome = { ready?: { user: { username: string } }; error?: { message: string; data?: { code: string; errors?: { path: string; code: string }[] } } };

const outcome = (c: Socket) =>
  new Promise<Outcome>((resolve) => {
    c.once('ready', (ready) => resolve({ ready }));
    c.once('connect_error', (error) => resolve({ error: error as never }));
  });

/** A fake alert as the intake publishes it, in Guangzhou (rooms postal:44, postal:4401, admin). */
const anAlertChange = (id: string): AlertChange =>
  ({ event: 'alert:new', alert: { id, crossBorder: false } as AlertChange['alert'], regionCodes: ['440106'] });

describe('live alerts hardening (/alerts)', () => {
  let s: TestServer;
  const open: Socket[] = [];
  before(async () => {
    // On PostgreSQL, sockets fan out through the adapter as in production (several processes).
    s = await startTestServer({}, usingPostgresServer() ? { realtimeAdapter: 'postgres' } : {});
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(() => s?.close());

  function socket(url: string, auth: object) {
    const c = connect(`${url}/alerts`, { auth, transports: ['websocket'], reconnection: false });
    open.push(c);
    return c;
  }

  async function stillServing() {
    await s.http().get('/healthz').expect(200);
    const r = await outcome(socket(s.url, { token: await s.login('regulator1') }));
    assert.equal(r.ready?.user.username, 'regulator1', `a normal connect after: ${JSON.stringify(r.error)}`);
  }

  describe('every handshake field, with every JSON type', () => {
    // Below socket.io's 1 MB packet limit, so it reaches the handshake check.
    const huge = 'x'.repeat(900_000);
    const values: [string, unknown][] = [
      ['a string', 'not-a-time'],
      ['a number', 1],
      ['a boolean', true],
      ['null', null],
      ['an array', ['2024-01-01T00:00:00Z']],
      ['an object', { toString: 1 }],
      ['a huge string', huge],
    ];
    // What each field with each value must give; every refusal is a connect_error with a code in err.data.
    const expected = (field: string, kind: string): { code: string; path?: string } => {
      if (field === 'token' && kind === 'a string') return { code: 'TOKEN_INVALID' };
      if (field === 'extra') return { code: 'HANDSHAKE_INVALID', path: 'auth.extra' };
      return { code: 'HANDSHAKE_INVALID', path: `auth.${field}` };
    };

    for (const field of ['token', 'since', 'extra']) {
      for (const [kind, value] of values) {
        it(`auth.${field} as ${kind} is refused with a code, and the server keeps serving`, async () => {
          const auth = { token: await s.login('regulator1'), [field]: value };
          const r = await outcome(socket(s.url, auth));
          const want = expected(field, kind);
          assert.equal(r.ready, undefined, 'refused');
          assert.equal(r.error?.data?.code, want.code, JSON.stringify(r.error?.data)?.slice(0, 300));
          if (want.path) assert.ok(r.error?.data?.errors?.some((e) => e.path === want.path), JSON.stringify(r.error?.data?.errors));
          await stillServing();
        });
      }
    }

    it('a valid since (ISO 8601) is accepted and catches up', async () => {
      const c = socket(s.url, { token: await s.login('regulator1'), since: '2020-01-01T00:00:00.000Z' });
      const caughtUp = new Promise<{ count: number }>((resolve) => c.once('caught-up', resolve));
      assert.equal((await outcome(c)).ready?.user.username, 'regulator1');
      assert.equal(typeof (await caughtUp).count, 'number');
    });
  });

  describe('a failing socket handler', () => {
    it('a throw while joining rooms is told to that client (server-error, then disconnect) and nobody else', async () => {
      const adapter = s.io.of('/alerts').adapter;
      const addAll = adapter.addAll.bind(adapter);
      adapter.addAll = (id, rooms) => {
        if ([...rooms].some((r) => r.startsWith('user:'))) throw new Error('injected: the adapter failed');
        return addAll(id, rooms);
      };
      try {
        const c = socket(s.url, { token: await s.login('customs1') });
        const told = new Promise<{ code: string; messageZh: string }>((resolve) => c.once('server-error', resolve));
        const closed = new Promise<string>((resolve) => c.once('disconnect', resolve));
        const problem = await told;
        assert.equal(problem.code, 'INTERNAL');
        assert.ok(problem.messageZh);
        assert.equal(await closed, 'io server disconnect');
      } finally {
        adapter.addAll = addAll;
      }
      await stillServing();
    });

    it('a rejection while joining rooms (an asynchronous adapter) is handled the same way', async () => {
      const adapter = s.io.of('/alerts').adapter;
      const addAll = adapter.addAll.bind(adapter);
      adapter.addAll = ((id: string, rooms: Set<string>) =>
        [...rooms].some((r) => r.startsWith('user:')) ? Promise.reject(new Error('injected: NOTIFY failed')) : addAll(id, rooms)) as typeof adapter.addAll;
      try {
        const c = socket(s.url, { token: await s.login('customs1') });
        const told = new Promise<{ code: string }>((resolve) => c.once('server-error', resolve));
        assert.equal((await told).code, 'INTERNAL');
      } finally {
        adapter.addAll = addAll;
      }
      await stillServing();
    });

    it('a bus event the realtime side cannot handle does not throw into the intake that emitted it', async () => {
      const listening = socket(s.url, { token: await s.login('admin') });
      await outcome(listening);
      const heard: string[] = [];
      listening.on('alert:new', (a: { id: string }) => heard.push(a.id));
      assert.doesNotThrow(() => s.ctx.bus.emit('alert', { event: 'alert:new', alert: null, regionCodes: ['440106'] }));
      assert.doesNotThrow(() => s.ctx.bus.emit('alert', { event: 'alert:new', alert: { id: 'x', crossBorder: false } }));
      // The next good alert still goes out.
      const next = new Promise((resolve) => listening.once('alert:new', resolve));
      s.ctx.bus.emit('alert', anAlertChange('after-the-bad-ones'));
      await next;
      assert.deepEqual(heard, ['after-the-bad-ones']);
      await stillServing();
    });
  });

  describe('a failing request handler', () => {
    it('answers that request 500 INTERNAL (problem+json, no stack) and the server keeps serving', async () => {
      const token = await s.login('regulator1');
      const db = s.ctx.db as { select: unknown };
      const select = db.select;
      db.select = () => {
        throw new Error('injected: the database went away');
      };
      try {
        expectProblem(await s.http().get('/api/alerts/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${token}`), 500, 'INTERNAL');
      } finally {
        db.select = select;
      }
      await stillServing();
    });
  });

  describe('user:revoked (a password change or a disabled account)', () => {
    const userId = async (username: string) => (await s.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, username)))[0]!.id;
    /** A new session each time, as on two devices. */
    const freshToken = async (url: string, username: string) =>
      (await request(url).post('/api/session').send({ username, password: DEMO_PASSWORD }).expect(200)).body.token as string;

    async function listen(url: string, username: string) {
      const c = socket(url, { token: await freshToken(url, username) });
      const heard: string[] = [];
      c.on('alert:new', (a: { id: string }) => heard.push(a.id));
      assert.ok((await outcome(c)).ready);
      return { c, heard };
    }

    it('a session ended between the handshake and joining the rooms does not leave a socket listening', async () => {
      const token = await freshToken(s.url, 'regulator1');
      await s.http().get('/api/session').set('Authorization', `Bearer ${token}`).expect(200); // now cached for 15 s
      // Ended in the database with no event (as if its revocation was announced before this socket joined user:<id>).
      await s.ctx.db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
      const c = socket(s.url, { token });
      const closed = new Promise<string>((resolve) => c.once('disconnect', resolve));
      const r = await Promise.race([outcome(c), closed.then((reason) => ({ closed: reason }))]);
      assert.deepEqual(r, { closed: 'io server disconnect' }, 'the socket is closed before it is ready');
    });

    it('closes every socket of that user, on every session, and no further alert reaches them', async () => {
      const phone = await listen(s.url, 'regulator1');
      const desk = await listen(s.url, 'regulator1');
      const colleague = await listen(s.url, 'admin');
      const closed = [phone, desk].map(({ c }) => new Promise<string>((resolve) => c.once('disconnect', resolve)));

      s.ctx.bus.emit('user:revoked', await userId('regulator1'));
      assert.deepEqual(await Promise.all(closed), ['io server disconnect', 'io server disconnect']);
      assert.ok(colleague.c.connected, "another user's socket stays open");

      // An alert for Guangdong: the colleague hears it; the revoked user's sockets, both in room postal:44, do not.
      const heardByColleague = new Promise((resolve) => colleague.c.once('alert:new', resolve));
      s.ctx.bus.emit('alert', anAlertChange('after-revocation'));
      await heardByColleague;
      assert.deepEqual(phone.heard, []);
      assert.deepEqual(desk.heard, []);
      const left = await s.io.of('/alerts').in(`user:${await userId('regulator1')}`).fetchSockets();
      assert.equal(left.length, 0);
    });

    it('reaches the sockets held by another server process on the same database (PostgreSQL adapter)', async function () {
      if (!usingPostgresServer()) this.skip(); // PGlite serves one process
      this.timeout(30_000);
      let other: RunningServer | undefined;
      try {
        other = await startServer({ ...s.ctx.config, port: 0 }, pino({ level: 'silent' }));
        const there = await listen(other.url, 'customs1');
        const closed = new Promise<string>((resolve) => there.c.once('disconnect', resolve));
        s.ctx.bus.emit('user:revoked', await userId('customs1')); // emitted here, the socket is there
        assert.equal(await closed, 'io server disconnect');
      } finally {
        open.splice(0).forEach((c) => c.close());
        await other?.close();
      }
    });
  });
});

describe('a real server process and an unexpected failure', function () {
  this.timeout(120_000); // a few seconds alone; starting PGlite in a child is slow on a busy machine
  let child: ChildProcess | undefined;
  let dataDir: string;
  const lines: string[] = [];
  let emitter: readline.Interface;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Resolves with the first log line matching, or rejects if the process exits first. */
  function waitForLine(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const seen = lines.slice(from).find((l) => pattern.test(l));
      if (seen) return resolve(seen);
      const onLine = (l: string) => {
        if (!pattern.test(l)) return;
        emitter.off('line', onLine);
        child!.off('exit', onExit);
        resolve(l);
      };
      const onExit = (code: number | null) => emitter.off('line', onLine) && reject(new Error(`the server exited (${code}) before logging ${pattern}:\n${lines.join('\n')}`));
      emitter.on('line', onLine);
      child!.once('exit', onExit);
    });
  }
  it('logs an unhandled rejection and keeps serving; an uncaught exception is fatal and exits 1', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-crash-'));
    // server/main.ts as `npm start` runs it; the parent can make it reject or throw where nobody catches.
    const harness = `
      process.on('message', (m) => {
        if (m === 'reject') Promise.reject(new Error('injected: nobody awaited this'));
        if (m === 'throw') setImmediate(() => { throw new Error('injected: nobody caught this'); });
      });
      await import(${JSON.stringify(path.resolve('server/main.ts'))});`;
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', harness], {
      env: {
        ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', DATA_DIR: dataDir,
        PASSWORD_HASH_COST: '10', DEMO_PASSWORD, REALTIME_ADAPTER: '',
        // Given, so no development key file is written for this throwaway database.
        PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PII_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    emitter = readline.createInterface({ input: child.stdout! });
    emitter.on('line', (l) => lines.push(l));
    if (process.env.DEBUG_CHILD) emitter.on('line', (l) => console.log(Date.now(), l.slice(0, 160)));
    child.stderr!.on('data', (d) => lines.push(String(d)));
    const url = /listening on (http:\/\/\S+)/.exec(await waitForLine(/listening on http/))![1]!;
    await request(url).get('/healthz').expect(200);

    const before = lines.length;
    child.send('reject');
    const logged = JSON.parse(await waitForLine(/unhandled rejection/, before)) as { level: number; err?: { message: string } };
    assert.equal(logged.level, 50, 'logged as an error');
    assert.match(logged.err?.message ?? '', /injected/);
    assert.equal(child.exitCode, null, 'still running');
    await request(url).get('/healthz').expect(200);
    const token = (await request(url).post('/api/session').send({ username: 'regulator1', password: DEMO_PASSWORD }).expect(200)).body.token;
    const c = connect(`${url}/alerts`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      assert.equal((await outcome(c)).ready?.user.username, 'regulator1');
    } finally {
      c.close();
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    const beforeThrow = lines.length;
    child.send('throw');
    assert.equal(await exited, 1);
    const fatal = lines.slice(beforeThrow).find((l) => /uncaught exception/.test(l));
    assert.ok(fatal && JSON.parse(fatal).level === 60, `a fatal line:\n${lines.slice(beforeThrow).join('\n')}`);
  });
});
