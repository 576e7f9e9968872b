"""What a follower remembers per feed between polls and restarts: one state record (feeds.json
in a local index directory, a record in the engine with the milvus backend)."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.corpus.base import StateStore

log = logging.getLogger(__name__)

STATE_KEY = "feeds"  # the server's own; a `newsrag follow` beside it keeps "follow"
MAX_BACKOFF = 3600.0  # seconds: a feed failing for days is still tried hourly
MAX_ITEMS = 2000  # fingerprints kept per feed; far more than any feed lists at once


@dataclass
class PollReport:
    """One poll of one feed: what it added, replaced and skipped, and what went wrong."""

    url: str
    title: str | None = None
    added: int = 0
    replaced: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False  # the server answered 304
    failed: bool = False  # the feed itself failed (not merely some of its items)


@dataclass
class FeedState:
    """Counters are totals since the feed was first followed; times are Unix seconds."""

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_poll: float | None = None
    last_success: float | None = None
    next_poll: float = 0.0
    added: int = 0
    replaced: int = 0
    skipped: int = 0
    errors: int = 0
    failures: int = 0  # failed polls in a row: the backoff exponent
    last_error: str | None = None
    items: dict[str, str] = field(default_factory=dict)  # document id -> item fingerprint

    def conditional_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last full answer: a 304 costs no body."""
        headers = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in headers.items() if value}

    def remember(self, doc_id: str, fingerprint: str) -> None:
        """Most recently seen last, so the oldest are the ones forgotten past MAX_ITEMS."""
        self.items.pop(doc_id, None)
        self.items[doc_id] = fingerprint
        for old in list(self.items)[: max(0, len(self.items) - MAX_ITEMS)]:
            del self.items[old]

    def count(self, report: PollReport) -> None:
        self.added += report.added
        self.replaced += report.replaced
        self.skipped += report.skipped
        self.errors += len(report.errors)
        self.last_error = report.errors[-1] if report.errors else self.last_error


def backoff(interval: float, failures: int) -> float:
    """Seconds until the next try: the interval doubled per failure in a row, capped."""
    doubled: float = interval * 2.0 ** min(failures, 32)
    return min(doubled, max(MAX_BACKOFF, interval))


def load_states(store: StateStore, key: str) -> dict[str, FeedState]:
    """Every feed the record knows, by URL; one that no longer fits is dropped (logged)."""
    known = {f.name for f in dataclasses.fields(FeedState)}
    states: dict[str, FeedState] = {}
    for url, record in (store.get(key) or {}).get("feeds", {}).items():
        try:
            states[url] = FeedState(**{k: v for k, v in record.items() if k in known})
        except (TypeError, AttributeError) as exc:
            log.warning("forgetting the stored state of feed %s: %s", url, exc)
    return states


def save_states(store: StateStore, key: str, states: dict[str, FeedState]) -> None:
    feeds = {url: dataclasses.asdict(state) for url, state in states.items()}
    store.put(key, {"version": 1, "feeds": feeds})
