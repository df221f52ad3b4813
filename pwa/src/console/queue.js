// The live case queue: open alarms first, then newest first; filters by status, kind, category, station.
import { html } from "../lib/html.js";
import { age, CODES, label, OPEN_STATUSES, t } from "./strings.js";

// Lower rank sorts first: new alarms, other open alarms, other open cases, then finished ones.
function rank(c) {
  const open = OPEN_STATUSES.includes(c.status);
  if (c.kind === "alarm" && c.status === "new") return 0;
  if (c.kind === "alarm" && open) return 1;
  return open ? 2 : 3;
}

export function sortCases(cases) {
  return [...cases].sort((a, b) => rank(a) - rank(b) || Date.parse(b.created_at) - Date.parse(a.created_at));
}

export function matchesFilters(c, filters) {
  return ["status", "kind", "category"].every((k) => !filters[k] || c[k] === filters[k]) && (!filters.station_id || String(c.station_id) === String(filters.station_id));
}

function Select({ name, value, options, onChange, text }) {
  return html`<label class="filter">
    <span>${t("filter_" + name)}</span>
    <select name=${name} value=${value || ""} onChange=${(e) => onChange(name, e.target.value)}>
      <option value="">${t("all")}</option>
      ${options.map((code) => html`<option value=${code}>${text(code)}</option>`)}
    </select>
  </label>`;
}

export function Filters({ filters, stations, showStations, onChange }) {
  return html`<div class="filters" role="search">
    <${Select} name="status" value=${filters.status} options=${CODES.status} text=${(c) => label("status", c)} onChange=${onChange} />
    <${Select} name="kind" value=${filters.kind} options=${CODES.kind} text=${(c) => label("kind", c)} onChange=${onChange} />
    <${Select} name="category" value=${filters.category} options=${CODES.category} text=${(c) => label("category", c)} onChange=${onChange} />
    ${showStations &&
    html`<${Select}
      name="station"
      value=${filters.station_id}
      options=${stations.map((s) => String(s.id))}
      text=${(id) => stations.find((s) => String(s.id) === id)?.name || id}
      onChange=${(_, v) => onChange("station_id", v)}
    />`}
  </div>`;
}

export function Queue({ cases, fresh, selected, onOpen, now }) {
  if (!cases.length) return html`<p class="empty">${t("no_cases")}</p>`;
  return html`<ul class="queue" aria-label=${t("queue")}>
    ${sortCases(cases).map(
      (c) => html`<li key=${c.report_id}>
        <button
          type="button"
          class=${["case", `st-${c.status}`, `kind-${c.kind}`, fresh.has(c.report_id) ? "fresh" : "", selected === c.report_id ? "selected" : ""].join(" ")}
          data-report-id=${c.report_id}
          onClick=${() => onOpen(c.report_id)}
        >
          <span class="line1">
            ${fresh.has(c.report_id) && html`<b class="badge-new">${t("new_case_badge")}</b>`}
            <b class="kind">${label("kind", c.kind)}</b>
            <span class="category">${label("category", c.category)}</span>
            <span class=${"status status-" + c.status}>${label("status", c.status)}</span>
          </span>
          <span class="line2">${c.description || "—"}</span>
          <span class="line3">${c.station_name || ""} · ${age(c.created_at, now)}${c.covert ? " · 🔇" : ""}</span>
        </button>
      </li>`,
    )}
  </ul>`;
}
