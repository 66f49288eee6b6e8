// Starts the floor server (./floor-server.ts) as its own process, as ParcelGuard's server is started by ./lib.ts,
// so both are measured the same way in one run (scripts/bench/intake.ts --floor).
import { spawn } from 'node:child_process';
import type { Server } from './lib.js';

export async function startFloorServer(databaseUrl: string): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/floor-server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', DATABASE_POOL_SIZE: '20' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
