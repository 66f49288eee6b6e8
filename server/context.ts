// What every capability receives: the database, the validated config and the logger.
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { PiiVault } from './privacy/pii.js';

export type AppContext = {
  db: Db;
  dbKind: 'pglite' | 'postgres';
  config: Config;
  log: Logger;
  /** Seals and blind-indexes ID numbers and phones. */
  vault: PiiVault;
  /**
   * In-process events: 'alert' (an AlertChange, after commit), 'session:revoked' (a token hash),
   * 'user:revoked' (a users.id whose sessions all ended: password change, disable; its sockets close).
   * 'hold' (a HoldChange: hold:new at intake, hold:updated at a decision, hold:overdue at escalation; after commit).
   */
  bus: EventEmitter;
  /**
   * The time intakes and ring scoring run at. Always the wall clock in production (server/main.ts never sets it);
   * tests and the ring evaluation pass their own to startServer to drive slow rings over a simulated year.
   */
  clock: () => Date;
};
