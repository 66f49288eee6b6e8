// The handheld's service worker: the app shell is cached at install so the app opens without a network;
// hashed assets are served from the cache, the page itself network-first (updates arrive when online), and
// the API is never cached (the outbox in IndexedDB is what works offline).
const sw = globalThis as unknown as ServiceWorkerGlobalScope;
declare const PRECACHE: string[];
declare const CACHE_VERSION: string;

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE_VERSION).then((c) => c.addAll(PRECACHE)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE_VERSION.split('-')[0]!) && k !== CACHE_VERSION).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== sw.location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io/')) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) void caches.open(CACHE_VERSION).then((c) => c.put(new URL('./', sw.registration.scope).href, res.clone()));
          return res;
        })
        .catch(async () => (await caches.match(new URL('./', sw.registration.scope).href)) ?? Response.error()),
    );
    return;
  }
  // Hashed assets never change: cache first, and keep what is fetched (the scanner chunk on first use).
  event.respondWith(
    caches.match(req).then(
      (hit) =>
        hit ??
        fetch(req).then((res) => {
          if (res.ok && url.pathname.includes('/assets/')) void caches.open(CACHE_VERSION).then((c) => c.put(req, res.clone()));
          return res;
        }),
    ),
  );
});
