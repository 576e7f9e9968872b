// The Followed panel: each followed question with its unread matches; opened, its matches
// (newest first, each a cited passage), Unfollow and its Atom feed. And the Follow button
// under each answer.
import { $, askFirst, cut, dayLabel, el, plural } from "./dom.js";
import { NARROW, setFollowedOpen } from "./layout.js";
import { docLabel } from "./names.js";
import { serverAway } from "./server.js";
import { showSource } from "./source.js";
import {
  follow, followedList, listError, loadWatches, markRead, readMatches, unfollow, unread,
  watchById, watchFor, watches,
} from "./watches.js";

let shown = null;    // the id of the watch open in the panel
let reading = null;  // the id of the watch whose matches are being read

export function setFollowedPanel(open) {
  setFollowedOpen(open);
  if (!open) return;
  renderFollowed();
  loadWatches();
  if (shown) showMatches(shown);  // read again: it may have had more while the panel was shut
  ($("followed-list").querySelector(".watch-open") || $("close-followed")).focus();
}

watches.addEventListener("changed", () => {
  renderFollowed();
  document.querySelectorAll("#messages button.follow").forEach(paintFollow);
  // Polled rather than streamed, the open watch learns of new matches by its count: read them.
  const open = shown && watchById(shown);
  if (open && unread(open) && !$("followed").hidden) showMatches(shown);
});
watches.addEventListener("match", ({ detail }) => {
  if (detail.id !== shown || $("followed").hidden) return;
  const list = rowOf(detail.id)?.querySelector(".matches");
  if (!list) return;
  list.querySelector(".none")?.remove();
  list.prepend(matchRow(detail.match));
  markRead(watchById(detail.id));  // it is in view: read
});

const rowOf = (id) => $("followed-list").querySelector(`li[data-id="${CSS.escape(id)}"]`);

function renderFollowed() {
  const list = followedList();
  const total = list.reduce((n, w) => n + unread(w), 0);
  $("followed-badge").textContent = total ? String(total) : "";
  $("toggle-followed").setAttribute("aria-label", total ? `Followed: ${total} unread` : "Followed");
  $("followed-count").textContent = `(${list.length})`;
  $("followed-note").textContent = listError() || (list.length ? ""
    : "Nothing followed yet. Follow a question under its answer to see new articles that answer it.");
  if (shown && !watchById(shown)) shown = null;
  // Rows kept stay in place, with what they show and the focus; watches are listed oldest
  // first, so a new one goes last.
  const ids = new Set(list.map((watch) => watch.id));
  for (const row of [...$("followed-list").children]) if (!ids.has(row.dataset.id)) row.remove();
  for (const watch of list) {
    paintRow(rowOf(watch.id) || $("followed-list").appendChild(watchRow(watch)), watch);
  }
}

function watchRow(watch) {
  const body = `watch-${watch.id}`;
  const open = el("button", { type: "button", class: "watch-open", "aria-expanded": "false",
                              "aria-controls": body },
    el("span", { class: "watch-label" }, el("span", { class: "watch-name" }),
       el("span", { class: "meta" })),
    el("span", { class: "unread" }));
  open.addEventListener("click", () => toggleWatch(watch.id));
  return el("li", { "data-id": watch.id }, open,
            el("div", { class: "watch-body", id: body, hidden: "" }));
}

function paintRow(row, watch) {
  const count = unread(watch);
  row.querySelector(".watch-name").textContent = watch.name;
  row.querySelector(".watch-label .meta").textContent = watch.last_match
    ? `last match ${timeLabel(watch.last_match)} · ${plural(watch.matches, "match")}` : "no match yet";
  row.querySelector(".unread").textContent = count ? `${count} new` : "";
}

// "today 14:05", "3 May 14:05", "3 May 2025 14:05", in the reader's time zone.
function timeLabel(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const now = new Date();
  const time = when.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (when.toDateString() === now.toDateString()) return `today ${time}`;
  const day = { day: "numeric", month: "short" };
  if (when.getFullYear() !== now.getFullYear()) day.year = "numeric";
  return `${when.toLocaleDateString("en-GB", day)} ${time}`;
}

function toggleWatch(id) {
  const row = rowOf(id);
  const opening = row.querySelector(".watch-body").hidden;
  if (shown && shown !== id) collapse(rowOf(shown));
  shown = opening ? id : null;
  if (!opening) { collapse(row); return; }
  row.querySelector(".watch-open").setAttribute("aria-expanded", "true");
  const body = row.querySelector(".watch-body");
  body.hidden = false;
  body.replaceChildren(el("p", { class: "meta" }, "Loading…"));
  showMatches(id);
}

// The watch's newest matches in its row, marked read.
async function showMatches(id) {
  const row = rowOf(id);
  if (!row) { shown = null; return; }
  if (reading === id) return;
  const body = row.querySelector(".watch-body");
  let read;
  reading = id;
  try {
    read = await readMatches(id);
  } catch (failure) {
    body.replaceChildren(el("p", { class: "warning" }, failure.message));
    if (failure.away) serverAway();
    return;
  } finally {
    reading = null;
  }
  if (shown !== id) return;
  body.replaceChildren(...watchBody(row, read.watch, read.matches));
  markRead(read.watch);
}

function collapse(row) {
  if (!row) return;
  row.querySelector(".watch-open").setAttribute("aria-expanded", "false");
  row.querySelector(".watch-body").hidden = true;
}

