// The source pane: a cited passage highlighted in its article, or a whole document.
import { getJSON } from "./api.js";
import { $, dayLabel, el } from "./dom.js";
import { NARROW, WIDE, setDocumentsOpen, setFollowedOpen } from "./layout.js";
import { docLabel, learnName } from "./names.js";
import { serverAway, setStatus } from "./server.js";

let opener = null;  // what opened the pane, to give focus back on close

async function openDocument(id) {
  let doc;
  try {
    doc = await getJSON(`/documents/${encodeURIComponent(id)}`);
  } catch (failure) {
    if (failure.away) serverAway();
    setStatus(failure.message, "down");
    return null;
  }
  learnName(doc);
  $("source-title").textContent = docLabel(doc);
  $("source-meta").replaceChildren(
    [doc.date ? dayLabel(doc.date) : "no date", doc.source || "no source"].join(" · "), " · ",
    el("span", { class: "doc-id" }, doc.id));
  if (doc.url) {
    $("source-meta").append(" · ", el("a", { href: doc.url, rel: "noopener noreferrer", target: "_blank" }, "original"));
  }
  return doc;
}

export async function showSource(passage, from) {
  const doc = await openDocument(passage.doc_id);
  if (!doc) return;
  const mark = el("mark", { id: "cited-span" }, doc.text.slice(passage.start, passage.end));
  $("source-text").replaceChildren(doc.text.slice(0, passage.start), mark,
                                   doc.text.slice(passage.end));
  openPane(from);
  // Only the article scrolls (scrollIntoView would also move the page's hidden overflow).
  const box = $("source-text");
  box.scrollTop = Math.max(0, mark.offsetTop - (box.clientHeight - mark.offsetHeight) / 2);
}

export async function showDocument(id, from) {
  const doc = await openDocument(id);
  if (!doc) return;
  $("source-text").replaceChildren(doc.text);
  if (NARROW.matches) setDocumentsOpen(false);  // one panel at a time on a phone
  openPane(from);
  $("source-text").scrollTop = 0;
}

function openPane(from) {
  opener = from || document.activeElement;
  // Between phone and wide screens three panes would squeeze the answers: the article wins.
  if (!WIDE.matches && !NARROW.matches) { setDocumentsOpen(false); setFollowedOpen(false); }
  $("source").hidden = false;
  $("conversation").classList.add("with-source");
  $("source-title").focus({ preventScroll: true });
}

export function closeSource() {
  if ($("source").hidden) return;
  $("source").hidden = true;
  $("conversation").classList.remove("with-source");
  const back = opener;
  opener = null;
  (back && back.isConnected ? back : $("question")).focus({ preventScroll: true });
}

// The id of the document the pane shows, if it is open.
export function shownDocument() {
  return $("source").hidden ? null : $("source-meta").querySelector(".doc-id")?.textContent;
}
