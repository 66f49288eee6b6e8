// Builds the web clients into dist/web/<client>/ with esbuild: the app as ES modules split so what only some
// screens need (the handheld's barcode scanner, the console's charts) is its own chunk loaded on first use,
// the stylesheet, the static files, and — for a client that works offline (src/sw.ts) — a service worker that
// precaches the app shell. Every name under assets/ carries a hash of its content (the server caches those for a
// year), and each compressible file gets a .br and a .gz beside it, made once here at the highest levels so the
// server sends them as they are (server/web/clients.ts). Prints the sizes (brotli) a first load costs.
//   node scripts/build-web.mjs [--watch]   (plain JavaScript: `npm start` runs it without dev tools)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Files worth compressing; images like PNG are compressed already. WebAssembly shrinks well: it is included. */
const COMPRESSIBLE = /\.(html|js|mjs|css|json|webmanifest|svg|wasm|txt)$/;
/** Both clients' skip link: one tiny entry of its own, so the pages need no inline script (CSP). */
const SKIP_LINK = path.join(root, 'handheld-web', 'src', 'skip-link.ts');

/**
 * The handheld validates phones with the server's code (server/identity/phones.ts, libphonenumber-js/max); in the
 * browser that import is handheld-web/src/phone-numbers.ts, which loads the full metadata after start-up and
 * until then uses mainland China's part of it, cut out here so both come from the one installed package.
 */
const PHONE_SHIM = path.join(root, 'handheld-web', 'src', 'phone-numbers.ts');
const phoneMetadata = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'libphonenumber-js', 'metadata.max.json'), 'utf8'));
const PHONE_METADATA_CN = { version: phoneMetadata.version, country_calling_codes: { 86: ['CN'] }, countries: { CN: phoneMetadata.countries.CN }, nonGeographic: {} };
const lazyPhoneMetadata = {
  name: 'lazy-phone-metadata',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-js\/max$/ }, (args) => (args.importer === PHONE_SHIM ? undefined : { path: PHONE_SHIM }));
  },
};

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
    entryPoints: { app: path.join(src, 'src', 'main.ts'), styles: path.join(src, 'src', 'styles.css'), skip: SKIP_LINK },
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
    define: { ZXING_READER_WASM: JSON.stringify(wasm ?? ''), PHONE_METADATA_CN: JSON.stringify(PHONE_METADATA_CN) },
    plugins: [lazyPhoneMetadata],
  });

  const outputs = Object.keys(app.metafile.outputs).filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt'));
  const rel = (f) => path.relative(out, path.join(root, f)).split(path.sep).join('/');
  const entry = (n) => rel(outputs.find((f) => path.basename(f).startsWith(`${n}-`)));
  const appJs = entry('app');
  const css = entry('styles');
  const skipJs = entry('skip');

  for (const file of fs.readdirSync(src)) {
    if (file === 'index.html' || file === 'src' || file.startsWith('tsconfig')) continue;
    fs.cpSync(path.join(src, file), path.join(out, file), { recursive: true });
  }

  // The shell a handheld needs offline: the page, its script and style, and whatever the script imports at
  // start; and, so a scan works offline too, what it loads on demand (the scanner chunk and its .wasm).
  const statics = fs.readdirSync(src).filter((f) => f !== 'src' && !f.startsWith('tsconfig'));
  const eager = new Set([appJs]);
  const addStaticImports = (file) => {
    for (const imp of app.metafile.outputs[file]?.imports ?? []) {
      if (imp.kind !== 'import-statement' || eager.has(rel(imp.path))) continue;
      eager.add(rel(imp.path));
      addStaticImports(imp.path);
    }
  };
  addStaticImports(Object.keys(app.metafile.outputs).find((f) => rel(f) === appJs));
  // What the app imports at start is named in the page, so the browser fetches it beside the app instead of a
  // round trip later (on a 400 ms link each such hop costs the clerk 400 ms).
  const preload = [...eager].filter((f) => f !== appJs).map((f) => `<link rel="modulepreload" href="${f}">`).join('\n  ');
  const html = fs
    .readFileSync(path.join(src, 'index.html'), 'utf8')
    .replace('%APP_JS%', appJs)
    .replace('%APP_CSS%', css)
    .replace('%SKIP_JS%', skipJs)
    .replace('%PRELOAD%', preload);
  for (const left of html.match(/%[A-Z_]+%/g) ?? []) throw new Error(`${name}/index.html: ${left} not filled in`);
  fs.writeFileSync(path.join(out, 'index.html'), html);
  const onDemand = new Set();
  const visited = new Set();
  // Everything the app can import, through eager chunks too (a shared chunk the login loads may itself load more later).
  const reach = (file) => {
    for (const imp of app.metafile.outputs[file]?.imports ?? []) {
      if (imp.external || visited.has(imp.path)) continue;
      visited.add(imp.path);
      if (!eager.has(rel(imp.path))) onDemand.add(rel(imp.path));
      reach(imp.path);
    }
  };
  reach(Object.keys(app.metafile.outputs).find((f) => rel(f) === appJs));
  const precache = ['./', ...statics.filter((f) => f !== 'index.html'), ...eager, skipJs, css, ...(wasm ? [...onDemand, `assets/${wasm}`] : [])];
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

  const compressed = await precompress(out);
  const size = (f) => ({ file: f, br: compressed.get(f) ?? fs.statSync(path.join(out, f)).size });
  const files = [...new Set(['index.html', appJs, skipJs, css, ...eager, ...(offline ? ['sw.js'] : [])])].map(size);
  const lazy = outputs.map(rel).filter((f) => (f.endsWith('.js') || f.endsWith('.wasm')) && !eager.has(f) && f !== skipJs).concat(wasm ? [`assets/${wasm}`] : []).map(size);
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  const total = (xs) => xs.reduce((s, x) => s + x.br, 0);
  console.log(`web/${name}: first load ${kb(total(files.filter((f) => f.file !== 'sw.js')))} brotli (${files.map((f) => `${f.file} ${kb(f.br)}`).join(', ')}); loaded later ${kb(total(lazy))} brotli (${lazy.map((f) => `${f.file} ${kb(f.br)}`).join(', ')})`);
}

