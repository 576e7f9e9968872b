"""Every committed write checked against every watch, without a search per watch per article.

A watch's question is answered by its own search (its query, filters and mode, top WATCH_K,
untimed: a standing question is about what arrives, not about when it is asked), and a passage
of a new article that this search returns with a score of at least the watch's threshold is a
match. Running that search for every watch on every write would cost writes in proportion to
the watches, so candidates are found first, by conditions every match must meet:

- Dense: a passage the search returns is among its dense candidates, so its cosine to the
  question is at least the watch's *bar*: the cosine of the watch's last dense candidate (the
  search's depth-th best chunk, within its filters). The bar is kept per watch; writes only
  raise the true one, so a kept bar stays a lower bound until an article that held it is
  deleted or replaced (then it is measured again). All watches are scored against a write's
  chunks in one matrix product. With a convex fusion, min-max normalized, a hybrid match must
  also sit high enough in the range between the last and the best dense candidate to reach
  the threshold with a perfect lexical side (0.75 at even weights: its upper half); both ends
  only rise with writes, so the kept ones give a lower bound too.
- Lexical: with a fusion that a passage cannot pass the threshold from one side alone (the
  threshold is above what one side can give), a match also shares a term with the question:
  checked for the dense candidates only.
- The article passes the watch's filters.

Only the watches left run their search, once, right after the write: they fire exactly when
that search returns a passage of the new article above the threshold.

A watch `per: story` notifies once per story: for the first of its articles that matches. The
story is known only once grouping (index/stories/, a thread of its own) has placed the article,
so such a match waits here, parked, until the grouper says where the article went (or PARK_FOR
seconds, then it goes out as a story of its own). A later article of a story the watch matched
already is named on that match (`also_reported_by`) and notifies nobody.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from index.corpus.base import Stored
from index.filters import Filters
from index.models import Document, Hit, Reported
from index.newsindex import NewsIndex
from index.priority import lower_priority
from index.retrievers.fusion import Convex, Fusion
from index.retrievers.modes import make_fusion
from index.stories import Placement, Stories
from index.watching.book import Match, Watch, WatchBook, now

log = logging.getLogger(__name__)
WATCH_K = 10  # a watch's search returns its best 10 passages, as a search does by default
RELOAD_EVERY = 30.0  # seconds: watches made by other processes of a shared corpus come in
# Seconds a per-story match waits for its article's story: grouping takes milliseconds, but
# waits behind a catch-up (an index grouped for the first time) or an engine away.
PARK_FOR = 60.0
STOP, WARM = object(), object()
Notify = Callable[[Watch, Match], None]


@dataclass(frozen=True)
class Grouped:
    """The grouper's word on where a write's articles went (queued like a write)."""

    placements: Sequence[Placement]


@dataclass(frozen=True)
class Parked:
    """A per-story match waiting for its article's story."""

    watch: Watch
    match: Match
    since: float


@dataclass
class Bar:
    """A watch's dense bar and the articles that held its candidates when it was measured."""

    cosine: float
    held_by: set[str] = field(default_factory=set)
    best: float = 1.0  # the best candidate's cosine (a lower bound too, as `cosine` is)


def one_sided(index: NewsIndex) -> float:
    """The most a passage can score in hybrid search from one side alone (0.5 for an even
    convex fusion, 1/61 for reciprocal rank): a threshold above it needs both sides."""
    fusion = make_fusion(index.retrieval)
    alone = [fusion([[(0, 1.0)], []]), fusion([[], [(0, 1.0)]])]
    return max(ranking[0][1] for ranking in alone)


def both_sided(index: NewsIndex) -> float:
    """The most a passage can score in hybrid search: first on both sides."""
    return make_fusion(index.retrieval)([[(0, 1.0)], [(0, 1.0)]])[0][1]


