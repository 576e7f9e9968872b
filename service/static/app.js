// The chat page: cited answers streamed from POST /chat, the indexed documents beside them,
// filters sent with every question. Plain DOM code: no framework, no build step, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const NARROW = window.matchMedia("(max-width: 760px)");   // one column, panels stacked
const WIDE = window.matchMedia("(min-width: 1101px)");     // room for three panes side by side
const DOCUMENTS_PAGE = 50;

const state = {
  history: [],            // answered turns only: a failed question is never sent again as history
  conversationId: null,
  asking: null,           // the AbortController of the answer being read, for New chat
  busy: false,
  canWrite: true,         // until GET /access says otherwise the server is the judge
  documents: [],          // the summaries listed so far
  openings: new Map(),    // document id → its first words (from a listing's excerpt)
  knownSources: [],
  sourceOpener: null,     // what opened the source pane, to give focus back on close
};

// ---------------------------------------------------------------------------------------------
// HTTP

// With NEWSRAG_API_KEYS set the API answers 401: ask for a key, keep it in localStorage, retry.
const KEY = "newsrag-api-key";
async function api(url, options = {}) {
  let changed = false;
  for (let asked = 0; ; asked++) {
    const key = localStorage.getItem(KEY);
    const auth = key ? { Authorization: `Bearer ${key}` } : {};
    const response = await fetch(url, { ...options, headers: { ...options.headers, ...auth } });
    if (response.status !== 401 || asked === 3) {
      if (changed && response.ok) setTimeout(keyChanged);
      return response;
    }
    // Requests refused together must not each prompt: one typed key serves them all.
    if (localStorage.getItem(KEY) !== key) continue;
    const typed = window.prompt(key ? "That API key was refused. API key:" : "API key:");
    if (!typed) { localStorage.removeItem(KEY); return response; }
    localStorage.setItem(KEY, typed.trim());
    changed = true;
  }
}

// A request that did not give what was asked: what to tell the reader, and whether the server
// is away (so the page watches for its return).
class Failure extends Error {
  constructor(message, { away = false } = {}) {
    super(message);
    this.away = away;
  }
}

async function failureOf(response) {
  const body = await response.json().catch(() => null);
  const message = body && body.message ? body.message : `${response.status} ${response.statusText}`;
  if (response.status === 503) return new Failure(`The server is not ready: ${message}`, { away: true });
  if (response.status >= 500) return new Failure(`The server failed: ${message}`);
  return new Failure(message);
}

const UNREACHABLE = "Can't reach the server: it may be stopped or restarting.";

