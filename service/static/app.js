// The chat page: cited answers streamed from POST /chat, the indexed documents and the followed
// questions beside them, filters sent with every question. Plain DOM code in ES modules (js/),
// each with one job: no framework, no build step, no CDN. This one wires them to the page and starts it.
import { addPasted, uploadFiles } from "./js/add-documents.js";
import { api } from "./js/api.js";
import { ask, isBusy, newChat, run } from "./js/chat.js";
import { $ } from "./js/dom.js";
import { cancelDelete, loadAccess, loadDocuments, refreshLibrary } from "./js/documents.js";
import { filtersChanged, resetFilters, restoreFilters, setFiltersOpen } from "./js/filters.js";
import { cancelUnfollow, setFollowedPanel } from "./js/followed.js";
import { NARROW, WIDE, setDocumentsOpen } from "./js/layout.js";
import { server, whenReady } from "./js/server.js";
import { closeSource } from "./js/source.js";
import { showTimeline } from "./js/timeline.js";
import { loadWatches } from "./js/watches.js";

$("ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question || isBusy()) return;
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
$("new-chat").addEventListener("click", newChat);

$("toggle-documents").addEventListener("click", () => {
  const open = $("documents").hidden;
  setDocumentsOpen(open);
  if (open) $("documents-search").focus();
});
$("close-documents").addEventListener("click", () => {
  setDocumentsOpen(false);
  $("toggle-documents").focus();
});

$("toggle-followed").addEventListener("click", () => setFollowedPanel($("followed").hidden));
$("close-followed").addEventListener("click", () => {
  setFollowedPanel(false);
  $("toggle-followed").focus();
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
$("filters").addEventListener("change", filtersChanged);
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("reset-filters").addEventListener("click", resetFilters);

// Esc closes the innermost thing open: a delete or unfollow confirmation, the article, then the panels.
function closeInnermost() {
  if (cancelDelete() || cancelUnfollow()) return true;
  if (!$("source").hidden) {
    closeSource();
  } else if (!$("filters").hidden && $("filter-bar").contains(document.activeElement)) {
    setFiltersOpen(false);
    $("toggle-filters").focus();
  } else if (!$("followed").hidden) {
    setFollowedPanel(false);
    $("toggle-followed").focus();
  } else if (!$("documents").hidden && !WIDE.matches) {
    setDocumentsOpen(false);
    $("toggle-documents").focus();
  } else {
    return false;
  }
  return true;
}
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && closeInnermost()) event.preventDefault();
});

// A new API key may see more (or less); a server back from away may have changed.
api.addEventListener("key-changed", async () => {
  await loadAccess();
  await refreshLibrary();
  await loadWatches();
});
server.addEventListener("back", refreshLibrary);
server.addEventListener("back", loadWatches);

async function start() {
  setDocumentsOpen(WIDE.matches);
  setFiltersOpen(!NARROW.matches);
  restoreFilters();
  await whenReady();
  await loadAccess();
  await refreshLibrary();
  await loadWatches();
}

start();
