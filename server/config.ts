// The one place that reads the environment (STYLE.md #8). Everything else receives a typed Config.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `https://host[:port]`, nothing more: what a browser sends in `Origin`. */
function isOrigin(v: string): boolean {
  try {
    const url = new URL(v);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === v.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

/** 32 bytes as 64 hex characters or base64 (`openssl rand -base64 32`). */
const key32 = z
  .string()
  .transform((v) => (/^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64')))
  .refine((b) => b.length === 32, 'must be 32 bytes: 64 hex characters or base64 (openssl rand -base64 32)');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  // Server processes (node:cluster workers sharing the port, server/cluster.ts): a number, or `auto` for one per core.
  WEB_CONCURRENCY: z.union([z.literal('auto'), int(1, 256)], { error: 'must be a whole number from 1 to 256, or auto' }).default(1),
  DATA_DIR: z.string().min(1).default('./data'),
  DEV_KEYS_DIR: z.string().min(1).optional(),
  XDG_CONFIG_HOME: z.string().min(1).optional(),
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('parcelguard-demo'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: int(1, 24 * 30).default(12),
  PASSWORD_HASH_COST: int(10, 20).default(15),
  LOGIN_RATE_LIMIT_PER_MINUTE: int(1, 100000).default(10),
  // Requests a minute per API key (service accounts, server/machine/), per process.
  API_KEY_RATE_LIMIT_PER_MINUTE: int(1, 1000000).default(600),
  LOGIN_LOCK_AFTER_FAILURES: int(1, 100).default(5),
  LOGIN_LOCK_SECONDS: int(1, 86400).default(60),
  LOGIN_LOCK_MAX_SECONDS: int(1, 86400).default(900),
  LOGIN_FAILURE_MEMORY_HOURS: int(1, 24 * 30).default(24),
  // 1,000 suspect-list entries (the most one request may send) with a 200-character Chinese address, a 500-character
  // note and a source measure 2.2 MB as UTF-8 and 4.4 MB when the client escapes non-ASCII as \uXXXX (Python's
  // json.dumps does by default): 6 MB admits both with headroom.
  JSON_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'must look like 256kb or 1mb').default('6mb'),
  COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: z.string().optional(),
  ALLOWED_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOrigin, 'each must be an origin: scheme, host and port only, e.g. https://console.example.gov.cn')))
    .optional(),
  SHUTDOWN_TIMEOUT_MS: int(0, 600000).default(10000),
  PII_ENCRYPTION_KEY: key32.optional(),
  PII_BLIND_INDEX_KEY: key32.optional(),
  AUDIT_ANCHOR_RETIRED_KEYS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(key32))
    .optional(),
  MEDIA_MAX_BYTES: int(1024, 100 * 1024 * 1024).default(15 * 1024 * 1024),
  MEDIA_MAX_PIXELS: int(1000, 500_000_000).default(50_000_000),
  IMPORT_MAX_BYTES: int(1024, 512 * 1024 * 1024).default(32 * 1024 * 1024),
  IMPORT_MAX_ROWS: int(1, 10_000_000).default(100_000),
  IMPORT_MAX_CELL_CHARS: int(500, 1_000_000).default(32_767),
  IMPORT_MAX_UNCOMPRESSED_BYTES: int(1024, 4 * 1024 * 1024 * 1024 - 1).default(64 * 1024 * 1024),
  IDEMPOTENCY_TTL_HOURS: int(1, 24 * 30).default(48),
  RING_WINDOWS: z
    .string()
    .regex(/^\s*\d+[hd]:\d+\s*(,\s*\d+[hd]:\d+\s*)*$/, 'must look like 24h:3,7d:4,30d:5 (window:minimum parcels)')
    .default('24h:3,7d:4,30d:5'),
  // Slow rings (one or two parcels a week) never fill the short windows: scored from day buckets (server/rings/aggregates.ts).
  RING_LONG_WINDOWS: z
    .string()
    .regex(/^\s*\d+d:\d+\s*(,\s*\d+d:\d+\s*)*$/, 'must look like 90d:8,365d:12 (days:minimum parcels)')
    .default('90d:8,365d:12'),
  RING_ANNUAL_LIMIT_CNY: int(1, 100_000_000).default(26000),
  RING_ANNUAL_LIMIT_PARCELS: int(1, 1_000_000).default(52),
  RING_ORG_HANDLERS: int(2, 1000).default(4),
  RING_ORG_HANDLERS_DAYS: int(1, 365).default(7),
  RING_ALERT_SCORE: int(1, 100).default(5),
  RING_VALUE_LIMIT_CNY: int(1, 1_000_000).default(1000),
  RING_VALUE_LIMIT_HMT_CNY: int(1, 1_000_000).default(800),
  RING_JUST_UNDER_PERCENT: int(1, 99).default(70),
  RING_IMPLAUSIBLE_PERCENT: int(1, 99).default(20),
  RING_LINK_KEYS: z
    .string()
    .regex(/^(sender_id|sender_phone|sender_address|consignee_name|consignee_phone|consignee_address|outlet_pattern)(,(sender_id|sender_phone|sender_address|consignee_name|consignee_phone|consignee_address|outlet_pattern))*$/, 'a comma-separated list of sender_id, sender_phone, sender_address, consignee_name, consignee_phone, consignee_address, outlet_pattern')
    .default('sender_id,sender_phone,sender_address,consignee_phone,consignee_address,outlet_pattern'),
  REALTIME_ADAPTER: z.enum(['memory', 'postgres']).optional(),
  CUSTOMS_BASE_RATE: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a share between 0 and 1, e.g. 0.05')
    .transform(Number)
    .default(0.05),
  HOLD_DUE_HOURS: int(1, 24 * 365).default(24),
  HOLD_DUE_HOURS_BY_REASON: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*=\d{1,5}(,[A-Z][A-Z0-9_]*=\d{1,5})*$/, 'a comma-separated list of REASON_CODE=hours, e.g. INSPECTION_MISMATCH=4,SCREENING_SUSPECT=4')
    .default('INSPECTION_MISMATCH=4,SCREENING_SUSPECT=4'),
  JOBS_ENABLED: bool.default(true),
  // Bulk intake (server/batches/): a crashed process's batch is resumed by another once this lease runs out; item
  // workers (transactions at once, PostgreSQL only) and parcels per transaction (each in a savepoint); the JSON limit of
  // POST /api/parcels/batch (10,000 parcels of ~1.5 KB, twice that when a client escapes non-ASCII as \uXXXX).
  BATCH_LEASE_MS: int(1000, 600_000).default(30_000),
  BATCH_WORKERS: int(1, 16).default(4),
  BATCH_GROUP: int(1, 200).default(16),
  BATCH_JSON_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'must look like 256kb or 40mb').default('40mb'),
  // Interception (拦截件, server/interception/): who may be ordered follows the one in-network rule
  // (WATCHLIST_RETRO_IN_NETWORK_DAYS*); the carrier answers within hours.
  INTERCEPT_DUE_HOURS: int(1, 24 * 30).default(24),
  WATCHLIST_RETRO_DAYS: int(1, 3650).default(90),
  WATCHLIST_RETRO_CHUNK: int(10, 5000).default(200),
  WATCHLIST_RETRO_JOB_SECONDS: int(1, 240).default(60),
  WATCHLIST_RETRO_PAUSE_MS: int(0, 10_000).default(20),
  WATCHLIST_RETRO_IN_NETWORK_DAYS: int(0, 365).default(7),
  WATCHLIST_RETRO_IN_NETWORK_DAYS_CROSS_BORDER: int(0, 365).default(21),
  JOBS_POLL_MS: int(50, 3_600_000).default(1000),
  // The bearer token Prometheus scrapes GET /metrics with (server/metrics/); unset, /metrics does not exist.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (openssl rand -hex 32)').max(512).regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces').optional(),
  // Retention per data class, in days (server/privacy/retention.ts; README "Personal data through its life").
  RETENTION_ARCHIVE_IDS_DAYS: int(1, 36_500).default(1095),
  RETENTION_ARCHIVE_NAMES_DAYS: int(1, 36_500).default(730),
  RETENTION_PARCELS_DAYS: int(1, 36_500).default(365),
  RETENTION_PHOTOS_DAYS: int(1, 36_500).default(180),
  RETENTION_INSPECTION_NOTES_DAYS: int(1, 36_500).default(180),
  RETENTION_ALERTS_CASES_DAYS: int(1, 36_500).default(1095),
  RETENTION_SESSIONS_DAYS: int(1, 36_500).default(30),
  // Never below 180: the database itself refuses to prune younger audit rows (migration 0020).
  RETENTION_AUDIT_DAYS: int(180, 36_500).default(1095),
  PURGE_CHUNK_ROWS: int(10, 10_000).default(500),
});

