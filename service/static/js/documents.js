// The documents panel: how many are indexed, a searchable list, and (for admins) Delete.
import { getJSON, request } from "./api.js";
import { $, askFirst, dayLabel, el } from "./dom.js";
import { loadSources } from "./filters.js";
import { docLabel, learnName } from "./names.js";
import { closeSource, shownDocument, showDocument } from "./source.js";

const PAGE = 50;

const library = {
  documents: [],          // the summaries listed so far
  canWrite: true,         // until GET /access says otherwise the server is the judge
  asked: 0,               // only the newest listing is shown when searches overlap
};

export async function loadDocuments({ more = false } = {}) {
  const query = $("documents-search").value.trim();
  const params = new URLSearchParams({ limit: PAGE, offset: more ? library.documents.length : 0 });
  if (query) params.set("q", query);
  const asked = ++library.asked;
  let body;
  try {
    body = await getJSON(`/documents?${params}`);
  } catch (failure) {
    if (asked === library.asked) $("documents-note").textContent = failure.message;
    return;
  }
  if (asked !== library.asked) return;
  const found = body.documents;
  found.forEach(learnName);
  library.documents = more ? [...library.documents, ...found] : found;
  renderDocuments(body.total, body.matching, query, found.length === PAGE);
}

function renderDocuments(total, matching, query, mayHaveMore) {
  $("documents-count").textContent = `(${total})`;
  $("documents-badge").textContent = String(total);
  $("documents-note").textContent = query ? `${matching} of ${total} match “${query}”`
    : total ? "" : "No documents yet.";
  $("documents-list").replaceChildren(...library.documents.map(documentRow));
  $("documents-more").hidden = !(mayHaveMore && library.documents.length < matching);
}

function documentRow(doc) {
  const open = el("button", { type: "button", class: "doc-open" },
    el("span", { class: "doc-title" }),
    el("span", { class: "meta" }, `${doc.date ? dayLabel(doc.date) : "no date"} · ${doc.source || "no source"}`),
    el("span", { class: "doc-id" }, doc.id));
  open.addEventListener("click", () => showDocument(doc.id, open));
  const row = el("li", { "data-id": doc.id }, open);
  if (library.canWrite) {
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
  cancelDelete();
  askFirst({
    label: "Confirm deletion", question: "Delete this document and its passages?",
    action: "Delete", opener: () => row.querySelector(".doc-delete"),
    place: (confirm) => row.append(confirm), onYes: (confirm) => deleteDocument(doc, confirm),
  });
}

// Closes a delete confirmation if one is open; says whether one was.
export function cancelDelete() {
  const open = document.querySelectorAll("#documents-list .confirm");
  open.forEach((confirm) => confirm.cancel());
  return open.length > 0;
}

async function deleteDocument(doc, confirm) {
  try {
    await request(`/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
  } catch (failure) {
    const close = el("button", { type: "button" }, "Close");
    close.addEventListener("click", confirm.cancel);
    confirm.replaceChildren(el("span", { class: "warning" }, failure.message), close);
    close.focus();
    return;
  }
  if (shownDocument() === doc.id) closeSource();
  $("documents-search").focus();
  await refreshLibrary();
}

// The listing and the sources to filter by, after anything that may have changed them.
export async function refreshLibrary() {
  await loadDocuments();
  await loadSources(library.documents);
}

// What the key sent may do: admins (or anyone, with no keys configured) add and delete.
export async function loadAccess() {
  try {
    const access = await getJSON("/access");
    library.canWrite = access.role === "admin";
  } catch {
    library.canWrite = true;  // an older server without GET /access refuses writes itself
  }
  $("add-documents").hidden = !library.canWrite;
  $("documents-list").replaceChildren(...library.documents.map(documentRow));
}
