// The citizen app's entry: settings from IndexedDB, the service worker (with its "new version" offer), the UI.
import { html, render } from "htm/preact";
import { currentLocale, setLocale } from "./lib/i18n.js";
import { App } from "./citizen/app.js";
import { startFlushing } from "./citizen/flush.js";
import { kvGet, kvSet } from "./citizen/store.js";

const update = { ready: false, apply: () => null };

function registerServiceWorker(rerender) {
  if (!navigator.serviceWorker) return;
  let reloading = false;
  const offer = (worker) => {
    update.ready = true;
    update.apply = () => {
      reloading = true;
      worker.postMessage({ type: "skipWaiting" });
    };
    rerender();
  };
  // Only the user's tap reloads; the first install's clients.claim() must not reload a page mid-report.
  navigator.serviceWorker.addEventListener("controllerchange", () => reloading && location.reload());
  // register() on every load would make the browser fetch /sw.js even with no signal; once registered, ask
  // for an update only when the phone believes it is online (and every 30 minutes).
  const checkForUpdate = (registration) => navigator.onLine && registration.update().catch(() => null);
  navigator.serviceWorker
    .getRegistration("/")
    .then((existing) => (existing?.active ? (checkForUpdate(existing), existing) : navigator.serviceWorker.register("/sw.js", { scope: "/" })))
    .then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
    setInterval(() => checkForUpdate(registration), 30 * 60 * 1000);
    // Later, not at once: right after the signal returns the uplink belongs to the outbox.
    window.addEventListener("online", () => setTimeout(() => checkForUpdate(registration), 30000));
  });
}

async function main() {
  const locale = (await kvGet("locale")) || currentLocale();
  setLocale(locale);
  await kvSet("locale", locale);
  const settings = { locale, covert: !!(await kvGet("covert")), hideHistory: !!(await kvGet("hide_history")) };
  const root = document.getElementById("app");
  root.textContent = "";
  const draw = () => render(html`<${App} initialSettings=${settings} update=${{ ...update }} />`, root);
  draw();
  registerServiceWorker(draw);
  startFlushing();
}

main();
