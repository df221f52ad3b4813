// The phone's copy of everything the user made (IndexedDB via idb). Used by the page and the service worker,
// so nothing here may touch the DOM or localStorage.
import { openDB } from "idb";

let dbPromise = null;

export function db() {
  dbPromise ??= openDB("lianbao-citizen", 1, {
    upgrade(d) {
      d.createObjectStore("kv");
      d.createObjectStore("reports", { keyPath: "report_id" }).createIndex("created_at", "created_at");
      d.createObjectStore("media", { keyPath: "media_id" }).createIndex("report_id", "report_id");
      // Ops keep their insertion order (autoIncrement key): report.create before its messages.
      d.createObjectStore("ops", { keyPath: "seq", autoIncrement: true });
      d.createObjectStore("events", { keyPath: "seq" }).createIndex("report_id", "report_id");
      d.createObjectStore("messages", { keyPath: "message_id" }).createIndex("report_id", "report_id");
    },
  });
  return dbPromise;
}

export async function kvGet(key) {
  return (await db()).get("kv", key);
}

export async function kvSet(key, value) {
  return (await db()).put("kv", value, key);
}

export async function kvDelete(key) {
  return (await db()).delete("kv", key);
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function op(type, payload) {
  return { op_id: uuid(), type, client_time: new Date().toISOString(), payload, report_id: payload.report_id };
}

// Tell every open page (and the page that made the change) that the outbox changed.
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("lianbao-outbox") : null;
const listeners = new Set();

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function changed(detail = {}) {
  for (const fn of listeners) fn(detail);
  channel?.postMessage(detail);
}

channel?.addEventListener("message", (event) => {
  for (const fn of listeners) fn(event.data || {});
});
