"""LLM clients kept for reuse, one per spec, and never closed under a request still using one."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from service.llm.base import ChatClient

MAX_CLIENTS = 8  # specs come with requests: few are kept, so model names cannot pile up


@dataclass
class _Entry:
    client: ChatClient
    users: int = 0
    evicted: bool = False


class ClientPool:
    """The `size` most recently used clients, by spec. A client leaves the pool when it is the
    least recently used of too many, but is closed only when its last lease ends: a stream
    that is still reading from it must not lose its connection to a request for other models."""

    def __init__(self, make: Callable[[str], ChatClient | None], size: int = MAX_CLIENTS) -> None:
        self._make = make  # None: the spec needs no client ("extractive")
        self._size = size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def lease(self, spec: str) -> Iterator[ChatClient | None]:
        """The client for `spec` (None when it needs none), in use until the block ends."""
        entry, idle = self._take(spec)
        for evicted in idle:
            evicted.close()
        if entry is None:
            yield None
            return
        try:
            yield entry.client
        finally:
            if self._release(entry):
                entry.client.close()

    def _take(self, spec: str) -> tuple[_Entry | None, list[ChatClient]]:
        """The spec's entry, leased, and the evicted clients no lease holds (to close)."""
        with self._lock:
            entry = self._entries.get(spec)
            if entry is None:
                client = self._make(spec)
                if client is None:
                    return None, []
                entry = self._entries[spec] = _Entry(client)
            self._entries.move_to_end(spec)
            entry.users += 1
            idle = []
            while len(self._entries) > self._size:
                _, old = self._entries.popitem(last=False)
                old.evicted = True
                if not old.users:
                    idle.append(old.client)
            return entry, idle

    def _release(self, entry: _Entry) -> bool:
        """Ends a lease; True when the client is now to be closed (evicted, and the last)."""
        with self._lock:
            entry.users -= 1
            return entry.evicted and not entry.users

    def close(self) -> None:
        """Closes every idle client now, and each one in use when its lease ends."""
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
            for entry in entries:
                entry.evicted = True
            idle = [entry.client for entry in entries if not entry.users]
        for client in idle:
            client.close()
