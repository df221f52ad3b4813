// The large half of sending: media bytes by tus (tus-js-client) in chunks, resuming from the server's offset.
// Order: photo previews, then audio, then video, then photo originals (each item's `priority`, set at capture).
import { Upload } from "tus-js-client";
import { changed, db } from "./store.js";
import { ensureToken, pushOps, withLock } from "./sync.js";

export const CHUNK = 256 * 1024; // small enough to finish on 2G before the signal drops again
const PERMANENT = new Set([400, 403, 413, 415, 422, 460]);
const KEEP_BLOB_UNDER = 512 * 1024; // small previews stay for the "my reports" thumbnails

/** Live progress of uploads in this tab: media_id → bytes the server has. */
export const progress = new Map();
let lastBroadcast = 0;

const statusOf = (err) => err?.originalResponse?.getStatus?.() || 0;
const methodOf = (err) => err?.originalRequest?.getMethod?.() || "";

async function updateMedia(mediaId, patch) {
  const d = await db();
  const tx = d.transaction("media", "readwrite");
  const media = await tx.store.get(mediaId);
  if (media) await tx.store.put({ ...media, ...patch });
  await tx.done;
}

function uploadOne(media, token) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(media.blob, {
      endpoint: `${location.origin}/api/v1/uploads`,
      uploadUrl: media.upload_url || null,
      uploadSize: media.size,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 6000],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { media_id: media.media_id, report_id: media.report_id, sha256: media.sha256, kind: media.kind, mime: media.mime },
      storeFingerprintForResuming: false,
      onShouldRetry(err) {
        const status = statusOf(err);
        // 409 on creation means the item is already complete: done, not an error to retry.
        if (status === 409 && methodOf(err) === "POST") return false;
        if (status === 401 || PERMANENT.has(status)) return false;
        return navigator.onLine !== false;
      },
      onUploadUrlAvailable() {
        // Kept in IndexedDB so a reload or a phone restart resumes with HEAD instead of starting over.
        if (upload.url && upload.url !== media.upload_url) updateMedia(media.media_id, { upload_url: upload.url });
      },
      onProgress(sent) {
        progress.set(media.media_id, sent);
        const now = Date.now();
        if (now - lastBroadcast > 300) {
          lastBroadcast = now;
          changed({ what: "progress" });
        }
      },
      onSuccess: () => resolve({ state: "done" }),
      onError(err) {
        const status = statusOf(err);
        if (status === 409 && methodOf(err) === "POST") resolve({ state: "done" });
        else if (PERMANENT.has(status)) resolve({ state: "attention", reason: status === 413 ? "too_large" : `HTTP ${status}` });
        else reject(err);
      },
    });
    upload.start();
  });
}

function pending(media, sentReports) {
  return media.state !== "done" && media.state !== "attention" && media.blob && sentReports.has(media.report_id);
}

/** Upload every media item whose report the server already has, most urgent first. Throws on network failure. */
export async function uploadMedia() {
  return withLock("lianbao-media", async () => {
    const d = await db();
    const token = await ensureToken();
    for (;;) {
      const sentReports = new Set((await d.getAll("reports")).filter((r) => r.sync === "sent").map((r) => r.report_id));
      const queue = (await d.getAll("media")).filter((m) => pending(m, sentReports));
      if (!queue.length) return;
      queue.sort((a, b) => a.priority - b.priority || a.created_at.localeCompare(b.created_at));
      const media = queue[0];
      await updateMedia(media.media_id, { state: "uploading" });
      changed({ what: "media" });
      let outcome;
      try {
        outcome = await uploadOne(media, token);
      } catch (err) {
        await updateMedia(media.media_id, { state: "queued" });
        changed({ what: "media" });
        throw err;
      }
      const patch = { ...outcome, sent: outcome.state === "done" ? media.size : progress.get(media.media_id) || 0 };
      if (outcome.state === "done" && media.size > KEEP_BLOB_UNDER) patch.blob = null; // the server has it now
      await updateMedia(media.media_id, patch);
      progress.delete(media.media_id);
      changed({ what: "media" });
      // A new alarm or chat message queued meanwhile goes before the next large file.
      if (await d.count("ops")) await pushOps();
    }
  });
}
