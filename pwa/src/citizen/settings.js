// Settings: language, covert mode (隐蔽模式), hiding history, notifications, and how to leave quickly.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { pushSupported, subscribePush } from "./push.js";
import { kvGet } from "./store.js";
import { t } from "./strings.js";

function Toggle({ id, label, hint, checked, onChange }) {
  return html`<div class="toggle">
    <input id=${id} type="checkbox" checked=${checked} onChange=${(e) => onChange(e.target.checked)} aria-describedby=${hint ? id + "-hint" : undefined} />
    <label for=${id}>${label}</label>
    ${hint && html`<p id=${id + "-hint"} class="muted">${hint}</p>`}
  </div>`;
}

export function Settings({ settings, setSettings }) {
  const [push, setPush] = useState(null);
  useEffect(() => {
    kvGet("push_state").then(setPush);
  }, []);
  return html`<section aria-labelledby="settings-h">
    <h2 id="settings-h">${t("nav_settings")}</h2>
    <div class="row">
      <button type="button" class=${"btn" + (settings.locale === "zh-CN" ? " primary" : "")} lang="zh-CN" aria-pressed=${settings.locale === "zh-CN"} onClick=${() => setSettings({ locale: "zh-CN" })}>中文</button>
      <button type="button" class=${"btn" + (settings.locale === "en" ? " primary" : "")} lang="en" aria-pressed=${settings.locale === "en"} onClick=${() => setSettings({ locale: "en" })}>English</button>
    </div>
    <${Toggle} id="covert" label=${t("covert")} hint=${t("covert_hint")} checked=${settings.covert} onChange=${(v) => setSettings({ covert: v })} />
    <${Toggle} id="hide-history" label=${t("hide_history")} checked=${settings.hideHistory} onChange=${(v) => setSettings({ hideHistory: v })} />
    ${pushSupported() &&
    (push === "subscribed"
      ? html`<p class="muted">${t("push_on")}</p>`
      : html`<div><p class="muted">${t("push_why")}</p><button type="button" class="btn" onClick=${async () => setPush((await subscribePush().catch(() => false)) ? "subscribed" : null)}>${t("push_yes")}</button></div>`)}
    <p class="muted">${t("quick_exit_hint")}</p>
  </section>`;
}
