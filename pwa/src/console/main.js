// The command-centre console (staff only; the citizen bundle never loads this): login, live queue, map, case detail.
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { currentLocale } from "../lib/i18n.js";
import { LanguageButton, LoginForm } from "../lib/staff-login.js";
import { beep, enablePush, pushActive, pushSupported, setSoundEnabled, setTitleCount, soundEnabled, unlockAudio } from "./alerts.js";
import { CaseDetail } from "./detail.js";
import { html } from "../lib/html.js";
import { connectLive } from "./live.js";
import { CaseMap } from "./map.js";
import { Filters, matchesFilters, Queue } from "./queue.js";
import { apiFor, loadSession, login, logout } from "./session.js";
import { t } from "./strings.js";

const DELTA_MARGIN_MS = 5000; // a transaction that committed late may carry a slightly older updated_at

function Login({ onLogin }) {
  return html`<${LoginForm} t=${t} signIn=${login} onLogin=${onLogin} refusedKey="staff_only" />`;
}

function caseFromHash() {
  const match = /case=([0-9a-f-]{36})/i.exec(location.hash);
  return match ? match[1] : null;
}

// Fold a live event into the open case, so it reads as it happens without re-opening (each open is audited).
function applyEvent(detail, event) {
  if (detail.timeline.some((e) => e.seq === event.seq)) return detail;
  const d = event.data || {};
  const next = { ...detail, timeline: [...detail.timeline, { seq: event.seq, type: event.type, at: event.at, actor: d.actor || null, data: d }] };
  if (event.type === "message" && !detail.messages.some((m) => m.message_id === d.message_id)) {
    next.messages = [...detail.messages, { message_id: d.message_id, body: d.body, from_reporter: d.from_reporter, created_at: event.at }];
  }
  if (event.type === "location") next.trail = [...detail.trail, { lat: d.lat, lon: d.lon, accuracy_m: d.accuracy_m, fixed_at: d.fixed_at }];
  if (event.type === "status") next.status = d.to;
  if (event.type === "assigned") next.assigned_officer = d.officer_name;
  if (event.type.startsWith("relay.") && d.relay_id) {
    const state = { "relay.sent": "pending", "relay.delivered": "delivered", "relay.failed": "failed", "relay.accepted": "accepted", "relay.declined": "declined" }[event.type];
    const known = detail.relays.find((r) => r.relay_id === d.relay_id);
    const merged = { ...(known || { relay_id: d.relay_id, agency_id: d.agency_id, agency_name: d.agency_name, created_at: event.at }), ...(state ? { state } : {}) };
    if (state === "delivered") merged.delivered_at = event.at;
    if (state === "accepted" || state === "declined") merged.answered_at = event.at;
    if (d.error) merged.last_error = d.error;
    next.relays = known ? detail.relays.map((r) => (r.relay_id === d.relay_id ? merged : r)) : [...detail.relays, merged];
  }
  return next;
}

