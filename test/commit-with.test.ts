// server/db/commit-with.ts: the last statement of a transaction sent with its COMMIT, its values written in as
// literals. Whatever a value holds (quotes, backslashes, dollar signs, newlines, JSON, emoji, 中文), it arrives as
// it was; a failing last statement commits nothing. On PGlite the same calls run as an ordinary transaction.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { transactionCommittingWith } from '../server/db/commit-with.js';
import { openDatabase, queryRows, type Database } from '../server/db/database.js';
import { sqlState } from '../server/intake/service.js';
import { freshDatabase } from './helpers/server.js';

describe('a transaction committed with its last statement', function () {
  this.timeout(60_000);
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let database: Database;
  before(async () => {
    fresh = await freshDatabase();
    database = await openDatabase({ url: fresh.url });
    await database.db.execute(sql`create table commit_with_t (k text primary key, v text, j jsonb, n numeric, b boolean, at timestamptz)`);
  });
  after(async () => {
    await database?.close();
    await fresh?.drop();
  });

  const hostile = [`O'Brien`, `back\\slash \\' \\\\`, `$1 $2 $$ $tag$ x $tag$`, `line\nbreak\r\n\ttab`, `emoji 📦 中文：寄递实名`, `'); drop table commit_with_t; --`, ''];

  it('stores every value exactly as given, with the statements before it', async () => {
    for (const [i, v] of hostile.entries()) {
      const at = new Date(Date.UTC(2026, 10, 28, 3, i));
      const result = await transactionCommittingWith(database.db, async (tx) => {
        await tx.execute(sql`insert into commit_with_t (k, v) values (${`before-${i}`}, ${v})`);
        return { result: i, last: sql`insert into commit_with_t (k, v, j, n, b, at) values (${`last-${i}`}, ${v}, ${JSON.stringify({ v, i })}::jsonb, ${i + 0.5}, ${i % 2 === 0}, ${at})` };
      });
      assert.equal(result, i);
      const rows = await queryRows<{ k: string; v: string; j: { v: string; i: number } | string | null; n: string; b: boolean | null; at: string | Date | null }>(
        database.db,
        sql`select k, v, j, n::text as n, b, at from commit_with_t where k in (${`before-${i}`}, ${`last-${i}`}) order by k`,
      );
      assert.deepEqual(rows.map((r) => [r.k, r.v]), [[`before-${i}`, v], [`last-${i}`, v]]);
      const j = typeof rows[1]!.j === 'string' ? JSON.parse(rows[1]!.j) : rows[1]!.j;
      assert.deepEqual(j, { v, i });
      assert.equal(Number(rows[1]!.n), i + 0.5);
      assert.equal(rows[1]!.b, i % 2 === 0);
      assert.equal(new Date(rows[1]!.at!).getTime(), at.getTime());
    }
  });

  it('a last statement that fails (a unique violation) commits nothing and rejects with its SQLSTATE', async () => {
    await assert.rejects(
      transactionCommittingWith(database.db, async (tx) => {
        await tx.execute(sql`insert into commit_with_t (k, v) values ('written-before', 'x')`);
        return { result: 0, last: sql`insert into commit_with_t (k, v) values ('last-0', 'again')` };
      }),
      (err: unknown) => sqlState(err) === '23505',
    );
    const rows = await queryRows<{ k: string }>(database.db, sql`select k from commit_with_t where k = 'written-before'`);
    assert.deepEqual(rows, []);
    // The connection goes on serving: the pool lends it again.
    assert.equal((await queryRows<{ one: number }>(database.db, sql`select 1 as one`))[0]!.one, 1);
  });

  it('a negative number cannot become a comment, and a value it cannot write plainly (bytes) is refused, nothing committed', async () => {
    await transactionCommittingWith(database.db, async () => ({ result: 0, last: sql`insert into commit_with_t (k, n) values ('negative', 10 -${-5})` }));
    const [row] = await queryRows<{ n: string }>(database.db, sql`select n::text as n from commit_with_t where k = 'negative'`);
    assert.equal(Number(row!.n), 15);
    if (database.kind === 'postgres') {
      await assert.rejects(
        transactionCommittingWith(database.db, async (tx) => {
          await tx.execute(sql`insert into commit_with_t (k, v) values ('before-array', 'x')`);
          return { result: 0, last: sql`insert into commit_with_t (k, v) values ('array', ${Buffer.from('bytes') as unknown as string})` };
        }),
        TypeError,
      );
      assert.deepEqual(await queryRows(database.db, sql`select k from commit_with_t where k in ('array', 'before-array')`), []);
    }
  });

  it('a failure in the work rolls back what it wrote', async () => {
    await assert.rejects(
      transactionCommittingWith(database.db, async (tx) => {
        await tx.execute(sql`insert into commit_with_t (k, v) values ('half-done', 'x')`);
        throw new Error('a step failed');
      }),
      /a step failed/,
    );
    assert.deepEqual(await queryRows(database.db, sql`select k from commit_with_t where k = 'half-done'`), []);
  });
});
