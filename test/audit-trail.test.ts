// The audit trail (issue 14.14): append-only through the server's own database role, and every read of
// personal data — masked or not — and every browse of the suspect lists is recorded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../server/db/database.js';
import { recordAudit } from '../server/audit/audit.js';
import { createPiiVault } from '../server/privacy/pii.js';
import { aParcel } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';
import { anchorChain, anchorKeys, chainHead, pruneAuditChain, verifyChain } from '../server/audit/chain.js';
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

// Issue 21: the trail as a hash chain, read by auditors (filters, pages, CSV) and verified end to end. The tampering
// below is what someone with the database owner's role could do: the test lifts the append-only trigger for one
// statement (ALTER TABLE … DISABLE TRIGGER, in a transaction) — the server's own statements cannot.
describe('audit trail: the hash chain, its reader and its verifier', () => {
  let s: TestServer;
  let auditor: string;
  before(async () => {
    s = await startTestServer({ JOBS_ENABLED: 'false' });
    auditor = await s.login('auditor1');
    const regulator = await s.login('regulator1');
    const body = aParcel();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(body).expect(201);
    for (let i = 0; i < 3; i++) await s.http().get(`/api/parcels/${body.waybillNo}`).set('Authorization', `Bearer ${regulator}`).expect(200);
  });
  after(() => s?.close());

  const auditRows = (action: string) =>
    queryRows<AuditRow>(s.ctx.db, sql`select id, action, actor_username, subject_type, subject_id, request_id, details from audit_log where action = ${action} order by id`);
  const verify = async () => (await s.http().get('/api/audit/verify').set('Authorization', `Bearer ${auditor}`).expect(200)).body;
  /** As the table's owner: the statement runs with the append-only (and chain) triggers off, then they are back. */
  const tamper = (statement: ReturnType<typeof sql>) =>
    s.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_log disable trigger user`);
      await tx.execute(statement);
      await tx.execute(sql`alter table audit_log enable trigger user`);
    });
  const newest = async () => (await queryRows<{ id: number; chain_seq: string }>(s.ctx.db, sql`select a.id::int as id, a.chain_seq::text from audit_log a order by a.chain_seq desc limit 1`))[0]!;

  it('auditors and admins read it newest first, filtered, in pages; others may not', async () => {
    const page = await s.http().get('/api/audit?action=pii.*&actor=regulator1&limit=2').set('Authorization', `Bearer ${auditor}`).expect(200);
    assert.equal(page.body.records.length, 2);
    assert.ok(page.body.records.every((r: { action: string; actor: string; hash: string }) => r.action === 'pii.read' && r.actor === 'regulator1' && /^[0-9a-f]{64}$/.test(r.hash)));
    assert.ok(page.body.records[0].seq > page.body.records[1].seq);
    const next = await s.http().get(`/api/audit?action=pii.*&actor=regulator1&limit=2&cursor=${page.body.nextCursor}`).set('Authorization', `Bearer ${auditor}`).expect(200);
    assert.equal(next.body.records.length, 1);
    assert.equal(next.body.nextCursor, null);
    assert.ok(next.body.records[0].seq < page.body.records[1].seq);
    await s.http().get('/api/audit?limit=1').set('Authorization', `Bearer ${await s.login('admin')}`).expect(200);
    for (const who of ['regulator1', 'courier1', 'customs1']) {
      expectProblem(await s.http().get('/api/audit').set('Authorization', `Bearer ${await s.login(who)}`), 403, 'ROLE_FORBIDDEN');
    }
    expectProblem(await s.http().get('/api/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z').set('Authorization', `Bearer ${auditor}`), 422, 'AUDIT_RANGE_INVALID');
    expectProblem(await s.http().get('/api/audit?cursor=nonsense').set('Authorization', `Bearer ${auditor}`), 400, 'CURSOR_INVALID');
    // Reading the trail is itself in the trail.
    const [read] = await auditRows('audit.read');
    assert.deepEqual(read?.actor_username, 'auditor1');
  });

  it('exports the filtered trail as CSV (with the hashes), and records the export', async () => {
    const res = await s.http().get('/api/audit?format=csv&action=pii.read').set('Authorization', `Bearer ${auditor}`).buffer(true).expect(200);
    assert.match(res.headers['content-type'] ?? '', /^text\/csv/);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines[0], 'seq,at,actor,action,subject_type,subject_id,request_id,details,hash,prev_hash');
    assert.equal(lines.length, 4);
    const [exp] = await auditRows('audit.export');
    assert.equal(exp?.details.rows, 3);
  });

  it('verify: intact after concurrent writes, each row hashed on its predecessor', async () => {
    const admin = await s.login('admin');
    await Promise.all(Array.from({ length: 12 }, () => s.http().get('/api/audit?limit=1').set('Authorization', `Bearer ${admin}`).expect(200)));
    const report = await verify();
    assert.equal(report.intact, true, JSON.stringify(report.firstBroken));
    const [{ n }] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log`) as [{ n: number }];
    assert.equal(report.checkedRows, n - 1, 'every row but the verify itself, written after it checked');
    const gaps = await queryRows(s.ctx.db, sql`select 1 from audit_log a where chain_seq > 1 and not exists (select 1 from audit_log b where b.chain_seq = a.chain_seq - 1 and b.hash = a.prev_hash)`);
    assert.deepEqual(gaps, []);
  });

  it('verify catches a row changed in place, and is intact again once it is put back', async () => {
    const [row] = await queryRows<{ id: number; chain_seq: string; details: Record<string, unknown> }>(s.ctx.db, sql`select id::int as id, chain_seq::text, details from audit_log where action = 'pii.read' order by chain_seq limit 1`);
    await tamper(sql`update audit_log set details = '{"masked": false}' where id = ${row!.id}`);
    const report = await verify();
    assert.equal(report.intact, false);
    assert.deepEqual(report.firstBroken, { seq: Number(row!.chain_seq), id: row!.id, reason: 'HASH_MISMATCH' });
    await tamper(sql`update audit_log set details = ${JSON.stringify(row!.details)}::jsonb where id = ${row!.id}`);
    assert.equal((await verify()).intact, true);
  });

  it('verify catches the newest row deleted (the head still names it), and is intact again once it is put back', async () => {
    const last = await newest();
    const [saved] = await queryRows<{ row: unknown }>(s.ctx.db, sql`select to_jsonb(a) as row from audit_log a where id = ${last.id}`);
    await tamper(sql`delete from audit_log where id = ${last.id}`);
    const report = await verify();
    assert.equal(report.intact, false);
    assert.deepEqual(report.firstBroken, { seq: Number(last.chain_seq), id: null, reason: 'ROW_MISSING' });
    await tamper(sql`insert into audit_log select * from jsonb_populate_record(null::audit_log, ${JSON.stringify(saved!.row)}::jsonb)`);
    assert.equal((await verify()).intact, true);
  });

  it('verify catches the newest rows deleted with the head rewound too, through a signed anchor', async () => {
    const anchored = await anchorChain(s.ctx.db, s.ctx.vault, s.ctx.log);
    assert.ok(anchored);
    const last = await newest();
    assert.equal(Number(last.chain_seq), anchored.seq);
    await tamper(sql`delete from audit_log where id = ${last.id}`);
    await s.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_chain_head disable trigger user`);
      await tx.execute(sql`update audit_chain_head set (seq, hash) = (select chain_seq, hash from audit_log order by chain_seq desc limit 1)`);
      await tx.execute(sql`alter table audit_chain_head enable trigger user`);
    });
    const report = await verify();
    assert.equal(report.intact, false);
    assert.deepEqual(report.firstBroken, { seq: anchored.seq, id: null, reason: 'ROW_MISSING' });
    // A forged anchor (the database cannot sign): its signature fails.
    await s.ctx.db.execute(sql`insert into audit_anchors (seq, hash, key_id, signature) values (1, 'x', 'k', 'forged')`);
    assert.ok((await verify()).firstBroken);
  });

  it('the head moves only with the log, and pruning refuses recent rows', async () => {
    for (const statement of [sql`update audit_chain_head set seq = 0`, sql`delete from audit_chain_head`, sql`truncate audit_chain_head`]) {
      const err = await s.ctx.db.execute(statement).then(() => undefined, (e: unknown) => e as { cause?: { code?: string } });
      assert.equal(err?.cause?.code, '42501');
    }
    const [pruned] = await queryRows<{ n: number }>(s.ctx.db, sql`select audit_prune(now(), 10) as n`);
    assert.equal(Number(pruned!.n), 0, 'nothing is old enough to prune');
    const err = await s.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('parcelguard.audit_prune', 'on', true)`);
      await tx.execute(sql`delete from audit_log where chain_seq = (select max(chain_seq) from audit_log)`);
    }).then(() => undefined, (e: unknown) => e as { cause?: { code?: string; message?: string } });
    assert.equal(err?.cause?.code, '42501');
    assert.match(err?.cause?.message ?? '', /only the oldest row/);
  });
});

