// npm installs on the Node we run (20) without engine warnings: no dependency, direct or not, declares an
// engines.node range that leaves Node 20 out (as @zxing/library 0.23 did: Node ≥ 24), and nothing is a
// dependency that no code imports.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(version: string, range: string): boolean; validRange(range: string): string | null };
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { engines: { node: string }; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

// The oldest Node 20 the tree accepts (sharp ≥ 20.9, mocha ≥ 20.19), and the one running the tests when it is a 20.
const NODE_20 = ['20.19.0', ...(process.versions.node.startsWith('20.') ? [process.versions.node] : [])];

describe('dependencies', () => {
  it("no installed package's engines.node excludes Node 20 (what npm ci reports as EBADENGINE)", () => {
    const excluding: string[] = [];
    let checked = 0;
    for (const [where, meta] of Object.entries(lock.packages)) {
      const range = Array.isArray(meta.engines) ? undefined : meta.engines?.node;
      if (!where || !range) continue;
      checked++;
      if (!semver.validRange(range)) excluding.push(`${where}: unreadable range ${range}`);
      else for (const v of NODE_20) if (!semver.satisfies(v, range)) excluding.push(`${where}: engines.node ${range} excludes ${v}`);
    }
    assert.ok(checked > 10, `engine ranges were read (${checked})`);
    assert.deepEqual(excluding, []);
  });

  it("each direct dependency's installed package.json agrees (the lockfile is what is installed)", () => {
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      const installed = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { engines?: { node?: string } };
      const range = installed.engines?.node;
      if (range) for (const v of NODE_20) assert.ok(semver.satisfies(v, range), `${name} requires Node ${range}, excluding ${v}`);
    }
  });

  it('every dependency is used: imported by some source, or a tool the scripts run', () => {
    // Tools run by name (package.json scripts, .ci/run, the tests' own runner) or types the compiler reads.
    const TOOLS = new Set(['typescript', 'tsx', 'mocha', 'drizzle-kit', 'esbuild', '@types/node']);
    const sources = ['server', 'handheld-web', 'console-web', 'scripts', 'test', 'models']
      .flatMap((dir) => (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => `${dir}/${f}`))
      .filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.includes('node_modules'))
      .concat(['drizzle.config.ts'])
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => {
      if (TOOLS.has(name)) return false;
      const imported = name.startsWith('@types/') ? name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : name;
      const quoted = imported.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      return !new RegExp(`['"\`]${quoted}(/[^'"\`]*)?['"\`]`).test(sources);
    });
    assert.deepEqual(unused, [], 'dependencies nothing imports');
  });
});
