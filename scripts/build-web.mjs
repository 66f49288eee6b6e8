// Builds the web clients into dist/web/<client>/ with esbuild: the app as ES modules split so what only some
// screens need (the handheld's barcode scanner, the console's charts) is its own chunk loaded on first use,
// the stylesheet, the static files, and — for a client that works offline (src/sw.ts) — a service worker that
// precaches the app shell. Prints the sizes (gzip) it wrote.
//   node scripts/build-web.mjs [--watch]   (plain JavaScript: `npm start` runs it without dev tools)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CLIENTS = [
  { name: 'handheld', src: path.join(root, 'handheld-web') },
  { name: 'console', src: path.join(root, 'console-web') },
];

async function buildClient({ name, src }) {
  const out = path.join(root, 'dist', 'web', name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });
  // The handheld's fallback barcode decoder (ZXing-C++ as WebAssembly), served from our own origin under a
  // content-hashed name beside the scanner chunk that loads it: offline after the first visit, never a CDN.
  const wasm = name === 'handheld' ? copyHashed(path.join(root, 'node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm'), path.join(out, 'assets')) : null;

  const app = await esbuild.build({
    entryPoints: { app: path.join(src, 'src', 'main.ts'), styles: path.join(src, 'src', 'styles.css') },
    outdir: path.join(out, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['chrome90', 'safari15', 'firefox90'],
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { ZXING_READER_WASM: JSON.stringify(wasm ?? '') },
  });

  const outputs = Object.keys(app.metafile.outputs).filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt'));
  const rel = (f) => path.relative(out, path.join(root, f)).split(path.sep).join('/');
  const entry = (n) => rel(outputs.find((f) => path.basename(f).startsWith(`${n}-`)));
  const appJs = entry('app');
  const css = entry('styles');

  for (const file of fs.readdirSync(src)) {
    if (file === 'index.html' || file === 'src' || file.startsWith('tsconfig')) continue;
    fs.cpSync(path.join(src, file), path.join(out, file), { recursive: true });
  }
  const html = fs.readFileSync(path.join(src, 'index.html'), 'utf8').replace('%APP_JS%', appJs).replace('%APP_CSS%', css);
  fs.writeFileSync(path.join(out, 'index.html'), html);

  // The shell a handheld needs offline: the page, its script and style, and whatever the script imports at
  // start; and, so a scan works offline too, what it loads on demand (the scanner chunk and its .wasm).
  const statics = fs.readdirSync(src).filter((f) => f !== 'src' && !f.startsWith('tsconfig'));
  const eager = new Set([appJs]);
  for (const [file, meta] of Object.entries(app.metafile.outputs)) {
    if (rel(file) !== appJs) continue;
    for (const imp of meta.imports) if (imp.kind === 'import-statement') eager.add(rel(imp.path));
  }
  const onDemand = new Set();
  const reach = (file) => {
    for (const imp of app.metafile.outputs[file]?.imports ?? []) {
      if (imp.external || eager.has(rel(imp.path)) || onDemand.has(rel(imp.path))) continue;
      onDemand.add(rel(imp.path));
      reach(imp.path);
    }
  };
  reach(Object.keys(app.metafile.outputs).find((f) => rel(f) === appJs));
  const precache = ['./', ...statics.filter((f) => f !== 'index.html').map((f) => f), ...eager, css, ...(wasm ? [...onDemand, `assets/${wasm}`] : [])];
  const version = createHash('sha256').update(JSON.stringify(precache)).update(html).digest('hex').slice(0, 12);
  const offline = fs.existsSync(path.join(src, 'src', 'sw.ts'));
  if (offline) await esbuild.build({
    entryPoints: [path.join(src, 'src', 'sw.ts')],
    outfile: path.join(out, 'sw.js'),
    bundle: true,
    format: 'iife',
    target: ['chrome90', 'safari15'],
    minify: true,
    define: { PRECACHE: JSON.stringify(precache), CACHE_VERSION: JSON.stringify(`${name}-${version}`) },
    logLevel: 'warning',
  });

  const size = (f) => {
    const buf = fs.readFileSync(path.join(out, f));
    return { file: f, bytes: buf.length, gzip: gzipSync(buf).length };
  };
  const files = [...new Set(['index.html', appJs, css, ...eager, ...(offline ? ['sw.js'] : [])])].map(size);
  const lazy = outputs.map(rel).filter((f) => f.endsWith('.js') && !eager.has(f)).map(size);
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  const total = (xs) => xs.reduce((s, x) => s + x.gzip, 0);
  console.log(`web/${name}: first load ${kb(total(files.filter((f) => f.file !== 'sw.js')))} gzip (${files.map((f) => `${f.file} ${kb(f.gzip)}`).join(', ')}); loaded later ${kb(total(lazy))} gzip (${lazy.map((f) => `${f.file} ${kb(f.gzip)}`).join(', ')})`);
}

/** Copies `file` into `dir` as name-<hash>.ext and returns the new name. */
function copyHashed(file, dir) {
  const buf = fs.readFileSync(file);
  const ext = path.extname(file);
  const name = `${path.basename(file, ext)}-${createHash('sha256').update(buf).digest('hex').slice(0, 8)}${ext}`;
  fs.writeFileSync(path.join(dir, name), buf);
  return name;
}

for (const client of CLIENTS) await buildClient(client);
