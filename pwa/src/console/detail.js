// One case: what was reported, by whom, where, the evidence, the conversation, the timeline, and what staff can do.
import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { MediaItem } from "./media.js";
import { RelayPanel } from "./relay.js";
import { age, clock, label, t } from "./strings.js";

function eventText(e) {
  const d = e.data || {};
  switch (e.type) {
    case "status":
      return `${label("status", d.from)} → ${label("status", d.to)}${d.note ? " · " + d.note : ""}${d.reason ? " · " + d.reason : ""}`;
    case "assigned":
      return d.officer_name || "";
    case "note":
    case "message":
      return d.body || "";
    case "location":
      return `${Number(d.lat).toFixed(5)}, ${Number(d.lon).toFixed(5)}${d.accuracy_m != null ? " ±" + Math.round(d.accuracy_m) + "m" : ""}`;
    case "created":
      return `${label("kind", d.kind)} · ${label("category", d.category)} · ${d.station_name || ""}`;
    default:
      if (e.type.startsWith("relay.")) return [d.agency_name, d.note, d.error].filter(Boolean).join(" · ");
      return "";
  }
}

function Reporter({ detail }) {
  if (detail.anonymous || !detail.reporter) return html`<p>${t("anonymous")}</p>`;
  const r = detail.reporter;
  const behalf = detail.on_behalf_of;
  return html`<div>
    ${r.role === "assistant"
      ? html`<p>${t("filed_by_assistant", { name: r.name || "", cert: r.certificate_no || "", village: r.village || "" })}${r.phone ? " · " + r.phone : ""}</p>`
      : html`<p>${r.name || (r.role === "citizen" ? t("citizen_device", { id: r.user_id }) : `#${r.user_id}`)}${r.phone ? " · " + t("phone") + " " + r.phone : ""}</p>`}
    ${behalf && html`<p class="behalf">${t("on_behalf", { name: behalf.name || "", phone: behalf.phone || "—", village: behalf.village || "—", consent: behalf.consent || "—" })}</p>`}
  </div>`;
}

function Position({ detail, now }) {
  const loc = detail.location || {};
  if (loc.lat == null) return html`<p>${t("no_position")}</p>`;
  const last = detail.trail?.length ? detail.trail[detail.trail.length - 1] : null;
  return html`<div class="position">
    <p>
      <b>${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}</b>
      ${loc.accuracy_m != null && " · " + t("accuracy", { m: Math.round(loc.accuracy_m) })} · ${label("source", loc.source)} · ${age(loc.fixed_at, now)}
      ${loc.landmark && html`<br />${t("landmark")}: ${loc.landmark}`}
    </p>
    ${detail.trail?.length > 0 &&
    html`<details open=${detail.trail.length < 6}>
      <summary>${t("trail")} (${detail.trail.length})${last ? " · " + age(last.fixed_at, now) : ""}</summary>
      <ol class="trail">
        ${detail.trail.map((f) => html`<li>${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}${f.accuracy_m != null ? " ±" + Math.round(f.accuracy_m) + "m" : ""} · ${clock(f.fixed_at)}</li>`)}
      </ol>
    </details>`}
  </div>`;
}

