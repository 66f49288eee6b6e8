// The audit trail (issue 14.14): append-only through the server's own database role, and every read of
// personal data — masked or not — and every browse of the suspect lists is recorded.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/database.js';
import { aParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { searchTermRecord } from '../server/watchlist/router.js';

type AuditRow = { id: number; action: string; actor_username: string | null; subject_type: string | null; subject_id: string | null; request_id: string | null; details: Record<string, unknown> };

describe('audit trail', () => {
  let s: TestServer;
  let regulator: string;
  before(async () => {
    s = await startTestServer();
    regulator = await s.login('regulator1');
  });
  after(() => s?.close());

  const auditRows = (action: string) =>
    queryRows<AuditRow>(s.ctx.db, sql`select id, action, actor_username, subject_type, subject_id, request_id, details from audit_log where action = ${action} order by id`);

  describe('append-only through the server’s role', () => {
    let id: number;
    before(async () => {
      await s.ctx.db.execute(sql`insert into audit_log (action, actor_username, details) values ('test.append', 'someone', '{"n": 1}')`);
      id = (await auditRows('test.append'))[0]!.id;
    });

    for (const [what, statement] of [
      ['UPDATE', () => sql`update audit_log set actor_username = 'someone-else' where id = ${id}`],
      ['UPDATE of every row', () => sql`update audit_log set details = '{}'`],
      ['DELETE', () => sql`delete from audit_log where id = ${id}`],
      ['TRUNCATE', () => sql`truncate audit_log`],
    ] as const) {
      it(`${what} raises (42501) and leaves the rows as they were`, async () => {
        const err = await s.ctx.db.execute(statement()).then(
          () => undefined,
          (e: unknown) => e as Error & { cause?: { code?: string; message?: string } },
        );
        assert.ok(err, `${what} went through`);
        assert.equal(err.cause?.code, '42501');
        assert.match(err.cause?.message ?? '', /audit_log is append-only/);
        const [row] = await auditRows('test.append');
        assert.deepEqual([row?.actor_username, row?.details], ['someone', { n: 1 }]);
      });
    }

    it('appending still works', async () => {
      await s.ctx.db.execute(sql`insert into audit_log (action) values ('test.append')`);
      assert.equal((await auditRows('test.append')).length, 2);
    });
  });

  describe('reads of personal data', () => {
    it('a masked read of a parcel is recorded (pii.read), an unmasked one as pii.unmask: one row per read', async () => {
      const body = aParcel();
      await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);

      const masked = await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${regulator}`).set('X-Request-Id', 'audit-read-1').expect(200);
      assert.equal(masked.body.parcel.masked, true);
      const reads = (await auditRows('pii.read')).filter((r) => r.subject_id === body.waybillNo);
      assert.deepEqual(
        reads.map((r) => [r.actor_username, r.subject_type, r.request_id, r.details]),
        [['regulator1', 'parcel', 'audit-read-1', { masked: true }]],
      );

      await s.http().get(`/api/parcels/${body.waybillNo}?unmask=true`).set('Authorization', `Bearer ${regulator}`).expect(200);
      const all = await queryRows<AuditRow>(s.ctx.db, sql`select action from audit_log where subject_id = ${body.waybillNo} order by id`);
      assert.deepEqual(all.map((r) => r.action), ['pii.read', 'pii.unmask']);
    });

    it('a read that finds nothing the user may see records nothing', async () => {
      const body = aParcel();
      await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);
      await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${await s.login('regulator2')}`).expect(404);
      assert.deepEqual(await queryRows(s.ctx.db, sql`select 1 from audit_log where subject_id = ${body.waybillNo}`), []);
    });

    it('browsing a suspect list is recorded with its filters', async () => {
      await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`)
        .send({ entries: [{ type: 'person_name', value: '王审计' }] }).expect(201);
      const before = (await auditRows('watchlist.browse')).length;
      const res = await s.http().get(`/api/watchlist/entries?type=person_name&q=${encodeURIComponent('王审计')}&limit=5`).set('Authorization', `Bearer ${regulator}`)
        .set('X-Request-Id', 'audit-browse-1').expect(200);
      assert.equal(res.body.entries.length, 1);
      assert.ok(!JSON.stringify(await auditRows('watchlist.browse')).includes('王审计'), 'the search term is not stored');
      await s.http().get('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`).expect(200);
      const rows = (await auditRows('watchlist.browse')).slice(before);
      assert.deepEqual(
        rows.map((r) => [r.actor_username, r.request_id, r.details]),
        [
          // The term itself never enters the append-only log: its length and a keyed hash that matches the same search.
          ['regulator1', 'audit-browse-1', { type: 'person_name', q: searchTermRecord(s.ctx.vault, ' 王审计'), limit: 5, cursor: null }],
          ['regulator1', rows[1]!.request_id, { type: null, q: null, limit: 50, cursor: null }],
        ],
      );
    });

    it('a check against the suspect lists is recorded with the fields asked about and the entries that answered, not the values', async () => {
      await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${regulator}`)
        .send({ entries: [{ type: 'phone', value: '13700137000' }] }).expect(201);
      const res = await s.http().post('/api/watchlist/check').set('Authorization', `Bearer ${regulator}`)
        .send({ sender: { phone: '13700137000', name: '赵某' } }).expect(200);
      assert.equal(res.body.hits.length, 1);
      const [row] = await auditRows('watchlist.check');
      assert.deepEqual(row?.details, { fields: ['sender.name', 'sender.phone'], hits: 1, entryIds: [res.body.hits[0].entryId] });
      assert.ok(!JSON.stringify(row).includes('13700137000') && !JSON.stringify(row).includes('赵某'));
    });
  });
});
