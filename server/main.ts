// `npm start`: read the config, start, and shut down gracefully on SIGTERM/SIGINT. With WEB_CONCURRENCY > 1 this
// process becomes the cluster's primary (server/cluster.ts) and each worker it forks runs this file again as a server.
import cluster from 'node:cluster';
import { runPrimary, SERVED_BY_HEADER, serveClusterMetrics } from './cluster.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirInUseError } from './db/database.js';
import { createLogger } from './logging.js';
import { metricsRegistry } from './metrics/metrics.js';
import type { Logger } from 'pino';
import { startServer, type RunningServer } from './server.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\nSee .env.example for every variable and its meaning.`);
      process.exit(1);
    }
    throw err;
  }
  // A worker's every log line says which worker wrote it.
  const log = cluster.isWorker ? createLogger(config).child({ worker: cluster.worker!.id }) : createLogger(config);
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    const code = await runPrimary(config, log).stopped;
    log.info({ code }, 'stopped');
    log.flush(() => process.exit(code));
    return;
  }
  let server: RunningServer | undefined;
  onUnexpectedFailures(log, () => server);
  try {
    server = await startServer(config, log);
  } catch (err) {
    if (err instanceof DataDirInUseError || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.fatal((err as Error).message);
      process.exit(1);
    }
    throw err;
  }
  if (cluster.isWorker) {
    // Before the app (and socket.io) see the request: which worker answered, for load balancing checks.
    const worker = String(cluster.worker!.id);
    server.httpServer.prependListener('request', (_req, res) => res.setHeader(SERVED_BY_HEADER, worker));
    // GET /metrics answers for the whole cluster, gathered by the primary.
    const registry = metricsRegistry();
    if (registry) serveClusterMetrics(registry);
  }
  log.info(
    { database: server.database.kind, dataDir: config.databaseUrl ? undefined : config.dataDir },
    `ParcelGuard listening on ${server.url} — handheld ${server.url}/handheld/, console ${server.url}/console/`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await server.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * The last net under every request and socket handler (which answer their own client with an error first):
 * - An unhandled rejection is one piece of async work that failed with nobody awaiting it. Nothing was left
 *   half-changed by an unwinding stack, so it is logged and the process keeps serving everyone else.
 * - An uncaught exception unwound a synchronous stack at an unknown point: shared state (a pool, a lock, a
 *   half-sent response) may be inconsistent, and Node's documentation says not to resume. It is logged as fatal
 *   and the process exits 1 for its supervisor to restart it, after a bounded attempt to close the database
 *   (so the DATA_DIR lock is released); committed data survives even an abrupt exit.
 */
function onUnexpectedFailures(log: Logger, running: () => RunningServer | undefined) {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled rejection: logged, still serving');
  });
  let exiting = false;
  process.on('uncaughtException', (err, origin) => {
    log.fatal({ err, origin }, 'uncaught exception: exiting, the process state cannot be trusted');
    if (exiting) return;
    exiting = true;
    setTimeout(() => process.exit(1), 3000); // not unref: an idle loop would otherwise exit 0
    void Promise.resolve(running()?.database.close())
      .catch(() => {})
      .finally(() => log.flush(() => process.exit(1)));
  });
}

main().catch((err) => {
  console.error('ParcelGuard failed to start:', err);
  process.exit(1);
});
