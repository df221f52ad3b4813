// The report form: category, text, photos, audio, video, position (or landmark), anonymity for tips.
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { currentFix, locationPayload, prepareAttachment, rememberFix, saveReport, storageRoom } from "./capture.js";
import { requestBackgroundSync, flush } from "./flush.js";
import { CATEGORIES, t } from "./strings.js";
import { currentLocale } from "../lib/i18n.js";

export function ageText(iso) {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 10) return t("age_now");
  if (s < 60) return t("age_s", { n: s });
  if (s < 3600) return t("age_m", { n: Math.round(s / 60) });
  return t("age_h", { n: Math.round(s / 3600) });
}

function Recorder({ onRecorded }) {
  const [recording, setRecording] = useState(null);
  const [seconds, setSeconds] = useState(0);
  const start = async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const recorder = new MediaRecorder(stream);
      const parts = [];
      recorder.ondataavailable = (e) => e.data.size && parts.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        const blob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
        if (blob.size) onRecorded(blob);
      };
      recorder.start(1000);
      const began = Date.now();
      const timer = setInterval(() => setSeconds(Math.round((Date.now() - began) / 1000)), 500);
      setRecording({ recorder, timer });
    } catch {
      setRecording(null);
    }
  };
  const stop = () => {
    clearInterval(recording.timer);
    recording.recorder.stop();
    setRecording(null);
    setSeconds(0);
  };
  if (!window.MediaRecorder) return null;
  return recording
    ? html`<button type="button" class="btn rec" onClick=${stop}>⏹ ${t("stop_recording")} <span role="status">${t("recording", { s: seconds })}</span></button>`
    : html`<button type="button" class="btn" onClick=${start}>🎙 ${t("record")}</button>`;
}

function FilePick({ id, label, accept, capture, multiple, onFiles }) {
  return html`<label class="btn" for=${id}>${label}</label>
    <input id=${id} class="sr-only" type="file" accept=${accept} capture=${capture} multiple=${multiple}
      onChange=${(e) => { onFiles([...e.target.files]); e.target.value = ""; }} />`;
}

export function ReportForm({ kind, settings, onDone, onCancel }) {
  const [category, setCategory] = useState(null);
  const [description, setDescription] = useState("");
  const [attachments, setAttachments] = useState([]); // [{label, items:[media records]}]
  const [busy, setBusy] = useState(0);
  const [fix, setFix] = useState(undefined); // undefined: still locating; null: none
  const [landmark, setLandmark] = useState("");
  const [anonymous, setAnonymous] = useState(false);
  const [error, setError] = useState(null);
  const [warning, setWarning] = useState(null);
  const heading = useRef(null);

  useEffect(() => {
    heading.current?.focus();
    let live = true;
    currentFix().then((f) => live && setFix(f));
    // Keep improving the fix while the form is open.
    const watch = navigator.geolocation?.watchPosition(async (pos) => live && setFix(await rememberFix(pos)), () => null, { enableHighAccuracy: true, maximumAge: 30000 });
    return () => {
      live = false;
      if (watch != null) navigator.geolocation.clearWatch(watch);
    };
  }, []);

  const add = async (files, kindOfMedia) => {
    setBusy((n) => n + 1);
    try {
      for (const file of files) {
        const items = await prepareAttachment(file, kindOfMedia);
        setAttachments((list) => [...list, { label: file.name || t(kindOfMedia === "audio" ? "audio" : kindOfMedia === "video" ? "video" : "photos"), kind: kindOfMedia, items }]);
      }
      const total = attachments.reduce((s, a) => s + a.items.reduce((x, m) => x + m.size, 0), 0) + files.reduce((s, f) => s + f.size, 0);
      const room = await storageRoom(total * 2);
      setWarning(room.warn ? t("quota_warn", { mb: room.freeMb }) : null);
    } finally {
      setBusy((n) => n - 1);
    }
  };

  const submit = async (event) => {
    event.preventDefault();
    if (!category) return setError(t("need_category"));
    if (!fix && !landmark.trim()) return setError(t("need_place"));
    const media = attachments.flatMap((a) => a.items);
    const room = await storageRoom(media.reduce((s, m) => s + m.size, 0));
    if (!room.ok) return setError(t("quota_fail"));
    try {
      const report = await saveReport({ kind, category, description, location: locationPayload(fix, landmark), covert: settings.covert, anonymous: kind === "tip" && anonymous, media });
      requestBackgroundSync();
      flush("new");
      onDone(report);
    } catch {
      setError(t("quota_fail"));
    }
  };

  const en = currentLocale() === "en";
  return html`<form class="report-form" onSubmit=${submit} noValidate>
    <h2 tabIndex="-1" ref=${heading}>${t(kind)}</h2>
    <fieldset class="categories">
      <legend>${t("choose_category")}</legend>
      <div class="grid">
        ${CATEGORIES.map(([key, zh, enLabel, icon]) => html`<button type="button" class=${"cat" + (category === key ? " on" : "")}
          aria-pressed=${category === key} onClick=${() => { setCategory(key); setError(null); }}>
          <span aria-hidden="true" class="icon">${icon}</span><span>${en ? enLabel : zh}</span></button>`)}
      </div>
    </fieldset>
    <label for="desc">${t("description")}</label>
    <textarea id="desc" rows="3" placeholder=${t("description_ph")} value=${description} onInput=${(e) => setDescription(e.target.value)}></textarea>
    <fieldset class="media">
      <legend>${t("photos")} · ${t("audio")} · ${t("video")}</legend>
      <div class="row">
        <${FilePick} id="photo-camera" label=${"📷 " + t("take_photo")} accept="image/*" capture="environment" onFiles=${(f) => add(f, "photo")} />
        <${FilePick} id="photo-gallery" label=${"🖼 " + t("from_gallery")} accept="image/*" multiple onFiles=${(f) => add(f, "photo")} />
        <${Recorder} onRecorded=${(blob) => add([blob], "audio")} />
        <${FilePick} id="video" label=${"🎥 " + t("take_video")} accept="video/*" capture="environment" onFiles=${(f) => add(f, "video")} />
      </div>
      ${busy > 0 && html`<p role="status">…</p>`}
      <ul class="attachments">
        ${attachments.map((a, i) => html`<li>${a.label} (${Math.ceil(a.items.reduce((s, m) => s + m.size, 0) / 1024)} KB)
          <button type="button" class="link" onClick=${() => setAttachments((list) => list.filter((_, j) => j !== i))}>${t("remove")}</button></li>`)}
      </ul>
    </fieldset>
    <fieldset class="where">
      <legend>${t("location")}</legend>
      <p role="status" class="fix">${fix === undefined ? t("locating") : fix ? t(fix.source === "last_known" ? "fix_last" : "fix", { acc: fix.accuracy_m, age: ageText(fix.fixed_at) }) : t("no_fix")}</p>
      <label for="landmark">${t("landmark")}</label>
      <input id="landmark" type="text" placeholder=${t("landmark_ph")} value=${landmark} onInput=${(e) => setLandmark(e.target.value)} />
    </fieldset>
    ${kind === "tip" && html`<label class="check"><input type="checkbox" checked=${anonymous} onChange=${(e) => setAnonymous(e.target.checked)} /> ${t("anonymous")}</label>`}
    ${warning && html`<p class="warn" role="status">${warning}</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      <button type="submit" class="btn primary big" disabled=${busy > 0}>${t("submit")}</button>
      <button type="button" class="btn" onClick=${onCancel}>${t("cancel")}</button>
    </div>
  </form>`;
}
