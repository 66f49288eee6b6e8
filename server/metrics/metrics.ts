// Prometheus metrics of one server process (GET /metrics, ./router.ts): the Node runtime (event-loop lag, GC, heap),
// intakes by verdict, time per pipeline step and phase, HTTP requests by route template, and gauges read when scraped
// (database pool, sockets per namespace, job backlog). Labels are bounded sets only (verdicts, step names, route
// templates, job kinds): never a URL, a waybill or anything about a person.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type express from 'express';
import pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric, type MetricValueWithName } from 'prom-client';
import type { Server as IoServer } from 'socket.io';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import { queryRows } from '../db/database.js';
import type { IntakeState, IntakeStep } from '../intake/pipeline.js';

export const METRIC_PREFIX = 'parcelguard_';

/** 1 ms to 5 s: a counter's intake is tens of ms; past a second the counter notices. */
export const INTAKE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A step phase is often a fraction of a millisecond (a check digit) and at most a few hundred (screening, rings). */
export const STEP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** How long the job backlog read is reused: a scraper (or several) cannot put more than one query per 5 s on the database. */
export const BACKLOG_CACHE_MS = 5_000;
const SOCKET_NAMESPACES = ['/alerts', '/outlet'] as const;
const PHASES = ['validate', 'check', 'record'] as const;

export type Metrics = {
  registry: Registry;
  /** The intake steps with each phase timed (the steps themselves unchanged). */
  timedSteps(steps: IntakeStep[]): IntakeStep[];
  /** Counts every request by route template and status class, and times POST /api/parcels by verdict. */
  httpMiddleware: express.RequestHandler;
};

export type MetricsText = { contentType: string; body: string };

let processRegistry: Registry | undefined;

/**
 * The registry of this process's server (the latest created: tests start several servers in one process, a deployed
 * process runs one). For the cluster primary (WEB_CONCURRENCY): prom-client's AggregatorRegistry.setRegistries takes it.
 */
export function metricsRegistry(): Registry | undefined {
  return processRegistry;
}

/**
 * The text exposition of one registry (this process's by default). Under WEB_CONCURRENCY, GET /metrics answers the
 * whole cluster's instead: server/cluster.ts has the primary aggregate every worker's registry (AggregatorRegistry).
 */
export async function metricsResponse(registry: Registry | undefined = processRegistry): Promise<MetricsText> {
  if (!registry) throw new Error('no metrics registry: createMetrics was not called in this process');
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** The socket.io server of each app context, told by server/realtime/socket.ts once attached (read at scrape time). */
const socketServers = new WeakMap<AppContext, IoServer>();
export function observeSockets(ctx: AppContext, io: IoServer): void {
  socketServers.set(ctx, io);
}

let runtime: Registry | undefined;
/**
 * The Node runtime's metrics (event-loop lag, GC, heap, CPU), collected once per process: each collection starts an
 * event-loop monitor and a GC observer that live as long as the process (tests start many servers in one).
 */
function runtimeRegistry(): Registry {
  if (!runtime) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime, prefix: METRIC_PREFIX });
  }
  return runtime;
}

