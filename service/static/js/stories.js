// Stories: the articles reporting one event, last updated first; the words typed narrow them to
// those whose label or a source contains them.
import { getJSON } from "./api.js";
import { addMessage, followNewTurn, reveal, showFailure } from "./chat.js";
import { dayLabel, el, plural } from "./dom.js";
import { showDocument } from "./source.js";

const LIMIT = 20;

export async function showStories(words) {
  followNewTurn();
  const mine = addMessage("user", words ? `Stories: ${words}` : "Latest stories");
  const item = addMessage("assistant stories", "");
  reveal(mine, item);
  const params = new URLSearchParams({ limit: LIMIT });
  if (words) params.set("q", words);
  let body;
  try {
    body = await getJSON(`/stories?${params}`);
  } catch (failure) {
    showFailure(item, failure, () => { mine.remove(); item.remove(); return showStories(words); });
    return;
  }
  if (!body.stories.length) item.append(el("div", { class: "text" }, "No stories found."));
  const list = el("ol", { class: "stories", "aria-label": "Stories" });
  for (const story of body.stories) list.append(storyRow(story));
  item.append(list);
  item.dataset.done = "true";
  reveal(mine, item);
}

function storyRow(story) {
  const when = story.first_seen === story.last_updated ? dayLabel(story.first_seen)
    : `${dayLabel(story.first_seen)} – ${dayLabel(story.last_updated)}`;
  const sources = story.sources.length ? story.sources.join(", ") : "no source";
  const articles = el("ul", { class: "story-articles" }, ...story.articles.map(articleRow));
  return el("li", { class: "story", "data-id": story.id },
    el("div", { class: "story-label" }, story.label),
    el("div", { class: "meta" }, `${when} · ${plural(story.articles.length, "article")} · ${sources}`),
    articles);
}

function articleRow(article) {
  const link = el("a", { href: "#" }, article.headline);
  link.addEventListener("click", (event) => { event.preventDefault(); showDocument(article.doc_id, link); });
  const origin = [article.source || "no source", article.date ? dayLabel(article.date) : "no date"];
  return el("li", {}, link, el("span", { class: "meta" }, ` · ${origin.join(" · ")}`));
}
