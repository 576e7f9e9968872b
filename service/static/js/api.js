// HTTP: the API key, failures worth telling the reader, and the answer stream's events.

// Says "key-changed" once a newly typed key is accepted, so the page reloads what it may see.
export const api = new EventTarget();

// With NEWSRAG_API_KEYS set the API answers 401: ask for a key, keep it in localStorage, retry.
const KEY = "newsrag-api-key";
async function fetchWithKey(url, options = {}) {
  let changed = false;
  for (let asked = 0; ; asked++) {
    const key = localStorage.getItem(KEY);
    const auth = key ? { Authorization: `Bearer ${key}` } : {};
    const response = await fetch(url, { ...options, headers: { ...options.headers, ...auth } });
    if (response.status !== 401 || asked === 3) {
      if (changed && response.ok) setTimeout(() => api.dispatchEvent(new Event("key-changed")));
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
export class Failure extends Error {
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
export async function request(url, options) {
  let response;
  try {
    response = await fetchWithKey(url, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;  // the page let go of it: nothing to tell
    throw new Failure(UNREACHABLE, { away: true });
  }
  if (!response.ok) throw await failureOf(response);
  return response;
}

export async function getJSON(url, options) {
  return (await request(url, options)).json();
}

// Minimal SSE parser over a fetch body (EventSource can neither POST nor send the API key).
export async function* readEvents(response) {
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
      let id = null;
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        else if (line.startsWith("id:")) id = line.slice(3).trim();
      }
      if (data.length) yield { name, id, data: JSON.parse(data.join("\n")) };
    }
  }
}
