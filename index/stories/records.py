"""Stories as records in a StateStore: the layout, and the reads and writes grouping needs.

    story-of/<doc id>             the story a document is in, and what the story needs of it
                                  (its vector, names, date, headline, source): the truth
    story-member/<story>/<doc id> {}: a story's articles, listed by prefix
    story/<story id>              the story's summary: label, dates, articles, centroid, names
    story-day/<day>/<story id>    {}: stories by the day they were last updated (newest first)
    story-months                  the months story-day/ holds keys in

The summary is derived: every change to a story rebuilds it from its member keys and their
story-of records (one key listing and one read), so a summary that lost a race (two writers
changing one story at once; the store's last write wins) is right again after the story's
next change, and `story(id)` reads the members themselves. A stale marker (a document moved or
deleted meanwhile) is ignored where it disagrees with story-of, and dropped by the next
rebuild. A write's cost grows with the size of the story it joins, not with the archive.
"""

from __future__ import annotations

import base64
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from index.corpus.base import StateStore
from index.stories.matching import Sketch

OF, MEMBER, STORY, DAY, MONTHS = (
    "story-of/",
    "story-member/",
    "story/",
    "story-day/",
    "story-months",
)
NAMES_KEPT = 100  # a story's most mentioned names: what matching compares
LISTED_AT_ONCE = 50  # summaries read per request while listing


@dataclass(frozen=True)
class Placed:
    """A document's record: the story it is in, and what the story needs of it."""

    doc_id: str
    story_id: str
    vector: np.ndarray  # the mean of its chunks' vectors, normalized
    names: frozenset[str]
    published: str | None  # ISO date
    seen: str  # the day it was grouped: an undated article's time
    headline: str  # its title, else its first words
    source: str | None

    @property
    def day(self) -> str:
        return self.published or self.seen


@dataclass(frozen=True)
class Member:
    """One of a story's articles, as a listing shows it."""

    doc_id: str
    headline: str
    source: str | None
    date: str | None  # publication date (None: undated)


@dataclass(frozen=True)
class Story:
    """Articles reporting one event: labelled by the headline of the most central one."""

    id: str
    label: str
    label_doc: str
    first_seen: str  # ISO day: the earliest article's date (an undated one's: when grouped)
    last_updated: str  # the latest's
    members: tuple[Member, ...]  # oldest first
    centroid: np.ndarray
    names: frozenset[str]
    span: tuple[date, date] | None  # its dated articles' first and last publication day

    @property
    def sources(self) -> list[str]:
        """Its articles' sources, each once, in the order they reported."""
        return list(dict.fromkeys(m.source for m in self.members if m.source))

    def sketch(self) -> Sketch:
        return Sketch(self.id, self.centroid, self.names, self.span)


