// A read-only snapshot of the outbox for the screens, and how each report's delivery state is shown.
import { db } from "./store.js";
import { progress } from "./uploads.js";

export const RECEIVED = new Set(["acknowledged", "dispatched", "on_scene", "resolved", "closed"]);

const group = (items) => {
  const out = new Map();
  for (const item of items) {
    if (!out.has(item.report_id)) out.set(item.report_id, []);
    out.get(item.report_id).push(item);
  }
  return out;
};

export async function snapshot() {
  const d = await db();
  const [reports, media, events, messages, ops] = await Promise.all([
    d.getAll("reports"),
    d.getAll("media"),
    d.getAll("events"),
    d.getAll("messages"),
    d.count("ops"),
  ]);
  reports.sort((a, b) => b.created_at.localeCompare(a.created_at));
  events.sort((a, b) => a.seq - b.seq);
  return { reports, media: group(media), events: group(events), messages: group(messages), ops };
}

/** {key, n, m, fraction, reason}: key is saved | sending | delivered | received | media | attention. */
export function deliveryState(report, media = []) {
  const troubled = media.find((m) => m.state === "attention");
  if (report.sync === "attention" || troubled) {
    return { key: "attention", reason: report.reason || troubled?.reason || "" };
  }
  if (report.sync === "saved") return { key: "saved" };
  if (report.sync === "sending") return { key: "sending" };
  const total = media.reduce((sum, m) => sum + m.size, 0);
  const done = media.filter((m) => m.state === "done");
  if (done.length < media.length) {
    const sent = media.reduce((sum, m) => sum + (m.state === "done" ? m.size : progress.get(m.media_id) || m.sent || 0), 0);
    return { key: "media", n: done.length, m: media.length, fraction: total ? sent / total : 0, received: RECEIVED.has(report.status) };
  }
  return { key: RECEIVED.has(report.status) ? "received" : "delivered" };
}
