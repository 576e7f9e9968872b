"""Matches as they happen, for the watches' Server-Sent Events: the matcher's thread publishes,
each open stream has a queue on the event loop. Matches another process made (a replica of a
shared corpus, `newsrag index` writing alone) reach a stream when the stream next reads the
book, which it does every POLL seconds."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator

from index.watching import Match, Watch, WatchBook

POLL = 1.0  # seconds between reads of the book, for matches made elsewhere


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Match]]]] = (
            defaultdict(set)
        )

    def publish(self, watch: Watch, match: Match) -> None:
        """A `notify` of the matcher (its thread): every open stream of the watch hears it."""
        with self._lock:
            streams = list(self._streams.get(watch.id, ()))
        for loop, waiting in streams:
            loop.call_soon_threadsafe(waiting.put_nowait, match)

    async def stream(
        self, book: WatchBook, watch_id: str, after: str | None, poll: float = POLL
    ) -> AsyncIterator[Match]:
        """The watch's matches after the one with id `after` (none: from now), then each new one
        as it comes, once."""
        waiting: asyncio.Queue[Match] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), waiting)
        with self._lock:
            self._streams[watch_id].add(entry)
        try:
            known = await asyncio.to_thread(book.matches, watch_id)
            sent = {m.id for m in known}
            if after is not None:
                ids = [m.id for m in known]
                for match in known[ids.index(after) + 1 :] if after in ids else known:
                    yield match
            while True:
                try:
                    match = await asyncio.wait_for(waiting.get(), poll)
                    fresh = [match]
                except TimeoutError:  # a quiet spell: read what other processes matched
                    fresh = await asyncio.to_thread(book.matches, watch_id)
                for match in fresh:
                    if match.id not in sent:
                        sent.add(match.id)
                        yield match
        finally:
            with self._lock:
                self._streams[watch_id].discard(entry)
