// What every capability receives: the database, the validated config and the logger.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/database.js';

export type AppContext = {
  db: Db;
  dbKind: 'pglite' | 'postgres';
  config: Config;
  log: Logger;
};
