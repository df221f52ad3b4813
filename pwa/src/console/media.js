// Evidence items: verification badge, photo thumbnails (full size on click), audio and video players.
import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { mediaBlobUrl, signedMediaUrl } from "./session.js";
import { t } from "./strings.js";

export function badge(item) {
  if (item.verification === "verified") return { cls: "ok", text: "✔ " + t("verified") };
  if (item.verification === "mismatch") return { cls: "bad", text: "✖ " + t("mismatch") };
  if (item.state !== "complete") {
    const p = item.size ? Math.floor((100 * (item.received_bytes || 0)) / item.size) : 0;
    return { cls: "wait", text: t("uploading", { p }) };
  }
  return { cls: "wait", text: t("pending_check") };
}

function useBlob(session, path, enabled) {
  const [url, setUrl] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!enabled) return undefined;
    let made = null;
    let live = true;
    mediaBlobUrl(session, path)
      .then((u) => {
        made = u;
        if (live) setUrl(u);
        else URL.revokeObjectURL(u);
      })
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [path, enabled]);
  return [url, error];
}

function FullPhoto({ session, item, onClose }) {
  const [url, error] = useBlob(session, `/media/${item.media_id}`, true);
  return html`<div class="overlay" role="dialog" aria-modal="true" onClick=${onClose}>
    ${url ? html`<img class="full" src=${url} alt="" />` : html`<p>${error || t("loading")}</p>`}
    <button type="button" class="close" onClick=${onClose}>${t("close")}</button>
  </div>`;
}

// Audio and video play from a signed link so the browser streams and seeks (Range) instead of loading it all.
function useSignedUrl(session, mediaId, enabled) {
  const [url, setUrl] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!enabled) return undefined;
    let live = true;
    signedMediaUrl(session, mediaId)
      .then((u) => live && setUrl(u))
      .catch((err) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [mediaId, enabled]);
  return [url, error];
}

export function MediaItem({ session, item }) {
  const ready = item.state === "complete";
  const [open, setOpen] = useState(false);
  const [play, setPlay] = useState(false);
  const [thumb] = useBlob(session, `/media/${item.media_id}/thumb`, ready && item.kind === "photo");
  const [full, fullError] = useSignedUrl(session, item.media_id, ready && play && item.kind !== "photo");
  const b = badge(item);
  return html`<li class="media-item" data-media-id=${item.media_id}>
    <span class=${"media-badge " + b.cls}>${b.text}</span>
    <span class="muted"> ${item.kind} · ${item.variant} · ${Math.ceil(item.size / 1024)} KB</span>
    <div>
      ${item.kind === "photo" && ready && thumb && html`<button type="button" class="thumb" onClick=${() => setOpen(true)}><img src=${thumb} alt="" /></button>`}
      ${item.kind !== "photo" && ready && !play && html`<button type="button" onClick=${() => setPlay(true)}>${t("load_media")}</button>`}
      ${item.kind === "audio" && full && html`<audio controls src=${full}></audio>`}
      ${item.kind === "video" && full && html`<video controls src=${full}></video>`}
      ${fullError && html`<span class="bad">${fullError}</span>`}
    </div>
    ${open && html`<${FullPhoto} session=${session} item=${item} onClose=${() => setOpen(false)} />`}
  </li>`;
}
