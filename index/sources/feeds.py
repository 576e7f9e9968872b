"""Following feeds: poll, turn new or changed items into documents, remember what was seen.

A feed that fails is retried later and later (backoff); an item that fails is counted and
tried again when the feed next changes. Neither ever stops the other feeds or items.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from index.sources.articles import item_document, item_id
from index.sources.base import Sink, SourceError
from index.sources.feedstate import FeedState, PollReport, backoff, load_states, save_states
from index.sources.fetch import Fetcher, FetchLimits
from index.sources.items import FeedItem
from index.sources.parse import parse_feed

if TYPE_CHECKING:
    from index.corpus.base import StateStore

log = logging.getLogger(__name__)


class FeedFollower:
    """Polls `urls` into `sink`, keeping per-feed state in the record `key` of `store` across
    restarts (and across replicas, which share the store)."""

    def __init__(
        self,
        urls: Iterable[str],
        sink: Sink,
        store: StateStore,
        key: str,
        interval: float = 300.0,
        limits: FetchLimits | None = None,
        on_poll: Callable[[PollReport], None] | None = None,
    ) -> None:
        self.urls = list(dict.fromkeys(urls))
        self.sink, self.store, self.key, self.interval = sink, store, key, interval
        self.on_poll = on_poll
        self.fetcher = Fetcher(limits or FetchLimits())
        self.reload()

    def reload(self) -> None:
        """Reads the stored state again: another process (a replica that held the feeds'
        lease before) may have polled since."""
        self.states = load_states(self.store, self.key)
        for url in self.urls:
            self.states.setdefault(url, FeedState(url))

    def status(self) -> list[FeedState]:
        """A snapshot of every followed feed, without the item fingerprints."""
        return [replace(self.states[url], items={}) for url in self.urls]

    def poll_all(self, stop: threading.Event | None = None) -> list[PollReport]:
        """Poll every feed now, due or not (a feed backing off included)."""
        return [self.poll(url, stop) for url in self.urls if not (stop and stop.is_set())]

    def poll_due(self, stop: threading.Event | None = None) -> float:
        """Poll the feeds that are due; the seconds until the next one is."""
        for url in self.urls:
            if self.states[url].next_poll <= time.time() and not (stop and stop.is_set()):
                self.poll(url, stop)
        soonest = min((self.states[url].next_poll for url in self.urls), default=time.time() + 60)
        return max(0.0, soonest - time.time())

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; it is checked between items, so stopping is prompt."""
        while not stop.is_set():
            stop.wait(self.poll_due(stop))

    def poll(self, url: str, stop: threading.Event | None = None) -> PollReport:
        """One poll of one feed; every failure ends up in the report, never raised."""
        state, report = self.states[url], PollReport(url, self.states[url].title)
        state.last_poll = time.time()
        try:
            self._poll(state, report, stop)
        except SourceError as exc:
            self._failed(state, report, str(exc))
        except Exception as exc:  # a sink or parser bug must not end the polling of the others
            log.exception("feed %s: unexpected error", url)
            self._failed(state, report, f"{url}: {type(exc).__name__}: {exc}")
        else:
            state.failures, state.last_success = 0, time.time()
            state.next_poll = state.last_success + self.interval
        state.count(report)
        save_states(self.store, self.key, self.states)
        _log(report)
        if self.on_poll is not None:
            self.on_poll(report)
        return report

    def _poll(self, state: FeedState, report: PollReport, stop: threading.Event | None) -> None:
        fetched = self.fetcher.get(state.url, state.conditional_headers())
        if fetched.status == 304:
            report.not_modified = True
            return
        feed = parse_feed(fetched.url, fetched.body, fetched.media_type)
        state.title = report.title = feed.title or state.title
        for item in feed.items:
            if stop is not None and stop.is_set():
                return  # validators not kept: the next poll gets the whole feed again
            self._take(state, item, report)
        state.etag = fetched.headers.get("etag")
        state.last_modified = fetched.headers.get("last-modified")

    def _take(self, state: FeedState, item: FeedItem, report: PollReport) -> None:
        """Index one item unless it was seen unchanged; its failure is counted, not raised."""
        try:
            doc_id = item_id(item, state.url)
            if state.items.get(doc_id) == item.fingerprint:
                report.skipped += 1
                return
            doc = item_document(item, doc_id, state.title, self.fetcher)
        except SourceError as exc:
            log.warning("feed %s: skipping an item: %s", state.url, exc)
            report.errors.append(str(exc))
            return
        upserted = self.sink.upsert([doc])
        report.added += len(upserted.added)
        report.replaced += len(upserted.replaced)
        report.skipped += len(upserted.unchanged)
        state.remember(doc_id, item.fingerprint)

    def _failed(self, state: FeedState, report: PollReport, reason: str) -> None:
        state.failures += 1
        state.next_poll = time.time() + backoff(self.interval, state.failures)
        report.failed = True
        report.errors.append(reason)

    def close(self) -> None:
        self.fetcher.close()


def _log(report: PollReport) -> None:
    if report.failed:
        log.warning("feed %s failed: %s", report.url, report.errors[-1])
    elif report.not_modified:
        log.info("feed %s: not modified", report.url)
    else:
        log.info(
            "feed %s: %d added, %d replaced, %d skipped, %d errors",
            report.url, report.added, report.replaced, report.skipped, len(report.errors),
        )  # fmt: skip
