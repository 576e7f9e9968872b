"""Which commit each search started on, so a write can tell when what it replaced is unseen.

A write first adds the new chunks everywhere, then commits the docstore (the moment they become
visible), then drops the old chunks from the vector store and the lexical index. Searches that
began before that commit may still be reading the old rows, so the drop waits for them: a
search never waits for a write, and never finds a passage whose vectors or terms have gone.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Epochs:
    def __init__(self) -> None:
        self._generation = 0
        self._active: Counter[int] = Counter()
        self._changed = threading.Condition()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around a search, entered before it reads anything."""
        with self._changed:
            started = self._generation
            self._active[started] += 1
        try:
            yield
        finally:
            with self._changed:
                self._active[started] -= 1
                if not self._active[started]:
                    del self._active[started]
                    self._changed.notify_all()

    def advance(self) -> int:
        """After a commit: the generation searches starting from now belong to."""
        with self._changed:
            self._generation += 1
            return self._generation

    def drain(self, generation: int, timeout: float) -> bool:
        """Waits until no search that started before `generation` is still running."""
        with self._changed:
            return self._changed.wait_for(
                lambda: all(g >= generation for g in self._active), timeout
            )
