// Écoute's service worker: keeps the app shell so that it opens at once and, offline, shows the
// phone number. Calls themselves always need the network; nothing about a call is ever cached.
const CACHE = "ecoute-shell-v1";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/ws/")) return;
  if (request.mode === "navigate") {
    // Fresh board when online; the cached shell, then the offline page, when not.
    event.respondWith(
      fetch(request).catch(() => caches.match(request).then((hit) => hit || caches.match("/hors-ligne/"))),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
