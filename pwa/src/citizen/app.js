// The citizen app's frame: header (language, quick exit), home (alarm, tip, silent SOS), navigation, banners.
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { setLocale } from "../lib/i18n.js";
import { currentFix, locationPayload, saveReport } from "./capture.js";
import { snapshot } from "./data.js";
import { flush, onFlushed, requestBackgroundSync } from "./flush.js";
import { ReportForm } from "./form.js";
import { connectLive } from "./live.js";
import { declinePush, shouldOfferPush, subscribePush } from "./push.js";
import { Outbox, ReportDetail } from "./reports.js";
import { Settings } from "./settings.js";
import { kvSet, onChange } from "./store.js";
import { t } from "./strings.js";

export const EXIT_URL = "/exit.html";
export const quickExit = () => location.replace(EXIT_URL);
const SOS_HOLD_MS = 2000;

function SosButton({ settings, onSent }) {
  const [holding, setHolding] = useState(false);
  const timer = useRef(null);
  const fire = async () => {
    setHolding(false);
    // Silent by design: no sound ever, a short buzz only outside covert mode so the user knows it took.
    if (!settings.covert) navigator.vibrate?.(80);
    const fix = await currentFix(3000);
    const report = await saveReport({ kind: "alarm", category: "violence", description: t("sos_text"), location: locationPayload(fix, fix ? "" : "SOS"), covert: true, anonymous: false, media: [] });
    requestBackgroundSync();
    flush("sos");
    onSent(report);
  };
  const start = (e) => {
    if (e.type === "keydown" && (e.repeat || (e.key !== " " && e.key !== "Enter"))) return;
    e.preventDefault();
    setHolding(true);
    clearTimeout(timer.current);
    timer.current = setTimeout(fire, SOS_HOLD_MS);
  };
  const cancel = () => {
    clearTimeout(timer.current);
    setHolding(false);
  };
  return html`<button type="button" class=${"sos" + (holding ? " holding" : "")} aria-describedby="sos-hint"
    onPointerDown=${start} onPointerUp=${cancel} onPointerLeave=${cancel} onPointerCancel=${cancel}
    onKeyDown=${start} onKeyUp=${cancel} onContextMenu=${(e) => e.preventDefault()}>
    <span class="sos-ring" aria-hidden="true"></span>SOS · ${t("sos_hold")}</button>
    <p id="sos-hint" class="muted">${t("sos_hint")}</p>`;
}

function Home({ settings, pending, onReport, onSos }) {
  return html`<section class="home" aria-labelledby="home-h">
    <h2 id="home-h" class="sr-only">${t("nav_report")}</h2>
    <p class="tagline">${t("tagline")}</p>
    <button type="button" class="big alarm" onClick=${() => onReport("alarm")}><span class="icon" aria-hidden="true">🚨</span><span><strong>${t("alarm")}</strong><small>${t("alarm_hint")}</small></span></button>
    <button type="button" class="big tip" onClick=${() => onReport("tip")}><span class="icon" aria-hidden="true">📝</span><span><strong>${t("tip")}</strong><small>${t("tip_hint")}</small></span></button>
    <${SosButton} settings=${settings} onSent=${onSos} />
    ${pending > 0 && html`<p class="muted">${t("st_saved")}: ${pending}</p>`}
  </section>`;
}

