// The agency directory for admins: list, create (the secret is shown once), activate/deactivate, rotate a secret.
import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { t } from "./strings.js";

const TYPES = ["medical", "consumer", "rescue", "fire", "traffic", "civil_affairs", "other"];
const FORMATS = ["eido", "cap", "json"];

export function Directory({ api }) {
  const [agencies, setAgencies] = useState(null);
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api("/agencies?limit=1000")
      .then((data) => setAgencies(data.items))
      .catch((err) => setError(err.message));
  }, [tick]);

  async function change(agency, body) {
    setError(null);
    try {
      const answer = await api(`/agencies/${agency.id}`, { method: "PATCH", body });
      if (answer.secret) setSecret({ name: answer.name, value: answer.secret });
      setTick((n) => n + 1);
    } catch (err) {
      setError(err.message);
    }
  }

  return html`<main class="directory">
    <h2>${t("directory")}</h2>
    ${error && html`<p class="bad" role="alert">${t("error", { message: error })}</p>`}
    ${secret &&
    html`<div class="secret" role="alert">
      <p>${secret.name} — ${t("secret_once")}</p>
      <code class="secret-value">${secret.value}</code>
    </div>`}
    ${agencies === null
      ? html`<p>${t("loading")}</p>`
      : html`<ul class="agency-list">
          ${agencies.map(
            (a) => html`<li key=${a.id} class=${a.active ? "" : "inactive"}>
              <b>${a.name}</b> <span class="muted">${t("type_" + a.type)} · ${a.delivery === "webhook" ? `${a.format.toUpperCase()} → ${a.url}` : t("delivery_portal")}</span>
              ${a.contact && html`<span class="muted"> · ${a.contact}</span>`}
              <div class="buttons">
                <button type="button" onClick=${() => change(a, { active: !a.active })}>${a.active ? t("deactivate") : t("activate")}</button>
                ${a.delivery === "webhook" && html`<button type="button" onClick=${() => change(a, { rotate_secret: true })}>${t("rotate")}</button>`}
              </div>
            </li>`,
          )}
        </ul>`}
    <${CreateAgency} api=${api} onCreated=${(a) => {
      if (a.secret) setSecret({ name: a.name, value: a.secret });
      setTick((n) => n + 1);
    }} />
  </main>`;
}

function CreateAgency({ api, onCreated }) {
  const [delivery, setDelivery] = useState("portal");
  const [error, setError] = useState(null);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { name: form.get("name"), type: form.get("type"), delivery, contact: form.get("contact") || undefined };
    if (delivery === "webhook") Object.assign(body, { url: form.get("url"), format: form.get("format") });
    setError(null);
    try {
      onCreated(await api("/agencies", { method: "POST", body }));
      event.target.reset();
      setDelivery("portal");
    } catch (err) {
      const fields = Object.entries(err.fields || {}).map(([k, v]) => `${k}: ${[].concat(v).join(", ")}`);
      setError([err.message, ...fields].join(" · "));
    }
  }

  return html`<form class="create" onSubmit=${submit}>
    <h3>${t("add_agency")}</h3>
    <label>${t("name")}<input name="name" required maxlength="120" /></label>
    <label>${t("type")}<select name="type">${TYPES.map((v) => html`<option value=${v}>${t("type_" + v)}</option>`)}</select></label>
    <label>${t("delivery")}
      <select name="delivery" value=${delivery} onChange=${(e) => setDelivery(e.target.value)}>
        <option value="portal">${t("delivery_portal")}</option>
        <option value="webhook">${t("delivery_webhook")}</option>
      </select>
    </label>
    ${delivery === "webhook" &&
    html`<label>${t("url")}<input name="url" type="url" required placeholder="https://" /></label>
      <label>${t("format")}<select name="format">${FORMATS.map((v) => html`<option value=${v}>${v.toUpperCase()}</option>`)}</select></label>`}
    <label>${t("contact")}<input name="contact" maxlength="200" /></label>
    <button type="submit" class="primary">${t("create")}</button>
    ${error && html`<p class="bad" role="alert">${error}</p>`}
  </form>`;
}