/** `24h:3,7d:4` → windows, shortest first. */
function parseWindows(spec: string): RingWindow[] {
  return spec
    .split(',')
    .map((part) => {
      const [span, min] = part.trim().split(':') as [string, string];
      const n = Number(span.slice(0, -1));
      return { name: span.endsWith('h') ? `${n}h` : `${n}d`, ms: n * (span.endsWith('h') ? 3600_000 : 86_400_000), minParcels: Number(min) };
    })
    .sort((a, b) => a.ms - b.ms);
}

export type RingWindow = { name: string; ms: number; minParcels: number };

/** How 蚂蚁搬家 rings are scored (server/rings/indicators.ts, server/rings/long-windows.ts). */
export type RingPolicy = {
  /** Scored separately on the ring's newest members; a ring alerts when one of them has enough parcels and evidence. */
  windows: RingWindow[];
  /** Scored on the ring's day buckets (whole days, Asia/Shanghai), never on its members: slow rings. */
  longWindows: RingWindow[];
  /** How long a key links and a ring's members and day buckets are kept: the longest window of either kind. */
  linkMs: number;
  /** Cross-border parcels and declared value one sender identity may send in a calendar year before it is evidence. */
  annualLimitCny: number;
  annualLimitParcels: number;
  /** Sum of indicator weights at which a ring alerts. */
  alertScore: number;
  /** Per-parcel customs value limit (DOMAIN.md), and the one to or from Hong Kong, Macau and Taiwan. */
  valueLimitCny: number;
  valueLimitHmtCny: number;
  /** "Just under the limit" starts at this share of it. */
  justUnderShare: number;
  /** A protected brand declared per item under this share of its price floor is implausible (server/rings/price-floors.ts). */
  implausibleShare: number;
  /** Which kinds of key link parcels into rings (server/rings/keys.ts). */
  linkKeys: string[];
  /** ORG_ROTATING_HANDLERS: this many distinct handlers of one organisation within orgHandlersDays (default 4 in 7). */
  orgHandlers?: number;
  orgHandlersDays?: number;
};

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** A PostgreSQL server; when absent the embedded PGlite database under dataDir is used. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Server processes `npm start` runs (WEB_CONCURRENCY; `auto` = os.availableParallelism()); 1 = no cluster. */
  webConcurrency: number;
  /** Where PGlite keeps its files; `undefined` only in tests (in-memory). */
  dataDir: string | undefined;
  /** Where development PII keys are kept when PII_*_KEY are unset: outside DATA_DIR, never beside the data they protect. */
  devKeysDir: string;
  demoPassword: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  sessionTtlMs: number;
  passwordHashCost: number;
  /** Failed logins a minute from one address (any usernames), per process. */
  loginRateLimitPerMinute: number;
  /** Requests a minute per API key of a service account, per process (server/machine/auth.ts). */
  apiKeyRateLimitPerMinute: number;
  loginThrottle: LoginThrottlePolicy;
  jsonBodyLimit: string;
  cookieSecure: boolean;
  trustProxy: string | undefined;
  /** Origins besides this server's own whose pages may act with a login (cookie or token) and open live alerts. */
  allowedOrigins: string[];
  shutdownTimeoutMs: number;
  /** AES-256-GCM key for ID numbers and phones at rest; outside production a generated one may be used. */
  piiEncryptionKey: Buffer | undefined;
  /** HMAC key for the blind index that lets sealed values be matched exactly. */
  piiBlindIndexKey: Buffer | undefined;
  /** Earlier PII_BLIND_INDEX_KEY values, only so audit anchors signed before a rotation still verify (server/audit/chain.ts). */
  auditAnchorRetiredKeys: Buffer[];
  mediaMaxBytes: number;
  mediaMaxPixels: number;
  /** Suspect-list imports (server/watchlist/import-limits.ts): past these a file is refused with 413. */
  import: { maxBytes: number; maxRows: number; maxCellChars: number; maxUncompressedBytes: number };
  idempotencyTtlMs: number;
  ring: RingPolicy;
  /** How live alerts reach sockets on other server processes: PostgreSQL NOTIFY (with DATABASE_URL) or none. */
  realtimeAdapter: 'memory' | 'postgres';
  customs: CustomsPolicy;
  holds: HoldPolicy;
  /** The job runner of this process (server/jobs/): off in tests that drive it themselves. */
  jobs: { enabled: boolean; pollMs: number };
  /** How long each class of data is kept (server/privacy/retention.ts). */
  retention: RetentionPolicy;
  watchlistRetro: WatchlistRetroPolicy;
  /** Bulk intake (server/batches/job.ts). */
  batch: { leaseMs: number; workers: number; group: number; jsonLimit: string };
  interception: InterceptionPolicy;
  /** GET /metrics answers only `Authorization: Bearer <metricsToken>`; undefined = no /metrics (server/metrics/). */
  metricsToken: string | undefined;
};