class StoryRecords:
    """The layout above over one StateStore (the corpus's `records("stories")`)."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self._months: set[str] = set()  # months this process knows story-months holds

    # -- reading --------------------------------------------------------------------------

    def placed(self, doc_ids: Iterable[str]) -> dict[str, Placed]:
        """The records of those of `doc_ids` that are grouped: one read."""
        found = self.state.get_many([OF + doc_id for doc_id in doc_ids])
        return {key[len(OF) :]: _placed(key[len(OF) :], value) for key, value in found.items()}

    def story_ids(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """The story of each of `doc_ids` that is grouped: one read, and no vector decoded
        (every search hit asks; a record's vector and names are for grouping)."""
        found = self.state.get_many([OF + doc_id for doc_id in doc_ids])
        return {key[len(OF) :]: value["story"] for key, value in found.items()}

    def stories(self, story_ids: Iterable[str]) -> dict[str, Story]:
        """The summaries of `story_ids` that exist: one read."""
        found = self.state.get_many([STORY + story_id for story_id in story_ids])
        return {key[len(STORY) :]: _story(value) for key, value in found.items()}

    def story(self, story_id: str) -> Story | None:
        """A story with exactly the articles its members' records say (a summary behind by a
        lost race is rebuilt here, in memory)."""
        summary = self.stories([story_id]).get(story_id)
        if summary is None:
            return None
        members = self._members(story_id)
        if {m.doc_id for m in summary.members} == {p.doc_id for p in members}:
            return summary
        return summarize(story_id, members) if members else None

    def _members(self, story_id: str) -> list[Placed]:
        prefix = f"{MEMBER}{story_id}/"
        listed = [key[len(prefix) :] for key in self.state.keys(prefix)]
        placed = self.placed(listed)
        return [placed[doc] for doc in listed if doc in placed and placed[doc].story_id == story_id]

    def recent(self, since: str | None, match: str | None, limit: int) -> list[Story]:
        """Stories last updated on or after `since`, newest first, whose label or a source
        contains `match` (case-insensitive)."""
        wanted = match.casefold() if match else None
        found: list[Story] = []
        for batch in _batches(self._newest(since), LISTED_AT_ONCE):
            stories = self.stories(story_id for _, story_id in batch)
            for day, story_id in batch:
                story = stories.get(story_id)
                if story is None or story.last_updated != day:  # a stale marker
                    continue
                if wanted is None or _mentions(story, wanted):
                    found.append(story)
                    if len(found) == limit:
                        return found
        return found

    def _newest(self, since: str | None) -> Iterator[tuple[str, str]]:
        """(day, story id) from the day markers, newest first, down to `since`."""
        record = self.state.get(MONTHS) or {}
        months = sorted(record.get("months", []), reverse=True)
        for month in months:
            if since is not None and month < since[:7]:
                return
            keys = sorted(self.state.keys(f"{DAY}{month}"), reverse=True)
            for key in keys:
                day, _, story_id = key[len(DAY) :].partition("/")
                if since is not None and day < since:
                    return
                yield day, story_id

    # -- writing --------------------------------------------------------------------------

    def place(self, placed: Placed) -> None:
        """Records the document in its story (the story's summary is rebuilt by `rebuild`)."""
        self.state.put(OF + placed.doc_id, _placed_record(placed))
        self.state.put(f"{MEMBER}{placed.story_id}/{placed.doc_id}", {})

    def unplace(self, placed: Placed) -> None:
        """Takes the document out of its story."""
        self.state.delete(OF + placed.doc_id)
        self.state.delete(f"{MEMBER}{placed.story_id}/{placed.doc_id}")

    def rebuild(self, story_id: str) -> Story | None:
        """The story's summary made again from its members (None, and the story gone, when
        it has none left); stale member and day markers are dropped on the way."""
        old = self.stories([story_id]).get(story_id)
        prefix = f"{MEMBER}{story_id}/"
        listed = [key[len(prefix) :] for key in self.state.keys(prefix)]
        placed = self.placed(listed)
        members = [placed[d] for d in listed if d in placed and placed[d].story_id == story_id]
        for doc_id in set(listed) - {p.doc_id for p in members}:
            self.state.delete(prefix + doc_id)
        story = summarize(story_id, members) if members else None
        if story is None:
            self.state.delete(STORY + story_id)
        else:
            self.state.put(STORY + story_id, _story_record(story))
            self._mark(story)
        if old is not None and (story is None or story.last_updated != old.last_updated):
            self.state.delete(f"{DAY}{old.last_updated}/{story_id}")
        return story

    def _mark(self, story: Story) -> None:
        self.state.put(f"{DAY}{story.last_updated}/{story.id}", {})
        month = story.last_updated[:7]
        if month in self._months:
            return
        record = self.state.get(MONTHS) or {}
        months = set(record.get("months", []))
        if month not in months:
            self.state.put(MONTHS, {"months": sorted(months | {month})})
        self._months = months | {month}

    def grouped(self) -> set[str]:
        """Every grouped document's id (a key listing: for catching up, not for requests)."""
        return {key[len(OF) :] for key in self.state.keys(OF)}

    def count_grouped(self) -> int:
        return self.state.count(OF)


def new_story_id() -> str:
    return secrets.token_hex(6)


def summarize(story_id: str, members: Sequence[Placed]) -> Story:
    """A story's summary from its articles' records."""
    total = np.asarray(np.sum([p.vector for p in members], axis=0), dtype=np.float32)
    centroid = total / max(float(np.linalg.norm(total)), 1e-12)
    central = max(members, key=lambda p: (float(np.dot(p.vector, centroid)), p.doc_id))
    counts = Counter(name for p in members for name in p.names)
    top = sorted(counts, key=lambda name: (-counts[name], name))[:NAMES_KEPT]
    dated = [date.fromisoformat(p.published) for p in members if p.published]
    ordered = sorted(members, key=lambda p: (p.day, p.doc_id))
    return Story(
        id=story_id,
        label=central.headline,
        label_doc=central.doc_id,
        first_seen=ordered[0].day,
        last_updated=max(p.day for p in members),
        members=tuple(Member(p.doc_id, p.headline, p.source, p.published) for p in ordered),
        centroid=centroid.astype(np.float32),
        names=frozenset(top),
        span=(min(dated), max(dated)) if dated else None,
    )


def _mentions(story: Story, wanted: str) -> bool:
    return wanted in story.label.casefold() or any(wanted in s.casefold() for s in story.sources)


def _batches(items: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    """`items` in lists of `size`, each story id once."""
    seen: set[str] = set()
    batch: list[tuple[str, str]] = []
    for day, story_id in items:
        if story_id in seen:
            continue
        seen.add(story_id)
        batch.append((day, story_id))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the records' JSON --------------------------------------------------------------------


def _vector_out(vector: np.ndarray) -> str:
    """float16, base64: 768 bytes of a 384-dimensional vector, precise to 1e-3."""
    return base64.b64encode(vector.astype(np.float16).tobytes()).decode("ascii")


def _vector_in(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float16).astype(np.float32)


def _placed_record(p: Placed) -> dict[str, Any]:
    return {
        "story": p.story_id,
        "vector": _vector_out(p.vector),
        "names": sorted(p.names),
        "published": p.published,
        "seen": p.seen,
        "headline": p.headline,
        "source": p.source,
    }


def _placed(doc_id: str, value: dict[str, Any]) -> Placed:
    return Placed(
        doc_id=doc_id,
        story_id=value["story"],
        vector=_vector_in(value["vector"]),
        names=frozenset(value["names"]),
        published=value["published"],
        seen=value["seen"],
        headline=value["headline"],
        source=value["source"],
    )


def _story_record(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "label": story.label,
        "label_doc": story.label_doc,
        "first_seen": story.first_seen,
        "last_updated": story.last_updated,
        "members": [[m.doc_id, m.headline, m.source, m.date] for m in story.members],
        "centroid": _vector_out(story.centroid),
        "names": sorted(story.names),
        "span": [day.isoformat() for day in story.span] if story.span else None,
    }


def _story(value: dict[str, Any]) -> Story:
    span = value["span"]
    return Story(
        id=value["id"],
        label=value["label"],
        label_doc=value["label_doc"],
        first_seen=value["first_seen"],
        last_updated=value["last_updated"],
        members=tuple(Member(*member) for member in value["members"]),
        centroid=_vector_in(value["centroid"]),
        names=frozenset(value["names"]),
        span=(date.fromisoformat(span[0]), date.fromisoformat(span[1])) if span else None,
    )
