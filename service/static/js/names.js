// What a document is called on the page: its title, else its first words (the `excerpt` the
// server makes, after any wire dateline), never its raw id alone.
import { cut, dayLabel } from "./dom.js";

const openings = new Map();  // document id → its first words, from a listing or a document read

// The excerpt quoted and cut at a word, if it has words enough to tell articles apart.
function quoted(excerpt, most = 70) {
  const line = (excerpt || "").trim();
  return (line.match(/\p{L}/gu) || []).length < 12 ? "" : `“${cut(line, most)}”`;
}

// Keeps the first words of a document summary or a document read, to name its passages by.
export function learnName(doc) {
  const first = quoted(doc.excerpt);
  if (first) openings.set(doc.id, first);
}

// A document, a document summary or a passage of one, by name.
export function docLabel(doc) {
  if (doc.title) return doc.title;
  const first = quoted(doc.excerpt) || openings.get(doc.id || doc.doc_id);
  if (first) return first;
  const origin = [doc.source, doc.date && dayLabel(doc.date)].filter(Boolean).join(", ");
  return origin ? `Untitled (${origin})` : "Untitled article";
}
