// Customs' transactions write their audit row last. The first audit row of a transaction locks the one row of
// audit_chain_head until commit, and every audited write in the system (logins included) waits for it: a
// seizure that took it before its ring's lock would stall them all for as long as the ring is busy, and
// deadlock with a split (ring, then audit). A guard trigger fails any write made after the transaction's audit
// row (both databases); on PostgreSQL, a held ring lock shows that a login and a split are not stuck behind a
// seizure. Also here: customs' refusals in both languages, and times from the server's clock.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { queryRows } from '../server/db/database.js';
import { aParcel, ringParcel, unlinkedParties } from './helpers/factories.js';
import { DEMO_PASSWORD, expectProblem, startTestServer, usingPostgresServer, type TestServer } from './helpers/server.js';

/** Tables customs, brand and price-floor handlers write, seizures' ring tables included. */
const GUARDED = [
  'customs_inspections', 'ring_members', 'ring_days', 'rings', 'alerts', 'alert_parcels', 'right_holder_notices', 'seizure_disposals',
  'protected_brands', 'customs_routes', 'customs_rate_changes', 'customs_goods_rules', 'customs_goods_rule_changes', 'ring_price_floors', 'customs_selection_keys',
];
/** The server's clock runs three days behind the wall clock: a time taken from new Date() shows. */
const SKEW_MS = 3 * 86_400_000;

type Problem = { detail: string; detailZh?: string; errors?: { path: string; code: string; message: string; messageZh?: string }[] };

