// Relaying a case to linked agencies: choose agencies and what to share; see each relay's state live.
import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { clock, label, t } from "./strings.js";

export function RelayPanel({ api, detail, onError, onDone }) {
  const [agencies, setAgencies] = useState(null);
  const [chosen, setChosen] = useState(new Set());
  const [identity, setIdentity] = useState(false); // off by default: the reporter's identity is theirs
  const [media, setMedia] = useState(true);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api("/agencies?limit=1000")
      .then((data) => setAgencies(data.items.filter((a) => a.active !== false)))
      .catch(() => setAgencies([]));
  }, []);

  function toggle(id) {
    const next = new Set(chosen);
    next.has(id) ? next.delete(id) : next.add(id);
    setChosen(next);
  }

  async function submit(event) {
    event.preventDefault();
    if (!chosen.size) return;
    setBusy(true);
    try {
      const body = { agency_ids: [...chosen], share: { reporter_identity: identity, media }, note: note || undefined };
      await api(`/cases/${detail.report_id}/relays`, { method: "POST", body });
      setChosen(new Set());
      setNote("");
      onDone();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="relay" aria-label=${t("relay")}>
    <h3>${t("relay")}</h3>
    ${detail.relays?.length > 0 &&
    html`<ul class="relays">
      ${detail.relays.map(
        (r) => html`<li key=${r.relay_id} data-relay-id=${r.relay_id}>
          <b>${r.agency_name}</b> <span class=${"relay-state state-" + r.state}>${label("relay_state", r.state)}</span>
          <span class="muted"> ${clock(r.answered_at || r.delivered_at || r.created_at)}</span>
          ${r.last_error && html`<div class="bad">${r.last_error}</div>`}
        </li>`,
      )}
    </ul>`}
    <form onSubmit=${submit}>
      <fieldset>
        <legend>${t("relay_choose")}</legend>
        ${agencies === null ? t("loading") : !agencies.length ? t("no_agencies") : ""}
        ${(agencies || []).map(
          (a) => html`<label class="check" key=${a.id}>
            <input type="checkbox" checked=${chosen.has(a.id)} onChange=${() => toggle(a.id)} /> ${a.name}
          </label>`,
        )}
      </fieldset>
      <label class="check"><input type="checkbox" name="share_identity" checked=${identity} onChange=${(e) => setIdentity(e.target.checked)} /> ${t("share_identity")}</label>
      <label class="check"><input type="checkbox" name="share_media" checked=${media} onChange=${(e) => setMedia(e.target.checked)} /> ${t("share_media")}</label>
      <textarea name="relay_note" rows="2" placeholder=${t("relay_note")} value=${note} onInput=${(e) => setNote(e.target.value)}></textarea>
      <button type="submit" disabled=${busy || !chosen.size}>${t("relay_send")}</button>
    </form>
  </section>`;
}
