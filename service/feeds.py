"""The server's feed poller: a thread of its own, so fetching and embedding never block requests.

Replicas of one corpus share its feeds: only the process holding the `feeds` lease polls
(index/corpus/base.py Leases), and another takes over once that one stops renewing it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from index.corpus.base import Leases, StateStore
from index.sources.base import Sink
from index.sources.feeds import FeedFollower
from index.sources.feedstate import STATE_KEY, FeedState, PollReport
from index.sources.fetch import FetchLimits
from service.config import Settings

log = logging.getLogger(__name__)
LEASE = "feeds"


def make_follower(
    settings: Settings,
    sink: Sink,
    store: StateStore,
    urls: list[str] | None = None,
    interval: float | None = None,
    on_poll: Callable[[PollReport], None] | None = None,
    key: str = STATE_KEY,
) -> FeedFollower:
    """A follower of `urls` (default NEWSRAG_FEEDS) with the settings' limits; its state is the
    record `key` of `store`."""
    limits = FetchLimits(
        settings.feed_timeout, settings.feed_max_bytes, settings.feed_max_redirects
    )
    return FeedFollower(
        settings.feeds if urls is None else urls,
        sink,
        store,
        key,
        interval or settings.feed_interval,
        limits,
        on_poll,
    )


class FeedPoller:
    """Polls while this process holds the feeds' lease; stopping waits for at most one fetch
    and one upsert.

    The lease lasts one poll interval and is renewed at least three times an interval, so a
    replica that dies is replaced within two intervals: its lease lapses after at most one,
    and the others check three times an interval."""

    def __init__(self, follower: FeedFollower, leases: Leases) -> None:
        self.follower = follower
        self.leases = leases
        self.holding = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsrag-feeds", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Its thread still runs (false once `stop` returns)."""
        return self._thread.is_alive()

    @property
    def term(self) -> float:
        return self.follower.interval

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = self.term / 3
            try:
                wait = min(wait, self._turn())
            except Exception as exc:  # the engine away: try again next turn, never die
                log.warning("feeds: %s", exc)
            self._stop.wait(wait)

    def _turn(self) -> float:
        """One turn: poll what is due if the lease is ours; the seconds until the next."""
        held = self.leases.hold(LEASE, self.term)
        if held and not self.holding:
            log.info("feeds: this process polls them now")
            self.follower.reload()  # whoever polled before may have moved on
        self.holding = held
        if not held:
            return self.term / 3
        return self.follower.poll_due(self._stop)

    def feeds(self) -> list[FeedState]:
        """Every followed feed; read again from the store when another process polls them."""
        if not self.holding:
            self.follower.reload()
        return self.follower.status()

    def stop(self) -> None:
        # Joined without a timeout: the index must not be closed under a write in flight.
        self._stop.set()
        self._thread.join()
        if self.holding:
            try:
                self.leases.release(LEASE)  # a replica left on purpose: others take over now
            except Exception as exc:
                log.warning("feeds: could not release the lease: %s", exc)
        self.follower.close()


def start_polling(
    settings: Settings, sink: Sink, store: StateStore, leases: Leases
) -> FeedPoller | None:
    """A running poller when NEWSRAG_FEEDS names any feed; None otherwise."""
    return FeedPoller(make_follower(settings, sink, store), leases) if settings.feeds else None


async def stop_polling(poller: FeedPoller | None) -> None:
    """Stops the poller off the event loop: the wait may last one fetch and one upsert."""
    if poller is not None:
        await asyncio.to_thread(poller.stop)
