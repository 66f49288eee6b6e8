// A ParcelGuard server as its own process (server/main.ts through tsx), for what one process cannot show:
// several processes on one PostgreSQL server, the process-level crash policy.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export type ServerProcess = { child: ChildProcess; url: string };

/**
 * Starts it with the test defaults plus `env`, and resolves with its URL once it says it is listening. `startMs`: how
 * long it may take to come up (a loaded machine compiling through tsx may need longer than the default).
 */
export async function startServerProcess(env: Record<string, string>, startMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('server/main.ts')], {
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', PASSWORD_HASH_COST: '10', LOGIN_RATE_LIMIT_PER_MINUTE: '10000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), startMs);
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

/** SIGTERM, and wait for it to exit (a no-op for one that never started or already ended). */
export async function stopServerProcess(p: ServerProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}
