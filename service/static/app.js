// The chat page: POST /chat with stream=true, read the Server-Sent Events, render cited answers.
"use strict";

const $ = (id) => document.getElementById(id);
let history = [];
let conversationId = null;

// With NEWSRAG_API_KEYS set the API answers 401: ask for a key, keep it in localStorage, retry.
const KEY = "newsrag-api-key";
async function api(url, options = {}) {
  for (let asked = 0; ; asked++) {
    const key = localStorage.getItem(KEY);
    const auth = key ? { Authorization: `Bearer ${key}` } : {};
    const response = await fetch(url, { ...options, headers: { ...options.headers, ...auth } });
    if (response.status !== 401 || asked === 3) return response;
    const typed = window.prompt(key ? "That API key was refused. API key:" : "API key:");
    if (!typed) { localStorage.removeItem(KEY); return response; }
    localStorage.setItem(KEY, typed.trim());
  }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function addMessage(role, text) {
  const item = el("li", { class: role });
  if (text) item.append(el("div", { class: "text" }, text));
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
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
  link.title = passage ? `${passage.title || passage.doc_id} — ${passage.source || "unknown source"}`
                       : `no passage ${n}`;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    if (passage) showSource(passage);
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

// "6 May 2025" for "2025-05-06", as the server labels days.
function dayLabel(iso) {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString("en-GB",
    { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
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
    const link = el("a", { href: "#" }, p.title || p.doc_id);
    link.addEventListener("click", (event) => { event.preventDefault(); showSource(p); });
    list.append(el("li", {}, link, el("span", { class: "meta" },
      ` · ${p.date || "no date"} · ${p.source || "no source"} · [${p.start}:${p.end}]`)));
  });
  item.append(list);
}

async function showSource(passage) {
  const response = await api(`/documents/${encodeURIComponent(passage.doc_id)}`);
  if (!response.ok) return;
  const doc = await response.json();
  $("source-title").textContent = doc.title || doc.id;
  $("source-meta").textContent = [doc.date || "no date", doc.source || "no source", doc.id]
    .join(" · ");
  const mark = el("mark", { id: "cited-span" }, doc.text.slice(passage.start, passage.end));
  $("source-text").replaceChildren(doc.text.slice(0, passage.start), mark,
                                   doc.text.slice(passage.end));
  $("source").hidden = false;
  mark.scrollIntoView({ block: "center" });
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

async function ask(question) {
  history.push({ role: "user", content: question });
  addMessage("user", question);
  const item = addMessage("assistant", "");
  const answer = el("div", { class: "answer" });
  item.append(answer);
  let passages = [];
  let text = "";
  const response = await api("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ messages: history, conversation_id: conversationId, stream: true }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({ message: response.statusText }));
    item.append(el("div", { class: "notice" }, body.message || "request failed"));
    history.pop();
    return;
  }
  for await (const event of readEvents(response)) {
    if (event.name === "passages") {
      passages = event.data.passages;
      conversationId = event.data.conversation_id;
    } else if (event.name === "delta") {
      text += event.data.text;
      renderCited(answer, text, passages);
    } else if (event.name === "error") {
      text = "";  // the deltas that follow start the answer over
      item.append(el("div", { class: "notice" }, event.data.message));
    } else if (event.name === "done") {
      if (event.data.answered) {
        renderSentences(answer, event.data.sentences, event.data.passages);
      } else {  // "The indexed articles don't say …": the passages are only related
        answer.replaceChildren(el("span", { class: "abstained" }, event.data.answer));
        item.dataset.answered = "false";
      }
      renderTime(item, event.data);
      if (event.data.notice && !item.querySelector(".notice")) {
        item.append(el("div", { class: "notice" }, event.data.notice));
      }
      renderPassages(item, event.data.passages);
      history.push({ role: "assistant", content: event.data.answer });
      item.dataset.done = "true";
    }
  }
}

$("ask").addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  $("send").disabled = true;
  try { await ask(question); } finally { $("send").disabled = false; $("question").focus(); }
});
// The timeline of the topic typed in the box: dated events, oldest first, each cited.
async function showTimeline(topic) {
  addMessage("user", `Timeline: ${topic}`);
  const item = addMessage("assistant timeline", "");
  const response = await api(`/timeline?q=${encodeURIComponent(topic)}`);
  const body = await response.json().catch(() => ({ message: response.statusText }));
  if (!response.ok) {
    item.append(el("div", { class: "notice" }, body.message || "request failed"));
    return;
  }
  if (!body.events.length) item.append(el("div", { class: "text" }, "No dated events found."));
  const list = el("ol", { class: "events" });
  for (const event of body.events) {
    const cited = { ...event.cited };
    const link = el("a", { href: "#" }, cited.title || cited.doc_id);
    link.addEventListener("click", (e) => { e.preventDefault(); showSource(cited); });
    const also = event.also_in.length ? ` · also in ${event.also_in.length} more` : "";
    list.append(el("li", {},
      el("strong", {}, event.label), event.dated_by === "article" ? " (published) " : " ",
      event.text, el("span", { class: "meta" }, " · ", link, ` · ${cited.source || "no source"}${also}`)));
  }
  item.append(list);
  item.dataset.done = "true";
  item.scrollIntoView({ block: "end" });
}

$("timeline").addEventListener("click", async () => {
  const topic = $("question").value.trim();
  if (!topic) { $("question").focus(); return; }
  $("question").value = "";
  $("timeline").disabled = true;
  try { await showTimeline(topic); } finally { $("timeline").disabled = false; }
});
$("close-source").addEventListener("click", () => { $("source").hidden = true; });
$("new-chat").addEventListener("click", () => {
  history = [];
  conversationId = null;
  $("messages").replaceChildren();
  $("source").hidden = true;
});
