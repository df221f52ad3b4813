// The service worker: the citizen's app shell from cache (so the app opens with no network after one visit),
// Background Sync for the outbox, and Web Push notifications for citizens and staff alike.
import { kvGet } from "./citizen/store.js";
import { pushOps } from "./citizen/sync.js";

/* global __SHELL__, __VERSION__ */
const SHELL = __SHELL__;
const CACHE = `lianbao-shell-${__VERSION__}`;
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  // cache: "reload" so the new shell never comes from a stale HTTP cache entry.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))));
  // The very first install takes over at once; an update waits until the user taps "reload" (see message).
  if (!self.registration.active) self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith("lianbao-shell-") && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skipWaiting") self.skipWaiting();
});

async function fromCache(request, path) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(path, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && SHELL_PATHS.has(path)) cache.put(path, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && (url.pathname === "/" || url.pathname === "/index.html")) {
    event.respondWith(fromCache(request, "/"));
  } else if (SHELL_PATHS.has(url.pathname) && url.pathname !== "/") {
    event.respondWith(fromCache(request, url.pathname));
  }
  // Everything else (the API, Socket.IO, the console's files) goes to the network untouched.
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "lianbao-outbox") return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window" });
      if (windows.some((client) => client.visibilityState === "visible")) {
        // An open page sends (it also uploads media, which needs the page); tell it to go now.
        for (const client of windows) client.postMessage({ type: "flush" });
        return;
      }
      await pushOps(); // the page is gone: at least the alarm itself reaches the police
    })(),
  );
});

const NEUTRAL = { title: "新消息", body: "你有一条新消息" };

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data?.text() || "" };
  }
  event.waitUntil(
    (async () => {
      // The server already neutralises covert reports' pushes; the phone's own covert setting does so too.
      const covert = await kvGet("covert").catch(() => false);
      const title = covert ? NEUTRAL.title : data.title || "联报";
      const body = covert ? NEUTRAL.body : data.body || "";
      await self.registration.showNotification(title, {
        body,
        tag: data.tag || undefined,
        data: { url: data.url || "/" },
        icon: covert ? undefined : "/icons/icon-192.png",
        silent: !!covert,
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = windows.find((client) => new URL(client.url).pathname === target.pathname);
      if (same) {
        if (same.url !== target.href && "navigate" in same) await same.navigate(target.href).catch(() => null);
        return same.focus();
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});
