// One query layer (Drizzle) over two drivers: embedded PGlite by default, a PostgreSQL server via `pg`.
import { randomUUID } from 'node:crypto';
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
import { PgliteWorkerClient } from './pglite-proxy.js';

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
  /**
   * In-memory PGlite only: a database image (PGlite dumpDataDir) to start from instead of an empty one. The tests
   * migrate once per process and start every server from that image; the migrations still run (finding nothing to do).
   */
  pgliteImage?: Blob | File | undefined;
  /**
   * PGlite in a worker thread (the default), or on the calling thread (`false`; PGLITE_WORKER=off in the environment),
   * which blocks the event loop for every statement but shows the database in the same stack traces and profiles.
   */
  pgliteWorker?: boolean | undefined;
};

/** PGLITE_WORKER: `on` (default) or `off`. */
export function pgliteWorkerFromEnv(value = process.env.PGLITE_WORKER): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`PGLITE_WORKER must be "on" or "off", not ${JSON.stringify(value)}`);
}

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
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10, options.onIdleError)
    : openPglite(options.dataDir, options.pgliteImage, options.pgliteWorker ?? pgliteWorkerFromEnv());
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

async function openPglite(dataDir: string | undefined, image: Blob | File | undefined, inWorker: boolean): Promise<Database> {
  // The database's files hold the audit log and password hashes: owner-only, whatever umask we were started
  // with (PGlite creates its files 0666 and lets the umask decide). Kept for the life of the process, since
  // PGlite goes on creating files (WAL segments, relations) after it opens. The umask is the process's: it holds
  // for the worker thread too.
  if (dataDir) process.umask(0o077);
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    if (dataDir) restrictToOwner(dataDir);
    const opened = inWorker ? await openPgliteWorker(dataDir, image) : await openPgliteInThread(dataDir, image);
    if (dataDir) restrictToOwner(dataDir); // what initdb and the migrations created, should any mode slip through
    const { db } = opened;
    return {
      db,
      kind: 'pglite',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: async () => {
        try {
          await opened.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * PGlite in its own thread (server/db/pglite-worker.ts), migrated there; drizzle here talks to it through a client
 * with the part of PGlite's interface drizzle-orm/pglite calls (server/db/pglite-proxy.ts).
 */
async function openPgliteWorker(dataDir: string | undefined, image: Blob | File | undefined): Promise<{ db: Db; close(): Promise<void> }> {
  const client = await PgliteWorkerClient.start({ dataDir, image, migrationsFolder, sessionSettings: SESSION_SETTINGS });
  // drizzle types its client as PGlite; the proxy has every member drizzle's PGlite session uses (and dumpDataDir,
  // which the tests call on $client).
  const db = drizzlePglite({ client: client as unknown as PGlite, schema }) as unknown as Db;
  return { db, close: () => client.close() };
}

/** PGlite on the calling thread, as before the worker (PGLITE_WORKER=off): for debugging and profiling. */
async function openPgliteInThread(dataDir: string | undefined, image: Blob | File | undefined): Promise<{ db: Db; close(): Promise<void> }> {
  const client = await PGlite.create(
    dataDir || !image ? { dataDir: dataDir ?? 'memory://', extensions: { pg_trgm } } : { loadDataDir: image, extensions: { pg_trgm } },
  );
  try {
    const pgliteDb = drizzlePglite({ client, schema });
    await migratePglite(pgliteDb, { migrationsFolder });
    await client.exec(SESSION_SETTINGS);
    return { db: pgliteDb as unknown as Db, close: () => client.close() };
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
}

/** Folders 0700, files 0600 under `dir` (symlinks are left alone: chmod would follow them out of the tree). */
export function restrictToOwner(dir: string): void {
  const walk = (p: string, isDir: boolean) => {
    fs.chmodSync(p, isDir ? 0o700 : 0o600);
    if (!isDir) return;
    for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) continue;
      walk(path.join(p, entry.name), entry.isDirectory());
    }
  };
  walk(dir, true);
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number | undefined) {
    super(
      `The embedded database in ${dataDir} is open in another process${pid ? ` (pid ${pid})` : ''}. ` +
        'PGlite allows one process at a time: stop the other one, or set DATABASE_URL to use a PostgreSQL server.',
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Who holds the lock. A pid alone is not enough: after a crash and a reboot (or just many processes later)
 * the pid is reused by an unrelated process, and the data dir would stay locked for good. The process's
 * start time (/proc/<pid>/stat field 22, clock ticks since boot) and the boot id name one process uniquely.
 */
type LockOwner = { pid: number; startTime?: string | undefined; bootId?: string | undefined };

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc (macOS) or no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function parseLockOwner(raw: string): LockOwner | undefined {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return { pid: Number(text) }; // written by an older version: a pid only
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' ? { pid: o.pid, startTime: o.startTime, bootId: o.bootId } : undefined;
  } catch {
    return undefined; // half-written by a process that died while writing it
  }
}

/** Whether the process that wrote the lock is still running (not merely some process with its pid). */
function holdsLock(owner: LockOwner): boolean {
  if (!owner.pid || owner.pid === process.pid || !isAlive(owner.pid)) return false;
  const currentBoot = bootId();
  if (owner.bootId && currentBoot && owner.bootId !== currentBoot) return false; // written before a reboot
  if (owner.startTime === undefined) return true; // nothing more to compare: assume it is the same process
  const startTime = processStartTime(owner.pid);
  return startTime === undefined || startTime === owner.startTime;
}

/** An unreadable lock younger than this is taken as being written (an older version wrote it in two steps). */
const UNREADABLE_LOCK_GRACE_MS = 30_000;

/**
 * PGlite corrupts its files if two processes open them; a lock file turns that into a clear error.
 * The lock is written whole under a unique name and linked into place (link fails if the lock exists), so it is
 * never seen half-written. A stale lock is taken over by renaming it aside and checking that what was moved is
 * the stale lock judged: if another starter's fresh lock was moved instead, it is put back and this start
 * tries again (and then finds that starter alive). Release removes the lock only while it is still ours.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(dataDir, 'parcelguard.lock');
  const mine = JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), bootId: bootId() } satisfies LockOwner);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(lockFile, mine)) return () => releaseIfMine(lockFile, mine);
    let seen: string;
    try {
      seen = fs.readFileSync(lockFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw err;
    }
    const owner = parseLockOwner(seen);
    if (owner === undefined) {
      if (Date.now() - mtimeMs(lockFile) < UNREADABLE_LOCK_GRACE_MS) throw new DataDirInUseError(dataDir, undefined);
    } else if (holdsLock(owner)) {
      throw new DataDirInUseError(dataDir, owner.pid);
    }
    takeOverStale(lockFile, seen); // its process is gone, or the pid now names another process
  }
  throw new Error(`Could not lock ${lockFile}: other processes keep taking it`);
}

/** Creates `file` holding `text`, atomically; false when it exists. */
function createExclusive(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${randomUUID()}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function takeOverStale(lockFile: string, staleText: string): void {
  const aside = `${lockFile}.stale.${randomUUID()}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another starter moved it first
    throw err;
  }
  if (fs.readFileSync(aside, 'utf8') !== staleText) {
    // Another starter's fresh lock, taken between our read and our rename: give it back.
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // the place was taken again meanwhile; that starter holds the lock now
    }
  }
  fs.rmSync(aside, { force: true });
}

function releaseIfMine(lockFile: string, mine: string): void {
  try {
    if (fs.readFileSync(lockFile, 'utf8') === mine) fs.rmSync(lockFile, { force: true });
  } catch {
    // already gone
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
