import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { queryRows } from '../server/db/database.js';
import { startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

describe('database connections', () => {
  let s: TestServer;
  before(async function () {
    if (!usingPostgresServer()) this.skip(); // PGlite has no pool and no server to lose
    s = await startTestServer();
  });
  after(() => s?.close());

  it('idle connections killed by the server (a restart, a failover) do not crash the process; the next request works', async () => {
    const [{ db } = { db: '' }] = await queryRows<{ db: string }>(s.ctx.db, sql`select current_database() as db`);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const uncaught: Error[] = [];
    const onUncaught = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db]);
      assert.ok(killed.rowCount! >= 1, 'the pool had idle connections to kill');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(uncaught, []);
      await s.http().get('/readyz').expect(200);
      await s.http().get('/api/outlets').set('Authorization', `Bearer ${await s.login('admin')}`).expect(200);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
    }
  });
});
