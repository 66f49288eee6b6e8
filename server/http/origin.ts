// Cross-site request forgery: a page on another site may make the browser send our session cookie (a form
// post, a fetch without credentials checks, a WebSocket). The browser also says where the request comes from
// (`Origin`, `Sec-Fetch-Site`), and that is what is checked here, for HTTP and for the socket.io handshake.
//
// Policy (README "Security"):
// - An `Origin` is accepted when it is this server's own (scheme aside: TLS usually ends at a proxy) or one of
//   ALLOWED_ORIGINS. `Origin: null` (sandboxed frames, file: pages) is foreign.
// - `Sec-Fetch-Site: cross-site` is foreign unless the `Origin` is one of ALLOWED_ORIGINS.
// - Checked whenever a browser says where it comes from, whatever the credentials: a Bearer-token client in a
//   browser on another origin needs ALLOWED_ORIGINS too (it would need CORS anyway), and login CSRF is stopped.
// - A request that says nothing (no Origin, no Sec-Fetch-Site) is let through: it comes from a non-browser client
//   (a carrier's system, the CLI, curl), which cannot carry a victim's cookie; every browser we support sends
//   Origin on unsafe methods and on WebSocket handshakes.
// - HTTP: only unsafe methods are checked (GET and HEAD change nothing). socket.io: every handshake, both
//   transports (engine.io `allowRequest`).
// - "This server's own" host is the Host header, or the first X-Forwarded-Host when TRUST_PROXY is set. A browser
//   cannot forge X-Forwarded-Host across origins (a custom header needs a CORS preflight, which is never granted).
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { ForbiddenError, withMessage } from './errors.js';

export const ORIGIN_MESSAGES = defineMessages({
  ORIGIN_FORBIDDEN: {
    en: 'Requests from {origin} are not accepted: only pages served by ParcelGuard itself (or listed in ALLOWED_ORIGINS) may act with your login.',
    zh: '不接受来自 {origin} 的请求：只有 ParcelGuard 自身提供的页面（或 ALLOWED_ORIGINS 所列来源）才能以您的登录身份操作。',
  },
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginPolicy = Pick<Config, 'allowedOrigins' | 'trustProxy'>;

function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The host this request was addressed to, as the browser saw it. */
function ownHost(req: Pick<IncomingMessage, 'headers'>, policy: OriginPolicy): string | undefined {
  const forwarded = policy.trustProxy ? header(req, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  return (forwarded || header(req, 'host'))?.toLowerCase();
}

/** Whether `origin` is this server's own: same host and port (a URL's host omits the scheme's default port). */
function isOwnOrigin(origin: string, req: Pick<IncomingMessage, 'headers'>, policy: OriginPolicy): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = ownHost(req, policy);
  if (!host) return false;
  // Host may carry the default port explicitly (example.org:443) where the origin omits it.
  const bare = host.replace(/:(80|443)$/, '');
  return url.host === host || url.host === bare;
}

/**
 * Where a request comes from that may not act here, or undefined when it may. The answer names the origin
 * (or "another site") for the message.
 */
export function foreignOrigin(req: Pick<IncomingMessage, 'headers'>, policy: OriginPolicy): string | undefined {
  const origin = header(req, 'origin');
  const fetchSite = header(req, 'sec-fetch-site')?.toLowerCase();
  if (origin !== undefined) {
    const normalised = origin.trim().toLowerCase().replace(/\/$/, '');
    if (policy.allowedOrigins.includes(normalised)) return undefined;
    if (fetchSite === 'cross-site') return shown(origin);
    return isOwnOrigin(normalised, req, policy) ? undefined : shown(origin);
  }
  return fetchSite === 'cross-site' ? 'another site' : undefined;
}

/** Bounded and printable: the origin is the caller's text. */
const shown = (origin: string) => JSON.stringify(origin.slice(0, 100));

export function originForbidden(origin: string): ForbiddenError {
  return withMessage(new ForbiddenError('', 'ORIGIN_FORBIDDEN'), bilingual('ORIGIN_FORBIDDEN', { origin }));
}

/** Express: a state-changing request from a foreign origin is a 403 ORIGIN_FORBIDDEN before anything else runs. */
export function refuseCrossSiteRequests(policy: OriginPolicy): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const foreign = foreignOrigin(req, policy);
    next(foreign === undefined ? undefined : originForbidden(foreign));
  };
}

/** engine.io `allowRequest`: a handshake from a foreign origin is refused (403 on polling, 400 on an upgrade). */
export function allowSocketHandshake(policy: OriginPolicy) {
  return (req: IncomingMessage, callback: (message: string | null, success: boolean) => void) => {
    const foreign = foreignOrigin(req, policy);
    if (foreign === undefined) return callback(null, true);
    callback(`ORIGIN_FORBIDDEN: ${bilingual('ORIGIN_FORBIDDEN', { origin: foreign }).message}`, false);
  };
}
