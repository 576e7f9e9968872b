"""Stories: the articles that report one event (a wire story rewritten by several outlets, its
follow-ups within days), grouped as each article arrives.

names.py reads the names an article mentions, matching.py decides whether an article fits a
story, records.py keeps stories in the corpus's records (every replica sees the same ones),
grouping.py places one article, folding.py gives search hits their stories. This module runs
the grouping on a thread of its own, after each committed write of this process, and answers
what callers ask: which story a document is in, a story, the latest ones.

For a caller that acts once per story (a watch): `listen` for placements, which arrive after
the write's documents are grouped; `story_of` answers at any time (None until then).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from index import periods
from index.corpus.base import Corpus, Stored
from index.filters import Filters
from index.models import Hit
from index.priority import lower_priority
from index.stories.folding import annotated, folded
from index.stories.grouping import Grouper, Placement
from index.stories.matching import Matching
from index.stories.records import Member, Story, StoryRecords

log = logging.getLogger(__name__)

RECORDS = "stories"  # the corpus's records(): stories.sqlite in a local index directory
CATCH_UP_LEASE = "stories"  # one process at a time groups what nobody grouped
CATCH_UP_TTL = 3600.0

__all__ = ["Matching", "Member", "Placement", "Stories", "Story", "StoryListener"]


class StoryListener(Protocol):
    """Hears where the documents of each write (or a delete) were placed, on the grouping
    thread: like a WriteListener, it hands work on rather than doing it."""

    def grouped(self, placements: Sequence[Placement]) -> None: ...


class Stories:
    """The stories of one corpus. `grouping` (a process that writes the corpus) groups what
    it writes; any process reads."""

    def __init__(self, corpus: Corpus, grouping: bool, matching: Matching | None = None) -> None:
        self.corpus = corpus
        self.grouping = grouping
        self.records = StoryRecords(corpus.records(RECORDS))
        self._grouper = Grouper(corpus, self.records, matching or Matching())
        self._listeners: list[StoryListener] = []
        self._work: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._pending = 0  # writes and deletes submitted and not yet grouped
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- what NewsIndex tells it (a WriteListener) ------------------------------------------

    def written(self, stored: Sequence[Stored]) -> None:
        self._submit("write", list(stored))

    def deleted(self, doc_id: str) -> None:
        self._submit("delete", doc_id)

    def catch_up(self) -> None:
        """Groups, in the background, every document nobody grouped (an index made before
        stories existed, or a write whose process died before grouping it)."""
        self._submit("catch-up", None)

    # -- reading ------------------------------------------------------------------------------

    def story_of(self, doc_id: str) -> str | None:
        """The id of the story the document is in (None: not grouped, or no such document)."""
        return self.stories_of([doc_id]).get(doc_id)

    def stories_of(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Each grouped document's story id, read at once."""
        return self.records.story_ids(doc_ids)

    def story(self, story_id: str) -> Story | None:
        return self.records.story(story_id)

    def recent(
        self, since: str | None = None, match: str | None = None, limit: int = 20
    ) -> list[Story]:
        """Stories updated on or after `since` (ISO day), newest first, whose label or a
        source contains `match`."""
        return self.records.recent(since, match, limit)

    def annotate(self, hits: Sequence[Hit], filters: Filters, fold: bool, k: int) -> list[Hit]:
        """Hits with their story ids; with `fold`, one per story (see folding.py)."""
        found = annotated(hits, self.records)
        return folded(found, self.records, filters, k) if fold else found[:k]

    # -- following the grouping ------------------------------------------------------------------

    def listen(self, listener: StoryListener) -> None:
        self._listeners.append(listener)

    def wait(self, timeout: float | None = None) -> bool:
        """Until everything submitted so far is grouped (and listeners told); False if
        `timeout` seconds pass first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Groups what is left, then stops the thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._work.put(None)
            thread.join()

    # -- the grouping thread ------------------------------------------------------------------

    def _submit(self, kind: str, what: Any) -> None:
        if not self.grouping:
            return
        with self._idle:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="newsrag-stories", daemon=True
                )
                self._thread.start()
        self._work.put((kind, what))

    def _run(self) -> None:
        lower_priority()  # grouping gives way to searches, as embedding does
        while (item := self._work.get()) is not None:
            try:
                placements = self._do(*item)
                if item[0] != "catch-up":  # old documents, not news: nobody is told
                    for listener in self._listeners:
                        listener.grouped(placements)
            except Exception:  # an engine away, a listener's bug: the next write is grouped
                log.exception("grouping stories failed (%s)", item[0])
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _do(self, kind: str, what: Any) -> list[Placement]:
        if kind == "write":
            seen = periods.today()
            return [self._grouper.place(one, seen) for one in what]
        if kind == "delete":
            gone = self._grouper.remove(what)
            return [] if gone is None else [gone]
        return self._catch_up()

    def _catch_up(self) -> list[Placement]:
        if not self.corpus.leases.hold(CATCH_UP_LEASE, CATCH_UP_TTL):
            return []  # another process is at it
        try:
            missing = self._ungrouped()
            if not missing:
                return []
            log.info("grouping %d documents into stories", len(missing))
            seen = periods.today()
            return [self._grouper.place(one, seen) for one in self.corpus.exported(missing)]
        finally:
            self.corpus.leases.release(CATCH_UP_LEASE)

    def _ungrouped(self) -> set[str]:
        """Documents without a story: none when there are as many story records as documents
        (two counts, where listing both would read the whole archive on every start of every
        replica); else the ids not among the records'."""
        if self.records.count_grouped() == self.corpus.counts()[0]:
            return set()
        grouped = self.records.grouped()
        return {doc_id for doc_id in self.corpus.ids() if doc_id not in grouped}
