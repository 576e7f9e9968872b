// Filters: sent with every question and timeline, summed up on one line, and kept in the
// page's address (`?date_from=…&date_to=…&source=…&as_of=…&mode=…`, the names GET /search
// uses) so a reload keeps them and a link shares them.
import { getJSON } from "./api.js";
import { $, dayLabel, el } from "./dom.js";

const FIELDS = { date_from: "filter-from", date_to: "filter-to", as_of: "filter-as-of", mode: "filter-mode" };
const PARAMS = ["date_from", "date_to", "source", "as_of", "mode"];  // in the address's order

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

// The filters on as query parameters, as GET /timeline and the page's address take them.
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

// After any change: the line that says which filters are on, and the page's address.
export function filtersChanged() {
  renderActiveFilters();
  const url = new URL(window.location.href);
  for (const name of PARAMS) url.searchParams.delete(name);
  for (const [name, value] of filterParams()) url.searchParams.append(name, value);
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
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

// The filters a link or a reload brings. What the bar cannot hold (a day that does not exist,
// an unknown mode) is left out, and the address is rewritten to what was kept.
export function restoreFilters(search = window.location.search) {
  const params = new URLSearchParams(search);
  for (const [name, id] of Object.entries(FIELDS)) {
    const value = params.get(name);
    if (value !== null) keep($(id), value.trim());
  }
  const sources = params.getAll("source").map((s) => s.trim()).filter(Boolean);
  if (sources.length) renderSourceOptions(sources);
  filtersChanged();
}

// A date input takes only a real day, a select only one of its options; else it stays empty.
function keep(field, value) {
  if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) return;
  field.value = value;
  if (field.value !== value) field.value = "";
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

// The checkboxes of the known sources; a ticked source stays even if it is gone from the index
// (or not known yet), and one ticked in another case is the known one, as the server matches.
function renderSourceOptions(ticked = currentFilters().sources) {
  const names = knownSources.map((s) => s.name);
  const byCase = new Map(names.map((name) => [name.toLowerCase(), name]));
  for (const name of ticked) {
    if (!byCase.has(name.toLowerCase())) { byCase.set(name.toLowerCase(), name); names.push(name); }
  }
  const on = new Set(ticked.map((name) => byCase.get(name.toLowerCase())));
  const counts = new Map(knownSources.map((s) => [s.name, s.documents]));
  if (!names.length) {
    $("source-options").replaceChildren(el("span", { class: "meta" }, "no sources known"));
    return;
  }
  $("source-options").replaceChildren(...names.map((name) => {
    const box = el("input", { type: "checkbox", value: name });
    box.checked = on.has(name);
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
  filtersChanged();  // a source ticked in another case now reads as the index spells it
}
