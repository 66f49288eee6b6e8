// Named (server-side prepared) statements for the intake's hot path. An unnamed statement is parsed, analysed and
// planned by PostgreSQL on every execution; a named one is parsed once per connection and its plan is reused
// (PostgreSQL switches to a generic plan when it costs no more than the custom ones). On the intake's big CTEs that
// is most of the database's CPU per statement (measured: scripts/bench/intake.ts, README "Intake throughput").
//
// The name is derived from the statement's text, so a name always means one text (node-postgres refuses a name
// reused for another text on one connection) and callers need no naming discipline. Texts that vary with their
// input (a VALUES list per item line) would make a name per variant: the number of names is bounded, and past the
// bound a statement simply runs unnamed. PGlite ignores names (one in-process connection, nothing to save).
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './database.js';

/** Distinct statement texts given a name per process; each of the pool's connections prepares those it runs. */
export const MAX_PREPARED_TEXTS = 256;
const names = new Map<string, string>();

type Compiled = { sql: string; params: unknown[] };
type Internals = {
  session: {
    dialect: { sqlToQuery(query: SQL): Compiled };
    prepareQuery(query: Compiled, fields: undefined, name: string | undefined, arrayMode: boolean): { execute(): Promise<unknown> };
  };
};

export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
    name = `pg_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** Rows of a statement run as a named prepared statement (see above); otherwise as `queryRows` does. */
export async function preparedRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  // Drizzle's session is how every query of `db` or of a transaction reaches its connection; `execute` uses it
  // the same way, only without a name.
  const { session } = db as unknown as Internals;
  const compiled = session.dialect.sqlToQuery(query);
  const result = await session.prepareQuery(compiled, undefined, statementName(compiled.sql), false).execute();
  return (result as { rows: T[] }).rows;
}

/**
 * A text[] parameter: one parameter whatever the number of values, so the statement's text (and its prepared name)
 * stays the same. Values are quoted as PostgreSQL's array input wants.
 */
export const textArray = (xs: readonly string[]) => sql`${`{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[]`;
