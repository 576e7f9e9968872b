// Filters: sent with every question and timeline, summed up on one line.
import { getJSON } from "./api.js";
import { $, dayLabel, el } from "./dom.js";

let knownSources = [];  // [{name, documents}] from GET /sources

function currentFilters() {
  const sources = [...document.querySelectorAll("#source-options input:checked")].map((i) => i.value);
  return {
    from: $("filter-from").value,
    to: $("filter-to").value,
    asOf: $("filter-as-of").value,
    mode: $("filter-mode").value,
    sources,
  };
}

// The filters on as query parameters, as GET /timeline takes them.
export function filterParams() {
  const { from, to, asOf, mode, sources } = currentFilters();
  const params = new URLSearchParams();
  if (from) params.set("date_from", from);
  if (to) params.set("date_to", to);
  for (const source of sources) params.append("source", source);
  if (asOf) params.set("as_of", asOf);
  if (mode) params.set("mode", mode);
  return params;
}

// The /chat fields for the filters on: `filters`, `as_of`, `mode`, each only when set.
export function requestFilters() {
  const { from, to, asOf, mode, sources } = currentFilters();
  const filters = {};
  if (from) filters.date_from = from;
  if (to) filters.date_to = to;
  if (sources.length) filters.source = sources;
  const body = {};
  if (Object.keys(filters).length) body.filters = filters;
  if (asOf) body.as_of = asOf;
  if (mode) body.mode = mode;
  return body;
}

export function filterSummary() {
  const { from, to, asOf, mode, sources } = currentFilters();
  const parts = [];
  if (from && to) parts.push(`${dayLabel(from)} – ${dayLabel(to)}`);
  else if (from) parts.push(`from ${dayLabel(from)}`);
  else if (to) parts.push(`until ${dayLabel(to)}`);
  if (sources.length) parts.push(sources.join(", "));
  if (asOf) parts.push(`as of ${dayLabel(asOf)}`);
  if (mode) parts.push(mode);
  return parts.join(" · ");
}

// After any change: the line that says which filters are on.
export function filtersChanged() {
  renderActiveFilters();
}

function renderActiveFilters() {
  const summary = filterSummary();
  const { from, to } = currentFilters();
  const inverted = from && to && from > to;
  $("active-filters").textContent = inverted ? "“From” is after “To”: no article can match"
                                             : summary || "All articles";
  $("active-filters").classList.toggle("warning", Boolean(inverted));
  $("reset-filters").hidden = !summary;
  $("toggle-filters").classList.toggle("on", Boolean(summary));
  $("filter-to").min = from;
  $("filter-from").max = to;
}

export function resetFilters() {
  $("filters").reset();
  filtersChanged();
  $("toggle-filters").focus();
}

export function setFiltersOpen(open) {
  $("filters").hidden = !open;
  $("toggle-filters").setAttribute("aria-expanded", String(open));
}

// The checkboxes of the known sources; a ticked source stays even if it is gone from the index.
function renderSourceOptions() {
  const ticked = new Set(currentFilters().sources);
  const names = [...new Set([...knownSources.map((s) => s.name), ...ticked])];
  const counts = new Map(knownSources.map((s) => [s.name, s.documents]));
  if (!names.length) {
    $("source-options").replaceChildren(el("span", { class: "meta" }, "no sources known"));
    return;
  }
  $("source-options").replaceChildren(...names.map((name) => {
    const box = el("input", { type: "checkbox", value: name });
    box.checked = ticked.has(name);
    const count = counts.has(name) ? el("span", { class: "meta" }, ` ${counts.get(name)}`) : "";
    return el("label", { class: "chip" }, box, ` ${name}`, count);
  }));
}

// The sources to offer, from GET /sources, else from the documents listed.
export async function loadSources(documents) {
  try {
    knownSources = (await getJSON("/sources")).sources;
  } catch {
    // An older server without GET /sources: the sources of the documents listed will do.
    const counts = new Map();
    for (const d of documents) if (d.source) counts.set(d.source, (counts.get(d.source) || 0) + 1);
    knownSources = [...counts].map(([name, documents]) => ({ name, documents }))
      .sort((a, b) => b.documents - a.documents);
  }
  renderSourceOptions();
}