function TextForm({ name, placeholder, button, onSubmit }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      await onSubmit(text.trim());
      setText("");
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="inline" onSubmit=${submit}>
    <textarea name=${name} rows="2" placeholder=${placeholder} value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
    <button type="submit" disabled=${busy || !text.trim()}>${button}</button>
  </form>`;
}

function Actions({ api, detail, onChanged, onError }) {
  const [note, setNote] = useState("");
  const [officers, setOfficers] = useState([]);
  const [officer, setOfficer] = useState("");
  useEffect(() => {
    api(`/officers?station_id=${detail.station_id}`)
      .then((data) => setOfficers(data.items))
      .catch(() => setOfficers([]));
  }, [detail.station_id]);

  const call = (path, body) => api(`/cases/${detail.report_id}/${path}`, { method: "POST", body }).then(onChanged, onError);
  return html`<section class="actions" aria-label=${t("actions")}>
    <div class="moves">
      ${detail.allowed_transitions.map(
        (to) => html`<button type="button" class=${"move move-" + to} data-to=${to} onClick=${() => call("transition", { to, note: note || undefined }).then(() => setNote(""))}>
          ${label("status", to)}
        </button>`,
      )}
      ${detail.allowed_transitions.length > 0 && html`<input name="transition_note" placeholder=${t("note_optional")} value=${note} onInput=${(e) => setNote(e.target.value)} />`}
    </div>
    <form
      class="inline"
      onSubmit=${(e) => {
        e.preventDefault();
        if (officer) call("assign", { officer_id: Number(officer) });
      }}
    >
      <label>${t("assign_to")}
        <select name="officer" value=${officer} onChange=${(e) => setOfficer(e.target.value)}>
          <option value="">—</option>
          ${officers.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
        </select>
      </label>
      <button type="submit" disabled=${!officer}>${t("assign")}</button>
      ${detail.assigned_officer && html`<span class="muted">${t("assigned_to", { name: detail.assigned_officer })}</span>`}
    </form>
    <${TextForm} name="note" placeholder=${t("internal_note")} button=${t("add_note")} onSubmit=${(body) => call("notes", { body })} />
  </section>`;
}

function Conversation({ api, detail, onChanged, onError }) {
  const send = (body) => api(`/cases/${detail.report_id}/messages`, { method: "POST", body: { body, message_id: crypto.randomUUID() } }).then(onChanged, onError);
  return html`<section class="chat" aria-label=${t("messages")}>
    <h3>${t("messages")}</h3>
    <ul class="messages">
      ${detail.messages.map(
        (m) => html`<li key=${m.message_id} class=${m.from_reporter ? "from-reporter" : "from-police"}>
          <b>${m.from_reporter ? t("from_reporter") : t("from_police")}</b> <span class="muted">${clock(m.created_at)}</span>
          <div>${m.body}</div>
        </li>`,
      )}
    </ul>
    <${TextForm} name="message" placeholder=${t("message_reporter")} button=${t("send")} onSubmit=${send} />
  </section>`;
}

export function CaseDetail({ session, api, detail, onChanged, onError, onClose, now }) {
  return html`<article class="detail" data-report-id=${detail.report_id} data-status=${detail.status}>
    <header>
      <h2>${label("kind", detail.kind)} · ${label("category", detail.category)}</h2>
      <span class=${"status status-" + detail.status}>${label("status", detail.status)}</span>
      <button type="button" class="close" onClick=${onClose}>${t("close")}</button>
    </header>
    ${detail.covert && html`<p class="covert">${t("covert")}</p>`}
    <p class="muted">${t("station")}: ${detail.station_name || ""} · ${t("created_at")}: ${clock(detail.created_at)} (${age(detail.created_at, now)})</p>
    <h3>${t("description")}</h3>
    <p class="description">${detail.description || "—"}</p>
    <h3>${t("reporter")}</h3>
    <${Reporter} detail=${detail} />
    <h3>${t("position")}</h3>
    <${Position} detail=${detail} now=${now} />
    <h3>${t("media")}</h3>
    ${detail.media.length ? html`<ul class="media">${detail.media.map((m) => html`<${MediaItem} key=${m.media_id} session=${session} item=${m} />`)}</ul>` : html`<p>${t("no_media")}</p>`}
    <${Actions} api=${api} detail=${detail} onChanged=${onChanged} onError=${onError} />
    <${Conversation} api=${api} detail=${detail} onChanged=${onChanged} onError=${onError} />
    <${RelayPanel} api=${api} detail=${detail} onError=${onError} onDone=${onChanged} />
    <section aria-label=${t("timeline")}>
      <h3>${t("timeline")}</h3>
      <ol class="timeline">
        ${detail.timeline.map(
          (e) => html`<li key=${e.seq} class=${"event event-" + e.type.replace(".", "-")}>
            <span class="muted">${clock(e.at)}</span> <b>${label("event", e.type)}</b> ${e.actor ? html`<span class="actor">${e.actor}</span>` : ""}
            <div>${eventText(e)}</div>
          </li>`,
        )}
      </ol>
    </section>
  </article>`;
}