// Review of issue 21: a check that runs while the trail grows (and while retention prunes its start) reports the chain
// as it was when the check began; anchors are checked with the key they name, so a key rotation breaks nothing.
describe('audit trail: verify under concurrent writes and prunes, anchors across a key rotation', () => {
  let s: TestServer;
  let auditor: string;
  const DAY = 86_400_000;
  before(async () => {
    s = await startTestServer({ JOBS_ENABLED: 'false' });
    // The first rows of the chain are old enough for retention to prune (the database refuses anything younger than 180 days).
    for (let i = 0; i < 6; i++) await s.ctx.db.execute(sql`insert into audit_log (at, action, details) values (${new Date(Date.now() - (1200 - i) * DAY)}, 'test.ancient', '{}')`);
    auditor = await s.login('auditor1');
    await s.http().get('/api/audit?limit=1').set('Authorization', `Bearer ${auditor}`).expect(200);
  });
  after(() => s?.close());

  const keysOf = () => anchorKeys(s.ctx.vault, s.ctx.config.auditAnchorRetiredKeys);
  const snapshot = () => s.ctx.dbKind === 'postgres';
  /**
   * The database, with `meanwhile` run (on the database itself, outside any transaction the verify opens) just before
   * the verify reads its first rows: a write or a prune landing between the head it read and the rows it walks.
   */
  function interfered(meanwhile: () => Promise<void>): Db {
    let fired = false;
    const wrap = <T extends object>(q: T): T =>
      new Proxy(q, {
        get(target, prop) {
          const v = Reflect.get(target, prop) as unknown;
          if (prop === 'execute') {
            return async (query: SQL) => {
              if (!fired && query.queryChunks.some((c) => JSON.stringify(c).includes('audit_row_digest'))) {
                fired = true;
                await meanwhile();
              }
              return (v as (q: SQL) => Promise<unknown>).call(target, query);
            };
          }
          if (prop === 'transaction') return (cb: (tx: unknown) => Promise<unknown>, cfg: unknown) => (v as (...a: unknown[]) => Promise<unknown>).call(target, (tx: object) => cb(wrap(tx)), cfg);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    return wrap(s.ctx.db);
  }

  it('rows written after the verify read the head are left for the next check: intact, bounded by that head', async () => {
    const before = await chainHead(s.ctx.db);
    const report = await verifyChain(interfered(async () => {
      for (let i = 0; i < 3; i++) await recordAudit(s.ctx.db, { actor: null, action: 'test.meanwhile' });
    }), keysOf(), { snapshot: snapshot() });
    assert.equal(report.intact, true, JSON.stringify(report.firstBroken));
    assert.equal(report.head.seq, before.seq);
    assert.equal((await chainHead(s.ctx.db)).seq, before.seq + 3);
  });

  it('a prune of the chain’s start while the verify walks is no missing row', async () => {
    const report = await verifyChain(interfered(async () => {
      const pruned = await pruneAuditChain(s.ctx.db, new Date(Date.now() - 1000 * DAY), 2);
      assert.equal(pruned.removed, 6);
    }), keysOf(), { snapshot: snapshot() });
    assert.equal(report.intact, true, JSON.stringify(report.firstBroken));
    // In a snapshot the walk sees the chain from before the prune; outside one it started again from the new base.
    assert.equal(report.base.seq, snapshot() ? 0 : 6);
    assert.equal((await chainHead(s.ctx.db)).baseSeq, 6);
  });

  it('intact while other requests write audit rows at the same time', async () => {
    const admin = await s.login('admin');
    const writes = Array.from({ length: 30 }, () => s.http().get('/api/audit?limit=1').set('Authorization', `Bearer ${admin}`).expect(200));
    const checks = Array.from({ length: 5 }, () => s.http().get('/api/audit/verify').set('Authorization', `Bearer ${auditor}`).expect(200));
    const reports = (await Promise.all([...checks, ...writes])).slice(0, 5).map((r) => r.body);
    for (const r of reports) assert.equal(r.intact, true, JSON.stringify(r.firstBroken));
  });

  it('anchors signed before a key rotation verify with the retired key they name; without it they are unverified, not broken', async () => {
    const oldBlind = randomBytes(32);
    const oldVault = createPiiVault({ encryption: randomBytes(32), blindIndex: oldBlind });
    const signed = await anchorChain(s.ctx.db, oldVault, s.ctx.log);
    assert.ok(signed);
    const [row] = await queryRows<{ key_id: string }>(s.ctx.db, sql`select key_id from audit_anchors order by id desc limit 1`);
    assert.equal(row!.key_id, anchorKeys(oldVault).current.id);
    assert.notEqual(row!.key_id, keysOf().current.id);

    // The server's key is new: the old anchor names a key it does not hold.
    const without = (await s.http().get('/api/audit/verify').set('Authorization', `Bearer ${auditor}`).expect(200)).body;
    assert.equal(without.intact, true, JSON.stringify(without.firstBroken));
    assert.deepEqual(without.anchors.unverified, [{ seq: signed.seq, keyId: row!.key_id, reason: 'ANCHOR_KEY_UNAVAILABLE' }]);
    assert.equal(without.anchors.checked, 0);

    // Anchored again with the current key, and the old key configured as retired: both verify.
    await s.http().get('/api/audit?limit=1').set('Authorization', `Bearer ${auditor}`).expect(200);
    assert.ok(await anchorChain(s.ctx.db, s.ctx.vault, s.ctx.log));
    const both = await verifyChain(s.ctx.db, anchorKeys(s.ctx.vault, [oldBlind]), { snapshot: snapshot() });
    assert.equal(both.intact, true, JSON.stringify(both.firstBroken));
    assert.deepEqual([both.anchors.checked, both.anchors.unverified], [2, []]);

    // A retired key does not make a forgery pass: an anchor naming it with a wrong signature is a break.
    await s.ctx.db.execute(sql`insert into audit_anchors (seq, hash, key_id, signature, at) values (${signed.seq}, ${signed.hash}, ${row!.key_id}, 'forged', now())`);
    const forged = await verifyChain(s.ctx.db, anchorKeys(s.ctx.vault, [oldBlind]), { snapshot: snapshot() });
    assert.deepEqual(forged.firstBroken, { seq: signed.seq, id: null, reason: 'ANCHOR_SIGNATURE_INVALID' });
  });
});
