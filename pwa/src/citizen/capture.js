// Turning what the user made into outbox records: hashes at capture, photo previews, the position, and the
// single IndexedDB transaction that stores a report with its media and its op before any network call.
import { changed, db, kvGet, kvSet, op, uuid } from "./store.js";

const PREVIEW_MAX_PX = 1600;
const PREVIEW_ABOVE_BYTES = 400 * 1024; // smaller photos go as they are, at preview priority
export const PRIORITY = { preview: 0, audio: 1, video: 2, original: 3 };

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const plainMime = (type, fallback) => (type || fallback).split(";")[0].trim().toLowerCase();

/** A downscaled JPEG (≤1600 px on the long side) of a photo, or null when the photo is already small. */
async function previewOf(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // a format the browser cannot decode: send the original only
  }
  const scale = Math.min(1, PREVIEW_MAX_PX / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size <= PREVIEW_ABOVE_BYTES) return null;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  return blob && blob.size < file.size ? blob : null;
}

async function mediaItem(blob, kind, mime, variant, priority) {
  return {
    media_id: uuid(),
    kind,
    mime,
    size: blob.size,
    sha256: await sha256Hex(blob),
    variant,
    priority,
    blob,
    state: "queued",
    sent: 0,
    upload_url: null,
    created_at: new Date().toISOString(),
  };
}

/** Media records for one attachment the user picked or recorded (a photo may become preview + original). */
export async function prepareAttachment(file, kind) {
  if (kind === "photo") {
    const mime = plainMime(file.type, "image/jpeg");
    const preview = await previewOf(file);
    if (!preview) return [await mediaItem(file, "photo", mime, "original", PRIORITY.preview)];
    return [await mediaItem(preview, "photo", "image/jpeg", "preview", PRIORITY.preview), await mediaItem(file, "photo", mime, "original", PRIORITY.original)];
  }
  if (kind === "audio") return [await mediaItem(file, "audio", plainMime(file.type, "audio/webm"), "original", PRIORITY.audio)];
  return [await mediaItem(file, "video", plainMime(file.type, "video/mp4"), "original", PRIORITY.video)];
}

/** The freshest position: a new fix if the phone gives one in time, else the last known one, else null. */
export function currentFix(timeoutMs = 10000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return lastFix().then(resolve);
    navigator.geolocation.getCurrentPosition(
      async (pos) => resolve(await rememberFix(pos)),
      async () => resolve(await lastFix()),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    );
  });
}

export async function rememberFix(pos) {
  const fix = {
    lat: pos.coords.latitude,
    lon: pos.coords.longitude,
    accuracy_m: Math.round(pos.coords.accuracy),
    fixed_at: new Date(pos.timestamp || Date.now()).toISOString(),
    source: "gps",
  };
  await kvSet("last_fix", fix);
  return fix;
}

export async function lastFix() {
  const fix = await kvGet("last_fix");
  return fix ? { ...fix, source: "last_known" } : null;
}

export function locationPayload(fix, landmark) {
  const text = (landmark || "").trim() || null;
  if (!fix) return { lat: null, lon: null, accuracy_m: null, fixed_at: null, source: "manual", landmark: text };
  return { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, fixed_at: fix.fixed_at, source: fix.source, landmark: text };
}

/** Warn before the phone's quota would be exceeded: returns {ok, freeMb}. */
export async function storageRoom(bytes) {
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  if (!estimate?.quota) return { ok: true, warn: false, freeMb: null };
  const free = estimate.quota - (estimate.usage || 0);
  return { ok: bytes < free, warn: bytes > free * 0.8, freeMb: Math.max(0, Math.round(free / 1048576)) };
}

/** Store the report, its media Blobs and its report.create op in ONE transaction; nothing goes to the network. */
export async function saveReport({ kind, category, description, location, covert, anonymous, media }) {
  const reportId = uuid();
  const now = new Date().toISOString();
  const items = media.map((m) => ({ ...m, report_id: reportId }));
  const payload = {
    report_id: reportId,
    kind,
    category,
    description: description || "",
    location,
    covert: !!covert,
    anonymous: !!anonymous,
    media: items.map(({ media_id, kind: k, mime, size, sha256, variant }) => ({ media_id, kind: k, mime, size, sha256, variant })),
  };
  const report = { report_id: reportId, kind, category, description: payload.description, location, covert: !!covert, anonymous: !!anonymous, created_at: now, sync: "saved", reason: null, status: null, media_ids: items.map((m) => m.media_id) };
  const d = await db();
  const tx = d.transaction(["reports", "media", "ops"], "readwrite");
  await tx.objectStore("reports").put(report);
  for (const item of items) await tx.objectStore("media").put(item);
  await tx.objectStore("ops").add(op("report.create", payload));
  await tx.done;
  navigator.storage?.persist?.().catch(() => null);
  changed({ what: "report", report_id: reportId });
  return report;
}

/** Queue a chat message to the dispatcher (stored first, sent by the next flush). */
export async function saveMessage(reportId, body) {
  const message = { message_id: uuid(), report_id: reportId, body, from_reporter: true, created_at: new Date().toISOString(), state: "queued" };
  const d = await db();
  const tx = d.transaction(["messages", "ops"], "readwrite");
  await tx.objectStore("messages").put(message);
  await tx.objectStore("ops").add(op("message.create", { message_id: message.message_id, report_id: reportId, body }));
  await tx.done;
  changed({ what: "message", report_id: reportId });
  return message;
}
