// The timeline of a topic: dated events, oldest first, each a cited sentence.
import { getJSON } from "./api.js";
import { addMessage, followNewTurn, reveal, showFailure } from "./chat.js";
import { el } from "./dom.js";
import { filterParams } from "./filters.js";
import { docLabel } from "./names.js";
import { showSource } from "./source.js";

export async function showTimeline(topic) {
  followNewTurn();
  const mine = addMessage("user", `Timeline: ${topic}`);
  const item = addMessage("assistant timeline", "");
  reveal(mine, item);
  const params = new URLSearchParams({ q: topic });
  for (const [name, value] of filterParams()) params.append(name, value);
  let body;
  try {
    body = await getJSON(`/timeline?${params}`);
  } catch (failure) {
    showFailure(item, failure, () => { mine.remove(); item.remove(); return showTimeline(topic); });
    return;
  }
  if (!body.events.length) item.append(el("div", { class: "text" }, "No dated events found."));
  const list = el("ol", { class: "events" });
  for (const event of body.events) list.append(eventRow(event));
  item.append(list);
  item.dataset.done = "true";
  reveal(mine, item);
}

function eventRow(event) {
  const cited = { ...event.cited };
  const link = el("a", { href: "#" }, docLabel(cited));
  link.addEventListener("click", (e) => { e.preventDefault(); showSource(cited, link); });
  const also = event.also_in.length ? ` · also in ${event.also_in.length} more` : "";
  return el("li", {},
    el("strong", {}, event.label), event.dated_by === "article" ? " (published) " : " ",
    event.text, el("span", { class: "meta" }, " · ", link, ` · ${cited.source || "no source"}${also}`));
}