export function createMetrics(ctx: AppContext): Metrics {
  const own = new Registry();
  const registers = [own];

  // ── Intakes (POST /api/parcels), as the counter sees them: from the request to the answer ──────────────────
  const intakeDuration = new Histogram({
    name: `${METRIC_PREFIX}intake_duration_seconds`,
    help: 'POST /api/parcels from request to answer, by verdict (accepted, held, rejected) or error with its status class (4xx, 5xx)',
    labelNames: ['verdict', 'status_class'] as const,
    buckets: INTAKE_BUCKETS,
    registers,
  });
  const intakes = new Counter({
    name: `${METRIC_PREFIX}intakes_total`,
    help: 'POST /api/parcels answered, by verdict (accepted, held, rejected) or error with its status class',
    labelNames: ['verdict', 'status_class'] as const,
    registers,
  });
  type IntakeChild = { duration: { observe(v: number): void }; count: { inc(): void } };
  const intakeChild = (verdict: string, statusClass: string): IntakeChild => ({
    duration: intakeDuration.labels(verdict, statusClass),
    count: intakes.labels(verdict, statusClass),
  });
  // Created once: every series exists from the first scrape (a rate of 0 rather than no series), and no label
  // objects are built per request.
  const intakeChildren = new Map<string, IntakeChild>([
    ['accepted', intakeChild('accepted', '2xx')],
    ['held', intakeChild('held', '2xx')],
    ['rejected', intakeChild('rejected', '2xx')],
    ['4xx', intakeChild('error', '4xx')],
    ['5xx', intakeChild('error', '5xx')],
  ]);

  // ── Pipeline steps ─────────────────────────────────────────────────────────────────────────────────────────
  const stepDuration = new LeanHistogram(
    `${METRIC_PREFIX}intake_step_seconds`,
    'Time in one phase (validate, check, record) of one intake pipeline step; single and bulk intakes alike',
    STEP_BUCKETS,
  );
  own.registerMetric(stepDuration as unknown as Metric);

  function timedSteps(steps: IntakeStep[]): IntakeStep[] {
    return steps.map((step) => {
      const timed: IntakeStep = { ...step };
      for (const phase of PHASES) {
        const run = step[phase];
        if (run) timed[phase] = timePhase(step, run, stepDuration.series({ step: step.name, phase }));
      }
      return timed;
    });
  }

  // ── HTTP requests ──────────────────────────────────────────────────────────────────────────────────────────
  const requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests by method, route template (never the URL itself; "other" for static files and unknown paths) and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers,
  });

  const httpMiddleware: express.RequestHandler = (req, res, next) => {
    const started = performance.now();
    // The intake by its path, not its route: a refusal before routing (413 body too large, 429 API key limit) is an
    // intake answered too.
    const intake = req.method === 'POST' && req.path === '/api/parcels';
    let verdict: unknown;
    if (intake) {
      // The verdict is in the answer's body: read it as it is sent (one closure per intake, no parse).
      const json = res.json;
      res.json = function (this: express.Response, body: unknown) {
        verdict = (body as { verdict?: unknown } | null)?.verdict;
        return json.call(this, body);
      };
    }
    res.once('finish', () => {
      const statusClass = `${Math.floor(res.statusCode / 100)}xx`;
      // req.route is the matched route's template (/api/parcels/:waybillNo); the API router is mounted at the root.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      requests.inc({ method: req.method, route: typeof route === 'string' ? route : 'other', status_class: statusClass });
      if (!intake) return;
      const child = intakeChildren.get(res.statusCode < 400 && typeof verdict === 'string' ? verdict : statusClass);
      if (!child) return; // a 1xx/3xx, which the intake route never answers
      child.duration.observe((performance.now() - started) / 1000);
      child.count.inc();
    });
    next();
  };

  // ── Database pool, read when scraped ───────────────────────────────────────────────────────────────────────
  const client = (ctx.db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    const pool = client;
    new Gauge({
      name: `${METRIC_PREFIX}db_pool_clients`,
      help: 'PostgreSQL pool: connections open (total), of them idle, and queries waiting for a connection (waiting)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}db_pool_max`,
      help: 'PostgreSQL pool: the most connections it opens (DATABASE_POOL_SIZE)',
      registers,
      collect() {
        this.set(pool.options.max ?? 10);
      },
    });
  }
  // Embedded PGlite in its worker thread (server/db/pglite-proxy.ts): how busy that thread is. Every statement runs
  // there one at a time, so a thread busy close to 100% of the time is the embedded database's ceiling.
  const worker = (client as { worker?: unknown } | undefined)?.worker;
  if (worker instanceof Worker) {
    new Counter({
      name: `${METRIC_PREFIX}db_pglite_thread_busy_seconds_total`,
      help: "Embedded database (PGlite): seconds its worker thread has been busy running statements; rate() is its utilisation",
      registers,
      collect() {
        const active = worker.performance.eventLoopUtilization().active / 1000;
        this.reset();
        this.inc(active);
      },
    });
  }

  // ── Live sockets per namespace, read when scraped ──────────────────────────────────────────────────────────
  new Gauge({
    name: `${METRIC_PREFIX}socket_connections`,
    help: 'socket.io connections to this process, by namespace (/alerts: officers; /outlet: couriers and supervisors)',
    labelNames: ['namespace'] as const,
    registers,
    collect() {
      const io = socketServers.get(ctx);
      for (const nsp of SOCKET_NAMESPACES) this.set({ namespace: nsp }, io ? io.of(nsp).sockets.size : 0);
    },
  });

  // ── Job backlog, read when scraped at most every BACKLOG_CACHE_MS ────────────────────────────────────────
  const backlog = createBacklogReader(ctx);
  const kindsSeen = new Set<string>();
  new Gauge({
    name: `${METRIC_PREFIX}jobs`,
    help: 'Jobs in the queue by kind and state (queued, running); webhook.deliver jobs are the webhook deliveries pending',
    labelNames: ['kind', 'state'] as const,
    registers,
    async collect() {
      const rows = await backlog();
      this.reset();
      if (!rows) return; // the database did not answer: no job figures this scrape, the rest still served
      // A kind whose queue emptied reads 0 rather than vanishing (an alert on it would otherwise never clear).
      for (const kind of kindsSeen) for (const state of ['queued', 'running']) this.set({ kind, state }, 0);
      for (const r of rows) {
        kindsSeen.add(r.kind);
        this.set({ kind: r.kind, state: r.state }, r.n);
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}jobs_oldest_due_seconds`,
    help: 'Per job kind, how long the oldest job due to run has waited (0 when none is due): the queue falling behind',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      const rows = await backlog();
      this.reset();
      if (!rows) return;
      for (const kind of kindsSeen) this.set({ kind }, 0);
      for (const r of rows) if (r.state === 'queued') this.set({ kind: r.kind }, Math.max(0, r.oldestDueSeconds ?? 0));
    },
  });

  // This app's metrics beside the process's runtime ones (the same metric objects, not copies).
  const registry = Registry.merge([runtimeRegistry(), own]);
  processRegistry = registry;
  return { registry, timedSteps, httpMiddleware };
}

/** Times one phase of one step into its pre-created histogram child; sync phases stay sync (no extra await). */
function timePhase(step: IntakeStep, run: (s: IntakeState) => void | Promise<void>, child: { observe(v: number): void }) {
  return (s: IntakeState): void | Promise<void> => {
    const started = performance.now();
    const done = () => child.observe((performance.now() - started) / 1000);
    let result: void | Promise<void>;
    try {
      result = run.call(step, s);
    } catch (err) {
      done();
      throw err;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      return (result as Promise<void>).then(done, (err: unknown) => {
        done();
        throw err;
      });
    }
    done();
  };
}

/**
 * A histogram whose series are fixed when the app starts, observed with no label lookup at all: a step phase runs
 * 15 times per intake, and prom-client's Histogram validates and hashes the labels on every observe (~3 µs each,
 * 40-50 µs per intake on this machine). Exposed through the registry like any metric (get() in prom-client's shape).
 */
class LeanHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all: { labels: Record<string, string>; counts: Float64Array; sum: number; count: number }[] = [];

  constructor(readonly name: string, readonly help: string, private readonly bounds: readonly number[]) {}

  /** One series; its observe is a bucket search and three additions. */
  series(labels: Record<string, string>): { observe(seconds: number): void } {
    const s = { labels, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
    this.all.push(s);
    const bounds = this.bounds;
    return {
      observe(seconds: number) {
        s.sum += seconds;
        s.count++;
        for (let i = 0; i < bounds.length; i++) {
          if (seconds <= bounds[i]!) {
            s.counts[i]!++;
            break;
          }
        }
      },
    };
  }

  reset(): void {
    for (const s of this.all) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValueWithName<string>[] }> {
    const values: MetricValueWithName<string>[] = [];
    for (const s of this.all) {
      if (!s.count) continue; // as prom-client's: a series appears once observed
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[i]!, ...s.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

type BacklogRow = { kind: string; state: string; n: number; oldestDueSeconds: number | null };

/**
 * The queue's queued and running jobs by kind (the jobs_due_idx partial index covers them), shared for a few seconds;
 * undefined when the database does not answer (logged, and not kept: the next scrape tries again).
 */
function createBacklogReader(ctx: AppContext): () => Promise<BacklogRow[] | undefined> {
  let cached: { at: number; rows: Promise<BacklogRow[] | undefined> } | undefined;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < BACKLOG_CACHE_MS) return cached.rows;
    const at = ctx.clock();
    const rows = queryRows<BacklogRow>(
      ctx.db,
      sql`select kind, state, count(*)::int as n,
            extract(epoch from (${at.toISOString()}::timestamptz - min(run_at) filter (where state = 'queued' and run_at <= ${at.toISOString()}::timestamptz)))::float8 as "oldestDueSeconds"
          from jobs where state in ('queued', 'running') group by kind, state`,
    ).catch((err: unknown) => {
      ctx.log.warn({ err }, 'metrics: the job backlog could not be read');
      if (cached?.rows === rows) cached = undefined;
      return undefined;
    });
    cached = { at: now, rows };
    return rows;
  };
}
