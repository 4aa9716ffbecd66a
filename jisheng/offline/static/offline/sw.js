// The offline app's service worker (VERSION and SHELL are written above this line by the server).
// The shell (page, script, styles, icons, manifest) is kept in a cache and answered when there is no
// network; the API is never cached: the village copy and the outbox live in IndexedDB.

const CACHE = `jisheng-offline-${VERSION}`;
const MODULES = ["/static/offline/db.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...SHELL, ...MODULES].map((url) => new Request(url, { credentials: "same-origin" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("jisheng-offline-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function cacheable(request) {
  const url = new URL(request.url);
  return (
    request.method === "GET" &&
    url.origin === self.location.origin &&
    (url.pathname === "/offline/" || url.pathname === "/offline/manifest.webmanifest" || url.pathname.startsWith("/static/offline/"))
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!cacheable(request)) return; // the API, whoami, sign-in: straight to the network
  const url = new URL(request.url);
  if (url.pathname === "/offline/") {
    // The page: the network first (a new version), the kept copy without a network.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && response.type === "basic" && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put("/offline/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/offline/"))
    );
    return;
  }
  event.respondWith(
    caches.match(request).then(
      (kept) =>
        kept ||
        fetch(request).then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
    )
  );
});
