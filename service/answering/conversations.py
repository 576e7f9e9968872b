"""Recent conversations in memory, so a client may send only its newest message."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict


class Conversations:
    """A bounded LRU of conversation id → messages; the oldest conversations are forgotten."""

    def __init__(self, capacity: int = 1000, max_messages: int = 40) -> None:
        self.capacity = capacity
        self.max_messages = max_messages
        self._store: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def history(
        self, conversation_id: str | None, messages: list[dict[str, str]]
    ) -> tuple[str, list[dict[str, str]]]:
        """The id to use and the whole conversation: the sent messages when they carry history,
        else the stored turns followed by the new message."""
        conversation_id = conversation_id or uuid.uuid4().hex
        with self._lock:
            stored = self._store.get(conversation_id, [])
        if len(messages) > 1 or not stored:
            return conversation_id, list(messages)
        return conversation_id, [*stored, *messages]

    def save(self, conversation_id: str, messages: list[dict[str, str]]) -> None:
        with self._lock:
            self._store[conversation_id] = messages[-self.max_messages :]
            self._store.move_to_end(conversation_id)
            while len(self._store) > self.capacity:
                self._store.popitem(last=False)