function watchBody(row, watch, matches) {
  const feed = el("a", { class: "feed", href: `/watches/${encodeURIComponent(watch.id)}/feed`,
                         type: "application/atom+xml", title: "For a feed reader" }, "Atom feed");
  const remove = el("button", { type: "button", class: "watch-unfollow",
                                "aria-label": `Unfollow ${watch.name}` }, "Unfollow");
  remove.addEventListener("click", () => askToUnfollow(row, watch));
  const list = el("ol", { class: "matches", "aria-label": `Matches of ${watch.name}, newest first` },
    ...(matches.length ? matches.map(matchRow) : [el("li", { class: "none meta" }, "No match yet.")]));
  const scope = watchScope(watch.filters);
  return [el("div", { class: "watch-actions" }, remove, feed),
          ...(scope ? [el("p", { class: "meta watch-scope" }, scope)] : []), list];
}

function watchScope(filters) {
  const parts = [];
  const sources = [filters.source || []].flat();
  if (sources.length) parts.push(sources.join(", "));
  if (filters.date_from) parts.push(`from ${dayLabel(filters.date_from)}`);
  if (filters.date_to) parts.push(`until ${dayLabel(filters.date_to)}`);
  return parts.length ? `Only ${parts.join(" · ")}` : "";
}

// A match as a citation: its article, date and source, the passage; the link opens it marked.
function matchRow(match) {
  const link = el("a", { href: "#", class: "match-open" }, docLabel(match));
  link.title = "Open the article at this passage";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showSource(match, link);
    if (NARROW.matches) setFollowedPanel(false);  // one panel at a time on a phone
  });
  const origin = `${match.date ? dayLabel(match.date) : "no date"} · ${match.source || "no source"}`;
  // Later copies of the story (other outlets) come as names here, not as matches of their own.
  const also = (match.also_reported_by || []).map((a) => a.source || "no source");
  return el("li", { "data-id": match.id }, link,
    el("div", { class: "meta" }, `${origin} · found ${timeLabel(match.seen)}`),
    el("p", { class: "match-text" }, cut(match.text.split(/\s+/).join(" ").trim(), 300)),
    ...(also.length ? [el("div", { class: "meta also" }, `also reported by ${[...new Set(also)].join(", ")}`)] : []));
}

// Unfollowing asks first, in the row itself: Cancel has the focus, Esc cancels.
function askToUnfollow(row, watch) {
  cancelUnfollow();
  askFirst({
    label: "Confirm unfollowing", question: "Stop following this question? Its matches go too.",
    action: "Unfollow", opener: () => row.querySelector(".watch-unfollow"),
    place: (confirm) => row.querySelector(".watch-actions").after(confirm),
    onYes: (confirm) => unfollowWatch(watch, confirm),
  });
}

// Closes an unfollow confirmation if one is open; says whether one was.
export function cancelUnfollow() {
  const open = document.querySelectorAll("#followed-list .confirm");
  open.forEach((confirm) => confirm.cancel());
  return open.length > 0;
}

async function unfollowWatch(watch, confirm) {
  try {
    await unfollow(watch.id);
  } catch (failure) {
    const close = el("button", { type: "button" }, "Close");
    close.addEventListener("click", confirm.cancel);
    confirm.replaceChildren(el("span", { class: "warning" }, failure.message), close);
    close.focus();
    return;
  }
  if (shown === watch.id) shown = null;
  ($("followed-list").querySelector(".watch-open") || $("close-followed")).focus();
}

// Follow, under an answer (or a declined question): the question asked again of every article
// that arrives, with the date range and sources it was asked with. A followed one opens in the panel.
export function offerFollow(item, query, filters = {}) {
  const button = el("button", { type: "button", class: "follow", "data-query": query });
  const note = el("span", { class: "meta follow-note", role: "status" });
  button.addEventListener("click", () => followClicked(button, note, watchFilters(filters)));
  item.append(el("div", { class: "follow-line" }, button, note));
  paintFollow(button);
}

// A standing question is always asked now: the dates and sources apply, not "as of".
function watchFilters({ date_from, date_to, source }) {
  return Object.fromEntries(Object.entries({ date_from, date_to, source }).filter(([, v]) => v));
}

function paintFollow(button) {
  const followed = Boolean(watchFor(button.dataset.query));
  const question = `“${cut(button.dataset.query, 80)}”`;
  button.textContent = followed ? "Following" : "Follow";
  button.classList.toggle("on", followed);
  button.setAttribute("aria-label", followed ? `Following ${question}: show it under Followed`
                                             : `Follow ${question}: new stories that answer it`);
}

async function followClicked(button, note, filters) {
  const found = watchFor(button.dataset.query);
  if (found) { showWatch(found.id); return; }
  button.disabled = true;
  note.textContent = "";
  try {
    await follow(button.dataset.query, filters);
  } catch (failure) {
    note.textContent = `Not followed: ${failure.message}`;
    if (failure.away) serverAway();
  } finally {
    button.disabled = false;
  }
}

// The panel open at one watch, its matches shown.
function showWatch(id) {
  if ($("followed").hidden) setFollowedPanel(true);
  if (shown !== id) toggleWatch(id);
  rowOf(id)?.querySelector(".watch-open").focus();
}
