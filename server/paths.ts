// Files the server serves or reads, found from both server/ (tsx, tests) and dist/server/ (built).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the server code');
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot();
export const staticDir = path.join(projectRoot, 'server', 'web', 'static');
/** Where `npm run build` puts the bundled web clients. */
export const webBuildDir = path.join(projectRoot, 'dist', 'web');
