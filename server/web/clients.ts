// Serves a built web client (dist/web/<client>/, written by scripts/build-web.mjs) for a slow counter link:
// - the builder writes name.br and name.gz beside each compressible file; the smallest the browser accepts is
//   sent (Content-Encoding, Vary: Accept-Encoding), so nothing is compressed per request;
// - assets/ holds content-hashed names only: cached for a year and never revalidated (a new build has new
//   names); everything else (the page, the service worker, the manifest, the icon) is `no-cache`, so an update
//   is seen on the next load while an unchanged file costs a 304.
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';

/** A name the builder content-hashed: name-HASH.ext (esbuild's [hash] and copyHashed's, 8 characters). */
const HASHED = /^assets\/[^/]+-[A-Za-z0-9]{8}\.[A-Za-z0-9.]+$/;
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The encodings the builder writes, best first, with their file suffix. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** Which codings an Accept-Encoding header allows (q=0 refuses one; `*` allows the others). */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const ok = new Set<string>();
  let star: boolean | undefined;
  for (const part of (header ?? '').split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = rawName!.trim().toLowerCase();
    if (!name) continue;
    const q = params.map((p) => p.trim().match(/^q=([0-9.]+)$/i)).find(Boolean);
    const allowed = !q || Number(q[1]) > 0;
    if (name === '*') star = allowed;
    else if (allowed) ok.add(name);
    else ok.add(`!${name}`);
  }
  if (star) for (const e of ENCODINGS) if (!ok.has(`!${e.name}`)) ok.add(e.name);
  return ok;
}

/** The built client in `dir`, mounted at `/<client>`: GET and HEAD of its files, anything else falls through. */
export function clientFiles(dir: string): express.RequestHandler {
  const root = path.resolve(dir);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let rel: string;
    try {
      rel = decodeURIComponent(req.path).replace(/^\/+/, '');
    } catch {
      return next();
    }
    // `/handheld` without its slash: the page's relative links need the directory form.
    if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) {
      const q = req.originalUrl.indexOf('?');
      return res.redirect(301, `${req.baseUrl}/${q >= 0 ? req.originalUrl.slice(q) : ''}`);
    }
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || rel.split('/').some((s) => s.startsWith('.')) || /\.(br|gz)$/.test(rel)) return next();
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return next();
    }
    if (!stat.isFile()) return next();

    const variants = ENCODINGS.filter((e) => fs.existsSync(file + e.suffix));
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    const chosen = variants.find((e) => accepted.has(e.name));
    const headers: Record<string, string> = {
      'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': HASHED.test(rel) ? IMMUTABLE : REVALIDATE,
    };
    // Caches must keep one copy per coding whenever there is more than one to choose from.
    if (variants.length) headers.Vary = 'Accept-Encoding';
    if (chosen) headers['Content-Encoding'] = chosen.name;
    res.sendFile(
      chosen ? file + chosen.suffix : file,
      // A range of the coded bytes is no use to a browser asking for the plain file's range: whole files only then.
      { headers, cacheControl: false, dotfiles: 'deny', acceptRanges: !chosen },
      (err) => {
        if (err && !res.headersSent) next(err);
      },
    );
  };
}
