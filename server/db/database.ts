// One query layer (Drizzle) over two drivers: embedded PGlite by default, a PostgreSQL server via `pg`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from '../../models/schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: query functions accept both. */
export type Queryable = Db | Tx;

/** Rows of a raw statement; both drivers answer with `{ rows }`. */
export async function queryRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** postgres:// URL; when absent PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; when absent PGlite runs in memory (tests). */
  dataDir?: string | undefined;
  poolSize?: number;
  /** Told about errors on idle pooled connections (a server restart, a network cut); they must not crash us. */
  onIdleError?: (err: Error) => void;
};

const here = path.dirname(fileURLToPath(import.meta.url));
/** models/migrations, found from both server/db (tsx) and dist/server/db (built). */
export const migrationsFolder = [path.resolve(here, '../../models/migrations'), path.resolve(here, '../../../models/migrations')].find(
  (p) => fs.existsSync(p),
)!;

/**
 * Set on every connection. pg_trgm's `%` returns candidates at similarity 0.3 by default; short Chinese
 * name and address keys then match thousands of rows. 0.4 keeps every evasion of the labelled set
 * (an address with a room added is ~0.43, a typo in a romanised name ≥ 0.5; scripts/eval/watchlist-matching.ts)
 * and cut the candidate scans of scripts/bench/watchlist.ts several times over.
 */
const TRIGRAM_THRESHOLD = '0.4';
const SESSION_SETTINGS = `set pg_trgm.similarity_threshold = ${TRIGRAM_THRESHOLD}`;

const MIGRATION_LOCK_ID = 7_245_001; // pg_advisory_lock key: one migrator at a time across processes

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10, options.onIdleError) : openPglite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number, onIdleError = (_err: Error) => {}): Promise<Database> {
  // Migrate on a dedicated connection holding an advisory lock, so several processes can start at once.
  const migrator = new pg.Client({ connectionString: url });
  await migrator.connect();
  try {
    await migrator.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migratePg(drizzlePg({ client: migrator, schema }), { migrationsFolder });
  } finally {
    await migrator.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    await migrator.end();
  }
  // Session settings travel in the startup packet: in force before any query, on every connection.
  // No parallel workers: every query here is a small indexed lookup, and starting workers cost tens of
  // milliseconds per screening in scripts/bench/watchlist.ts.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c pg_trgm.similarity_threshold=${TRIGRAM_THRESHOLD} -c max_parallel_workers_per_gather=0`,
  });
  // Without a listener, an idle client's error (PostgreSQL restarted) would be an uncaught exception.
  pool.on('error', onIdleError);
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    const client = await PGlite.create({ dataDir: dataDir ?? 'memory://', extensions: { pg_trgm } });
    const pgliteDb = drizzlePglite({ client, schema });
    await migratePglite(pgliteDb, { migrationsFolder });
    await client.exec(SESSION_SETTINGS);
    const db = pgliteDb as unknown as Db;
    return {
      db,
      kind: 'pglite',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is open in another process (pid ${pid}). ` +
        'PGlite allows one process at a time: stop the other one, or set DATABASE_URL to use a PostgreSQL server.',
    );
    this.name = 'DataDirInUseError';
  }
}

/** PGlite corrupts its files if two processes open them; a pid lock file turns that into a clear error. */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'parcelguard.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirInUseError(dataDir, pid);
      fs.rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
