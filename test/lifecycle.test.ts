import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import request from 'supertest';
import { loadConfig } from '../server/config.js';
import { DataDirInUseError, openDatabase } from '../server/db/database.js';
import { startServer } from '../server/server.js';
import { projectRoot } from '../server/paths.js';

const run = promisify(execFile);
const silent = pino({ level: 'silent' });

describe('lifecycle: persistence, the data-dir lock, graceful shutdown, the user CLI', () => {
  let dataDir: string;
  // Development keys live outside DATA_DIR (DEV_KEYS_DIR); each test keeps its own, so none piles up in ~/.config.
  let keysDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-data-'));
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-keys-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DEV_KEYS_DIR: keysDir, PORT: '0', HOST: '127.0.0.1', PASSWORD_HASH_COST: '10' });

  it('what was written survives a restart of the embedded database, and demo accounts are not seeded twice', async () => {
    const first = await startServer(config(), silent);
    const admin = (await request(first.httpServer).post('/api/session').send({ username: 'admin', password: 'parcelguard-demo' })).body.token;
    await request(first.httpServer).post('/api/outlets').set('Authorization', `Bearer ${admin}`)
      .send({ id: 'SH-PD-001', name: '上海浦东营业部', regionCode: '310115' }).expect(201);
    await first.close();

    const second = await startServer(config(), silent);
    try {
      // The same token still works: sessions are in the database, not in memory.
      const res = await request(second.httpServer).get('/api/outlets').set('Authorization', `Bearer ${admin}`).expect(200);
      assert.ok(res.body.outlets.some((o: { id: string }) => o.id === 'SH-PD-001'));
      const users = await request(second.httpServer).get('/api/users').set('Authorization', `Bearer ${admin}`).expect(200);
      assert.equal(users.body.users.filter((u: { username: string }) => u.username === 'admin').length, 1);
    } finally {
      await second.close();
    }
  });

  it('a second process cannot open the same embedded database', async () => {
    const db = await openDatabase({ dataDir });
    const lock = path.join(dataDir, 'parcelguard.lock');
    const ours = fs.readFileSync(lock, 'utf8');
    try {
      fs.writeFileSync(lock, String(process.ppid)); // a live process that is not us
      await assert.rejects(openDatabase({ dataDir }), DataDirInUseError);
    } finally {
      fs.writeFileSync(lock, ours); // release removes the lock only while it is still ours
      await db.close();
    }
    assert.ok(!fs.existsSync(path.join(dataDir, 'parcelguard.lock')), 'closing releases the lock');
  });

  it('shutdown lets an in-flight request finish and accepts no new connections', async () => {
    const server = await startServer(config(), silent);
    const { port } = server.httpServer.address() as net.AddressInfo;
    const body = JSON.stringify({ username: 'courier1', password: 'parcelguard-demo' });
    const client = net.connect(port, '127.0.0.1');
    let response = '';
    client.on('data', (d) => (response += d));
    await new Promise((r) => client.once('connect', r));
    client.write(`POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    client.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));

    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(
      new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
      /ECONNREFUSED/,
    );
    client.write(body.slice(10));
    await closing;
    assert.match(response, /^HTTP\/1\.1 200 OK/);
    assert.match(response, /"token":"pgs_/);
    client.destroy();
  });

  it('`npm run user -- add` creates an account from the command line, password on stdin', async function () {
    this.timeout(60_000);
    await (await startServer(config(), silent)).close(); // the first start seeds the demo outlets
    const env = { ...process.env, DATA_DIR: dataDir, DEV_KEYS_DIR: keysDir, PASSWORD_HASH_COST: '10', NODE_ENV: 'test' };
    const cli = path.join(projectRoot, 'server/accounts/cli.ts');
    const add = execFile(process.execPath, ['--import', 'tsx', cli, 'add', '--username', 'clerk7', '--role', 'courier', '--outlet', 'GZ-TH-001'], { env });
    add.stdin!.end('a-long-password\n');
    const out = await new Promise<string>((resolve, reject) => {
      let s = '';
      add.stdout!.on('data', (d) => (s += d));
      add.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(`exit ${code}`))));
    });
    assert.match(out, /created clerk7 \(courier, outlet GZ-TH-001\)/);
    // A courier without an outlet is refused before any password prompt (stdin stays open here).
    const bad = await run(process.execPath, ['--import', 'tsx', cli, 'add', '--username', 'clerk8', '--role', 'courier'], { env, timeout: 20_000 }).catch((e) => e);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /OUTLET_REQUIRED/);

    const server = await startServer(config(), silent);
    try {
      const login = await request(server.httpServer).post('/api/session').send({ username: 'clerk7', password: 'a-long-password' }).expect(200);
      assert.equal(login.body.user.outletId, 'GZ-TH-001');
    } finally {
      await server.close();
    }
  });
});
