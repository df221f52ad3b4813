// When to send: app start, `online`, visibility change, a timer with backoff, the service worker's Background
// Sync (relayed to us as a message) and the manual "send now". Ops always go before media bytes.
import { request } from "../lib/api.js";
import { changed, db, kvGet, kvSet } from "./store.js";
import { ensureToken, pushOps } from "./sync.js";
import { uploadMedia } from "./uploads.js";

const state = { running: null, again: false, failures: 0, timer: null, lastError: null };
const listeners = new Set();

export const flushState = () => ({ busy: !!state.running, failures: state.failures, lastError: state.lastError });
export function onFlushed(fn) {
  listeners.add(fn);
}

async function hasWork() {
  const d = await db();
  if (await d.count("ops")) return true;
  return (await d.getAll("media")).some((m) => m.state !== "done" && m.state !== "attention" && m.blob);
}

function schedule(delayMs) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => flush("timer"), delayMs);
}

/** Apply the reporter-visible events after our cursor (status changes, police messages, agency updates). */
export async function pullFeed() {
  const token = await kvGet("token");
  if (!token) return 0;
  let cursor = (await kvGet("cursor")) || 0;
  let total = 0;
  for (;;) {
    const page = await request(`/sync/pull?cursor=${cursor}&limit=200`, { token });
    await storeEvents(page.events || []);
    total += (page.events || []).length;
    if (!page.events?.length || page.cursor === cursor) break;
    cursor = page.cursor;
    await kvSet("cursor", cursor);
  }
  return total;
}

/** Keep feed/live/detail events, and move each report's police status forward. */
export async function storeEvents(events) {
  if (!events.length) return;
  const d = await db();
  const tx = d.transaction(["events", "reports"], "readwrite");
  for (const event of events) {
    if (event.seq == null) continue;
    await tx.objectStore("events").put(event);
    if (event.type === "status" && event.data?.to) {
      const report = await tx.objectStore("reports").get(event.report_id);
      if (report && (report.status_seq || 0) < event.seq) {
        report.status = event.data.to;
        report.status_seq = event.seq;
        await tx.objectStore("reports").put(report);
      }
    }
  }
  await tx.done;
  changed({ what: "events" });
}

/** Send what is queued. Safe to call often: concurrent calls coalesce, failures back off (2 s … 5 min). */
export function flush(reason = "manual") {
  if (reason === "online" || reason === "manual") state.failures = 0;
  if (state.running) {
    state.again = true;
    return state.running;
  }
  clearTimeout(state.timer);
  state.running = (async () => {
    try {
      await ensureToken();
      await pushOps();
      for (const fn of listeners) fn("ops");
      await uploadMedia();
      state.failures = 0;
      state.lastError = null;
    } catch (err) {
      state.failures += 1;
      state.lastError = err?.message || String(err);
    } finally {
      state.running = null;
      changed({ what: "flush" });
      if (state.again) {
        state.again = false;
        queueMicrotask(() => flush("again"));
      } else if (await hasWork()) {
        const base = Math.min(300000, 2000 * 2 ** Math.max(0, state.failures - 1));
        schedule(state.failures ? base * (0.75 + Math.random() * 0.5) : 1000);
      }
    }
  })();
  return state.running;
}

/** Wire every trigger once, at app start. */
export function startFlushing() {
  window.addEventListener("online", () => flush("online"));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush("visible");
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "flush") flush("sync");
  });
  flush("start");
}

/** Ask the browser for a Background Sync so the outbox drains even if the page is closed first. */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("lianbao-outbox");
  } catch {
    // No Background Sync here (Firefox, Safari): the online/visibility/timer triggers still cover it.
  }
}