/**
 * Writes name.br and name.gz beside every compressible file under `dir` (source maps aside: only developer
 * tools read them), each only where it is smaller than the file. Returns the brotli size by relative path.
 * Brotli at its best level takes seconds on the decoder's .wasm, and every test run builds: what was compressed
 * before is taken from a cache keyed by the content's hash (node_modules/.cache, where build tools keep theirs).
 */
async function precompress(dir) {
  const sizes = new Map();
  const cacheDir = path.join(root, 'node_modules', '.cache', 'build-web');
  fs.mkdirSync(cacheDir, { recursive: true });
  const cached = async (buf, ext, make) => {
    const file = path.join(cacheDir, `${createHash('sha256').update(buf).digest('hex')}.${ext}`);
    if (fs.existsSync(file)) return fs.readFileSync(file);
    const out = await make(buf);
    fs.writeFileSync(`${file}.tmp`, out);
    fs.renameSync(`${file}.tmp`, file); // whole or absent, should two builds run at once
    return out;
  };
  const files = fs.readdirSync(dir, { recursive: true }).map((e) => String(e).split(path.sep).join('/')).filter((f) => COMPRESSIBLE.test(f));
  // On zlib's thread pool, side by side.
  await Promise.all(
    files.map(async (f) => {
      const buf = fs.readFileSync(path.join(dir, f));
      const [br, gz] = await Promise.all([
        cached(buf, 'br', (b) => promisify(brotliCompress)(b, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: b.length } })),
        cached(buf, 'gz', (b) => promisify(gzip)(b, { level: zlib.Z_BEST_COMPRESSION })),
      ]);
      if (br.length < buf.length) fs.writeFileSync(path.join(dir, `${f}.br`), br);
      if (gz.length < buf.length) fs.writeFileSync(path.join(dir, `${f}.gz`), gz);
      sizes.set(f, Math.min(br.length, buf.length));
    }),
  );
  return sizes;
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
