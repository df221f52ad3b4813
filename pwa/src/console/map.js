// The map of open cases with accuracy circles. With no tile server in reach (an office without internet)
// it falls back to a plain coordinate list, which is all a dispatcher needs to read a position out.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { age, label, OPEN_STATUSES, t } from "./strings.js";

const TILE_WAIT_MS = 5000;
const CENTER = [28.45, 119.92]; // 丽水 (Lishui)

function located(cases) {
  return cases.filter((c) => OPEN_STATUSES.includes(c.status) && c.location?.lat != null && c.location?.lon != null);
}

export function CoordinateList({ cases, onOpen, now }) {
  return html`<ul class="coords">
    ${located(cases).map(
      (c) => html`<li key=${c.report_id}>
        <button type="button" class="link" onClick=${() => onOpen(c.report_id)}>
          ${label("category", c.category)} · ${c.location.lat.toFixed(5)}, ${c.location.lon.toFixed(5)}
          ${c.location.accuracy_m != null ? " · " + t("accuracy", { m: Math.round(c.location.accuracy_m) }) : ""}
          ${c.location.landmark ? " · " + c.location.landmark : ""} · ${age(c.location.fixed_at || c.created_at, now)}
        </button>
      </li>`,
    )}
  </ul>`;
}

export function CaseMap({ cases, config, selected, trail, onOpen, now }) {
  const box = useRef(null);
  const state = useRef({});
  const [mode, setMode] = useState("loading"); // loading | tiles | fallback

  useEffect(() => {
    let cancelled = false;
    if (!config?.map_tile_url) {
      setMode("fallback");
      return undefined;
    }
    (async () => {
      const { default: L } = await import("leaflet");
      if (cancelled || !box.current) return;
      const map = L.map(box.current, { preferCanvas: false }).setView(CENTER, 10);
      const tiles = L.tileLayer(config.map_tile_url, { maxZoom: 18, attribution: config.map_attribution || "" });
      let loaded = false;
      tiles.on("tileload", () => {
        loaded = true;
        setMode("tiles");
      });
      const timer = setTimeout(() => !loaded && setMode("fallback"), TILE_WAIT_MS);
      tiles.addTo(map);
      state.current = { L, map, layer: L.layerGroup().addTo(map), timer };
      draw();
    })();
    return () => {
      cancelled = true;
      clearTimeout(state.current.timer);
      state.current.map?.remove();
      state.current = {};
    };
  }, [config?.map_tile_url]);

  function draw() {
    const { L, map, layer } = state.current;
    if (!L) return;
    layer.clearLayers();
    for (const c of located(cases)) {
      const color = c.kind === "alarm" ? "#c62828" : "#1565c0";
      const at = [c.location.lat, c.location.lon];
      if (c.location.accuracy_m) L.circle(at, { radius: c.location.accuracy_m, color, weight: 1, fillOpacity: 0.15 }).addTo(layer);
      L.circleMarker(at, { radius: c.report_id === selected ? 9 : 6, color, fillOpacity: 0.9 })
        .bindTooltip(`${label("category", c.category)} · ${label("status", c.status)}`)
        .on("click", () => onOpen(c.report_id))
        .addTo(layer);
    }
    if (trail?.length > 1) L.polyline(trail.map((f) => [f.lat, f.lon]), { color: "#6a1b9a", weight: 3 }).addTo(layer);
    const chosen = cases.find((c) => c.report_id === selected);
    if (chosen?.location?.lat != null) map.setView([chosen.location.lat, chosen.location.lon], Math.max(map.getZoom(), 14));
  }

  useEffect(draw, [cases, selected, trail]);
  useEffect(() => {
    // Leaflet measures its box once; tell it when the fallback hides or shows it.
    if (mode !== "fallback") state.current.map?.invalidateSize();
  }, [mode]);

  return html`<section class="map-panel" aria-label=${t("map")}>
    <div ref=${box} class=${"map" + (mode === "fallback" ? " hidden" : "")}></div>
    ${mode === "loading" && html`<p class="muted">${t("map_loading")}</p>`}
    ${mode === "fallback" && html`<p class="muted map-fallback">${t("map_fallback")}</p><${CoordinateList} cases=${cases} onOpen=${onOpen} now=${now} />`}
  </section>`;
}
