// Écoute's service worker: keeps the app shell so that it opens at once and, offline, shows the
// phone number. Calls themselves always need the network; nothing about a call is ever cached.
const CACHE = "ecoute-shell-v1";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
// The scripts' texts (gettext) in the caller's language: the app's scripts cannot run without them.
const CATALOG = "{% url 'javascript-catalog' %}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...SHELL, CATALOG])).then(() => self.skipWaiting()));
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
  if (url.pathname === CATALOG) {
    // Fresh when online (the language may have changed), the last one kept when not.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request, { ignoreVary: true })),
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
