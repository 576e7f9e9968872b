"""Standing questions (watches) and what they matched, kept as records of the corpus's state
store: files in a local index directory, records in Milvus with the scale-out backend, so
watches survive restarts and every replica sees the same ones."""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from index.corpus.base import EngineUnavailable, StateStore
from index.filters import Filters
from index.models import Reported

log = logging.getLogger(__name__)
Per = Literal["article", "story"]
MAX_MATCHES = 500  # kept per watch, newest last; older ones leave the feed first
WATCH, MATCHES = "watch/", "watch-matches/"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Watch:
    """A question asked again of every article that arrives."""

    id: str
    query: str
    name: str
    mode: str | None  # None: the index's default mode
    threshold: float  # a passage scoring at least this, in the watch's own search, matches
    per: Per  # one match per article, or per story (the first copy of it to arrive)
    sources: list[str] | None
    date_from: str | None
    date_to: str | None
    webhook: str | None  # POSTed each match, signed with `secret`
    secret: str
    created: str
    terms: list[str]  # the query's analyzed terms (the lexical check)
    vector: list[float]  # the query's embedding (the dense check)

    @property
    def filters(self) -> Filters:
        return Filters(source=self.sources, date_from=self.date_from, date_to=self.date_to)

    @classmethod
    def made(
        cls,
        query: str,
        terms: list[str],
        vector: list[float],
        *,
        name: str | None = None,
        mode: str | None = None,
        threshold: float,
        per: Per = "article",
        sources: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        webhook: str | None = None,
    ) -> Watch:
        return cls(
            id=uuid.uuid4().hex[:16],
            query=query,
            name=name or query,
            mode=mode,
            threshold=threshold,
            per=per,
            sources=sources,
            date_from=date_from,
            date_to=date_to,
            webhook=webhook,
            secret=secrets.token_hex(16),
            created=now(),
            terms=terms,
            vector=vector,
        )


@dataclass
class Delivery:
    """One attempt to deliver a match to its watch's webhook."""

    at: str
    attempt: int
    status: int | None  # the HTTP status; None when no answer came
    error: str | None = None


@dataclass
class Match:
    """A passage of a new article that the watch's own search ranks above its threshold."""

    id: str
    watch: str
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    title: str | None
    source: str | None
    date: str | None
    url: str | None
    story_id: str | None
    seen: str  # when the write that brought it committed and it was matched
    deliveries: list[Delivery] = field(default_factory=list)
    # `per: story`: the story's later articles that matched too, kept here, never notified
    also_reported_by: list[Reported] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, record: dict[str, Any]) -> Match:
        deliveries = [Delivery(**d) for d in record.get("deliveries", [])]
        also = [Reported(**r) for r in record.get("also_reported_by", [])]
        return cls(**{**record, "deliveries": deliveries, "also_reported_by": also})


class WatchBook:
    """The watches and their matches. Watches are read from memory (loaded once, kept in step
    with this process's own changes; `reload` picks up other processes'); each match is a
    record of its own, so processes matching one watch at once never overwrite each other."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._watches: dict[str, Watch] = {}
        try:
            self.reload()
        except EngineUnavailable as exc:  # the engine away at start: the matcher reads again
            log.warning("watches not read yet: %s", exc)

    def reload(self) -> None:
        loaded = {record["id"]: Watch(**record) for _, record in self.store.items(WATCH)}
        with self._lock:
            self._watches = loaded

    def add(self, watch: Watch) -> Watch:
        self.store.put(WATCH + watch.id, asdict(watch))
        with self._lock:
            self._watches[watch.id] = watch
        return watch

    def remove(self, watch_id: str) -> bool:
        with self._lock:
            gone = self._watches.pop(watch_id, None)
        if gone is None and self.store.get(WATCH + watch_id) is None:
            return False
        self.store.delete(WATCH + watch_id)
        for key in self.store.keys(f"{MATCHES}{watch_id}/"):
            self.store.delete(key)
        return True

    def get(self, watch_id: str) -> Watch | None:
        with self._lock:
            found = self._watches.get(watch_id)
        if found is None:  # made by another process since this one loaded
            record = self.store.get(WATCH + watch_id)
            found = Watch(**record) if record else None
        return found

    def all(self) -> list[Watch]:
        with self._lock:
            return sorted(self._watches.values(), key=lambda w: w.created)

    def matches(self, watch_id: str) -> list[Match]:
        """Oldest first (their keys begin with when they were seen)."""
        return [Match.of(value) for _, value in self.store.items(f"{MATCHES}{watch_id}/")]

    def record(self, match: Match) -> None:
        """Keeps a match (and forgets the oldest of its watch past MAX_MATCHES)."""
        self.store.put(match_key(match), match.public())
        keys = self.store.keys(f"{MATCHES}{match.watch}/")
        for old in keys[: max(0, len(keys) - MAX_MATCHES)]:
            self.store.delete(old)

    def story_match(self, watch_id: str, story_id: str) -> Match | None:
        """The watch's match of an article of this story, if it has one (the first)."""
        found = (m for m in self.matches(watch_id) if m.story_id == story_id)
        return next(found, None)

    def also_reported(self, match: Match, other: Reported) -> None:
        """Another article of `match`'s story matched the watch too: named on the match."""
        if other.doc_id != match.doc_id:
            self._update(match, lambda kept: _also(kept, other))

    def delivered(self, match: Match, attempt: Delivery) -> None:
        match.deliveries.append(attempt)
        self._update(match, lambda kept: kept.deliveries.append(attempt))

    def _update(self, match: Match, change: Callable[[Match], None]) -> None:
        """Changes the stored match as it is now (the matcher and the webhooks' thread each
        change their own field of it; neither may put back a copy older than the other's)."""
        with self._update_lock:
            record = self.store.get(match_key(match))
            if record is None:  # forgotten past MAX_MATCHES, or its watch deleted
                return
            kept = Match.of(record)
            change(kept)
            self.store.put(match_key(match), kept.public())


def _also(match: Match, other: Reported) -> None:
    if all(r.doc_id != other.doc_id for r in match.also_reported_by):
        match.also_reported_by.append(other)


def match_key(match: Match) -> str:
    """Where a match is kept (a file store's keys, as it lists them, are its file names: a
    copy elsewhere keys each match by this again)."""
    return f"{MATCHES}{match.watch}/{match.seen}-{match.id}"
