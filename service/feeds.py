"""The server's feed poller: a thread of its own, so fetching and embedding never block requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from index.sources.base import Sink
from index.sources.feeds import FeedFollower
from index.sources.feedstate import STATE_FILE, PollReport
from index.sources.fetch import FetchLimits
from service.config import Settings


def make_follower(
    settings: Settings,
    sink: Sink,
    urls: list[str] | None = None,
    interval: float | None = None,
    on_poll: Callable[[PollReport], None] | None = None,
    state_file: str = STATE_FILE,
) -> FeedFollower:
    """A follower of `urls` (default NEWSRAG_FEEDS) with the settings' limits; its state is
    `state_file` in the index directory."""
    limits = FetchLimits(
        settings.feed_timeout, settings.feed_max_bytes, settings.feed_max_redirects
    )
    return FeedFollower(
        settings.feeds if urls is None else urls,
        sink,
        settings.index_dir / state_file,
        interval or settings.feed_interval,
        limits,
        on_poll,
    )


class FeedPoller:
    """Runs a follower until stopped; stopping waits for at most one fetch and one upsert."""

    def __init__(self, follower: FeedFollower) -> None:
        self.follower = follower
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=follower.run, args=(self._stop,), name="newsrag-feeds", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        # Joined without a timeout: the index must not be closed under a write in flight.
        self._stop.set()
        self._thread.join()
        self.follower.close()


def start_polling(settings: Settings, sink: Sink) -> FeedPoller | None:
    """A running poller when NEWSRAG_FEEDS names any feed; None otherwise."""
    return FeedPoller(make_follower(settings, sink)) if settings.feeds else None


async def stop_polling(poller: FeedPoller | None) -> None:
    """Stops the poller off the event loop: the wait may last one fetch and one upsert."""
    if poller is not None:
        await asyncio.to_thread(poller.stop)
