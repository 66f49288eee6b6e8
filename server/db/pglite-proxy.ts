// The server thread's side of the embedded database's worker (server/db/pglite-worker.ts): a client with the part of
// PGlite's interface that drizzle-orm/pglite uses — query(sql, params, {rowMode, parsers}) and transaction(cb), whose
// transaction object has query/exec/rollback — plus exec and dumpDataDir. Each call is a message to the worker, which
// runs it on its PGlite and answers; the server's event loop is free meanwhile.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { messages, type QueryOptions, type Results } from '@electric-sql/pglite';
import type { WasmModule, WireError, WireQueryOptions, WorkerHello, WorkerInit, WorkerReply, WorkerRequest } from './pglite-worker.js';

type Parsers = NonNullable<QueryOptions['parsers']>;
/** Omit over each member of a union (TypeScript's Omit would merge them). */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Call = { resolve(value: unknown): void; reject(err: Error): void; options?: QueryOptions | undefined };

/** The transaction object a transaction's callback gets (what drizzle's PGlite session calls). */
export type WorkerTransaction = {
  query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(query: string, options?: QueryOptions): Promise<Results[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
};

/**
 * The worker's script. Built (node dist/…), the sibling pglite-worker.js. From the sources (tsx: tests, scripts), a
 * worker would have to load tsx again to read TypeScript (Node 20 does not pass tsx's hooks on to a worker), and
 * that doubled the start of every test server; instead the worker's source is bundled once per process with esbuild
 * into plain JavaScript, its packages imported by absolute URL, and started from a data: URL without tsx.
 */
let sourceWorker: Promise<URL> | undefined;
async function workerScript(): Promise<{ url: URL; execArgv: string[] | undefined }> {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./pglite-worker.js', import.meta.url), execArgv: workerExecArgv() };
  sourceWorker ??= (async () => {
    const esbuild = await import('esbuild');
    const built = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./pglite-worker.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'packages-by-url',
          setup: (b) =>
            b.onResolve({ filter: /^[^./]/ }, async (a) => {
              if (a.path.startsWith('node:') || (a.pluginData as { inner?: boolean } | undefined)?.inner) return undefined;
              // esbuild's own resolution (the packages' "import" conditions), kept external under an absolute URL.
              const found = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: { inner: true } });
              return { path: pathToFileURL(found.path).href, external: true };
            }),
        },
      ],
    });
    return new URL(`data:text/javascript,${encodeURIComponent(built.outputFiles[0]!.text)}`);
  })();
  return { url: await sourceWorker, execArgv: [] };
}

// Options about the main script (node -e, --input-type) mean nothing to the worker and make it fail to start.
function workerExecArgv(): string[] {
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++;
    else if (!a.startsWith('--input-type') && !a.startsWith('--eval=') && !a.startsWith('--print=')) args.push(a);
  }
  return args;
}

// The project's TypeScript lib has no WebAssembly types: the one call made here.
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } };

let wasmModule: Promise<WasmModule> | undefined;
/** pglite.wasm, compiled once per process: every worker (each test server has one) instantiates the same module. */
function pgliteWasm(): Promise<WasmModule> {
  wasmModule ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    return wasm.compile(await fs.promises.readFile(path.join(path.dirname(entry), 'pglite.wasm')));
  })();
  return wasmModule;
}

