"""The read path: a query embedded once, then filters, retrievers, rows and collapse.

Searches run on any thread at once and never wait for a write: each reads through one view of
the corpus (index/corpus/base.py), in which a document replaced meanwhile shows its old chunks
or its new ones, never some of each.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from index import periods
from index.collapse import collapse as fold_duplicates
from index.corpus.base import Corpus, View
from index.embedding import Embedder
from index.filters import Filters
from index.lexical import Analyzer
from index.models import Hit, Passage
from index.periods import Window
from index.query import Query, TimeSense
from index.recency import normalized
from index.retrievers import RetrievalSettings, Retriever, pick

# Collapsing fetches this many times k, so duplicates folded away leave k distinct passages.
COLLAPSE_DEPTH = 3
# Candidates re-scored for time: a newer report may rank below older ones at first.
PRIOR_DEPTH = 100
FILTER_SLACK = timedelta(days=7)  # see _published_from
MENTION_DEPTH = 100  # candidates read for the times they name (see _add_window)
NEGLIGIBLE = 0.001  # of the prior's weight: the newest article is too old for it to matter
# A document replaced between a search's candidates and its rows (only a shared engine lets
# that happen, see View.superseded): the search is asked again this many times at most.
RETRIES = 2
Ranked = tuple[Passage, float, tuple[str, ...]]


@dataclass(frozen=True)
class SearchResult:
    """The hits, best first, and what the search read about time in the question."""

    hits: list[Hit]
    time: TimeSense


class Searcher:
    def __init__(
        self,
        corpus: Corpus,
        embedder: Embedder,
        analyzer: Analyzer,
        settings: RetrievalSettings,
        retrievers: dict[str, Retriever],
    ) -> None:
        self.corpus = corpus
        self.embedder = embedder
        self.analyzer = analyzer
        self.settings = settings
        self.retrievers = retrievers

    def search(
        self,
        text: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        collapse: bool | None = None,
        timed: bool = True,
        vector: np.ndarray | None = None,
    ) -> SearchResult:
        """The best `k` chunks for `text` among those passing `filters`, best first, with
        what was read about time in `text` (asked as of `filters.as_of`, default today).

        `mode` ("dense", "bm25" or "hybrid") and `collapse` default to the index's settings;
        `timed=False` reads no period and applies no recency prior (an archive searched as if
        undated, as eval's undated runs do). `vector` is `text`'s embedding when the caller
        holds it already (a watch's), so that it is not computed again.
        """
        mode = self.settings.mode if mode is None else mode
        retriever = pick(self.retrievers, mode)
        fold = self.settings.collapse if collapse is None else collapse
        filters = filters or Filters()
        latest = self.corpus.latest()
        time = self.understand(text, filters.as_of, latest) if timed else TimeSense(_day(None))
        topic = text if time.window is None else time.window.topic  # the period is a filter
        embedding = None if mode == "bm25" else self._embedding(topic, text, vector)
        query = Query(topic, self.analyzer.terms(topic), embedding)
        scope = _published_from(_today_unbounded(filters, latest), time.window)
        ranked: list[Ranked] = []
        for _ in range(RETRIES + 1):
            with self.corpus.view(scope) as view:
                ranked = [] if view.empty else self._ranked(retriever, query, k, view, fold, time)
                if not view.superseded:
                    break
        hits = [Hit.of(row, rank, score, also) for rank, (row, score, also) in enumerate(ranked, 1)]
        return SearchResult(hits, time)

    def _embedding(self, topic: str, text: str, vector: np.ndarray | None) -> Future[np.ndarray]:
        """The query's embedding, started now; the caller's own when it is the text's."""
        if vector is None or topic != text:
            return self.embedder.embed_query_later(topic)
        held: Future[np.ndarray] = Future()
        held.set_result(np.asarray(vector, dtype=np.float32))
        return held

    def understand(self, text: str, as_of: str | None, latest: str | None) -> TimeSense:
        """The question's time: the period it names (a window) and, where some article is
        recent enough for it to matter (`latest` is the newest one's date), the recency prior."""
        day = _day(as_of)
        window = periods.window(text, day) if self.settings.window_weight > 0 else None
        prior = self.settings.recency
        if prior.weight <= 0 or prior.bonus(latest, day) < NEGLIGIBLE * prior.weight:
            return TimeSense(day, window)  # the prior would only cost a deeper candidate list
        return TimeSense(day, window, prior)

    def _ranked(
        self,
        retriever: Retriever,
        query: Query,
        k: int,
        view: View,
        fold: bool,
        time: TimeSense,
    ) -> list[Ranked]:
        """Digs deeper while folded duplicates (or chunks this snapshot does not have) leave
        fewer than `k` passages; what the question says about time reorders the candidates
        first (see _by_time)."""
        depth = k * COLLAPSE_DEPTH if fold else k
        if time.prior is not None or time.window is not None:
            depth = max(depth, PRIOR_DEPTH)
        while True:
            scored = retriever.retrieve(query, depth, view)
            rows = view.passages([key for key, _ in scored])
            found = [(rows[key], score) for key, score in scored if key in rows]
            if time.prior is not None or time.window is not None:
                need = k * COLLAPSE_DEPTH if fold else k
                found = _by_time(found, time, self.settings.window_weight, need)
            ranked: list[Ranked] = [(row, score, ()) for row, score in found]
            if fold:
                ranked = [(g.passage, g.score, tuple(g.also_in)) for g in fold_duplicates(found)]
            if len(ranked) >= k or len(scored) < depth:
                return ranked[:k]
            depth *= 2


def _by_time(
    found: list[tuple[Passage, float]], time: TimeSense, window_weight: float, need: int
) -> list[tuple[Passage, float]]:
    """Candidates re-scored by what the question says about time.

    Each score is min-max normalized, plus the recency prior's bonus (at most its weight, 0.5),
    plus `window_weight` where the passage reports on the period the question names: its
    article dated in it, or its own words naming a time inside it. The default 1.0 is twice the
    most the prior gives, so an article never wins over an equally relevant report on the
    period by being recent; relevance still can. A bonus, not a filter: a question's period
    often only places its story ("the 2002 kidnapping", "the Fed's March meeting"). How the
    weight was chosen: docs/tuning.md."""
    scores = normalized([score for _, score in found])
    published = [date.fromisoformat(row.date) if row.date else None for row, _ in found]
    if time.prior is not None:
        for i, (row, _) in enumerate(found):
            scores[i] += time.prior.bonus(row.date, time.as_of)
    if time.window is not None and window_weight > 0:
        _add_window(found, scores, published, time.window, window_weight, need)
    rescored = [(row, score) for (row, _), score in zip(found, scores, strict=True)]
    return sorted(rescored, key=lambda item: -item[1])


def _add_window(
    found: list[tuple[Passage, float]],
    scores: list[float],
    published: list[date | None],
    window: Window,
    weight: float,
    need: int,
) -> None:
    """Adds `weight` to the passages reporting on `window`: first those dated in it (a date
    comparison), then those whose words name a time in it. Reading words is the expensive part,
    so only the best MENTION_DEPTH are read, and none that could not reach the `need` best even
    with the bonus: exact for the `need` best."""
    dated_in = [day is not None and window.holds(day) for day in published]
    for i, inside in enumerate(dated_in):
        if inside:
            scores[i] += weight
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    bar = scores[order[min(need, len(order)) - 1]] if order else 0.0
    for i in order[:MENTION_DEPTH]:
        if scores[i] + weight < bar:
            break  # nor can any after it
        if not dated_in[i] and window.named_in(found[i][0].text, published[i]):
            scores[i] += weight


def _today_unbounded(filters: Filters, latest: str | None) -> Filters:
    """A question asked as of a day no article is later than needs no as-of filter (the usual
    case: today), which would only narrow every retriever to nearly everything."""
    if filters.as_of is not None and filters.as_of >= (latest or filters.as_of):
        return replace(filters, as_of=None)
    return filters


def _published_from(filters: Filters, window: Window | None) -> Filters:
    """Nothing published well before a window opens can report on it (undated articles stay).
    A week's slack: "this week" asked on a Friday means the past seven days to most readers."""
    if window is None or window.start is None:
        return filters
    return replace(filters, published_from=(window.start - FILTER_SLACK).isoformat())


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else periods.today()
