"""Standing questions: watches asked again of every article that arrives (book.py keeps them
and their matches, matcher.py decides what matches, webhooks.py delivers)."""

from __future__ import annotations

from collections.abc import Sequence

from index.newsindex import NewsIndex
from index.watching.book import Match, Per, Watch, WatchBook
from index.watching.matcher import Notify, StoryOf, WatchMatcher, default_threshold, one_sided
from index.watching.webhooks import Webhooks

MODES = ("dense", "bm25", "hybrid")


class Watching:
    """The watches over one index: kept (book), matched after every write (matcher) and
    delivered to webhooks; whichever process writes the index runs one (a server, or
    `newsrag index` alone), so every path a document takes is watched."""

    def __init__(
        self, index: NewsIndex, notify: Sequence[Notify] = (), story_of: StoryOf | None = None
    ) -> None:
        self.index = index
        self.book = WatchBook(index.state)
        self.webhooks = Webhooks(self.book)
        self.matcher = WatchMatcher(index, self.book, [*notify, self.webhooks], story_of)
        index.on_close(self.close)  # what was written is matched before the index closes
        self._closed = False

    def create(
        self,
        query: str,
        *,
        name: str | None = None,
        mode: str | None = None,
        threshold: float | None = None,
        per: Per = "article",
        sources: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        webhook: str | None = None,
    ) -> Watch:
        """A new watch; ValueError saying why when it could never work as asked."""
        chosen = mode or self.index.retrieval.mode
        if chosen not in MODES:
            raise ValueError(f"unknown search mode {chosen!r}; known: {', '.join(MODES)}")
        threshold = self._threshold(chosen, threshold)
        terms = self.index.analyzer.terms(query)
        if chosen != "dense" and not terms:
            raise ValueError(f"the question {query!r} has no word a {chosen} search can match")
        vector = self.index.embedder.embed_query(query).astype(float).tolist()
        watch = Watch.made(
            query,
            terms,
            vector,
            name=name,
            mode=mode,
            threshold=threshold,
            per=per,
            sources=sources,
            date_from=date_from,
            date_to=date_to,
            webhook=webhook,
        )
        self.book.add(watch)
        self.matcher.added(watch)
        return watch

    def _threshold(self, mode: str, given: float | None) -> float:
        if given is None:
            found = default_threshold(self.index, mode)
            if found is None:
                raise ValueError("a bm25 watch needs a threshold: BM25 scores have no scale")
            return found
        if mode == "hybrid" and given <= one_sided(self.index):
            raise ValueError(
                f"threshold {given} is one side's best at most ({one_sided(self.index):g}): a "
                "passage would match by its words alone, or by its meaning alone; ask for more"
            )
        return given

    def close(self) -> None:
        """Matches what was written so far, then delivers what is due, then stops (once)."""
        if self._closed:
            return
        self._closed = True
        self.index.unlisten(self.matcher)
        self.matcher.close()
        self.webhooks.close()


__all__ = ["Match", "Watch", "WatchBook", "WatchMatcher", "Watching", "Webhooks"]