function Console({ session, onLogout }) {
  const api = useMemo(() => apiFor(session, onLogout), [session]);
  const [config, setConfig] = useState(null);
  const [stations, setStations] = useState([]);
  const [cases, setCases] = useState({});
  const [fresh, setFresh] = useState(new Set());
  const [filters, setFilters] = useState({});
  const [selected, setSelected] = useState(caseFromHash());
  const [detail, setDetail] = useState(null);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState(null);
  const [sound, setSound] = useState(soundEnabled());
  const [push, setPush] = useState(pushSupported() ? "off" : "unsupported");
  const [now, setNow] = useState(Date.now());
  const [, redraw] = useState(0);
  const live = useRef(null);
  const refs = useRef({});
  const deltaTimer = useRef(null);
  refs.current = { cases, filters, selected };
  const showStations = session.user.role !== "officer" || stations.length > 0;

  const onError = (err) => setError(t("error", { message: err.message }));

  async function loadQueue() {
    const query = new URLSearchParams({ limit: "300", ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) });
    const data = await api(`/cases?${query}`);
    setCases(Object.fromEntries(data.items.map((c) => [c.report_id, c])));
  }

  // What changed since the newest case we hold; the list endpoint is not audited, so every console may poll it.
  function scheduleDelta() {
    clearTimeout(deltaTimer.current);
    deltaTimer.current = setTimeout(fetchDelta, 50);
  }
  async function fetchDelta() {
    const held = Object.values(refs.current.cases);
    const newest = held.reduce((max, c) => Math.max(max, Date.parse(c.updated_at)), 0);
    const since = new Date((newest || Date.now()) - DELTA_MARGIN_MS).toISOString();
    const data = await api(`/cases?since=${encodeURIComponent(since)}&limit=500`).catch(() => null);
    if (!data) return;
    setCases((current) => {
      const next = { ...current };
      for (const c of data.items) {
        if (matchesFilters(c, refs.current.filters)) next[c.report_id] = c;
        else delete next[c.report_id];
      }
      return next;
    });
    const open = data.items.find((c) => c.report_id === refs.current.selected);
    if (open) setDetail((d) => (d && d.report_id === open.report_id ? { ...d, ...open } : d));
  }

  async function openCase(id) {
    setSelected(id);
    if (!id) {
      setDetail(null);
      live.current?.watch(null);
      history.replaceState(null, "", location.pathname);
      return;
    }
    if (location.hash !== `#case=${id}`) history.replaceState(null, "", `#case=${id}`);
    setFresh((f) => {
      const n = new Set(f);
      n.delete(id);
      return n;
    });
    live.current?.watch(id);
    try {
      setDetail(await api(`/cases/${id}`));
    } catch (err) {
      setDetail(null);
      onError(err);
    }
  }

  function onEvent(name, event) {
    if (name === "case.created") {
      setFresh((f) => new Set(f).add(event.report_id));
      beep(event.data?.kind === "alarm");
    }
    if (event.report_id === refs.current.selected) {
      setDetail((d) => (d && d.report_id === event.report_id ? applyEvent(d, event) : d));
      // Upload progress and verification live on the media rows: re-read the case for those.
      if (event.type.startsWith("media.")) api(`/cases/${event.report_id}`).then(setDetail, () => null);
    }
    scheduleDelta();
  }

  useEffect(() => {
    unlockAudio();
    api("/console/config").then(setConfig, () => setConfig({}));
    api("/stations?limit=1000").then((d) => setStations(d.items || []), () => setStations([]));
    pushActive().then((on) => on && setPush("on"), () => null);
    live.current = connectLive(session.token, {
      onEvent,
      onStatus: (up) => {
        setConnected(up);
        if (up) scheduleDelta(); // catch up on anything missed while disconnected
      },
    });
    const tick = setInterval(() => setNow(Date.now()), 30000);
    const onHash = () => caseFromHash() !== refs.current.selected && openCase(caseFromHash());
    const onLocale = () => redraw((n) => n + 1);
    window.addEventListener("hashchange", onHash);
    window.addEventListener("localechange", onLocale);
    if (selected) openCase(selected);
    return () => {
      live.current?.close();
      clearInterval(tick);
      window.removeEventListener("hashchange", onHash);
      window.removeEventListener("localechange", onLocale);
    };
  }, []);

  useEffect(() => {
    loadQueue().catch(onError);
  }, [filters]);

  const list = Object.values(cases);
  const unacknowledged = list.filter((c) => c.kind === "alarm" && c.status === "new").length;
  useEffect(() => setTitleCount(t("app_title"), unacknowledged), [unacknowledged, now]);

  async function turnOnPush() {
    try {
      await enablePush(api);
      setPush("on");
    } catch (err) {
      setPush(err.message === "denied" ? "denied" : err.message === "unsupported" ? "unsupported" : "off");
      if (!["denied", "unsupported"].includes(err.message)) onError(new Error(t("push_failed", { message: err.message })));
    }
  }

  return html`<div class=${"console" + (detail ? " has-detail" : "")}>
    <header class="topbar">
      <h1>${t("app_title")}</h1>
      <span class=${"live " + (connected ? "ok" : "bad")} role="status">${connected ? t("live_connected") : t("live_offline")}</span>
      <span class="who">${session.user.username}</span>
      <button type="button" class="sound" aria-pressed=${sound} onClick=${() => {
        setSoundEnabled(!sound);
        setSound(!sound);
      }}>${sound ? t("sound_on") : t("sound_off")}</button>
      <button type="button" class="push" disabled=${push !== "off"} onClick=${turnOnPush}>
        ${{ on: t("push_on"), off: t("push_enable"), denied: t("push_denied"), unsupported: t("push_unsupported") }[push]}
      </button>
      <${LanguageButton} t=${t} />
      <button type="button" onClick=${onLogout}>${t("logout")}</button>
    </header>
    ${error && html`<p class="error" role="alert" onClick=${() => setError(null)}>${error}</p>`}
    <section class="queue-panel">
      <h2>${t("queue")} (${list.length})</h2>
      <${Filters} filters=${filters} stations=${stations} showStations=${showStations} onChange=${(k, v) => setFilters({ ...filters, [k]: v })} />
      <${Queue} cases=${list} fresh=${fresh} selected=${selected} onOpen=${openCase} now=${now} />
    </section>
    <section class="detail-panel">
      ${detail
        ? html`<${CaseDetail} session=${session} api=${api} detail=${detail} now=${now} onError=${onError} onClose=${() => openCase(null)} onChanged=${(r) => {
            if (r?.report_id === detail.report_id) setDetail((d) => ({ ...d, ...r, media: d.media }));
          }} />`
        : html`<p class="empty">${t("select_case")}</p>`}
    </section>
    <${CaseMap} cases=${list} config=${config} selected=${selected} trail=${detail?.trail} onOpen=${openCase} now=${now} />
  </div>`;
}

function App() {
  const [session, setSession] = useState(loadSession());
  document.documentElement.lang = currentLocale();
  if (!session) return html`<${Login} onLogin=${setSession} />`;
  return html`<${Console} session=${session} onLogout=${() => {
    logout();
    setSession(null);
  }} />`;
}

const root = document.getElementById("console");
root.textContent = ""; // drop the static "loading" line before Preact takes over
render(html`<${App} />`, root);