describe('customs: the audit row last, bilingual refusals, the server clock', () => {
  let s: TestServer;
  const as = async (u: string) => ({ Authorization: `Bearer ${await s.login(u)}` });
  const intake = async (body: object) => {
    const res = await s.http().post('/api/parcels').set(await as('courier1')).send(body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { parcel: { waybillNo: string; id: string }; customsInspection: { selected: boolean } };
  };
  const outcome = async (waybillNo: string, body: object) => s.http().post(`/api/parcels/${waybillNo}/customs-outcome`).set(await as('customs1')).send(body);
  /** A ring of four parcels over one phone (selected: the base rate is 1), and its id. */
  const aRing = async (phone: string) => {
    const parcels = [];
    for (let i = 0; i < 4; i++) parcels.push((await intake(ringParcel(phone))).parcel);
    const [row] = await queryRows<{ ring_id: string }>(s.ctx.db, sql`select ring_id from ring_members where waybill_no = ${parcels[0]!.waybillNo}`);
    assert.ok(row, 'the parcels form a ring');
    return { parcels, ringId: row.ring_id };
  };

  before(async () => {
    s = await startTestServer({ CUSTOMS_BASE_RATE: '1' }, {}, undefined, { clock: () => new Date(Date.now() - SKEW_MS) });
  });
  after(() => s?.close());

  describe('with a trigger failing any write made after the transaction’s audit row', () => {
    before(async () => {
      await s.ctx.db.execute(sql`
        create function test_audit_last() returns trigger language plpgsql as $$
        begin
          -- audit_chain_head's row was last written by this transaction: its audit row came before this write.
          if exists (select 1 from audit_chain_head where id = 1 and xmin::text = (txid_current() % 4294967296)::text) then
            raise exception 'wrote % after the audit row of the same transaction', tg_table_name;
          end if;
          return coalesce(new, old);
        end $$`);
      for (const table of GUARDED) {
        await s.ctx.db.execute(sql.raw(`create trigger test_audit_last before insert or update or delete on ${table} for each row execute function test_audit_last()`));
      }
    });
    after(async () => {
      for (const table of GUARDED) await s.ctx.db.execute(sql.raw(`drop trigger test_audit_last on ${table}`));
    });

    it('the guard catches a write after the audit row', async () => {
      await assert.rejects(
        s.ctx.db.transaction(async (tx) => {
          await tx.execute(sql`insert into audit_log (action) values ('test.guard')`);
          await tx.execute(sql`insert into customs_routes (route_key) values ('4401-GB-postal')`);
        }),
        (err: Error & { cause?: Error }) => /after the audit row/.test(`${err.message} ${err.cause?.message ?? ''}`),
      );
    });

    it('a seizure (ring, alert, notices), rates, notices, disposal, brands and price floors write their audit row last', async () => {
      const { parcels } = await aRing('13912345001');
      const seized = await outcome(parcels[0]!.waybillNo, { outcome: 'seized', note: '假冒古驰', brands: ['Gucci'] });
      assert.equal(seized.status, 200, JSON.stringify(seized.body));
      assert.equal(seized.body.notices.length, 1);
      const audited = await queryRows<{ action: string }>(s.ctx.db, sql`select action from audit_log where request_id = (select request_id from audit_log where action = 'customs.outcome' and subject_id = ${parcels[0]!.waybillNo}) order by id`);
      assert.deepEqual(audited.map((a) => a.action), ['customs.outcome', 'customs.notice.create'], 'still audited, each');
      const noticeId = seized.body.notices[0].id as string;
      const customs = await as('customs1');
      const admin = await as('admin');
      for (const [method, url, body, who] of [
        ['post', `/api/customs/notices/${noticeId}/notify`, { method: 'phone' }, customs],
        ['post', `/api/customs/notices/${noticeId}/answer`, { answer: 'no_action', note: '权利人不申请扣留' }, customs],
        ['post', `/api/parcels/${parcels[0]!.waybillNo}/disposal`, { kind: 'returned', party: '寄件人' }, customs],
        ['put', '/api/routes/4401-US-postal/inspection-rate', { rate: 0.5, reason: '审计顺序' }, customs],
        ['delete', '/api/routes/4401-US-postal/inspection-rate', { reason: '审计顺序' }, customs],
        ['put', '/api/customs/goods-rules/category:toys/inspection-rate', { rate: 0.5, reason: '审计顺序' }, customs],
        ['delete', '/api/customs/goods-rules/category:toys/inspection-rate', { reason: '审计顺序' }, customs],
        ['post', '/api/brands', { displayName: 'Audit Order Co', aliases: ['审序'] }, customs],
        ['patch', '/api/brands/audit order co', { contact: 'legal@example.com' }, customs],
        ['patch', '/api/brands/audit order co', { active: false }, admin],
        ['put', '/api/rings/price-floors/gucci%7Cwatches', { floorCny: 3000, source: '审计顺序' }, await as('regulator1')],
        ['delete', '/api/rings/price-floors/gucci%7Cwatches', undefined, admin],
        ['post', '/api/customs/selection-keys', undefined, admin],
      ] as const) {
        const res = await s.http()[method](url).set(who).send(body);
        assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    });
  });

  it('a seizure waiting for its ring does not hold up other audited writes (PostgreSQL)', async function () {
    if (!usingPostgresServer()) return this.skip(); // PGlite runs one transaction at a time
    const { parcels, ringId } = await aRing('13912345002');
    await withRingLocked(ringId, async (waiting) => {
      const seizure = outcome(parcels[0]!.waybillNo, { outcome: 'seized', note: '查获' }).then((r) => r);
      await waiting(1);
      // A login is audited: it must not wait for the seizure, which waits for the ring.
      const login = s.http().post('/api/session').send({ username: 'regulator1', password: DEMO_PASSWORD }).then((r) => r.status);
      assert.equal(await within(5000, login), 200, 'the login finished while the seizure waited for the ring');
      return { after: seizure };
    }).then((res) => assert.equal(res.status, 200, JSON.stringify(res.body)));
  });

  it('a seizure and a split of the same parcel on a busy ring both finish (PostgreSQL)', async function () {
    if (!usingPostgresServer()) return this.skip();
    const { parcels, ringId } = await aRing('13912345003');
    const [split, seizure] = await withRingLocked(ringId, async (waiting) => {
      // The split queues for the ring first, the seizure behind it: the split gets the ring and then the audit.
      const split = s.http().post(`/api/rings/${ringId}/split`).set(await as('regulator1')).send({ waybillNos: [parcels[1]!.waybillNo], note: '误关联' }).then((r) => r);
      await waiting(1);
      const seizure = outcome(parcels[1]!.waybillNo, { outcome: 'seized', note: '查获' }).then((r) => r);
      await waiting(2);
      return { after: Promise.all([split, seizure]) };
    });
    assert.equal(split.status, 200, JSON.stringify(split.body));
    assert.equal(seizure.status, 200, JSON.stringify(seizure.body));
  });

  it('customs refusals say it in Chinese too', async () => {
    const customs = await as('customs1');
    // The route at rate 0: a parcel on it is not selected.
    assert.equal((await s.http().put('/api/routes/4401-US-postal/inspection-rate').set(customs).send({ rate: 0, reason: '测试' })).status, 200);
    const quiet = await intake(aParcel({ ...unlinkedParties(), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 200, brand: undefined } }));
    assert.equal(quiet.customsInspection.selected, false);
    const zh = (res: { body: unknown }) => (res.body as Problem).detailZh ?? '';
    const notSelected = await outcome(quiet.parcel.waybillNo, { outcome: 'cleared' });
    expectProblem(notSelected, 409, 'NOT_SELECTED_FOR_INSPECTION');
    assert.match(zh(notSelected), /未被抽中海关查验/);

    const { parcels } = await aRing('13912345004');
    assert.equal((await outcome(parcels[3]!.waybillNo, { outcome: 'cleared' })).status, 200);
    const again = await outcome(parcels[3]!.waybillNo, { outcome: 'seized', note: '改判' });
    expectProblem(again, 409, 'OUTCOME_ALREADY_RECORDED');
    assert.match(zh(again), /已由 customs1 于 .* 登记为 cleared/);

    const missing = await outcome('EE000000000CN', { outcome: 'cleared' });
    expectProblem(missing, 404, 'PARCEL_NOT_FOUND');
    assert.match(zh(missing), /没有跨境邮件/);
    const outside = await s.http().put('/api/routes/3307-US-postal/inspection-rate').set(customs).send({ rate: 0.5, reason: 'x' });
    expectProblem(outside, 403, 'OUTSIDE_JURISDICTION');
    assert.match(zh(outside), /不在您的辖区/);
    const unknown = await s.http().put('/api/routes/4405-US-postal/inspection-rate').set(customs).send({ rate: 0.5, reason: 'x' });
    expectProblem(unknown, 404, 'ROUTE_UNKNOWN');
    assert.match(zh(unknown), /没有这条线路/);
    const badKey = expectProblem(await s.http().put('/api/routes/4401-US-air/inspection-rate').set(customs).send({ rate: 0.5, reason: 'x' }), 400, 'ROUTE_KEY_INVALID') as Problem;
    assert.match(badKey.errors?.[0]?.messageZh ?? '', /不是有效的线路键/);
    const past = expectProblem(
      await s.http().put('/api/routes/4401-US-postal/inspection-rate').set(customs).send({ rate: 0.5, reason: 'x', expiresAt: new Date(Date.now() - SKEW_MS - 60_000).toISOString() }),
      422,
      'EXPIRY_IN_PAST',
    ) as Problem;
    assert.deepEqual([past.errors?.[0]?.path, /已过/.test(past.errors?.[0]?.messageZh ?? '')], ['expiresAt', true]);
  });

  it('times customs record come from the server’s clock', async () => {
    const near = (iso: string | null | undefined) => Math.abs(Date.parse(iso ?? '') - (Date.now() - SKEW_MS)) < 60_000;
    const { parcels } = await aRing('13912345005');
    const seized = await outcome(parcels[0]!.waybillNo, { outcome: 'seized', note: '查获', brands: ['Rolex'] });
    assert.equal(seized.status, 200, JSON.stringify(seized.body));
    assert.ok(near(seized.body.inspection.decidedAt), `decided at ${seized.body.inspection.decidedAt}`);
    const noticeId = seized.body.notices[0].id as string;
    const notified = await s.http().post(`/api/customs/notices/${noticeId}/notify`).set(await as('customs1')).send({ method: 'email' });
    assert.equal(notified.status, 200, JSON.stringify(notified.body));
    assert.ok(near(notified.body.notifiedAt), `notified at ${notified.body.notifiedAt}`);
    // "now" for a time given is the server's: a day after the server's now is in the future.
    const future = new Date(Date.now() - SKEW_MS + 86_400_000).toISOString();
    expectProblem(
      await s.http().post(`/api/customs/notices/${noticeId}/answer`).set(await as('customs1')).send({ answer: 'no_action', note: 'x', answeredAt: future }),
      422,
      'TIME_IN_FUTURE',
    );
    const disposal = await s.http().post(`/api/parcels/${parcels[0]!.waybillNo}/disposal`).set(await as('customs1')).send({ kind: 'returned', party: '寄件人' });
    assert.equal(disposal.status, 201, JSON.stringify(disposal.body));
    assert.ok(near(disposal.body.recordedAt) && near(disposal.body.disposedAt), JSON.stringify(disposal.body));
  });

  /**
   * Holds the ring's lock in a transaction of its own while `body` runs; `waiting(n)` resolves once n other
   * sessions wait for a lock. Lets go of the ring when `body` is done, then answers what its `after` gives.
   */
  async function withRingLocked<T>(ringId: string, body: (waiting: (n: number) => Promise<void>) => Promise<{ after: Promise<T> }>): Promise<T> {
    const client = new pg.Client({ connectionString: s.ctx.config.databaseUrl });
    await client.connect();
    try {
      let after: Promise<T>;
      try {
        await client.query('begin');
        await client.query('select id from rings where id = $1 for update', [ringId]);
        const waiting = async (n: number) => {
          for (let i = 0; i < 200; i++) {
            const { rows } = await client.query<{ n: string }>(
              `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
            );
            if (Number(rows[0]!.n) >= n) return;
            await new Promise((r) => setTimeout(r, 25));
          }
          throw new Error(`fewer than ${n} sessions came to wait for a lock`);
        };
        ({ after } = await body(waiting));
      } finally {
        await client.query('commit');
      }
      return await after;
    } finally {
      await client.end();
    }
  }
});

/** The promise's value if it settles within `ms`, else a rejection saying so. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    }),
  ]);
}
