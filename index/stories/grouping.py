"""Placing one article in a story, incrementally: compared with the stories of its nearest
passages only, never re-clustering what is already grouped.

The candidates are found with the vectors already stored: the article's mean vector searched
among the chunks published within the window around its date (any date, for an undated
article), NEIGHBOURS of them. Their documents' stories are read (one request), scored
(matching.py), and the article joins the best one that qualifies, or starts a story of its own.
Only the stories it joins or leaves change: no other article moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from index.corpus.base import Corpus, Stored
from index.excerpt import first_words
from index.filters import Filters
from index.stories.matching import Matching, is_copy, score
from index.stories.names import names
from index.stories.records import Placed, Story, StoryRecords, new_story_id

NEIGHBOURS = 30  # chunks read around an article: their documents' stories are the candidates


@dataclass(frozen=True)
class Placement:
    """Where grouping put a document: what a watch needs to notify once per story."""

    doc_id: str
    story_id: str | None  # None: the document was deleted
    new_story: bool  # the story begins with this document
    previous: str | None  # the story it was in before (a replaced or deleted document)


class Grouper:
    """Places documents in stories and takes them out; one thread at a time (the caller's)."""

    def __init__(self, corpus: Corpus, records: StoryRecords, matching: Matching) -> None:
        self.corpus = corpus
        self.records = records
        self.matching = matching

    def place(self, stored: Stored, seen: date) -> Placement:
        """Groups one written document (added, or replaced: it keeps its story if that story
        still fits it best, and its story id when it was alone in it and still is)."""
        doc = stored.document
        old = self.records.placed([doc.id]).get(doc.id)
        emptied = False  # its story had no other article
        if old is not None:
            self.records.unplace(old)
            emptied = self.records.rebuild(old.story_id) is None
        article = _article(stored, seen)
        joined = self._match(article, doc.text)
        previous = old.story_id if old is not None else None
        story_id = joined or (previous if previous is not None and emptied else new_story_id())
        self.records.place(replace(article, story_id=story_id))
        self.records.rebuild(story_id)
        return Placement(doc.id, story_id, joined is None and story_id != previous, previous)

    def remove(self, doc_id: str) -> Placement | None:
        """Takes a deleted document out of its story (which disappears when emptied)."""
        old = self.records.placed([doc_id]).get(doc_id)
        if old is None:
            return None
        self.records.unplace(old)
        self.records.rebuild(old.story_id)
        return Placement(doc_id, None, False, old.story_id)

    def _match(self, article: Placed, text: str) -> str | None:
        """The story `article` joins, if any."""
        near = self.records.placed(self._neighbours(article))
        near.pop(article.doc_id, None)
        published = date.fromisoformat(article.published) if article.published else None
        if published is not None:
            stories = self.records.stories({p.story_id for p in near.values()})
            best = _best(article, published, stories.values(), self.matching)
            if best is not None:
                return best
        return self._copied(article, text, near.values())

    def _neighbours(self, article: Placed) -> list[str]:
        """The documents of the chunks nearest the article, within the window of its date."""
        filters = Filters()
        if article.published is not None:
            day, window = date.fromisoformat(article.published), self.matching.window_days
            first, last = day - timedelta(days=window), day + timedelta(days=window)
            filters = Filters(date_from=first.isoformat(), date_to=last.isoformat())
        with self.corpus.view(filters) as view:
            if view.empty:
                return []
            scored = view.dense(article.vector, NEIGHBOURS)
            rows = view.passages([key for key, _ in scored])
        return list(dict.fromkeys(rows[key].doc_id for key, _ in scored if key in rows))

    def _copied(self, article: Placed, text: str, near: Iterable[Placed]) -> str | None:
        """Without a date on one side, only a copy joins: the story of the nearest neighbour
        that is undated (or whose article is) and repeats its text."""
        candidates = [
            p
            for p in near
            if (article.published is None or p.published is None)
            and float(np.dot(article.vector, p.vector)) >= self.matching.copy_similarity
        ]
        candidates.sort(key=lambda p: -float(np.dot(article.vector, p.vector)))
        for candidate in candidates:
            found = self.corpus.document(candidate.doc_id)
            if found is not None and is_copy(text, found[0].text, self.matching):
                return candidate.story_id
        return None


def _best(
    article: Placed, published: date, stories: Iterable[Story], matching: Matching
) -> str | None:
    """The best-scoring story that qualifies."""
    scored = [
        (fit, story.id)
        for story in stories
        if (fit := score(article.vector, article.names, published, story.sketch(), matching))
        is not None
        and fit >= matching.threshold
    ]
    return max(scored)[1] if scored else None


def _article(stored: Stored, seen: date) -> Placed:
    """What grouping reads of a written document (its story not yet known)."""
    doc = stored.document
    mean = np.asarray(stored.vectors, dtype=np.float32).mean(axis=0)
    vector = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return Placed(
        doc_id=doc.id,
        story_id="",
        vector=vector,
        names=names(f"{doc.title}.\n{doc.text}" if doc.title else doc.text),
        published=doc.date,
        seen=seen.isoformat(),
        headline=doc.title or first_words(doc.text),
        source=doc.source,
    )
