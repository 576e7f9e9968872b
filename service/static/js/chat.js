// The conversation: questions asked one at a time, answers streamed from POST /chat, and the
// history of answered turns that goes with the next question.
import { Failure, readEvents, request } from "./api.js";
import { renderCited, renderDone } from "./answer.js";
import { $, el } from "./dom.js";
import { filterSummary, requestFilters } from "./filters.js";
import { offerFollow } from "./followed.js";
import { serverAway } from "./server.js";
import { closeSource } from "./source.js";

const chat = {
  history: [],            // answered turns only: a failed question is never sent again as history
  conversationId: null,
  asking: null,           // the AbortController of the answer being read, for New chat
  busy: false,
};

export function addMessage(role, text) {
  const item = el("li", { class: role });
  if (text) item.append(el("div", { class: "text" }, text));
  $("messages").append(item);
  return item;
}

// Keeps the newest turn in view while it grows: all of it when it fits, else its top. Stops
// for this answer once the reader scrolls elsewhere.
const follow = { last: null, on: true };
export function reveal(first, last) {
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

export function followNewTurn() {
  follow.on = true;
  follow.last = null;
}

// One question and its answer bubble; Retry replaces both with a fresh attempt.
export async function ask(question) {
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
    messages: [...chat.history, { role: "user", content: question }],
    stream: true,
    ...requestFilters(),
  };
  if (chat.conversationId) body.conversation_id = chat.conversationId;
  const asking = new AbortController();
  chat.asking = asking;
  try {
    const done = await streamAnswer(item, answer, body, () => reveal(mine, item), asking.signal);
    chat.history.push({ role: "user", content: question },
                      { role: "assistant", content: done.answer });
    chat.conversationId = done.conversation_id;
    offerFollow(item, done.query || question, body.filters);  // the standalone question
  } catch (failure) {
    if (asking.signal.aborted) return;  // New chat: this turn is gone
    showFailure(item, failure, () => { mine.remove(); item.remove(); return ask(question); });
  } finally {
    chat.asking = null;
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

// The error in the bubble, with a Retry that asks again (once the server is back, it works).
export function showFailure(item, failure, retry) {
  const message = failure instanceof Failure ? failure.message : `Something went wrong: ${failure}`;
  item.classList.add("failed");
  item.querySelectorAll(".pending").forEach((node) => node.remove());
  const button = el("button", { type: "button", class: "retry" }, "Retry");
  button.addEventListener("click", () => run(retry));
  item.append(el("div", { class: "failure", role: "alert" }, el("p", {}, message), button));
  if (failure.away) serverAway();
}

// One request at a time from the ask box: Ask, Timeline and Retry wait for it.
export async function run(task) {
  if (chat.busy) return;
  chat.busy = true;
  document.body.classList.add("busy");
  for (const id of ["send", "timeline"]) $(id).disabled = true;
  try {
    await task();
  } finally {
    chat.busy = false;
    document.body.classList.remove("busy");
    for (const id of ["send", "timeline"]) $(id).disabled = false;
    // Back to the question box unless the reader has moved on (say, into a citation).
    const at = document.activeElement;
    if (!at || at === document.body || at.id === "send" || at.id === "timeline") $("question").focus();
  }
}

export function isBusy() {
  return chat.busy;
}

// A new conversation: an answer still streaming belongs to the old one.
export function newChat() {
  chat.asking?.abort();
  chat.history = [];
  chat.conversationId = null;
  $("messages").replaceChildren();
  closeSource();
  $("question").focus();
}
