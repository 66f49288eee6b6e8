// The console speaks the contract API with the session cookie. A problem+json answer becomes an ApiProblem
// whose message the officer can read; a 401 sends them back to the login.
export type Problem = { status: number; code?: string; detail?: string; detailZh?: string; title?: string; errors?: FieldProblem[] };
export type FieldProblem = { path: string; code: string; message: string; messageZh?: string };

export class ApiProblem extends Error {
  constructor(public readonly problem: Problem) {
    super(problem.errors?.map((e) => e.message).join('; ') || problem.detail || problem.title || `HTTP ${problem.status}`);
  }
  get status() {
    return this.problem.status;
  }
}

let onUnauthenticated: () => void = () => {};
export const whenLoggedOut = (fn: () => void) => (onUnauthenticated = fn);

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({ status: res.status, title: res.statusText }));
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') onUnauthenticated();
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
