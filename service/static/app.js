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
    const span = el("span", { class: sentence.supported ? "sentence" : "sentence unsupported" });
    if (!sentence.supported) span.title = "Unsupported: " + sentence.problems.join("; ");
    renderCited(span, sentence.text, passages);
    container.append(span, " ");
  }
}

function renderPassages(item, passages) {
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
      renderSentences(answer, event.data.sentences, event.data.passages);
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
$("close-source").addEventListener("click", () => { $("source").hidden = true; });
$("new-chat").addEventListener("click", () => {
  history = [];
  conversationId = null;
  $("messages").replaceChildren();
  $("source").hidden = true;
});