def default_threshold(index: NewsIndex, mode: str) -> float | None:
    """Halfway between one side's best and both sides' best (hybrid), a cosine of 0.5
    (dense); BM25 scores have no scale to default on (None: the watch must say)."""
    if mode == "hybrid":
        return round((one_sided(index) + both_sided(index)) / 2, 6)
    return 0.5 if mode == "dense" else None


class WatchMatcher:
    """A write listener: each committed write is matched on a thread of its own, so a write
    never waits for the watches."""

    def __init__(
        self,
        index: NewsIndex,
        book: WatchBook,
        notify: Sequence[Notify] = (),
        stories: Stories | None = None,
    ) -> None:
        self.index = index
        self.book = book
        self.notify = list(notify)
        self.stories = stories  # None: no story ids, and per-story watches notify per article
        self._bars: dict[str, Bar] = {}
        self._asked: tuple[tuple[str, ...], np.ndarray] = ((), np.zeros((0, 0), np.float32))
        self._parked: dict[str, list[Parked]] = {}  # by document id
        # What the matching cost so far: writes matched, and searches run ("bar": measuring
        # a watch's bar, "confirm": a candidate watch's own search), for /metrics.
        self.work: Counter[str] = Counter()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="newsrag-watches", daemon=True)
        self._thread.start()
        self._queue.put(WARM)  # every bar measured before the first write needs it
        index.listen(self)
        if stories is not None and stories.grouping:
            stories.listen(self)

    # -- the write path's side: hand on, never wait ---------------------------------------

    def written(self, stored: Sequence[Stored]) -> None:
        self._idle.clear()
        self._queue.put(list(stored))

    def deleted(self, doc_id: str) -> None:
        self._idle.clear()
        self._queue.put(doc_id)

    def grouped(self, placements: Sequence[Placement]) -> None:
        """Where the grouper placed a write's articles (on its thread): parked matches go."""
        self._idle.clear()
        self._queue.put(Grouped(placements))

    def added(self, watch: Watch) -> None:
        """A new watch: its bar is measured now, off the caller's thread."""
        self._idle.clear()
        self._queue.put(watch)

    def pending(self) -> int:
        """Writes, deletions and new watches not matched yet (the one in hand included)."""
        return self._queue.unfinished_tasks

    def settled(self, timeout: float | None = None) -> bool:
        """Waits until every write handed on so far has been matched, and every per-story
        match has its story (tests, benchmarks)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._queue.put(STOP)
        self._thread.join()

    # -- the matcher's own thread ------------------------------------------------------------

    def _run(self) -> None:
        lower_priority()  # matching gives way to searches, as embedding and grouping do
        while True:
            taken = True
            try:
                item = self._queue.get(timeout=RELOAD_EVERY)
            except queue.Empty:
                item, taken = (WARM if self.index.shared else None), False
            if item is STOP:
                self._overdue(everything=True)  # closing: nothing parked is lost
                return
            try:
                if item is WARM:
                    self.book.reload()
                    for watch in self.book.all():
                        self.bar(watch)
                elif isinstance(item, Watch):
                    self.bar(item)
                elif isinstance(item, str):
                    self._forget(item)
                elif isinstance(item, Grouped):
                    self._placed(item.placements)
                elif item is not None:
                    self._match(item)
                self._overdue()
            except Exception:  # a failed match must not stop the watches (the engine away)
                log.exception("matching a write against the watches failed")
            finally:
                if taken:
                    self._queue.task_done()
                if self._queue.empty() and not self._parked:
                    self._idle.set()

    def _forget(self, doc_id: str) -> None:
        """An article gone: bars it held are measured again when next needed."""
        for watch_id, bar in list(self._bars.items()):
            if doc_id in bar.held_by:
                del self._bars[watch_id]

    def _match(self, stored: list[Stored]) -> None:
        replaced = {one.document.id for one in stored}
        self._forget_all(replaced)  # a replaced article's old chunks may have held a bar
        watches = self.book.all()
        if not watches or not stored:
            return
        self.work["writes"] += 1
        for watch in self._candidates(watches, stored):
            for match in self._confirmed(watch, replaced):
                if watch.per == "story":
                    self._per_story(watch, match)
                else:
                    self._keep(watch, match)

    def _keep(self, watch: Watch, match: Match) -> None:
        self.book.record(match)
        for notify in self.notify:
            notify(watch, match)

    def _per_story(self, watch: Watch, match: Match) -> None:
        """Kept and notified when its story is new to the watch, named on the earlier match
        when not; parked until the grouper places its article."""
        if match.story_id is None and self.stories is not None and self.stories.grouping:
            parked = Parked(watch, match, time.monotonic())
            self._parked.setdefault(match.doc_id, []).append(parked)
            return
        earlier = self.book.story_match(watch.id, match.story_id) if match.story_id else None
        if earlier is None:
            self._keep(watch, match)
        else:
            self.book.also_reported(earlier, Reported(match.doc_id, match.source, match.date))

    def _placed(self, placements: Sequence[Placement]) -> None:
        for placement in placements:  # in the order they were written
            for parked in self._parked.pop(placement.doc_id, []):
                self._release(parked, placement.story_id)

    def _overdue(self, everything: bool = False) -> None:
        """Per-story matches whose article was never placed (grouping failed) go out alone."""
        due = math.inf if everything else time.monotonic() - PARK_FOR
        for doc_id, waiting in list(self._parked.items()):
            if all(parked.since < due for parked in waiting):
                del self._parked[doc_id]
                for parked in waiting:
                    self._release(parked, self._story_of(doc_id))

    def _release(self, parked: Parked, story_id: str | None) -> None:
        match = replace(parked.match, story_id=story_id)
        if story_id is None:  # deleted before it was grouped, or never grouped
            self._keep(parked.watch, match)
        else:
            self._per_story(parked.watch, match)

    def _forget_all(self, doc_ids: set[str]) -> None:
        for watch_id, bar in list(self._bars.items()):
            if bar.held_by & doc_ids:
                del self._bars[watch_id]

    def bar(self, watch: Watch) -> Bar:
        """The watch's dense bar, measured if need be (one dense search, top depth)."""
        found = self._bars.get(watch.id)
        if found is not None:
            return found
        depth = self.index.retrieval.depth if self._mode(watch) == "hybrid" else WATCH_K
        hits = self._search(watch, depth, "dense")
        self.work["bar"] += 1
        cosine = hits[-1].score if len(hits) >= depth else -1.0  # fewer: every chunk is one
        bar = Bar(cosine, {hit.doc_id for hit in hits}, hits[0].score if hits else -1.0)
        self._bars[watch.id] = bar
        return bar

    def _candidates(self, watches: list[Watch], stored: list[Stored]) -> list[Watch]:
        vectors = np.concatenate([np.asarray(one.vectors, np.float32) for one in stored])
        owners = [i for i, one in enumerate(stored) for _ in one.chunks]
        terms = [set(t.split()) for one in stored for t in one.terms]
        fusion = make_fusion(self.index.retrieval)
        floors = np.asarray([self._floor(watch, fusion) for watch in watches], np.float32)
        # Every chunk against every watch at once; only the watches a chunk reaches go on.
        near = (vectors @ self._vectors(watches).T) >= floors
        lexical_only = np.asarray([self._mode(watch) == "bm25" for watch in watches])
        both = one_sided(self.index)
        picked = []
        for j in np.flatnonzero(near.any(axis=0) | lexical_only):
            watch = watches[j]
            mode = self._mode(watch)
            if mode == "bm25":  # no dense side: the lexical check alone
                rows = [i for i in range(len(terms)) if terms[i] & set(watch.terms)]
            else:
                rows = np.flatnonzero(near[:, j]).tolist()
                if mode == "hybrid" and watch.threshold > both:
                    rows = [i for i in rows if terms[i] & set(watch.terms)]
            if any(_passes(stored[owners[i]].document, watch.filters) for i in rows):
                picked.append(watch)
        return picked

    def _floor(self, watch: Watch, fusion: Fusion) -> float:
        """The least cosine a chunk of a match has to the watch's question (inf: BM25)."""
        mode = self._mode(watch)
        if mode == "bm25":
            return math.inf
        bar = self.bar(watch)
        if mode == "dense":
            return max(bar.cosine, watch.threshold)
        if (share := self._dense_share(fusion, watch.threshold)) > 0:
            return max(bar.cosine, bar.cosine + share * (bar.best - bar.cosine) - 1e-6)
        return bar.cosine

    def _vectors(self, watches: list[Watch]) -> np.ndarray:
        """The watches' query vectors as one matrix, made again only when the watches change
        (made from their lists, it took 12 ms a write at 1,000 watches)."""
        ids = tuple(watch.id for watch in watches)
        if self._asked[0] != ids:
            self._asked = (ids, np.asarray([watch.vector for watch in watches], np.float32))
        return self._asked[1]

    @staticmethod
    def _dense_share(fusion: Fusion, threshold: float) -> float:
        """How far up its dense candidates' range (0: the last, 1: the best) a passage must be
        to reach `threshold` in a convex fusion, its lexical side at best: the range's ends
        only rise as articles arrive, so the kept bar and best give a lower bound (0: none)."""
        if not isinstance(fusion, Convex) or len(fusion.weights) != 2 or fusion.weights[0] <= 0:
            return 0.0
        dense, lexical = fusion.weights
        return max(0.0, (threshold - lexical) / dense)

    def _confirmed(self, watch: Watch, new: set[str]) -> list[Match]:
        """The watch's own search, now: its passages of the new articles above the threshold,
        the best one per article."""
        best: dict[str, Hit] = {}
        self.work["confirm"] += 1
        for hit in self._search(watch, WATCH_K, self._mode(watch)):
            if hit.doc_id in new and hit.score >= watch.threshold and hit.doc_id not in best:
                best[hit.doc_id] = hit
        return [self._made(watch, hit) for hit in best.values()]

    def _made(self, watch: Watch, hit: Hit) -> Match:
        seen = now()
        return Match(
            id=f"{hit.doc_id}:{hit.chunk_no}:{seen}",
            watch=watch.id,
            doc_id=hit.doc_id,
            chunk_id=hit.chunk_id,
            start=hit.start,
            end=hit.end,
            text=hit.text,
            score=round(hit.score, 6),
            title=hit.title,
            source=hit.source,
            date=hit.date,
            url=hit.url,
            story_id=self._story_of(hit.doc_id),
            seen=seen,
        )

    def _story_of(self, doc_id: str) -> str | None:
        """The article's story if it is grouped yet (a replaced one: its story before)."""
        return self.stories.story_of(doc_id) if self.stories is not None else None

    def _search(self, watch: Watch, k: int, mode: str) -> list[Hit]:
        vector = np.asarray(watch.vector, np.float32)  # embedded once, when it was made
        found = self.index.search(
            watch.query,
            k,
            watch.filters,
            mode,
            collapse=False,
            timed=False,
            vector=vector,
            story_ids=False,  # a match reads its own (_story_of), once it is one
        )
        return found.hits

    def _mode(self, watch: Watch) -> str:
        return watch.mode or self.index.retrieval.mode


def _passes(doc: Document, filters: Filters) -> bool:
    """Whether an article passes a watch's filters (sources, date range), as a search's would."""
    sources = filters.sources
    if sources is not None and (doc.source or "").lower() not in {s.lower() for s in sources}:
        return False
    if filters.date_from is not None and not (doc.date and doc.date >= filters.date_from):
        return False
    return not (filters.date_to is not None and not (doc.date and doc.date <= filters.date_to))