/** Interception of parcels already in the network (server/interception/). */
export type InterceptionPolicy = {
  /** Hours the outlet has to answer an order before it is escalated. */
  dueHours: number;
};

/** Suspect lists applied backwards (server/watchlist/retro.ts). */
export type WatchlistRetroPolicy = {
  /** A new entry screens the parcels taken in within this many days before it was listed. */
  lookbackDays: number;
  /** Parcels screened per transaction. */
  chunkSize: number;
  /** How long one queue job screens before handing on to a follow-up job (well inside the runner's 5-minute lease). */
  jobMs: number;
  /** Least pause between chunks; the pause is also at least as long as the chunk took (intakes keep half the time). */
  pauseMs: number;
  /** A parcel is taken to be still in the network this long after intake (no delivery scans reach us). */
  inNetworkDays: number;
  inNetworkDaysCrossBorder: number;
};

/** When a held parcel must be decided (server/holds/deciders.ts): the earliest due time of its reasons. */
/** Days each data class is kept, and the rows one purge transaction touches at most. */
export type RetentionPolicy = {
  days: {
    /** ID numbers and phones in the sender archive, after the identity was last seen. */
    archiveIds: number;
    /** Names and addresses in the sender archive, after the identity was last seen. */
    archiveNames: number;
    /** Parcels (waybill data with the names, phones and addresses on them), after intake. */
    parcels: number;
    photos: number;
    /** Free-text inspection notes, after inspection (the inspection and screening records go with the parcel). */
    inspectionNotes: number;
    /** Resolved alerts and closed cases, after their last change. */
    alertsCases: number;
    /** Ended sessions and failed-login records. */
    sessions: number;
    audit: number;
  };
  chunkRows: number;
};