export function App({ initialSettings, update }) {
  const [screen, setScreen] = useState({ name: "home" });
  const [data, setData] = useState(null);
  const [settings, setSettingsState] = useState(initialSettings);
  const [online, setOnline] = useState(navigator.onLine);
  const [toast, setToast] = useState(null);
  const [offerPush, setOfferPush] = useState(false);
  const [, setTick] = useState(0);
  const settingsRef = useRef(settings);
  settingsRef.current = settings;

  const setSettings = async (patch) => {
    const next = { ...settingsRef.current, ...patch };
    setSettingsState(next);
    if ("locale" in patch) setLocale(patch.locale);
    for (const [key, value] of Object.entries(patch)) await kvSet(key === "hideHistory" ? "hide_history" : key, value);
  };

  useEffect(() => {
    let queued = false;
    const reload = () => {
      if (queued) return;
      queued = true;
      setTimeout(async () => {
        queued = false;
        setData(await snapshot());
      }, 50);
    };
    reload();
    const off = onChange(reload);
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    // Live updates once the ops have gone (never competing with the alarm for a thin uplink).
    onFlushed(() => connectLive(alertUser));
    const clock = setInterval(() => setTick((n) => n + 1), 30000); // keeps "n seconds ago" honest
    return () => {
      off();
      clearInterval(clock);
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);

  useEffect(() => {
    document.body.classList.toggle("covert", !!settings.covert);
    document.documentElement.lang = settings.locale;
  }, [settings.covert, settings.locale]);

  // Triple Escape within 1.5 s leaves at once.
  useEffect(() => {
    let presses = [];
    const onKey = (e) => {
      if (e.key !== "Escape") return;
      const now = Date.now();
      presses = [...presses.filter((p) => now - p < 1500), now];
      if (presses.length >= 3) quickExit();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  function alertUser(event) {
    const fromPolice = event.type === "status" || (event.type === "message" && !event.data?.from_reporter) || event.type?.startsWith("relay.");
    if (!fromPolice || settingsRef.current.covert) return; // covert: the page updates silently, nothing else
    navigator.vibrate?.([150, 80, 150]);
    setToast(t("police_update"));
    setTimeout(() => setToast(null), 6000);
  }

  const afterReport = async (report) => {
    setToast(t(report.description === t("sos_text") ? "sos_sent" : "saved"));
    setTimeout(() => setToast(null), 6000);
    setScreen({ name: "outbox" });
    if (!settingsRef.current.covert && (await shouldOfferPush())) setOfferPush(true);
  };

  const pending = data ? data.reports.filter((r) => r.sync !== "sent").length : 0;
  const nav = [
    ["home", t("nav_report")],
    ["outbox", t("nav_mine")],
    ["settings", t("nav_settings")],
  ];
  return html`<div class="shell">
    <header>
      <h1>${t("app_name")}</h1>
      <button type="button" class="btn small" lang=${settings.locale === "en" ? "zh-CN" : "en"} title=${t("language_label")}
        onClick=${() => setSettings({ locale: settings.locale === "en" ? "zh-CN" : "en" })}>${t("language")}</button>
      <button type="button" class="btn small exit" onClick=${quickExit} title=${t("quick_exit_hint")}>${t("quick_exit")}</button>
    </header>
    ${update.ready && html`<div class="banner" role="status"><button type="button" class="btn" onClick=${update.apply}>${t("update_ready")}</button></div>`}
    ${!online && html`<p class="banner offline" role="status">${t("offline")}</p>`}
    ${toast && !settings.covert && html`<p class="toast" role="status">${toast}</p>`}
    ${offerPush && html`<section class="card push" aria-labelledby="push-h"><h2 id="push-h">${t("push_title")}</h2><p>${t("push_why")}</p>
      <button type="button" class="btn primary" onClick=${async () => { setOfferPush(false); await subscribePush().catch(() => null); }}>${t("push_yes")}</button>
      <button type="button" class="btn" onClick=${() => { setOfferPush(false); declinePush(); }}>${t("push_no")}</button></section>`}
    <main id="main">
      ${screen.name === "home" && html`<${Home} settings=${settings} pending=${pending} onReport=${(kind) => setScreen({ name: "form", kind })} onSos=${afterReport} />`}
      ${screen.name === "form" && html`<${ReportForm} kind=${screen.kind} settings=${settings} onDone=${afterReport} onCancel=${() => setScreen({ name: "home" })} />`}
      ${screen.name === "outbox" && html`<${Outbox} data=${data} settings=${settings} onOpen=${(id) => setScreen({ name: "detail", id })} />`}
      ${screen.name === "detail" && html`<${ReportDetail} reportId=${screen.id} data=${data} onBack=${() => setScreen({ name: "outbox" })} />`}
      ${screen.name === "settings" && html`<${Settings} settings=${settings} setSettings=${setSettings} />`}
    </main>
    <nav aria-label=${t("app_name")}>
      ${nav.map(([name, label]) => html`<button type="button" aria-current=${screen.name === name || (name === "outbox" && screen.name === "detail") ? "page" : undefined}
        onClick=${() => setScreen({ name })}>${label}</button>`)}
    </nav>
  </div>`;
}
