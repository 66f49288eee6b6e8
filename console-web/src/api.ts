// The console speaks the contract API with the session cookie. A problem+json answer becomes an ApiProblem
// whose message the officer can read; a 401 sends them back to the login, saying their session ended; a request
// that never reached the server is a network problem, said as such (never the browser's "Failed to fetch").
import { currentLang } from './i18n.js';

export type Problem = { status: number; code?: string; detail?: string; detailZh?: string; title?: string; errors?: FieldProblem[] };
export type FieldProblem = { path: string; code: string; message: string; messageZh?: string };

const zh = () => currentLang() === 'zh';
/** A field problem in the console's language: the server sends both (server/i18n/messages.ts). */
export const fieldText = (e: FieldProblem) => (zh() && e.messageZh) || e.message;

export class ApiProblem extends Error {
  constructor(public readonly problem: Problem) {
    // The message is what an officer reads: the server's Chinese in zh-CN, its English otherwise.
    super(
      problem.errors?.map(fieldText).join(zh() ? '；' : '; ') ||
        (zh() && problem.detailZh) ||
        problem.detail ||
        (zh() ? `请求失败（${problem.status}${problem.code ? ` ${problem.code}` : ''}）` : problem.title) ||
        `HTTP ${problem.status}`,
    );
  }
  get status() {
    return this.problem.status;
  }
}

/** Words of this module's own, in the console's language (i18n.ts holds the pages' words). */
const WORDS = {
  sessionEnded: ['会话已结束，请重新登录。', 'Your session has ended; please log in again.'],
  unreachable: ['无法连接服务器，请检查网络后重试。', 'The server cannot be reached; check the network and try again.'],
} as const;
const say = (key: keyof typeof WORDS) => WORDS[key][currentLang() === 'zh' ? 0 : 1];

/** `notice`: what the login page says, when the session ended rather than the officer logging out. */
let onUnauthenticated: (notice?: string) => void = () => {};
export const whenLoggedOut = (fn: (notice?: string) => void) => (onUnauthenticated = fn);

/**
 * The session is over (expired, revoked): back to the login, which says so. Also called by the live connection
 * when the server refuses it for the session (live.ts): there it would otherwise look like a network outage.
 */
export function sessionEnded() {
  onUnauthenticated(say('sessionEnded'));
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    // Offline, refused, cut: nothing came back, so there is no problem+json to read.
    throw new ApiProblem({ status: 0, code: 'NETWORK_UNREACHABLE', detail: say('unreachable') });
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({ status: res.status, title: res.statusText }));
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') {
      sessionEnded();
      throw new ApiProblem({ status: 401, code: data.code ?? 'SESSION_EXPIRED', detail: say('sessionEnded') });
    }
    throw new ApiProblem({ ...data, status: res.status });
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
