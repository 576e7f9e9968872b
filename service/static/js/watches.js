// Followed questions (watches): the list from GET /watches, what this browser has read of each
// (localStorage), and their new matches as they come: a stream per watch while there are few,
// else GET /watches every 30 s.
import { getJSON, readEvents, request } from "./api.js";
import { serverAway } from "./server.js";

// Says "changed" when the list or a count changes, "match" ({detail: {id, match}}) for each new one.
export const watches = new EventTarget();

// A browser opens at most 6 HTTP/1.1 connections to a server, for all its tabs together, and a
// stream holds one for as long as it is open: with 6 streams open every other request waits.
// Two per tab leave room for the answers and lists, even with a second tab in view (hidden
// tabs close theirs).
const MAX_STREAMS = 2;
const POLL_MS = 30_000;
const SEEN = "newsrag-watches-seen";  // watch id → {count, at}: its matches when last opened here

const state = {
  list: [],              // WatchOut, oldest first; the streams keep `matches` and `last_match` current
  error: "",             // why the list could not be read, if it could not
  streams: new Map(),    // watch id → the AbortController of its open stream
  lastEvent: new Map(),  // watch id → the id of the last event read, sent back on reconnecting
  poller: 0,
  edits: 0,              // follows and unfollows made: a listing asked for before one is stale
  retry: 0,              // the pause before reading the list again after a stream broke (ms)
  retrying: 0,           // its timer
};

export const followedList = () => state.list;
export const listError = () => state.error;
export const watchById = (id) => state.list.find((w) => w.id === id);

const folded = (text) => text.trim().replace(/\s+/g, " ").toLowerCase();
export function watchFor(query) {
  return state.list.find((w) => folded(w.query) === folded(query));
}

function changed() {
  watches.dispatchEvent(new Event("changed"));
}

function seenAll() {
  try {
    return JSON.parse(localStorage.getItem(SEEN)) || {};
  } catch {
    return {};
  }
}

function keepSeen(all) {
  localStorage.setItem(SEEN, JSON.stringify(all));
}

// Matches that came after the watch was last opened on this browser (all of them, if never).
// The server keeps a watch's newest 500: past that its count stands still, so at least one.
export function unread(watch) {
  const seen = seenAll()[watch.id];
  if (!seen) return watch.matches;
  if (!watch.last_match || (seen.at && watch.last_match <= seen.at)) return 0;
  return Math.max(1, watch.matches - seen.count);
}

export function markRead(watch) {
  const all = seenAll();
  const seen = all[watch.id];
  if (seen && seen.count === watch.matches && seen.at === watch.last_match) return;
  all[watch.id] = { count: watch.matches, at: watch.last_match };
  keepSeen(all);
  changed();
}

// The listing, unless a stream has already brought something newer than it for a watch.
export async function loadWatches() {
  const edits = state.edits;
  let body;
  try {
    body = await getJSON("/watches");
  } catch (failure) {
    state.error = failure.message;
    changed();
    if (failure.away) serverAway();  // "back" reads the list again
    return;
  }
  if (edits !== state.edits) { loadWatches(); return; }
  const mine = new Map(state.list.map((w) => [w.id, w]));
  state.list = body.watches.map((theirs) => newest(mine.get(theirs.id), theirs));
  state.error = "";
  forgetGone();
  changed();
  keepListening();
}

function newest(mine, theirs) {
  const behind = mine && mine.last_match && !(theirs.last_match >= mine.last_match);
  return behind ? { ...theirs, matches: mine.matches, last_match: mine.last_match } : theirs;
}

function forgetGone() {
  const all = seenAll();
  const ids = new Set(state.list.map((w) => w.id));
  for (const id of Object.keys(all)) if (!ids.has(id)) delete all[id];
  keepSeen(all);
}

