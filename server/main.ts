// `npm start`: read the config, start, and shut down gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { DataDirInUseError } from './db/database.js';
import { createLogger } from './logging.js';
import { startServer } from './server.js';

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
  const log = createLogger(config);
  let server;
  try {
    server = await startServer(config, log);
  } catch (err) {
    if (err instanceof DataDirInUseError || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.fatal((err as Error).message);
      process.exit(1);
    }
    throw err;
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

main().catch((err) => {
  console.error('ParcelGuard failed to start:', err);
  process.exit(1);
});
