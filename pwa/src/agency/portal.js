// An agency's relays: the list (live over Socket.IO), one case as shared, and the answer form.
import { io } from "socket.io-client";
import { useEffect, useState } from "preact/hooks";
import { currentLocale } from "../lib/i18n.js";
import { html } from "../lib/html.js";
import { categoryLabel, t, when } from "./strings.js";

function State({ state }) {
  return html`<span class=${"state state-" + state}>${t("state_" + state)}</span>`;
}

export function Portal({ api, token }) {
  const [items, setItems] = useState(null);
  const [openId, setOpenId] = useState(() => new URLSearchParams(location.hash.slice(1)).get("relay"));
  const [live, setLive] = useState(false);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState(null);

  useEffect(() => {
    api("/agency/cases?limit=200")
      .then((data) => setItems(data.items))
      .catch((err) => setError(err.message));
  }, [tick]);

  useEffect(() => {
    // The agency's room carries relay.updated whenever one of its relays is made or changes.
    const socket = io("/live", { transports: ["websocket"], auth: { token }, reconnectionDelayMax: 5000 });
    socket.on("connect", () => {
      setLive(true);
      setTick((n) => n + 1); // catch up on what changed while disconnected
    });
    socket.on("disconnect", () => setLive(false));
    socket.on("connect_error", () => setLive(false));
    socket.on("relay.updated", () => setTick((n) => n + 1));
    return () => socket.close();
  }, [token]);

  function open(id) {
    location.hash = id ? `relay=${id}` : "";
    setOpenId(id);
  }

  return html`<main class="portal">
    <p class=${live ? "live on" : "live off"} role="status">${live ? t("live_on") : t("live_off")}</p>
    ${error && html`<p class="bad" role="alert">${t("error", { message: error })}</p>`}
    ${openId
      ? html`<${RelayDetail} api=${api} relayId=${openId} tick=${tick} onBack=${() => open(null)} />`
      : html`<section>
          <h2>${t("relays")}</h2>
          ${items === null ? html`<p>${t("loading")}</p>` : !items.length ? html`<p class="muted">${t("none_yet")}</p>` : ""}
          <ul class="relay-list">
            ${(items || []).map(
              (r) => html`<li key=${r.relay_id}>
                <button type="button" class="relay-row" data-relay-id=${r.relay_id} onClick=${() => open(r.relay_id)}>
                  <span class="what">${categoryLabel(r.case, currentLocale())} · ${t("kind_" + r.case.kind)}</span>
                  <${State} state=${r.state} />
                  <span class="where">${r.case.location?.landmark || r.case.station?.name || ""}</span>
                  <span class="muted">${when(r.created_at)}</span>
                </button>
              </li>`,
            )}
          </ul>
        </section>`}
  </main>`;
}

function RelayDetail({ api, relayId, tick, onBack }) {
  const [relay, setRelay] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    api(`/agency/cases/${relayId}`)
      .then(setRelay)
      .catch((err) => setError(err.message));
  }, [relayId, tick]);

  if (error) return html`<p class="bad" role="alert">${t("error", { message: error })}</p><button type="button" onClick=${onBack}>${t("back")}</button>`;
  if (!relay) return html`<p>${t("loading")}</p>`;
  const c = relay.case;
  const loc = c.location;
  return html`<article class="relay-detail" data-relay-id=${relay.relay_id}>
    <button type="button" class="back" onClick=${onBack}>← ${t("back")}</button>
    <h2>${categoryLabel(c, currentLocale())} · ${t("kind_" + c.kind)} <${State} state=${relay.state} /></h2>
    <p class="muted">${t("relayed_at")}：${when(relay.created_at)}</p>
    ${relay.note && html`<section><h3>${t("note_from_police")}</h3><p class="note">${relay.note}</p></section>`}
    <section><h3>${t("description")}</h3><p class="description">${c.description}</p></section>
    ${loc &&
    html`<section>
      <h3>${t("location")}</h3>
      <p>${loc.landmark ? html`<b>${loc.landmark}</b><br />` : ""}${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}
        ${loc.accuracy_m ? html` (${t("accuracy", { m: Math.round(loc.accuracy_m) })})` : ""}</p>
      <a href=${`https://uri.amap.com/marker?position=${loc.lon},${loc.lat}&coordinate=wgs84`} target="_blank" rel="noopener noreferrer">${t("open_map")}</a>
    </section>`}
    ${c.station && html`<section><h3>${t("station")}</h3><p>${c.station.name}</p></section>`}
    <section>
      <h3>${t("reporter")}</h3>
      ${c.reporter ? html`<p>${c.reporter.name || ""} ${c.reporter.phone ? html`<a href=${"tel:" + c.reporter.phone}>${c.reporter.phone}</a>` : ""}</p>` : html`<p class="muted">${t("not_shared")}</p>`}
      ${c.on_behalf_of &&
      html`<p>${t("on_behalf_of")}：${c.on_behalf_of.name} ${c.on_behalf_of.village || ""}
        ${c.on_behalf_of.phone ? html` <a href=${"tel:" + c.on_behalf_of.phone}>${c.on_behalf_of.phone}</a>` : ""}</p>`}
    </section>
    ${c.media.length > 0 &&
    html`<section>
      <h3>${t("media")}</h3>
      <p class="muted">${t("media_hint")}</p>
      <ul class="media">
        ${c.media.map((m) => html`<li key=${m.media_id}><a href=${m.url} target="_blank" rel="noopener noreferrer">${m.kind} · ${m.mime} · ${Math.ceil(m.size / 1024)} KB</a></li>`)}
      </ul>
    </section>`}
    ${c.notes.length > 0 && html`<section><h3>${t("notes")}</h3>${c.notes.map((n) => html`<p class="note">${n}</p>`)}</section>`}
    <${AnswerForm} api=${api} relay=${relay} onAnswered=${setRelay} />
  </article>`;
}

function AnswerForm({ api, relay, onAnswered }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);
  const decided = relay.state === "accepted" || relay.state === "declined";

  async function send(status) {
    setBusy(true);
    setMessage(null);
    try {
      const answer = await api(`/relays/${relay.relay_id}/ack`, { method: "POST", body: { status, note: note.trim() || undefined } });
      onAnswered({ ...relay, ...answer.relay, case: relay.case });
      setNote("");
      setMessage({ ok: true, text: t("sent") });
    } catch (err) {
      setMessage({ ok: false, text: err.status === 409 ? t("already_answered") : t("error", { message: err.message }) });
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="answer">
    <h3>${t("answer")}</h3>
    <label class="stack">${t("answer_note")}
      <textarea name="note" rows="3" maxlength="2000" value=${note} onInput=${(e) => setNote(e.target.value)}></textarea>
    </label>
    <div class="buttons">
      ${!decided && html`<button type="button" class="primary" name="accept" disabled=${busy} onClick=${() => send("accepted")}>${t("accept")}</button>`}
      ${!decided && html`<button type="button" class="danger" name="decline" disabled=${busy} onClick=${() => send("declined")}>${t("decline")}</button>`}
      ${relay.state !== "declined" &&
      html`<button type="button" name="update" disabled=${busy || !note.trim()} onClick=${() => send("update")}>${t("update")}</button>`}
    </div>
    ${message && html`<p class=${message.ok ? "good" : "bad"} role="status">${message.text}</p>`}
  </section>`;
}