// Follows a question with the filters given ({source, date_from, date_to}); one at a time per
// question, so two clicks make one watch.
const following = new Map();  // folded query → the POST under way
export function follow(query, filters) {
  const key = folded(query);
  if (!following.has(key)) {
    following.set(key, create(query, filters).finally(() => following.delete(key)));
  }
  return following.get(key);
}

async function create(query, filters) {
  const found = watchFor(query);
  if (found) return found;
  // Once per story: five outlets' copies of one wire story are one alert, naming the others.
  const body = filters && Object.keys(filters).length
    ? { query, filters, per: "story" } : { query, per: "story" };
  const watch = await getJSON("/watches", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  state.edits += 1;
  state.list.push(watch);
  markRead(watch);  // unread counts what comes from now on
  keepListening();
  return watch;
}

// Stops following; throws a Failure (and reads the list again) if the server refuses.
export async function unfollow(id) {
  try {
    await request(`/watches/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch (failure) {
    loadWatches();  // it may be gone already
    throw failure;
  }
  state.edits += 1;
  state.list = state.list.filter((w) => w.id !== id);
  forgetGone();
  changed();
  keepListening();
}

// The watch's newest matches (the listing's count brought up to date with them).
export async function readMatches(id, limit = 50) {
  const body = await getJSON(`/watches/${encodeURIComponent(id)}?limit=${limit}`);
  const at = state.list.findIndex((w) => w.id === id);
  if (at >= 0) state.list[at] = newest(state.list[at], body.watch);
  return { watch: state.list[at] || body.watch, matches: body.matches };
}

// Streams while there are few watches and the page is in view, else polls (while in view).
function keepListening() {
  const visible = document.visibilityState !== "hidden";
  const stream = visible && state.list.length <= MAX_STREAMS;
  const ids = new Set(state.list.map((w) => w.id));
  for (const [id, stop] of state.streams) if (!stream || !ids.has(id)) stop.abort();
  if (stream) for (const id of ids) if (!state.streams.has(id)) listen(id);
  const poll = visible && !stream;
  if (poll && !state.poller) state.poller = setInterval(loadWatches, POLL_MS);
  if (!poll && state.poller) { clearInterval(state.poller); state.poller = 0; }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") keepListening(); else loadWatches();
});

async function listen(id) {
  const stop = new AbortController();
  state.streams.set(id, stop);
  const opened = Date.now();
  try {
    const response = await request(`/watches/${encodeURIComponent(id)}/events`,
                                   { headers: resumeFrom(id), signal: stop.signal });
    for await (const event of readEvents(response)) {
      if (event.id) state.lastEvent.set(id, event.id);
      if (event.name === "match") matched(id, event.data);
    }
  } catch {
    // Told below, unless the page let go of it.
  } finally {
    if (state.streams.get(id) === stop) state.streams.delete(id);
  }
  if (!stop.signal.aborted) lost(Date.now() - opened);
}

// Where a stream takes up: after the last event read; a watch without matches from its start
// (an id no match has), so none that came between the listing and the stream is missed.
function resumeFrom(id) {
  const last = state.lastEvent.get(id) ?? (watchById(id)?.matches === 0 ? "start" : null);
  return last === null ? {} : { "Last-Event-ID": last };
}

function matched(id, match) {
  const watch = watchById(id);
  if (!watch || (watch.last_match && match.seen <= watch.last_match)) return;  // counted already
  watch.matches += 1;
  watch.last_match = match.seen;
  watches.dispatchEvent(new CustomEvent("match", { detail: { id, match } }));
  changed();
}

// A stream ended or broke (the server stopped, a proxy cut it, the watch was deleted elsewhere):
// the list is read again and the streams reopened from where they were, after a pause that
// doubles while streams keep breaking soon after opening. If the server is away, reading the
// list finds it so and the page's watch for its return takes over.
function lost(lived) {
  if (state.retrying) return;
  state.retry = lived > 60_000 ? 2000 : Math.min(2 * (state.retry || 1000), 60_000);
  state.retrying = setTimeout(() => { state.retrying = 0; loadWatches(); }, state.retry);
}
