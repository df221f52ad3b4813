// "My reports": the outbox with each report's delivery state, and one report's timeline and chat.
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { request } from "../lib/api.js";
import { saveMessage } from "./capture.js";
import { deliveryState } from "./data.js";
import { flush, flushState, requestBackgroundSync, storeEvents } from "./flush.js";
import { ageText } from "./form.js";
import { kvGet } from "./store.js";
import { t } from "./strings.js";

const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang || "zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });

export function StateBadge({ report, media }) {
  const s = deliveryState(report, media);
  const label =
    s.key === "media" ? t("st_media", { n: s.n, m: s.m }) : t({ saved: "st_saved", sending: "st_sending", delivered: "st_delivered", received: "st_received", attention: "st_attention" }[s.key]);
  return html`<div class=${"state state-" + s.key} data-state=${s.key}>
    <span class="badge">${s.key === "media" && s.received ? t("st_received") + " · " : ""}${label}</span>
    ${s.key === "media" && html`<progress max="100" value=${Math.round(s.fraction * 100)} aria-label=${label}></progress>`}
    ${s.key === "attention" && html`<p class="reason">${s.reason === "too_large" ? t("attention_too_large") : t("attention_rejected", { reason: s.reason })} — ${t("retry_hint")}</p>`}
    ${report.status && html`<span class="status">${t("status_" + report.status)}</span>`}
  </div>`;
}

export function Outbox({ data, settings, onOpen }) {
  const busy = flushState().busy;
  let reports = data?.reports || [];
  if (settings.hideHistory) reports = reports.filter((r) => deliveryState(r, data.media.get(r.report_id)).key !== "received" && r.sync !== "sent");
  return html`<section aria-labelledby="outbox-h">
    <div class="bar">
      <h2 id="outbox-h">${t("outbox")}</h2>
      <button type="button" class="btn" onClick=${() => flush("manual")} disabled=${busy}>${busy ? t("sending_now") : t("send_now")}</button>
    </div>
    ${settings.hideHistory && html`<p class="muted">${t("history_hidden")}</p>`}
    ${reports.length === 0 && html`<p class="muted">${t("empty")}</p>`}
    <ul class="reports">
      ${reports.map(
        (r) => html`<li class="report" data-report-id=${r.report_id}>
          <button type="button" class="card" onClick=${() => onOpen(r.report_id)}>
            <strong>${t(r.kind)} · ${t("cat_" + r.category)}</strong>
            <span class="muted">${when(r.created_at)}</span>
          </button>
          <${StateBadge} report=${r} media=${data.media.get(r.report_id) || []} />
        </li>`,
      )}
    </ul>
  </section>`;
}

function eventText(e) {
  if (e.type === "created") return t("ev_created");
  if (e.type === "status") return t("ev_status", { to: t("status_" + e.data?.to) });
  if (e.type?.startsWith("relay.")) return t("ev_relay", { note: e.data?.note || e.data?.agency_name || e.type.slice(6) });
  return e.type;
}

export function ReportDetail({ reportId, data, onBack }) {
  const report = data?.reports.find((r) => r.report_id === reportId);
  const [body, setBody] = useState("");
  const heading = useRef(null);
  useEffect(() => {
    heading.current?.focus();
    // Online: refresh the whole reporter view (timeline, messages) once; offline: show what the phone has.
    (async () => {
      const token = await kvGet("token");
      if (!token || report?.sync !== "sent") return;
      const view = await request(`/reports/${reportId}`, { token }).catch(() => null);
      if (view) await storeEvents((view.timeline || []).map((e) => ({ ...e, report_id: reportId })));
    })();
  }, [reportId, report?.sync]);
  if (!report) return html`<p>${t("empty")}</p>`;
  const events = data.events.get(reportId) || [];
  const serverMessages = events.filter((e) => e.type === "message");
  const seen = new Set(serverMessages.map((e) => e.data?.message_id));
  const pending = (data.messages.get(reportId) || []).filter((m) => !seen.has(m.message_id));
  const send = async (e) => {
    e.preventDefault();
    if (!body.trim()) return;
    await saveMessage(reportId, body.trim());
    setBody("");
    requestBackgroundSync();
    flush("message");
  };
  return html`<section aria-labelledby="detail-h" class="detail">
    <button type="button" class="link" onClick=${onBack}>← ${t("back")}</button>
    <h2 id="detail-h" tabIndex="-1" ref=${heading}>${t(report.kind)} · ${t("cat_" + report.category)}</h2>
    <p class="muted">${when(report.created_at)}${report.description ? " · " + report.description : ""}</p>
    <${StateBadge} report=${report} media=${data.media.get(reportId) || []} />
    <h3>${t("timeline")}</h3>
    <ol class="timeline">
      ${events.filter((e) => e.type !== "message").map((e) => html`<li><span class="muted">${ageText(e.at)}</span> ${eventText(e)}</li>`)}
    </ol>
    <h3>${t("chat")}</h3>
    <ol class="chat" aria-live="polite">
      ${serverMessages.map((e) => html`<li class=${e.data?.from_reporter ? "me" : "police"}>${e.data?.from_reporter ? t("ev_message_me", { body: e.data.body }) : t("ev_message_police", { body: e.data?.body })}</li>`)}
      ${pending.map((m) => html`<li class="me pending">${t("ev_message_me", { body: m.body })} <span class="muted">(${t("msg_pending")})</span></li>`)}
    </ol>
    <form class="chat-form" onSubmit=${send}>
      <label for="chat-input" class="sr-only">${t("chat_ph")}</label>
      <input id="chat-input" type="text" placeholder=${t("chat_ph")} value=${body} onInput=${(e) => setBody(e.target.value)} />
      <button type="submit" class="btn primary">${t("chat_send")}</button>
    </form>
  </section>`;
}
