// What a document is called on the page: its title, else its first words, never its raw id.
import { cut, dayLabel } from "./dom.js";

const openings = new Map();  // document id → its first words (from a listing's excerpt)

// The first words of a text's first line that has some, quoted: a readable name for an
// article that has no title.
function opening(text, most = 70) {
  const line = (text || "").split("\n").map((s) => s.trim())
    .find((s) => (s.match(/\p{L}/gu) || []).length >= 12) || "";
  return line ? `“${cut(line, most)}”` : "";
}

// Keeps the first words of a document summary, to name its passages by.
export function learnName(doc) {
  openings.set(doc.id, opening(doc.excerpt));
}

// A document, a document summary or a passage of one, by name.
export function docLabel(doc) {
  if (doc.title) return doc.title;
  const first = opening(doc.excerpt) || openings.get(doc.id || doc.doc_id);
  if (first) return first;
  const origin = [doc.source, doc.date && dayLabel(doc.date)].filter(Boolean).join(", ");
  if (origin) return `Untitled (${origin})`;
  return opening(doc.text) || "Untitled article";
}
