"""A timeline: what the articles say happened about a topic, oldest first, each event cited.

The passages a search finds are cut into sentences; the ones about the topic (the extractive
answerer's score, within a share of the best) become events. An event's date is the one its
sentence states ("on January 21, 2025", "in March", "on Thursday" read against the article's
date; the most precise one, at most a year long), else its article's date; a sentence with
neither has no place on a timeline. Sentences that say the same thing (syndicated copy, a fact
repeated by several outlets) fold into one event that lists every article carrying it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from index import periods
from index.filters import Filters
from index.models import Hit
from index.newsindex import NewsIndex
from index.query import TimeSense
from service.answering.extractive import ExtractiveAnswerer, story_span
from service.answering.sentences import split

# "sentence": the sentence states the date; "article": its article's publication date
DatedBy = Literal["sentence", "article"]
DEPTH = 20  # passages searched for events
RELATIVE_FLOOR = 0.6  # of the best sentence's score: below it a sentence is off the topic
SAME_EVENT = 0.9  # cosine between two sentences that say the same thing
MAX_DAYS = 366  # a stated time up to a year long dates an event; a decade does not


@dataclass(frozen=True)
class Source:
    """Where an event's sentence stands: its article and exact span in the article's text."""

    doc_id: str
    chunk_id: str
    start: int
    end: int
    title: str | None
    source: str | None
    date: str | None  # the article's publication date
    url: str | None


@dataclass
class Event:
    day: date
    label: str  # "21 January 2025", "March 2025"
    dated_by: DatedBy
    text: str
    cited: Source
    score: float
    also_in: list[Source] = field(default_factory=list)


@dataclass(frozen=True)
class Timeline:
    query: str
    time: TimeSense
    events: list[Event]


def timeline(
    index: NewsIndex,
    answerer: ExtractiveAnswerer,
    query: str,
    limit: int = 12,
    filters: Filters | None = None,
    mode: str | None = None,
) -> Timeline:
    """Up to `limit` dated events about `query`, oldest first."""
    filters = filters or Filters()
    # Uncollapsed: a syndicated copy is folded here, sentence by sentence, with its own span.
    found = index.search(query, DEPTH, filters, mode=mode, collapse=False)
    hits, time = found.hits, found.time
    candidates = [event for hit in hits for event in _sentences(hit)]
    if time.window is not None:  # "the Fed in 2025": its events only
        candidates = [event for event in candidates if time.window.holds(event.day)]
    if not candidates:
        return Timeline(query, time, [])
    vectors = answerer.embedder.embed_documents([e.text for e in candidates])
    scores = answerer.scores(query, [e.text for e in candidates], vectors)
    for event, score in zip(candidates, scores, strict=True):
        event.score = float(score)
    best = float(scores.max())
    order = np.argsort(-scores, kind="stable")
    kept: list[tuple[Event, np.ndarray]] = []
    for i in order:
        event = candidates[i]
        if event.score < RELATIVE_FLOOR * best or len(kept) == limit:
            break
        same = next((k for k, v in kept if float(v @ vectors[i]) >= SAME_EVENT), None)
        if same is None:
            kept.append((event, vectors[i]))
        elif event.cited.doc_id != same.cited.doc_id and all(
            s.doc_id != event.cited.doc_id for s in same.also_in
        ):
            same.also_in.append(event.cited)
    events = sorted((e for e, _ in kept), key=lambda e: (e.day, -e.score))
    return Timeline(query, time, events)


def _sentences(hit: Hit) -> list[Event]:
    """The passage's statements that can be dated, each as an event (score still to come)."""
    published = date.fromisoformat(hit.date) if hit.date else None
    events = []
    for sentence in split(hit.text):
        span = story_span(sentence)
        if span is None:
            continue
        dated = _stated_day(span.text, published) or _published_day(published)
        if dated is None:
            continue
        day, label, dated_by = dated
        cited = Source(
            hit.doc_id,
            hit.chunk_id,
            hit.start + span.start,
            hit.start + span.end,
            hit.title,
            hit.source,
            hit.date,
            hit.url,
        )
        events.append(Event(day, label, dated_by, span.text, cited, 0.0))
    return events


def _published_day(published: date | None) -> tuple[date, str, DatedBy] | None:
    return (
        None if published is None else (published, periods.label(published, published), "article")
    )


def _stated_day(sentence: str, published: date | None) -> tuple[date, str, DatedBy] | None:
    """The most precise time the sentence states (a day before a month before a year), read
    against the article's date; spans longer than a year ("the 1990s") date nothing."""
    found = [p for p in periods.find(sentence, published) if (p.end - p.start).days <= MAX_DAYS]
    if not found:
        return None
    best = min(found, key=lambda p: (p.end - p.start).days)
    return best.start, best.label, "sentence"