export class PgliteWorkerClient {
  private readonly pending = new Map<number, Call>();
  private nextId = 1;
  private nextTx = 1;
  private closing = false;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.answer(reply));
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        if (!this.closing) this.fail(new Error(`the embedded database's worker thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  /** Starts the worker and waits until its database is open and migrated. */
  static async start(init: Omit<WorkerInit, 'pgliteWasmModule'>): Promise<PgliteWorkerClient> {
    const [script, pgliteWasmModule] = await Promise.all([workerScript(), pgliteWasm()]);
    const worker = new Worker(script.url, { workerData: { ...init, pgliteWasmModule } satisfies WorkerInit, execArgv: script.execArgv });
    let onHello!: (hello: WorkerHello) => void;
    let onError!: (err: Error) => void;
    let onExit!: (code: number) => void;
    const hello = await new Promise<WorkerHello>((resolve, reject) => {
      onHello = resolve;
      onError = reject;
      onExit = (code) => reject(new Error(`the embedded database's worker thread exited while starting (code ${code})`));
      worker.once('message', onHello).once('error', onError).once('exit', onExit);
    }).finally(() => {
      // Only ours: Worker keeps listeners of its own (they ref and unref its port as 'message' listeners come and go).
      worker.off('message', onHello).off('error', onError).off('exit', onExit);
    });
    if (!hello.ready) {
      await worker.terminate();
      throw reviveError(hello.error);
    }
    worker.unref(); // idle, it must not keep the process alive; a pending call refs it (see `call`)
    return new PgliteWorkerClient(worker);
  }

  query<T>(query: string, params: unknown[] = [], options?: QueryOptions, tx?: number): Promise<Results<T>> {
    return this.call({ op: 'query', tx, sql: query, params, options: wireOptions(options) }, options) as Promise<Results<T>>;
  }

  exec(query: string, options?: QueryOptions, tx?: number): Promise<Results[]> {
    return this.call({ op: 'exec', tx, sql: query, options: wireOptions(options) }, options) as Promise<Results[]>;
  }

  /**
   * BEGIN, the callback's statements, then COMMIT — or ROLLBACK if the callback throws (its error is rethrown), as
   * PGlite's transaction() does. Other statements wait in the worker meanwhile, exactly as they wait in PGlite.
   */
  async transaction<T>(callback: (tx: WorkerTransaction) => Promise<T>): Promise<T> {
    const id = this.nextTx++;
    await this.call({ op: 'begin', tx: id });
    let closed = false;
    const tx: WorkerTransaction = {
      query: <R>(query: string, params?: unknown[], options?: QueryOptions) => this.query<R>(query, params, options, id),
      exec: (query, options) => this.exec(query, options, id),
      rollback: async () => {
        await this.call({ op: 'rollback', tx: id });
        closed = true;
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (err) {
      closed = true;
      await this.call({ op: 'end', tx: id, commit: false }).catch(() => {}); // the callback's error is the one to report
      throw err;
    }
    closed = true;
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  /** The database's files as a tarball (the tests start every server from one migrated image). */
  dumpDataDir(compression: 'none' | 'gzip' | 'auto' = 'auto'): Promise<Blob> {
    return this.call({ op: 'dump', compression }) as Promise<Blob>;
  }

  /** Closes the database (PGlite flushes its files) and ends the worker. */
  async close(): Promise<void> {
    if (this.closing || this.failure) return this.exited; // closed already, or the worker is gone: nothing to close
    this.closing = true;
    try {
      await this.send({ op: 'close' });
    } finally {
      await this.worker.terminate(); // it is exiting on its own; this only waits for it
    }
  }

  private call(request: Without<WorkerRequest, 'id'>, options?: QueryOptions): Promise<unknown> {
    if (this.closing) return Promise.reject(new Error('the embedded database is closed'));
    return this.send(request, options);
  }

  private send(request: Without<WorkerRequest, 'id'>, options?: QueryOptions): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref(); // a call awaited at top level must keep the process alive
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, options });
      this.worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  private answer(reply: WorkerReply): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (!reply.ok) {
      const err = reviveError(reply.error);
      if (call.options && 'query' in err) (err as { queryOptions?: QueryOptions }).queryOptions = call.options;
      call.reject(err);
      return;
    }
    try {
      call.resolve(call.options?.parsers ? applyParsers(reply.value as Results | Results[], call.options.parsers) : reply.value);
    } catch (err) {
      call.reject(err as Error);
    }
  }

  /**
   * The worker is gone (an uncaught error in it, or it exited). The database is unusable: every waiting call fails,
   * and the process goes down as for an uncaught exception (server/main.ts logs it and exits for the supervisor to
   * restart us); committed data is safe in the data directory.
   */
  private fail(err: Error): void {
    if (this.failure || this.closing) return;
    this.failure = new Error(`The embedded database stopped: ${err.message}`, { cause: err });
    for (const call of this.pending.values()) call.reject(this.failure);
    this.pending.clear();
    const fatal = this.failure;
    process.nextTick(() => {
      throw fatal;
    });
  }
}

function wireOptions(options: QueryOptions | undefined): WireQueryOptions {
  if (!options) return {};
  if (options.serializers || options.blob || options.onNotice) {
    throw new TypeError('serializers, blob and onNotice cannot be sent to the embedded database’s worker');
  }
  return {
    rowMode: options.rowMode,
    paramTypes: options.paramTypes,
    rawTypes: options.parsers ? Object.keys(options.parsers).map(Number) : undefined,
  };
}

/** The caller's parsers, on the columns the worker left as text (it cannot run functions sent from here). */
function applyParsers(value: Results | Results[], parsers: Parsers): Results | Results[] {
  for (const results of Array.isArray(value) ? value : [value]) {
    results.fields.forEach((field, i) => {
      const parse = parsers[field.dataTypeID];
      if (!parse) return;
      for (const row of results.rows as Record<string | number, unknown>[]) {
        const key = Array.isArray(row) ? i : field.name;
        const text = row[key];
        if (text !== null && text !== undefined) row[key] = parse(text as string);
      }
    });
  }
  return value;
}

/** The worker's error as PGlite would have thrown it here: a DatabaseError keeps code, constraint, detail, etc. */
function reviveError(wire: WireError): Error {
  const err = wire.name === 'error' ? new messages.DatabaseError(wire.message, 0, 'error') : new Error(wire.message);
  Object.assign(err, wire.fields);
  if (wire.name !== err.name) Object.defineProperty(err, 'name', { value: wire.name, configurable: true, writable: true });
  if (wire.stack) err.stack = wire.stack;
  return err;
}
