// The embedded database's own thread. PGlite is PostgreSQL compiled to WebAssembly: every statement runs synchronously
// on the thread that calls it, so on the server's thread an intake's statements held up every other request
// (/healthz took hundreds of ms under intake load). Here it runs beside the HTTP server, which sends it statements
// over the worker's port (server/db/pglite-proxy.ts) and stays free meanwhile.
//
// One PGlite, one connection, its semantics unchanged: a statement outside a transaction waits while a transaction is
// open (PGlite's own transaction mutex), and a transaction is a conversation — begin, its statements, end — driven by
// the server thread's callback.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type PGliteOptions, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

/** A WebAssembly.Module (the project's TypeScript lib has no WebAssembly types; PGlite takes it as it comes). */
export type WasmModule = object;

export type WorkerInit = {
  /** A PGlite data directory; absent: in memory. */
  dataDir: string | undefined;
  /** In memory only: a database image (dumpDataDir) to start from. */
  image: Blob | undefined;
  /** pglite.wasm compiled once per process and shared by every worker (compiling it is most of a start). */
  pgliteWasmModule: WasmModule | undefined;
  migrationsFolder: string;
  /** Statements run once after the migrations: the connection's settings. */
  sessionSettings: string;
};

/** What can cross the port of a query's options: the parser functions stay behind (see `rawTypes`). */
export type WireQueryOptions = {
  rowMode?: 'array' | 'object' | undefined;
  paramTypes?: number[] | undefined;
  /** Types answered as PostgreSQL's text: the caller applies its own parsers to them on its side. */
  rawTypes?: number[] | undefined;
};

export type WorkerRequest =
  | { id: number; op: 'query'; tx: number | undefined; sql: string; params: unknown[]; options: WireQueryOptions }
  | { id: number; op: 'exec'; tx: number | undefined; sql: string; options: WireQueryOptions }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'rollback'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump'; compression: 'none' | 'gzip' | 'auto' }
  | { id: number; op: 'close' };

/** An error as it crosses the port: structured clone keeps only an Error's message, and we need its SQLSTATE etc. */
export type WireError = { name: string; message: string; stack: string | undefined; fields: Record<string, unknown> };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
/** The first message: the database is open and migrated, or could not be. */
export type WorkerHello = { ready: true } | { ready: false; error: WireError };

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), stack: undefined, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    // queryOptions holds parser functions (the caller puts its own back); anything else must clone.
    if (key === 'queryOptions' || typeof value === 'function') continue;
    fields[key] = value;
  }
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

const port = parentPort;
if (port) await serve(port, workerData as WorkerInit);

async function serve(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      ...(init.dataDir || !init.image ? { dataDir: init.dataDir ?? 'memory://' } : { loadDataDir: init.image }),
      ...(init.pgliteWasmModule ? { pgliteWasmModule: init.pgliteWasmModule as PGliteOptions['pgliteWasmModule'] } : {}),
      extensions: { pg_trgm },
    });
    await migrate(drizzle({ client: pg }), { migrationsFolder: init.migrationsFolder });
    await pg.exec(init.sessionSettings);
  } catch (err) {
    port.postMessage({ ready: false, error: toWireError(err) } satisfies WorkerHello);
    port.close();
    return;
  }

  /** Open transactions by the caller's number: the PGlite transaction, and how to end its callback. */
  const open = new Map<number, { tx: Transaction; end(commit: boolean): void; done: Promise<void> }>();
  const ROLLBACK = Symbol('rollback');

  const options = (o: WireQueryOptions): QueryOptions => ({
    ...(o.rowMode ? { rowMode: o.rowMode } : {}),
    ...(o.paramTypes ? { paramTypes: o.paramTypes } : {}),
    ...(o.rawTypes?.length ? { parsers: Object.fromEntries(o.rawTypes.map((oid) => [oid, (text: string) => text])) } : {}),
  });
  const inTx = (tx: number): Transaction => {
    const t = open.get(tx);
    if (!t) throw new Error('Transaction is closed'); // PGlite's own words for a transaction used after its end
    return t.tx;
  };

  const handle = async (req: WorkerRequest): Promise<unknown> => {
    switch (req.op) {
      case 'query':
        return req.tx === undefined ? pg.query(req.sql, req.params, options(req.options)) : inTx(req.tx).query(req.sql, req.params, options(req.options));
      case 'exec':
        return req.tx === undefined ? pg.exec(req.sql, options(req.options)) : inTx(req.tx).exec(req.sql, options(req.options));
      case 'begin':
        // Answered once BEGIN has run: PGlite's transaction mutex may make it wait for another transaction first.
        return new Promise<void>((begun, failed) => {
          let end!: (commit: boolean) => void;
          const ending = new Promise<boolean>((resolve) => (end = resolve));
          const done = pg.transaction(async (tx) => {
            open.set(req.tx, { tx, end, done });
            begun();
            if (!(await ending)) throw ROLLBACK; // PGlite rolls back
          });
          done.catch(failed); // BEGIN failed (before `begun`); later failures are answered to 'end'
        });
      case 'rollback':
        return inTx(req.tx).rollback();
      case 'end': {
        const t = open.get(req.tx);
        if (!t) throw new Error('Transaction is closed');
        open.delete(req.tx);
        t.end(req.commit);
        try {
          await t.done;
        } catch (err) {
          if (err !== ROLLBACK) throw err; // COMMIT failed (a deferred constraint, an aborted transaction)
        }
        return undefined;
      }
      case 'dump':
        return pg.dumpDataDir(req.compression);
      case 'close':
        await pg.close();
        return undefined;
    }
  };

  port.on('message', (req: WorkerRequest) => {
    handle(req).then(
      (value) => {
        port.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply);
        if (req.op === 'close') port.close(); // nothing left to keep this thread alive: it exits
      },
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: toWireError(err) } satisfies WorkerReply),
    );
  });
  port.postMessage({ ready: true } satisfies WorkerHello);
}

