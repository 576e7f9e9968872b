"""Writes yield the CPU to searches: documents are embedded on threads of lower priority.

Embedding an article is most of a write's CPU, and on two cores it competes with every search
in flight. The runtimes run inference on the calling thread, so a thread with a higher nice
value gives way when searches want the cores and costs nothing when they do not. Nice 5:
higher starved the writes, lower slowed the searches more (docs/tuning.md).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

NICE = 5
Result = TypeVar("Result")


class Background:
    """A small pool whose threads run at nice NICE (Linux sets it per thread; elsewhere the
    threads keep the process's priority, as setpriority there would lower the whole process)."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(workers, "newsrag-write", initializer=_lower)

    def run(self, work: Callable[[], Result]) -> Result:
        return self._pool.submit(work).result()

    def close(self) -> None:
        self._pool.shutdown()


def _lower() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except OSError as exc:  # a sandbox may refuse it: writes then compete as before
        log.debug("cannot lower the write threads' priority: %s", exc)