// fetch() rejects only when no response came at all: the server is down or unreachable.
async function request(url, options) {
  let response;
  try {
    response = await api(url, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;  // the page let go of it: nothing to tell
    throw new Failure(UNREACHABLE, { away: true });
  }
  if (!response.ok) throw await failureOf(response);
  return response;
}

async function getJSON(url, options) {
  return (await request(url, options)).json();
}

// ---------------------------------------------------------------------------------------------
// Readiness: while the server starts (503 `starting`) or is away, say so and poll /readyz.

let readiness = null;
function whenReady() {
  readiness ||= pollReady().finally(() => { readiness = null; });
  return readiness;
}

async function pollReady() {
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
    try {
      const response = await fetch("/readyz", { cache: "no-store" });
      if (response.ok) { setStatus(""); return; }
      const body = await response.json().catch(() => ({}));
      if (body.status === "failed") setStatus(body.message || "The server could not start.", "down");
      else setStatus(`Starting: waiting for ${body.waiting_for || body.message || "the index"}…`, "busy");
    } catch {
      setStatus("Server unreachable; retrying…", "down");
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function setStatus(text, kind = "") {
  $("status").textContent = text;
  $("status").className = kind;
}

// A failure because the server is away: watch for it, then refresh what may be stale.
function serverAway() {
  whenReady().then(refreshLibrary);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// "6 May 2025" for "2025-05-06", as the server labels days.
function dayLabel(iso) {
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso || "")) return iso;
  return new Date(`${iso.slice(0, 10)}T00:00:00Z`).toLocaleDateString("en-GB",
    { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

// The first words of a text's first line that has some, quoted: a readable name for an
// article that has no title.
function opening(text, most = 70) {
  const line = (text || "").split("\n").map((s) => s.trim())
    .find((s) => (s.match(/\p{L}/gu) || []).length >= 12) || "";
  if (!line) return "";
  if (line.length <= most) return `“${line}”`;
  const space = line.lastIndexOf(" ", most);
  return `“${line.slice(0, space > most / 2 ? space : most)}…”`;
}

// A document (or a passage of one) by name, never by its raw id alone.
function docLabel(doc) {
  const id = doc.id || doc.doc_id;
  if (doc.title) return doc.title;
  const first = opening(doc.excerpt) || state.openings.get(id);  // the article's first words
  if (first) return first;
  const origin = [doc.source, doc.date && dayLabel(doc.date)].filter(Boolean).join(", ");
  if (origin) return `Untitled (${origin})`;
  return opening(doc.text) || "Untitled article";
}

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "").slice(0, 48).replace(/-+$/, "");
}

// ---------------------------------------------------------------------------------------------
// Answers

function addMessage(role, text) {
  const item = el("li", { class: role });
  if (text) item.append(el("div", { class: "text" }, text));
  $("messages").append(item);
  return item;
}

// Keeps the newest turn in view while it grows: all of it when it fits, else its top. Stops
// for this answer once the reader scrolls elsewhere.
const follow = { last: null, on: true };
function reveal(first, last) {
  const box = $("messages");
  if (!follow.on || (follow.last !== null && Math.abs(box.scrollTop - follow.last) > 2)) {
    follow.on = false;
    return;
  }
  const pad = 8;
  let top = first.offsetTop - pad;
  const bottom = last.offsetTop + last.offsetHeight + pad;
  if (bottom - top > box.clientHeight) top = last.offsetTop - pad;
  const shown = box.scrollTop;
  if (top < shown || bottom > shown + box.clientHeight) {
    box.scrollTop = Math.max(0, Math.min(top, bottom - box.clientHeight));
  }
  follow.last = box.scrollTop;
}

function followNewTurn() {
  follow.on = true;
  follow.last = null;
}

// Answer text with each [n] (or [n, m]) turned into links to passage n.
function renderCited(container, text, passages) {
  container.replaceChildren();
  const marker = /\[(\d+(?:\s*[,;]\s*\d+)*)\]/g;
  let last = 0;
  for (const match of text.matchAll(marker)) {
    container.append(text.slice(last, match.index));
    for (const n of match[1].split(/[,;]/).map((s) => parseInt(s, 10))) {
      container.append(citeLink(n, passages));
    }
    last = match.index + match[0].length;
  }
  container.append(text.slice(last));
}

function citeLink(n, passages) {
  const passage = passages[n - 1];
  const link = el("a", { class: passage ? "cite" : "cite invalid", href: "#", "data-n": String(n) },
                  String(n));
  link.title = passage ? `${docLabel(passage)} — ${passage.source || "unknown source"}`
                       : `no passage ${n}`;
  link.setAttribute("aria-label", passage ? `Source ${n}: ${docLabel(passage)}` : `No source ${n}`);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    if (passage) showSource(passage, link);
  });
  return link;
}

function renderSentences(container, sentences, passages) {
  container.replaceChildren();
  for (const sentence of sentences) {
    const classes = ["sentence"];
    if (!sentence.supported) classes.push("unsupported");
    if (sentence.answers_question === false) classes.push("off-question");
    const span = el("span", { class: classes.join(" ") });
    if (!sentence.supported) span.title = "Unsupported: " + sentence.problems.join("; ");
    else if (sentence.answers_question === false) span.title = "Quoted correctly, but does not answer the question";
    renderCited(span, sentence.text, passages);
    container.append(span, " ");
    // Relative times in the quote ("on Thursday") read against its article's date; the quote
    // itself stays as written.
    for (const t of sentence.times || []) {
      container.append(el("span", { class: "when" }, `(${t.text} = ${t.label})`), " ");
    }
  }
}

// What the search read about time, and as of when the answer holds: why these passages.
function renderTime(item, data) {
  const parts = [];
  if (data.holds_as_of) parts.push(`As of ${dayLabel(data.holds_as_of)}`);
  if (data.time && data.time.window) parts.push(`about ${data.time.window.label}`);
  if (data.time && data.time.prior) parts.push("newer articles first");
  if (data.time) parts.push(`asked as of ${dayLabel(data.time.as_of)}`);
  item.prepend(el("div", { class: "time meta" }, parts.join(" · ")));
}

function renderPassages(item, passages) {
  if (passages.length && item.dataset.answered === "false") {
    item.append(el("div", { class: "meta related" }, "Related passages"));
  }
  const list = el("ol", { class: "passages" });
  passages.forEach((p) => {
    const link = el("a", { href: "#" }, docLabel(p));
    link.addEventListener("click", (event) => { event.preventDefault(); showSource(p, link); });
    list.append(el("li", {}, link, el("span", { class: "meta" },
      ` · ${p.date ? dayLabel(p.date) : "no date"} · ${p.source || "no source"}`)));
  });
  item.append(list);
}

// Minimal SSE parser over a fetch body (EventSource cannot POST).
async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

// One question and its answer bubble; Retry replaces both with a fresh attempt.
async function ask(question) {
  followNewTurn();
  const mine = addMessage("user", question);
  const item = addMessage("assistant", "");
  item.setAttribute("aria-busy", "true");
  const answer = el("div", { class: "answer" }, el("span", { class: "pending" }, "Searching the articles…"));
  item.append(answer);
  const used = filterSummary();
  if (used) item.append(el("div", { class: "meta filters-used" }, `Filters: ${used}`));
  reveal(mine, item);
  const body = {
    messages: [...state.history, { role: "user", content: question }],
    stream: true,
    ...requestFilters(),
  };
  if (state.conversationId) body.conversation_id = state.conversationId;
  const asking = new AbortController();
  state.asking = asking;
  try {
    const done = await streamAnswer(item, answer, body, () => reveal(mine, item), asking.signal);
    state.history.push({ role: "user", content: question },
                       { role: "assistant", content: done.answer });
    state.conversationId = done.conversation_id;
  } catch (failure) {
    if (asking.signal.aborted) return;  // New chat: this turn is gone
    showFailure(item, failure, () => { mine.remove(); item.remove(); return ask(question); });
  } finally {
    state.asking = null;
    item.removeAttribute("aria-busy");
    if (!asking.signal.aborted) reveal(mine, item);
  }
}

// Renders the events into `item`; resolves with the `done` event's data, throws a Failure when
// the request fails or the stream ends before `done`.
async function streamAnswer(item, answer, body, grew, signal) {
  const response = await request("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  let passages = [];
  let text = "";
  let lastError = null;
  try {
    for await (const event of readEvents(response)) {
      if (event.name === "passages") {
        passages = event.data.passages;
        answer.replaceChildren(el("span", { class: "pending" }, "Writing the answer…"));
      } else if (event.name === "delta") {
        text += event.data.text;
        renderCited(answer, text, passages);
      } else if (event.name === "error") {
        text = "";  // the deltas that follow start the answer over
        lastError = event.data.message;
        item.append(el("div", { class: "notice" }, event.data.message));
      } else if (event.name === "done") {
        renderDone(item, answer, event.data);
        item.dataset.done = "true";
        return event.data;
      }
      grew();
    }
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Failure("The connection broke off before the answer was complete.", { away: true });
  }
  throw new Failure(lastError ? `The answer failed: ${lastError}`
                              : "The answer stopped before it was finished.");
}

function renderDone(item, answer, data) {
  if (data.answered) {
    renderSentences(answer, data.sentences, data.passages);
  } else {  // "The indexed articles don't say …": the passages are only related
    answer.replaceChildren(el("span", { class: "abstained" }, data.answer));
    item.dataset.answered = "false";
  }
  renderTime(item, data);
  if (data.notice && !item.querySelector(".notice")) {
    item.append(el("div", { class: "notice" }, data.notice));
  }
  renderFigures(item, data.figures || [], data.passages);
  renderPassages(item, data.passages);
}

// The figures the answer states beside the other passages' figures for the same quantity: one
// table, a heading row per quantity and period with its verdict, then each figure cited.
const VERDICTS = { agree: "agree", update: "updated", conflict: "conflict", single: "only one" };
function renderFigures(item, groups, passages) {
  if (!groups.length) return;
  const body = el("tbody");
  for (const group of groups) {
    const when = group.period ? group.period.label : "as reported";
    const verdict = el("span", { class: `verdict ${group.verdict}` }, VERDICTS[group.verdict] || group.verdict);
    const head = el("th", { scope: "rowgroup", colspan: "2" }, `${group.measure} · ${when} `, verdict);
    head.title = group.note;
    body.append(el("tr", { class: "group" }, head));
    for (const figure of group.figures) {
      const cited = el("td", {}, figure.text, " ", citeLink(figure.citation, passages));
      const origin = [figure.source, figure.date && dayLabel(figure.date)].filter(Boolean).join(", ");
      body.append(el("tr", {}, cited, el("td", {}, origin || "no source or date")));
    }
    if (group.verdict === "update" || group.verdict === "conflict") {  // which stands, or who differs
      body.append(el("tr", { class: "note" }, el("td", { colspan: "2", class: "meta" }, group.note)));
    }
  }
  const head = el("thead", {}, el("tr", {}, ...["Figure", "Source"].map(
    (name) => el("th", { scope: "col" }, name))));
  item.append(el("table", { class: "figures" }, el("caption", {}, "Figures across sources"), head, body));
}

// The error in the bubble, with a Retry that asks again (once the server is back, it works).
function showFailure(item, failure, retry) {
  const message = failure instanceof Failure ? failure.message : `Something went wrong: ${failure}`;
  item.classList.add("failed");
  item.querySelectorAll(".pending").forEach((node) => node.remove());
  const button = el("button", { type: "button", class: "retry" }, "Retry");
  button.addEventListener("click", () => run(retry));
  item.append(el("div", { class: "failure", role: "alert" }, el("p", {}, message), button));
  if (failure.away) serverAway();
}

// One request at a time from the ask box: Ask, Timeline and Retry wait for it.
async function run(task) {
  if (state.busy) return;
  state.busy = true;
  document.body.classList.add("busy");
  for (const id of ["send", "timeline"]) $(id).disabled = true;
  try {
    await task();
  } finally {
    state.busy = false;
    document.body.classList.remove("busy");
    for (const id of ["send", "timeline"]) $(id).disabled = false;
    // Back to the question box unless the reader has moved on (say, into a citation).
    const at = document.activeElement;
    if (!at || at === document.body || at.id === "send" || at.id === "timeline") $("question").focus();
  }
}

// The timeline of the topic typed in the box: dated events, oldest first, each cited.
async function showTimeline(topic) {
  followNewTurn();
  const mine = addMessage("user", `Timeline: ${topic}`);
  const item = addMessage("assistant timeline", "");
  reveal(mine, item);
  const params = new URLSearchParams({ q: topic });
  const { asOf, mode, from, to, sources } = currentFilters();
  if (asOf) params.set("as_of", asOf);
  if (mode) params.set("mode", mode);
  if (from) params.set("date_from", from);
  if (to) params.set("date_to", to);
  for (const source of sources) params.append("source", source);
  let body;
  try {
    body = await getJSON(`/timeline?${params}`);
  } catch (failure) {
    showFailure(item, failure, () => { mine.remove(); item.remove(); return showTimeline(topic); });
    return;
  }
  if (!body.events.length) item.append(el("div", { class: "text" }, "No dated events found."));
  const list = el("ol", { class: "events" });
  for (const event of body.events) {
    const cited = { ...event.cited };
    const link = el("a", { href: "#" }, docLabel(cited));
    link.addEventListener("click", (e) => { e.preventDefault(); showSource(cited, link); });
    const also = event.also_in.length ? ` · also in ${event.also_in.length} more` : "";
    list.append(el("li", {},
      el("strong", {}, event.label), event.dated_by === "article" ? " (published) " : " ",
      event.text, el("span", { class: "meta" }, " · ", link, ` · ${cited.source || "no source"}${also}`)));
  }
  item.append(list);
  item.dataset.done = "true";
  reveal(mine, item);
}

// ---------------------------------------------------------------------------------------------
// The source pane: a cited passage highlighted in its article, or a whole document.

async function openDocument(id) {
  let doc;
  try {
    doc = await getJSON(`/documents/${encodeURIComponent(id)}`);
  } catch (failure) {
    if (failure.away) serverAway();
    setStatus(failure.message, "down");
    return null;
  }
  $("source-title").textContent = docLabel(doc);
  $("source-meta").replaceChildren(
    [doc.date ? dayLabel(doc.date) : "no date", doc.source || "no source"].join(" · "), " · ",
    el("span", { class: "doc-id" }, doc.id));
  if (doc.url) {
    $("source-meta").append(" · ", el("a", { href: doc.url, rel: "noopener noreferrer", target: "_blank" }, "original"));
  }
  return doc;
}

async function showSource(passage, opener) {
  const doc = await openDocument(passage.doc_id);
  if (!doc) return;
  const mark = el("mark", { id: "cited-span" }, doc.text.slice(passage.start, passage.end));
  $("source-text").replaceChildren(doc.text.slice(0, passage.start), mark,
                                   doc.text.slice(passage.end));
  openSourcePane(opener);
  // Only the article scrolls (scrollIntoView would also move the page's hidden overflow).
  const box = $("source-text");
  box.scrollTop = Math.max(0, mark.offsetTop - (box.clientHeight - mark.offsetHeight) / 2);
}

async function showDocument(id, opener) {
  const doc = await openDocument(id);
  if (!doc) return;
  $("source-text").replaceChildren(doc.text);
  if (NARROW.matches) setDocumentsOpen(false);  // one panel at a time on a phone
  openSourcePane(opener);
  $("source-text").scrollTop = 0;
}

function openSourcePane(opener) {
  state.sourceOpener = opener || document.activeElement;
  // Between phone and wide screens three panes would squeeze the answers: the article wins.
  if (!WIDE.matches && !NARROW.matches) setDocumentsOpen(false);
  $("source").hidden = false;
  $("conversation").classList.add("with-source");
  $("source-title").focus({ preventScroll: true });
}

function closeSource() {
  if ($("source").hidden) return;
  $("source").hidden = true;
  $("conversation").classList.remove("with-source");
  const back = state.sourceOpener;
  state.sourceOpener = null;
  (back && back.isConnected ? back : $("question")).focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------------
// Filters: sent with every question; the compact line says which are on.

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

// The /chat fields for the filters on: `filters`, `as_of`, `mode`, each only when set.
function requestFilters() {
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

function filterSummary() {
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

function resetFilters() {
  $("filters").reset();
  renderActiveFilters();
  $("toggle-filters").focus();
}

function setFiltersOpen(open) {
  $("filters").hidden = !open;
  $("toggle-filters").setAttribute("aria-expanded", String(open));
}

// The checkboxes of the known sources; a ticked source stays even if it is gone from the index.
function renderSourceOptions() {
  const ticked = new Set(currentFilters().sources);
  const names = [...new Set([...state.knownSources.map((s) => s.name), ...ticked])];
  const counts = new Map(state.knownSources.map((s) => [s.name, s.documents]));
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

async function loadSources() {
  try {
    state.knownSources = (await getJSON("/sources")).sources;
  } catch {
    // An older server without GET /sources: the sources of the documents listed will do.
    const counts = new Map();
    for (const d of state.documents) if (d.source) counts.set(d.source, (counts.get(d.source) || 0) + 1);
    state.knownSources = [...counts].map(([name, documents]) => ({ name, documents }))
      .sort((a, b) => b.documents - a.documents);
  }
  renderSourceOptions();
}

// ---------------------------------------------------------------------------------------------
// The documents panel

let documentsAsked = 0;  // only the newest listing is shown when searches overlap

async function loadDocuments({ more = false } = {}) {
  const query = $("documents-search").value.trim();
  const params = new URLSearchParams({ limit: DOCUMENTS_PAGE, offset: more ? state.documents.length : 0 });
  if (query) params.set("q", query);
  const asked = ++documentsAsked;
  let body;
  try {
    body = await getJSON(`/documents?${params}`);
  } catch (failure) {
    if (asked === documentsAsked) $("documents-note").textContent = failure.message;
    return;
  }
  if (asked !== documentsAsked) return;
  const found = body.documents;
  for (const doc of found) state.openings.set(doc.id, opening(doc.excerpt));
  state.documents = more ? [...state.documents, ...found] : found;
  renderDocuments(body.total, body.matching, query, found.length === DOCUMENTS_PAGE);
}

function renderDocuments(total, matching, query, mayHaveMore) {
  $("documents-count").textContent = `(${total})`;
  $("documents-badge").textContent = String(total);
  $("documents-note").textContent = query ? `${matching} of ${total} match “${query}”`
    : total ? "" : "No documents yet.";
  $("documents-list").replaceChildren(...state.documents.map(documentRow));
  $("documents-more").hidden = !(mayHaveMore && state.documents.length < matching);
}

function documentRow(doc) {
  const open = el("button", { type: "button", class: "doc-open" },
    el("span", { class: "doc-title" }),
    el("span", { class: "meta" }, `${doc.date ? dayLabel(doc.date) : "no date"} · ${doc.source || "no source"}`),
    el("span", { class: "doc-id" }, doc.id));
  open.addEventListener("click", () => showDocument(doc.id, open));
  const row = el("li", { "data-id": doc.id }, open);
  if (state.canWrite) {
    const remove = el("button", { type: "button", class: "doc-delete" }, "Delete");
    remove.addEventListener("click", () => askToDelete(row, doc));
    row.append(remove);
  }
  nameRow(row, doc);
  return row;
}

// The row's label, its tooltip (titles are cut to three lines) and the Delete button's name.
function nameRow(row, doc) {
  const label = docLabel(doc);
  row.querySelector(".doc-title").textContent = label;
  row.querySelector(".doc-open").title = label;
  row.querySelector(".doc-delete")?.setAttribute("aria-label", `Delete ${label}`);
}

// Deleting asks first, in the row itself: Cancel has the focus, Esc cancels.
function askToDelete(row, doc) {
  document.querySelectorAll("#documents-list .confirm").forEach((c) => c.cancel());
  const yes = el("button", { type: "button", class: "danger" }, "Delete");
  const no = el("button", { type: "button" }, "Cancel");
  const confirm = el("div", { class: "confirm", role: "group", "aria-label": "Confirm deletion" },
    el("span", {}, "Delete this document and its passages?"), yes, no);
  confirm.cancel = () => { confirm.remove(); row.querySelector(".doc-delete")?.focus(); };
  no.addEventListener("click", confirm.cancel);
  yes.addEventListener("click", () => deleteDocument(row, doc, confirm));
  row.append(confirm);
  no.focus();
}

async function deleteDocument(row, doc, confirm) {
  try {
    await request(`/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
  } catch (failure) {
    const close = el("button", { type: "button" }, "Close");
    close.addEventListener("click", confirm.cancel);
    confirm.replaceChildren(el("span", { class: "warning" }, failure.message), close);
    close.focus();
    return;
  }
  if ($("source-meta").querySelector(".doc-id")?.textContent === doc.id) closeSource();
  $("documents-search").focus();
  await refreshLibrary();
}

async function refreshLibrary() {
  await loadDocuments();
  await loadSources();
}

function setDocumentsOpen(open) {
  $("documents").hidden = !open;
  $("layout").classList.toggle("with-documents", open);
  $("toggle-documents").setAttribute("aria-expanded", String(open));
}

// ---------------------------------------------------------------------------------------------
// Adding documents (admin keys, or no keys configured)

async function loadAccess() {
  try {
    const access = await getJSON("/access");
    state.canWrite = access.role === "admin";
  } catch {
    state.canWrite = true;  // an older server without GET /access refuses writes itself
  }
  $("add-documents").hidden = !state.canWrite;
  $("documents-list").replaceChildren(...state.documents.map(documentRow));
}

async function keyChanged() {
  await loadAccess();
  await refreshLibrary();
}

function report(...lines) {
  $("add-result").replaceChildren(...lines.map((line) => el("p", {}, line)));
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function changeSummary(body) {
  const parts = [];
  if (body.added.length) parts.push(`added ${plural(body.added.length, "document")}`);
  if (body.replaced.length) parts.push(`replaced ${body.replaced.length}`);
  if (body.unchanged.length) parts.push(`${body.unchanged.length} unchanged`);
  const done = parts.join(", ") || "nothing new";
  return `${done[0].toUpperCase()}${done.slice(1)} (${plural(body.chunks, "passage")}).`;
}

async function uploadFiles(event) {
  event.preventDefault();
  const files = $("upload-files").files;
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  report(`Uploading ${plural(files.length, "file")}…`);
  let body;
  try {
    body = await getJSON("/documents/upload", { method: "POST", body: form });
  } catch (failure) {
    report(`Upload failed: ${failure.message}`);
    return;
  }
  const lines = [changeSummary(body)];
  for (const file of body.files || []) {
    if (file.error) lines.push(`${file.name}: ${file.error}`);
    else lines.push(`${file.name}: ${plural(file.documents.length, "document")}`);
    for (const problem of file.problems || []) lines.push(`${file.name}: ${problem}`);
  }
  report(...lines);
  $("upload-form").reset();
  await refreshLibrary();
}

async function addPasted(event) {
  event.preventDefault();
  const text = $("paste-text").value;
  if (!text.trim()) return;
  const title = $("paste-title").value.trim();
  // Ids are path segments: a slug of the title (or first words) and the time, so two pastes
  // of one title do not replace each other.
  const stem = slug(title || text.trim().split(/\s+/).slice(0, 8).join(" ")) || "pasted";
  const doc = { id: `${stem}-${Date.now().toString(36)}`, text };
  if (title) doc.title = title;
  if ($("paste-date").value) doc.date = $("paste-date").value;
  if ($("paste-source").value.trim()) doc.source = $("paste-source").value.trim();
  report("Adding…");
  try {
    report(changeSummary(await getJSON("/documents", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(doc),
    })));
  } catch (failure) {
    report(`Not added: ${failure.message}`);
    return;
  }
  $("paste-form").reset();
  await refreshLibrary();
}

// ---------------------------------------------------------------------------------------------
// Wiring

$("ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question || state.busy) return;
  $("question").value = "";
  run(() => ask(question));
});

$("timeline").addEventListener("click", () => {
  const topic = $("question").value.trim();
  if (!topic) { $("question").focus(); return; }
  $("question").value = "";
  run(() => showTimeline(topic));
});

$("close-source").addEventListener("click", closeSource);
$("new-chat").addEventListener("click", () => {
  state.asking?.abort();  // an answer still streaming belongs to the old conversation
  state.history = [];
  state.conversationId = null;
  $("messages").replaceChildren();
  closeSource();
  $("question").focus();
});

$("toggle-documents").addEventListener("click", () => {
  const open = $("documents").hidden;
  setDocumentsOpen(open);
  if (open) $("documents-search").focus();
});
$("close-documents").addEventListener("click", () => {
  setDocumentsOpen(false);
  $("toggle-documents").focus();
});

let searchTimer = 0;
$("documents-search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(loadDocuments, 200);
});
$("documents-more").addEventListener("click", () => loadDocuments({ more: true }));
$("upload-form").addEventListener("submit", uploadFiles);
$("paste-form").addEventListener("submit", addPasted);

$("toggle-filters").addEventListener("click", () => setFiltersOpen($("filters").hidden));
$("filters").addEventListener("change", renderActiveFilters);
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("reset-filters").addEventListener("click", resetFilters);

// Esc closes the innermost thing open: a delete confirmation, the article, then the panels.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const confirm = document.querySelector("#documents-list .confirm");
  if (confirm) confirm.cancel();
  else if (!$("source").hidden) closeSource();
  else if (!$("filters").hidden && $("filter-bar").contains(document.activeElement)) {
    setFiltersOpen(false);
    $("toggle-filters").focus();
  } else if (!$("documents").hidden && !WIDE.matches) {
    setDocumentsOpen(false);
    $("toggle-documents").focus();
  } else return;
  event.preventDefault();
});

async function start() {
  setDocumentsOpen(WIDE.matches);
  setFiltersOpen(!NARROW.matches);
  renderActiveFilters();
  await whenReady();
  await loadAccess();
  await refreshLibrary();
}

start();