export type HoldPolicy = {
  dueHours: number;
  /** Reason code → hours, overriding dueHours for that reason. */
  dueHoursByReason: Record<string, number>;
};

/** Locking an account after repeated failed logins (server/accounts/throttle.ts). */
export type LoginThrottlePolicy = {
  /** The failure that first locks the account; each failure after it doubles the lock. */
  lockAfterFailures: number;
  lockMs: number;
  /** No lock lasts longer than this, so a guesser cannot keep an owner out for long with one attempt. */
  maxLockMs: number;
  /** Failures older than this are forgotten. */
  failureMemoryMs: number;
};

/** Customs inspection of cross-border parcels (server/customs/). */
export type CustomsPolicy = {
  /** The share of a route's parcels selected for inspection when customs have not set another. */
  baseRate: number;
};

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        const shown = /KEY|PASSWORD|TOKEN/.test(name) ? 'a value that is not shown' : JSON.stringify(cleaned[name]);
        return `${i.path.join('.')}: ${i.message} (got ${shown})`;
      }),
    );
  }
  const e = parsed.data;
  if (e.REALTIME_ADAPTER === 'postgres' && !e.DATABASE_URL) {
    throw new ConfigError(['REALTIME_ADAPTER=postgres needs DATABASE_URL: the embedded database serves one process only.']);
  }
  const webConcurrency = e.WEB_CONCURRENCY === 'auto' ? os.availableParallelism() : e.WEB_CONCURRENCY;
  if (webConcurrency > 1 && !e.DATABASE_URL) {
    throw new ConfigError([`WEB_CONCURRENCY=${e.WEB_CONCURRENCY} (${webConcurrency} processes) needs DATABASE_URL: the embedded database serves one process only. Unset it or set it to 1 for PGlite.`]);
  }
  if (webConcurrency > 1 && e.REALTIME_ADAPTER === 'memory') {
    throw new ConfigError([`WEB_CONCURRENCY=${e.WEB_CONCURRENCY} needs REALTIME_ADAPTER=postgres (the default with DATABASE_URL): with memory, a live alert would reach only the sockets of the process that raised it.`]);
  }
  // Photos and inspection notes are parts of a parcel: they go with it at the latest.
  const partsOutliving = (['RETENTION_PHOTOS_DAYS', 'RETENTION_INSPECTION_NOTES_DAYS'] as const).filter((k) => e[k] > e.RETENTION_PARCELS_DAYS);
  if (partsOutliving.length) {
    throw new ConfigError(partsOutliving.map((k) => `${k}: at most RETENTION_PARCELS_DAYS (${e.RETENTION_PARCELS_DAYS}); it goes with its parcel (got ${e[k]})`));
  }
  if (e.NODE_ENV === 'production' && (!e.PII_ENCRYPTION_KEY || !e.PII_BLIND_INDEX_KEY)) {
    throw new ConfigError([
      'PII_ENCRYPTION_KEY and PII_BLIND_INDEX_KEY are required in production: ID numbers and phones are encrypted with them (openssl rand -base64 32).',
    ]);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    webConcurrency,
    dataDir: path.resolve(e.DATA_DIR),
    devKeysDir: path.resolve(e.DEV_KEYS_DIR ?? path.join(e.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'parcelguard', 'keys')),
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    passwordHashCost: e.PASSWORD_HASH_COST,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    apiKeyRateLimitPerMinute: e.API_KEY_RATE_LIMIT_PER_MINUTE,
    loginThrottle: {
      lockAfterFailures: e.LOGIN_LOCK_AFTER_FAILURES,
      lockMs: e.LOGIN_LOCK_SECONDS * 1000,
      maxLockMs: Math.max(e.LOGIN_LOCK_MAX_SECONDS, e.LOGIN_LOCK_SECONDS) * 1000,
      failureMemoryMs: e.LOGIN_FAILURE_MEMORY_HOURS * 3600_000,
    },
    jsonBodyLimit: e.JSON_BODY_LIMIT,
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
    trustProxy: e.TRUST_PROXY,
    allowedOrigins: (e.ALLOWED_ORIGINS ?? []).map((o) => new URL(o).origin),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    piiEncryptionKey: e.PII_ENCRYPTION_KEY,
    piiBlindIndexKey: e.PII_BLIND_INDEX_KEY,
    auditAnchorRetiredKeys: e.AUDIT_ANCHOR_RETIRED_KEYS ?? [],
    mediaMaxBytes: e.MEDIA_MAX_BYTES,
    mediaMaxPixels: e.MEDIA_MAX_PIXELS,
    import: {
      maxBytes: e.IMPORT_MAX_BYTES,
      maxRows: e.IMPORT_MAX_ROWS,
      maxCellChars: e.IMPORT_MAX_CELL_CHARS,
      maxUncompressedBytes: e.IMPORT_MAX_UNCOMPRESSED_BYTES,
    },
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_HOURS * 3600_000,
    ring: {
      windows: parseWindows(e.RING_WINDOWS),
      longWindows: parseWindows(e.RING_LONG_WINDOWS),
      linkMs: Math.max(...[...parseWindows(e.RING_WINDOWS), ...parseWindows(e.RING_LONG_WINDOWS)].map((w) => w.ms)),
      annualLimitCny: e.RING_ANNUAL_LIMIT_CNY,
      annualLimitParcels: e.RING_ANNUAL_LIMIT_PARCELS,
      alertScore: e.RING_ALERT_SCORE,
      valueLimitCny: e.RING_VALUE_LIMIT_CNY,
      valueLimitHmtCny: e.RING_VALUE_LIMIT_HMT_CNY,
      justUnderShare: e.RING_JUST_UNDER_PERCENT / 100,
      implausibleShare: e.RING_IMPLAUSIBLE_PERCENT / 100,
      linkKeys: e.RING_LINK_KEYS.split(','),
      orgHandlers: e.RING_ORG_HANDLERS,
      orgHandlersDays: e.RING_ORG_HANDLERS_DAYS,
    },
    realtimeAdapter: e.REALTIME_ADAPTER ?? (e.DATABASE_URL ? 'postgres' : 'memory'),
    customs: { baseRate: e.CUSTOMS_BASE_RATE },
    holds: {
      dueHours: e.HOLD_DUE_HOURS,
      dueHoursByReason: Object.fromEntries(
        e.HOLD_DUE_HOURS_BY_REASON.split(',').filter(Boolean).map((pair) => {
          const [code, hours] = pair.split('=') as [string, string];
          return [code, Number(hours)];
        }),
      ),
    },
    jobs: { enabled: e.JOBS_ENABLED, pollMs: e.JOBS_POLL_MS },
    metricsToken: e.METRICS_TOKEN,
    batch: { leaseMs: e.BATCH_LEASE_MS, workers: e.BATCH_WORKERS, group: e.BATCH_GROUP, jsonLimit: e.BATCH_JSON_LIMIT },
    retention: {
      days: {
        archiveIds: e.RETENTION_ARCHIVE_IDS_DAYS,
        archiveNames: e.RETENTION_ARCHIVE_NAMES_DAYS,
        parcels: e.RETENTION_PARCELS_DAYS,
        photos: e.RETENTION_PHOTOS_DAYS,
        inspectionNotes: e.RETENTION_INSPECTION_NOTES_DAYS,
        alertsCases: e.RETENTION_ALERTS_CASES_DAYS,
        sessions: e.RETENTION_SESSIONS_DAYS,
        audit: e.RETENTION_AUDIT_DAYS,
      },
      chunkRows: e.PURGE_CHUNK_ROWS,
    },
    watchlistRetro: {
      lookbackDays: e.WATCHLIST_RETRO_DAYS,
      chunkSize: e.WATCHLIST_RETRO_CHUNK,
      jobMs: e.WATCHLIST_RETRO_JOB_SECONDS * 1000,
      pauseMs: e.WATCHLIST_RETRO_PAUSE_MS,
      inNetworkDays: e.WATCHLIST_RETRO_IN_NETWORK_DAYS,
      inNetworkDaysCrossBorder: e.WATCHLIST_RETRO_IN_NETWORK_DAYS_CROSS_BORDER,
    },
    interception: { dueHours: e.INTERCEPT_DUE_HOURS },
  };
}
