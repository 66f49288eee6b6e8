// WEB_CONCURRENCY > 1: `npm start` becomes a node:cluster primary that forks that many server processes, which
// share the listening port (the primary accepts and hands connections out in turn). The primary serves no HTTP
// and opens no database: it starts, restarts and stops workers. Everything that must hold across processes
// already goes through PostgreSQL (sessions and their revocation, idempotency keys, job leases, the socket
// adapter), so the workers need nothing from each other.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { resolvePiiKeys } from './privacy/pii.js';

/** Header naming the worker that answered (its cluster id: a small counter, nothing about the host). */
export const SERVED_BY_HEADER = 'X-Served-By';

/** A restart waits 1 s after a worker's death, doubling for each further death within a minute, up to 30 s. */
export function restartDelayMs(deathsInLastMinute: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, deathsInLastMinute - 1));
}

export type Primary = { stopped: Promise<number> };

/**
 * Runs the primary: forks `config.webConcurrency` workers (re-running this entry point, where `cluster.isWorker`
 * makes them servers), replaces any that dies, and on SIGTERM/SIGINT passes the signal on and exits once every
 * worker has drained and exited (0 if all exited cleanly).
 */
export function runPrimary(config: Config, log: Logger): Primary {
  const wanted = config.webConcurrency;
  // Development PII keys are generated on first start and written to DEV_KEYS_DIR: done once here, so that
  // workers starting together read one key instead of each generating its own. (Files only, no database.)
  resolvePiiKeys(config, log);

  let stopping = false;
  let stopSignal: NodeJS.Signals | undefined;
  let anyListening = false;
  const deaths: number[] = [];
  const exitCodes: number[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  const finishIfDone = () => {
    if (stopping && live().length === 0 && pending.size === 0) resolveStopped(exitCodes.every((c) => c === 0) ? 0 : 1);
  };

  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', (address) => {
      log.info({ worker: worker.id, pid: worker.process.pid, port: address.port }, 'worker listening');
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      // Ended by the very signal passed on: it was still starting (no handler yet), with nothing to drain.
      exitCodes.push(signal && signal === stopSignal ? 0 : (code ?? 1));
      log.info({ worker: worker.id, code, signal }, 'worker stopped');
      finishIfDone();
      return;
    }
    if (!anyListening) {
      // Nothing ever came up (the database unreachable, the port taken): restarting would only repeat it.
      // Exit as the single process would, for the supervisor to see.
      log.fatal({ worker: worker.id, code, signal }, 'a worker failed to start; stopping');
      stopping = true;
      exitCodes.push(code || 1);
      for (const w of live()) w.process.kill('SIGTERM');
      finishIfDone();
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && deaths[0]! < now - 60_000) deaths.shift();
    const delay = restartDelayMs(deaths.length);
    log.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting a replacement');
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!stopping) fork();
      finishIfDone();
    }, delay);
    pending.add(timer);
  });

  // The first worker alone migrates and seeds the demo data; the others start once it listens, onto a database
  // that is ready (migrations take an advisory lock anyway, but the demo seed is not meant for two at once).
  const first = fork();
  first.once('listening', (address) => {
    anyListening = true;
    if (stopping) return;
    let up = 1;
    const counted = () => {
      if (++up === wanted) log.info({ workers: wanted, port: address.port }, `cluster of ${wanted} workers listening`);
    };
    for (let i = 1; i < wanted; i++) fork().once('listening', counted);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stopSignal = signal;
    log.info({ signal, workers: live().length }, 'shutting down: every worker finishes its in-flight requests');
    for (const t of pending) clearTimeout(t);
    pending.clear();
    for (const w of live()) w.process.kill(signal);
    // A worker drains for at most SHUTDOWN_TIMEOUT_MS; one that is still there well after is stuck.
    setTimeout(() => {
      for (const w of live()) {
        log.warn({ worker: w.id, pid: w.process.pid }, 'worker did not stop in time; killing it');
        w.process.kill('SIGKILL');
      }
    }, config.shutdownTimeoutMs + 5000).unref();
    finishIfDone();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { stopped };
}
