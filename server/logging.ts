// The one logger, and what it may write. No log line carries personal data (issue 14 item 5): a failed query's
// parameters (names, addresses, birth dates, phones), a driver's `detail` ("Key (x)=(张三) already exists"),
// request bodies and query-string values never reach the output. What stays is what makes a failure
// traceable: the SQL text with its $n placeholders, the SQLSTATE code, the constraint, the stack frames and
// the request id.
import type { IncomingMessage } from 'node:http';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

const REDACTED = '[redacted]';

/** Quoted text in an error message is usually a value ("invalid input syntax for type date: \"1985-13-45\""). */
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|“[^”]*”|‘[^’]*’|「[^」]*」/g;

/** Fields of errors (pg, PGlite, Node) that name where it failed, never what was in it. */
const KEPT_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'status', 'errno', 'syscall'] as const;

const MAX_CAUSE_DEPTH = 4;

export type SerializedError = {
  type: string;
  message: string;
  stack?: string;
  query?: string;
  cause?: SerializedError;
} & Partial<Record<(typeof KEPT_FIELDS)[number], unknown>>;

export function redactMessage(message: string): string {
  return message.replace(QUOTED, (m) => `${m[0]}${REDACTED}${m[m.length - 1]}`);
}

/**
 * An allow-list serializer: only the fields above, the message with its quoted values redacted, the stack
 * frames without the message line, and for a Drizzle query error the SQL text without its parameters.
 */
export function serializeError(err: unknown, depth = 0): SerializedError | unknown {
  if (!(err instanceof Error) && !(err && typeof err === 'object' && 'message' in err)) {
    return typeof err === 'string' ? redactMessage(err) : err === undefined || err === null ? err : `[${typeof err}]`;
  }
  // pino-http hands over pino's own serialization (every enumerable field copied) with the error as `raw`.
  const raw = (err as { raw?: unknown }).raw;
  const e = (raw instanceof Error ? raw : err) as Error & Record<string, unknown>;
  const type = e instanceof Error ? e.constructor.name : typeof (e as Record<string, unknown>).type === 'string' ? String((e as Record<string, unknown>).type) : 'Error';
  // DrizzleQueryError: "Failed query: <sql>\nparams: <values>" — keep the SQL (code, not data), drop the values.
  const isQueryError = typeof e.query === 'string' && 'params' in e;
  const message = isQueryError ? 'Failed query' : redactMessage(String(e.message ?? ''));
  const out: SerializedError = { type, message };
  if (isQueryError) out.query = e.query as string;
  for (const field of KEPT_FIELDS) {
    const v = e[field];
    if (typeof v === 'string' || typeof v === 'number') out[field] = typeof v === 'string' ? v.slice(0, 200) : v;
  }
  if (typeof e.stack === 'string') {
    // The first lines repeat the message; only the frames are kept.
    const frames = e.stack.split('\n').filter((line) => /^\s+at /.test(line));
    if (frames.length) out.stack = `${type}: ${message}\n${frames.join('\n')}`;
  }
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(e.cause, depth + 1) as SerializedError;
  return out;
}

/** Query-string parameters whose values say how, not about whom; every other value is redacted. */
const SAFE_QUERY_PARAMS = new Set(['unmask', 'limit', 'size', 'format', 'type', 'status', 'state', 'week', 'since']);

/** `/api/watchlist/entries?q=张三&limit=50` → `/api/watchlist/entries?q=[redacted]&limit=50`. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (eq < 0) return name.length > 40 ? REDACTED : name;
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        return REDACTED;
      }
      return SAFE_QUERY_PARAMS.has(decoded) ? pair : `${name}=${REDACTED}`;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

/** Headers worth a log line; cookies, authorization and referers (which carry other pages' query strings) are not. */
const KEPT_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'origin', 'x-forwarded-for'];

type RequestLike = Partial<IncomingMessage> & { id?: unknown; originalUrl?: string; raw?: RequestLike; remoteAddress?: string; remotePort?: number };

/** pino-http's request serializer without the query values, params, body or sensitive headers. */
export function serializeRequest(serialized: RequestLike) {
  // pino-http passes pino's serialization of the request, the request itself as `raw`.
  const req = serialized.raw ?? serialized;
  const headers: Record<string, unknown> = {};
  for (const name of KEPT_HEADERS) if (req.headers?.[name] !== undefined) headers[name] = req.headers[name];
  return {
    id: serialized.id ?? req.id,
    method: req.method,
    url: redactUrl(String(req.originalUrl ?? req.url ?? '')),
    headers,
    remoteAddress: serialized.remoteAddress ?? req.socket?.remoteAddress,
    remotePort: serialized.remotePort ?? req.socket?.remotePort,
  };
}

/** One set of serializers for the app logger and pino-http (which would otherwise use pino's, copying every field). */
export const logSerializers = {
  err: serializeError,
  error: serializeError,
  req: serializeRequest,
  res: stdSerializers.res,
};

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'parcelguard' },
    serializers: logSerializers,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: REDACTED },
  };
  return destination ? pino(options, destination) : pino(options);
}
