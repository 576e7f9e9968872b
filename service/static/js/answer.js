// An answer once it is done: its sentences with their citations, when it holds, the figures
// the passages give, and the passages themselves grouped by article.
import { cut, dayLabel, el } from "./dom.js";
import { docLabel } from "./names.js";
import { showSource } from "./source.js";

// Answer text with each [n] (or [n, m]) turned into links to passage n.
export function renderCited(container, text, passages) {
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

export function renderDone(item, answer, data) {
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

// Each article once, in the order of its best passage, with its passages under it by the
// number the answer cites them by (their 1-based position in `passages`).
function renderPassages(item, passages) {
  if (passages.length && item.dataset.answered === "false") {
    item.append(el("div", { class: "meta related" }, "Related passages"));
  }
  const articles = new Map();
  passages.forEach((passage, i) => {
    if (!articles.has(passage.doc_id)) articles.set(passage.doc_id, []);
    articles.get(passage.doc_id).push([i + 1, passage]);
  });
  const list = el("ul", { class: "passages", "aria-label": "Passages by article" });
  for (const cited of articles.values()) list.append(articleGroup(cited));
  item.append(list);
}

function articleGroup(cited) {
  const [, first] = cited[0];
  const when = first.date ? dayLabel(first.date) : "no date";
  const head = el("div", { class: "article-head" },
    el("span", { class: "article-name" }, docLabel(first)),
    el("span", { class: "meta" }, ` · ${when} · ${first.source || "no source"}`));
  const rows = cited.map(([n, passage]) => passageRow(n, passage));
  return el("li", { class: "article", "data-id": first.doc_id }, head,
            el("ol", { class: "article-passages" }, ...rows));
}

// A passage by its number, its span in the article and its first words; it opens marked.
function passageRow(n, passage) {
  const words = cut(passage.text.split(/\s+/).join(" ").trim(), 120);
  const link = el("a", { href: "#", class: "passage", "data-n": String(n) },
    el("span", { class: "n" }, String(n)), " ",
    el("span", { class: "span" }, `chars ${passage.start}–${passage.end}`), " ",
    el("span", { class: "words" }, words));
  link.addEventListener("click", (event) => { event.preventDefault(); showSource(passage, link); });
  return el("li", {}, link);
}
