// Shared by the benchmarks: start a built server as its own process, drive it over keep-alive HTTP,
// and report latency percentiles, throughput and the server's memory.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type Server = { url: string; proc: ChildProcess; stop(): Promise<void> };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Runs dist/server/main.js (build first: `npm run build`) on PGlite in a temp dir, or on DATABASE_URL.
 * `processes` > 1 sets WEB_CONCURRENCY (PostgreSQL only): the process started is then the cluster's primary,
 * and this waits until every worker answers, so that no keep-alive connection is pinned to the first one up.
 */
export async function startServer(databaseUrl?: string, opts: { processes?: number } = {}): Promise<Server> {
  const processes = opts.processes ?? 1;
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-bench-'));
  // SERVER_NODE_OPTIONS, e.g. --cpu-prof, profiles the server without profiling the load generator.
  const nodeArgs = (process.env.SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, 'dist/server/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', DATABASE_URL: databaseUrl ?? '', PASSWORD_HASH_COST: '12', DATABASE_POOL_SIZE: '20', WEB_CONCURRENCY: String(processes) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Each probe on a new connection: the cluster hands connections to its workers in turn, and each worker
  // names itself in X-Served-By.
  const workers = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${url}/readyz`, { headers: { connection: 'close' } }).catch(() => undefined);
    if (res?.ok) workers.add(res.headers.get('x-served-by') ?? 'single');
    if (workers.size >= processes) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** CPU seconds a process and its waited-for children (cutime, cstime) have used so far. */
function cpuWithChildren(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * CPU seconds used by all PostgreSQL server processes (when a local server is benchmarked), backends that ended
 * included: the postmaster's children's time counts them, so a pool closing its connections mid-run does not
 * make the figure go down.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuWithChildren(Number(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** A process and all its descendants (a cluster primary and its workers). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** CPU seconds used by the server: the process started and, under WEB_CONCURRENCY, every worker it forked. */
export function serverCpuSeconds(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += cpuSeconds(p);
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Resident memory of the server's processes, summed (peak = the sum of each process's own peak). */
export function serverMemory(pid: number): { rssMb: number; peakMb: number } {
  let rss = 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      rss += kb('VmRSS');
      peak += kb('VmHWM');
    } catch {
      // the process ended meanwhile
    }
  }
  return { rssMb: Math.round(rss / 1024), peakMb: Math.round(peak / 1024) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${token}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export async function login(url: string, username: string, password = 'parcelguard-demo'): Promise<string> {
  const res = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return ((await res.json()) as { token: string }).token;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `count` jobs with `concurrency` in flight; returns each job's latency in ms and the wall time. */
export async function drive(count: number, concurrency: number, job: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await job(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, latencies, throughput: count / seconds };
}

export function report(label: string, r: { seconds: number; latencies: number[]; throughput: number }, extra: Record<string, unknown> = {}) {
  const l = r.latencies;
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `${label}: ${l.length} requests in ${r.seconds.toFixed(1)} s = ${r.throughput.toFixed(0)}/s; ` +
      `latency ms p50 ${fmt(percentile(l, 50))} p95 ${fmt(percentile(l, 95))} p99 ${fmt(percentile(l, 99))} max ${fmt(l[l.length - 1]!)}` +
      (Object.keys(extra).length ? `; ${Object.entries(extra).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''),
  );
}
