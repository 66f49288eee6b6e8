// A transaction whose last statement travels with its COMMIT: one round trip instead of two. On a PostgreSQL server
// every statement is a round trip, each costing both processes a wakeup and the server a write syscall (a third of
// the server's CPU per intake was in writev: scripts/bench/intake.ts with --cpu-prof). The simple query protocol
// carries several statements in one message; it has no parameters, so the last statement's values are written
// into it as literals, escaped by node-postgres. Should that statement fail, PostgreSQL runs nothing after it in the
// message (the COMMIT neither), and the transaction is rolled back as any other. On PGlite (one in-process
// connection, no round trips) it is an ordinary drizzle transaction.
import { drizzle } from 'drizzle-orm/node-postgres';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import * as schema from '../../models/schema.js';
import type { Db, Tx } from './database.js';

type Compiled = { sql: string; params: unknown[] };
type Internals = { session: { client: unknown; dialect: { sqlToQuery(query: SQL): Compiled } } };

/** One drizzle instance per pooled connection (building one reads the whole schema): the pool keeps its clients. */
const onClient = new WeakMap<pg.PoolClient, Db>();

/**
 * Only the kinds of value whose literal is unambiguous: text (escaped by node-postgres, E'' where backslashes need
 * it), finite numbers in parentheses (so `x -$1` with -5 cannot become a `--` comment), booleans, NULL, and instants
 * (timestamptz columns). Anything else (arrays, buffers, objects) is refused rather than guessed at.
 */
function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return client.escapeLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return `(${value})`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date && Number.isFinite(value.getTime())) return client.escapeLiteral(value.toISOString());
  throw new TypeError(`a ${Array.isArray(value) ? 'array' : typeof value} cannot be written into the statement sent with COMMIT`);
}

/**
 * The statement with its parameters written in as literals, in one pass (a value holding `$2` is not expanded
 * again). Meant for statements drizzle builds (an insert's values), whose text holds no `$n` of its own.
 */
export function inlined(client: pg.PoolClient, compiled: Compiled): string {
  const placeholders = (text: string) => (text.match(/\$\d+/g) ?? []).length;
  if (placeholders(compiled.sql.replace(/'(?:[^']|'')*'/g, "''")) !== placeholders(compiled.sql)) {
    throw new TypeError('a statement with $n inside a quoted literal cannot be sent with COMMIT');
  }
  return compiled.sql.replace(/\$(\d+)/g, (_, n: string) => literal(client, compiled.params[Number(n) - 1]));
}

/**
 * Runs `work` in a transaction; the statement it returns as `last` is sent with the COMMIT. Its failure (a unique
 * violation, say) rejects with PostgreSQL's error, after the rollback, exactly as if it had been run inside.
 */
export async function transactionCommittingWith<T>(db: Db, work: (tx: Tx) => Promise<{ result: T; last: SQL | null }>): Promise<T> {
  const { session } = db as unknown as Internals;
  if (!(session.client instanceof pg.Pool)) {
    return db.transaction(async (tx) => {
      const { result, last } = await work(tx);
      if (last) await tx.execute(last);
      return result;
    });
  }
  const client = await session.client.connect();
  let broken: Error | undefined;
  try {
    let txDb = onClient.get(client);
    if (!txDb) {
      txDb = drizzle({ client, schema }) as unknown as Db;
      onClient.set(client, txDb);
    }
    await client.query('begin');
    try {
      const { result, last } = await work(txDb as unknown as Tx);
      await client.query(last ? `${inlined(client, session.dialect.sqlToQuery(last))};\ncommit` : 'commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch((rollbackFailed: Error) => (broken = rollbackFailed));
      throw err;
    }
  } finally {
    // A connection whose rollback failed is in an unknown state: the pool drops it rather than lend it again.
    client.release(broken);
  }
}
