// Écoute's service worker: keeps the app shell so that it opens at once and, offline, shows the
// phone number. Calls themselves always need the network; nothing about a call is ever cached.
const CACHE = "ecoute-shell-v3";
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
      fetch(request)
        .then((response) => {
          event.waitUntil(followLanguage(response));
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || caches.match("/hors-ligne/"))),
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
          // Every page loads the catalog: the page that follows a switch (a POST's redirect, which
          // the worker does not see) tells the worker through it.
          event.waitUntil(followLanguage(response));
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

// The kept pages follow the language the caller chose (/i18n/setlang/): a page or a catalog arriving in
// another language than the kept offline page means the choice changed; the pages and texts are kept again.
async function followLanguage(response) {
  const language = response.headers.get("Content-Language");
  if (!response.ok || !language) return;
  const cache = await caches.open(CACHE);
  const kept = await cache.match("/hors-ligne/");
  if (kept && kept.headers.get("Content-Language") !== language) {
    await cache.addAll([...SHELL.filter((url) => !url.startsWith("/static/")), CATALOG]);
  }
}

// A follow-up reminder (ecoute/followup): the server's push, encrypted for this browser alone, holds
// the words to show and the link back. Touching it opens the app on that link.
self.addEventListener("push", (event) => {
  let reminder = {};
  try { reminder = event.data ? event.data.json() : {}; } catch { reminder = {}; }
  if (!reminder.link || new URL(reminder.link).origin !== location.origin) return;
  event.waitUntil(self.registration.showNotification(reminder.title || "Écoute", {
    body: reminder.body || "", data: { link: reminder.link }, tag: "ecoute-follow-up",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const link = event.notification.data && event.notification.data.link;
  if (link) event.waitUntil(self.clients.openWindow(link));
});
