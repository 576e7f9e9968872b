"""Recent conversations, so a client may send only its newest message.

A server alone keeps them in memory; replicas of a shared corpus keep them in its state store,
so a follow-up may reach any replica (the engine forgets them after a week)."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from index.corpus.base import StateStore

Messages = list[dict[str, str]]


class Conversations:
    """Conversation id → messages: a bounded LRU in memory, or records in `store`."""

    def __init__(
        self, capacity: int = 1000, max_messages: int = 40, store: StateStore | None = None
    ) -> None:
        self.capacity = capacity
        self.max_messages = max_messages
        self.store = store
        self._memory: OrderedDict[str, Messages] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, conversation_id: str | None, messages: Messages) -> tuple[str, Messages]:
        """The id to use and the whole conversation: the sent messages when they carry history,
        else the stored turns followed by the new message."""
        conversation_id = conversation_id or uuid.uuid4().hex
        if len(messages) > 1:
            return conversation_id, list(messages)
        stored = self._load(conversation_id)
        return conversation_id, [*stored, *messages]

    def save(self, conversation_id: str, messages: Messages) -> None:
        kept = messages[-self.max_messages :]
        if self.store is not None:
            self.store.put(_key(conversation_id), {"messages": kept})
            return
        with self._lock:
            self._memory[conversation_id] = kept
            self._memory.move_to_end(conversation_id)
            while len(self._memory) > self.capacity:
                self._memory.popitem(last=False)

    def _load(self, conversation_id: str) -> Messages:
        if self.store is not None:
            record = self.store.get(_key(conversation_id)) or {}
            return list(record.get("messages", []))
        with self._lock:
            return list(self._memory.get(conversation_id, []))


def _key(conversation_id: str) -> str:
    return f"conversation/{conversation_id}"
