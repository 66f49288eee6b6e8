// WEB_CONCURRENCY > 1: `npm start` becomes a node:cluster primary that forks that many server processes, which
// share the listening port (the primary accepts and hands connections out in turn). The primary serves no HTTP
// and opens no database: it starts, restarts and stops workers. Everything that must hold across processes
// already goes through PostgreSQL (sessions and their revocation, idempotency keys, job leases, the socket
// adapter), so the workers need nothing from each other.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Aggregator, type Registry } from 'prom-client';
import type { Config } from './config.js';
import { ApiError, withMessage } from './http/errors.js';
import { bilingual, defineMessages } from './i18n/messages.js';
import { METRIC_PREFIX } from './metrics/metrics.js';
import { resolvePiiKeys } from './privacy/pii.js';

const MESSAGES = defineMessages({
  METRICS_CLUSTER_UNAVAILABLE: {
    en: 'The metrics of every server process could not be gathered just now (a process is starting or stopping). Scrape again.',
    zh: '暂时无法汇总全部服务进程的监控指标（有进程正在启动或停止），请稍后重新采集。',
  },
});

// IPC between a worker that got GET /metrics, the primary, and every worker (the primary's collection round).
const SCRAPE = 'parcelguard:metrics:scrape'; // worker → primary
const SCRAPED = 'parcelguard:metrics:scraped'; // primary → that worker: the text, or an error
const COLLECT = 'parcelguard:metrics:collect'; // primary → each worker
const COLLECTED = 'parcelguard:metrics:collected'; // each worker → primary: its registry as JSON
/** A worker that has not answered within this is taken to be stuck: the scrape fails rather than miss its counts. */
const COLLECT_TIMEOUT_MS = 5000;
/**
 * Read from the database, not counted per process: every worker reports the same value, so the cluster's is the
 * largest, not the sum (prom-client sums gauges by default).
 */
const DATABASE_WIDE = new Set([`${METRIC_PREFIX}jobs`, `${METRIC_PREFIX}jobs_oldest_due_seconds`]);

/** One metric as getMetricsAsJSON gives it (what crosses the IPC channel). */
type MetricJson = { name: string; aggregator?: Aggregator } & Record<string, unknown>;
type Message = { type?: string; id?: number; text?: string; error?: string; metrics?: MetricJson[] };

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

  const listening = new Set<number>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', (address) => {
      listening.add(worker.id);
      log.info({ worker: worker.id, pid: worker.process.pid, port: address.port }, 'worker listening');
    });
    return worker;
  };
  answerScrapes(log, () => live().filter((w) => listening.has(w.id)));

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
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

/**
 * The primary's half of GET /metrics under the cluster: asked by the worker that got the scrape, it collects every
 * serving worker's registry and answers with their aggregate (prom-client AggregatorRegistry: counters and
 * histograms summed, so rates and percentiles are the whole server's).
 */
function answerScrapes(log: Logger, serving: () => Worker[]): void {
  let nextId = 0;
  const waiting = new Map<number, { parts: MetricJson[][]; pending: Set<number>; done(err?: Error): void }>();

  const collect = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const workers = serving();
      const round = {
        parts: [] as MetricJson[][],
        pending: new Set(workers.map((w) => w.id)),
        done: (err?: Error) => {
          if (!waiting.delete(id)) return;
          clearTimeout(timer);
          if (err) return reject(err);
          for (const m of round.parts.flat()) if (DATABASE_WIDE.has(m.name)) m.aggregator = 'max';
          AggregatorRegistry.aggregate(round.parts).metrics().then(resolve, reject);
        },
      };
      const timer = setTimeout(() => round.done(new Error(`workers ${[...round.pending].join(', ')} did not answer`)), COLLECT_TIMEOUT_MS);
      waiting.set(id, round);
      if (workers.length === 0) return round.done(new Error('no worker is serving'));
      for (const w of workers) w.send({ type: COLLECT, id });
    });

  cluster.on('message', (worker, msg: Message) => {
    if (msg?.type === COLLECTED && msg.id !== undefined) {
      const round = waiting.get(msg.id);
      if (!round || !round.pending.delete(worker.id)) return;
      if (msg.error !== undefined) return round.done(new Error(msg.error));
      round.parts.push(msg.metrics ?? []);
      if (round.pending.size === 0) round.done();
    } else if (msg?.type === SCRAPE && msg.id !== undefined) {
      collect().then(
        (text) => worker.isConnected() && worker.send({ type: SCRAPED, id: msg.id, text }),
        (err: Error) => {
          log.warn({ err }, 'metrics: could not gather every worker');
          if (worker.isConnected()) worker.send({ type: SCRAPED, id: msg.id, error: err.message });
        },
      );
    }
  });
  // A worker gone mid-round would otherwise hold the scrape until the timeout.
  cluster.on('exit', (worker) => {
    for (const round of waiting.values()) if (round.pending.has(worker.id)) round.done(new Error(`worker ${worker.id} exited`));
  });
}

/**
 * The worker's half: its registry answers the primary's collection rounds, and its own GET /metrics (the registry's
 * text, server/metrics/router.ts) becomes the cluster's, asked of the primary. A scrape that cannot be gathered whole
 * is 503 METRICS_CLUSTER_UNAVAILABLE: a partial one would make counters seem to fall and rise again.
 */
export function serveClusterMetrics(registry: Registry): void {
  const own = registry.getMetricsAsJSON.bind(registry);
  process.on('message', (msg: Message) => {
    if (msg?.type !== COLLECT) return;
    own().then(
      (metrics) => process.send?.({ type: COLLECTED, id: msg.id, metrics }),
      (err: Error) => process.send?.({ type: COLLECTED, id: msg.id, error: err.message }),
    );
  });
  let nextId = 0;
  const asked = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  process.on('message', (msg: Message) => {
    if (msg?.type !== SCRAPED || msg.id === undefined) return;
    const ask = asked.get(msg.id);
    asked.delete(msg.id);
    if (msg.error !== undefined) ask?.reject(unavailable(msg.error));
    else ask?.resolve(msg.text ?? '');
  });
  // Only the text exposition is replaced; the primary collects through getMetricsAsJSON, which stays this worker's.
  registry.metrics = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        asked.delete(id);
        reject(unavailable('the primary did not answer'));
      }, COLLECT_TIMEOUT_MS * 2);
      asked.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      process.send?.({ type: SCRAPE, id });
    });
}

function unavailable(reason: string): ApiError {
  return withMessage(new ApiError(503, MESSAGES.METRICS_CLUSTER_UNAVAILABLE, 'Metrics unavailable', reason), bilingual(MESSAGES.METRICS_CLUSTER_UNAVAILABLE));
}
