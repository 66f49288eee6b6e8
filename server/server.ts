// Starts and stops ParcelGuard: database (migrated), demo seed, HTTP + socket.io on one port.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Server as IoServer } from 'socket.io';
import { seedDemo } from './accounts/demo.js';
import { listenForRevocations } from './accounts/revocation.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type Database } from './db/database.js';
import { startJobs } from './jobs/start.js';
import { createPiiVault, resolvePiiKeys } from './privacy/pii.js';
import { attachRealtime, type Realtime } from './realtime/socket.js';
import { attachCaseRealtime } from './realtime/cases.js';
import { seedPriceFloors } from './rings/price-floors.js';

export type RunningServer = {
  url: string;
  httpServer: http.Server;
  io: IoServer;
  ctx: AppContext;
  database: Database;
  close(): Promise<void>;
};

/** Test-only options: never set by server/main.ts. */
/** clock: the time intakes run at (tests drive it). pgliteImage: an in-memory database to start from (tests). */
export type ServerSeams = { clock?: () => Date; pgliteImage?: Blob | File };

export async function startServer(config: Config, log: Logger, seams: ServerSeams = {}): Promise<RunningServer> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    onIdleError: (err) => log.warn({ err }, 'an idle database connection failed; the pool replaces it'),
    pgliteImage: seams.pgliteImage,
  });
  let revocations: ReturnType<typeof listenForRevocations> | undefined;
  try {
    const vault = createPiiVault(resolvePiiKeys(config, log));
    const ctx: AppContext = { db: database.db, dbKind: database.kind, config, log, vault, bus: new EventEmitter(), clock: seams.clock ?? (() => new Date()) };
    if (config.env !== 'production') {
      await seedDemo(database.db, { password: config.demoPassword, hashCost: config.passwordHashCost, log, vault });
    }
    await seedPriceFloors(database.db); // reference data (production too): put in once, then the regulators' to edit
    // Other processes' password changes and disabled accounts reach this one's session cache at once.
    revocations = config.databaseUrl ? listenForRevocations(config.databaseUrl, ctx.bus, log) : undefined;
    await revocations?.ready;
    const { app } = createApp(ctx);
    const httpServer = http.createServer(app);
    const realtime = attachRealtime(httpServer, ctx);
    const io = realtime.io;
    attachCaseRealtime(io, ctx.bus, log);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    // Stored reports, hold escalation, housekeeping: one job runner per process; a missed Friday is caught up at once.
    const jobRunner = await startJobs(ctx);
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const close = async () => {
      await jobRunner?.stop();
      await revocations?.stop();
      await shutdown(httpServer, realtime, database, config, log);
    };
    return { url: `http://${host}:${port}`, httpServer, io, ctx, database, close };
  } catch (err) {
    await revocations?.stop();
    await database.close();
    throw err;
  }
}

/** Stop accepting, let in-flight requests finish (up to the timeout), drop sockets, close the database. */
async function shutdown(httpServer: http.Server, realtime: Realtime, database: Database, config: Config, log: Logger) {
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  // close() drops idle keep-alive connections only once; keep dropping those that finish their request.
  const reaper = setInterval(() => httpServer.closeIdleConnections(), 50);
  await realtime.close();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs);
  });
  if ((await Promise.race([closed, timedOut])) === 'timeout') {
    log.warn('shutdown timeout: closing connections with requests still in flight');
    httpServer.closeAllConnections();
    await closed;
  }
  clearTimeout(timer);
  clearInterval(reaper);
  await database.close();
}
