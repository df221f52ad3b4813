// The small, urgent half of sending: device registration and the ops (report.create, message.create) through
// POST /sync/push. Shared by the page and the service worker (Background Sync), so it uses only fetch and idb.
import { request } from "../lib/api.js";
import { changed, db, kvDelete, kvGet, kvSet } from "./store.js";

const BATCH = 25;

/** Run fn while holding a named lock across every tab and the service worker (when the browser has locks). */
export async function withLock(name, fn, { ifAvailable = false } = {}) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return fn();
  return locks.request(name, { ifAvailable }, (lock) => (lock ? fn() : null));
}

/** The device's bearer token, registering the phone anonymously the first time we reach the server. */
export async function ensureToken() {
  const token = await kvGet("token");
  if (token) return token;
  return withLock("lianbao-register", async () => {
    const again = await kvGet("token");
    if (again) return again;
    const locale = (await kvGet("locale")) || "zh-CN";
    const device = await request("/devices", { method: "POST", body: { platform: "pwa", locale } });
    await kvSet("token", device.token);
    await kvSet("device_id", device.device_id);
    return device.token;
  });
}

function reasonOf(result) {
  const error = result.error;
  if (!error) return "rejected";
  if (typeof error === "string") return error;
  return error.message || error.code || JSON.stringify(error);
}

async function setReportSync(reportIds, sync, reason = null) {
  const d = await db();
  const tx = d.transaction("reports", "readwrite");
  for (const id of reportIds) {
    const report = await tx.store.get(id);
    if (!report || report.sync === "sent") continue;
    report.sync = sync;
    report.reason = reason;
    await tx.store.put(report);
  }
  await tx.done;
}

// Rejections that say "try again" (the server could not store it right now): the op stays queued.
const RETRYABLE = new Set(["storage_error", "unavailable"]);

async function applyResults(batch, results) {
  const d = await db();
  const byId = new Map(results.map((r) => [r.op_id, r]));
  const tx = d.transaction(["ops", "reports", "messages"], "readwrite");
  for (const item of batch) {
    const result = byId.get(item.op_id);
    if (!result) continue;
    const ok = result.status === "applied" || result.status === "duplicate";
    if (!ok && RETRYABLE.has(result.error?.code)) continue;
    await tx.objectStore("ops").delete(item.seq);
    if (item.type === "report.create") {
      const report = await tx.objectStore("reports").get(item.payload.report_id);
      if (report) {
        report.sync = ok ? "sent" : "attention";
        report.reason = ok ? null : reasonOf(result);
        report.sent_at = ok ? new Date().toISOString() : null;
        await tx.objectStore("reports").put(report);
      }
    } else if (item.type === "message.create") {
      const message = await tx.objectStore("messages").get(item.payload.message_id);
      if (message) {
        message.state = ok ? "sent" : "attention";
        message.reason = ok ? null : reasonOf(result);
        await tx.objectStore("messages").put(message);
      }
    }
  }
  await tx.done;
}

/** Send every queued op, oldest first. Returns how many were sent; throws ApiError when the network fails. */
export async function pushOps() {
  return withLock("lianbao-ops", async () => {
    const d = await db();
    let ops = await d.getAll("ops");
    let sent = 0;
    if (!ops.length) return 0;
    const token = await ensureToken();
    while (ops.length) {
      const batch = ops.slice(0, BATCH);
      const reportIds = batch.filter((o) => o.type === "report.create").map((o) => o.payload.report_id);
      await setReportSync(reportIds, "sending");
      changed({ what: "ops" });
      let response;
      try {
        const body = { ops: batch.map(({ op_id, type, client_time, payload }) => ({ op_id, type, client_time, payload })) };
        response = await request("/sync/push", { method: "POST", token, body });
      } catch (err) {
        if (err.status === 401) await kvDelete("token"); // the server forgot this device: register again next time
        const permanent = err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 429;
        await setReportSync(reportIds, permanent ? "attention" : "saved", permanent ? err.message : null);
        changed({ what: "ops" });
        throw err;
      }
      const results = response?.results || [];
      if (!results.length) throw new Error("sync/push answered without results");
      await applyResults(batch, results);
      sent += results.length;
      changed({ what: "ops" });
      ops = await d.getAll("ops");
    }
    return sent;
  });
}
