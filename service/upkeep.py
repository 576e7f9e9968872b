"""Storage upkeep on a thread: one process at a time (the `maintenance` lease) tidies what
writers that died left in a shared engine; a local index needs none (it repairs on open)."""

from __future__ import annotations

import logging
import threading

from index.newsindex import NewsIndex

log = logging.getLogger(__name__)
LEASE = "maintenance"
EVERY = 60.0  # seconds between turns


class Upkeep:
    def __init__(self, index: NewsIndex, every: float = EVERY) -> None:
        self.index = index
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsrag-upkeep", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if self.index.leases.hold(LEASE, 2 * self.every):
                    self.index.maintain()
            except Exception as exc:  # the engine away: the next turn tries again
                log.warning("upkeep: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def start_upkeep(index: NewsIndex) -> Upkeep | None:
    """A running upkeep thread where the storage is shared (the milvus backend)."""
    return Upkeep(index) if index.shared else None
