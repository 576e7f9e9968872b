"""The one seam every source writes through, so the same code feeds a local index or a server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from index.models import Document

if TYPE_CHECKING:
    from index.newsindex import UpsertReport


class Sink(Protocol):
    """Where followed documents go: NewsIndex satisfies it, and so can an HTTP client."""

    def upsert(self, docs: list[Document]) -> UpsertReport: ...

    def delete(self, doc_id: str) -> bool: ...


class SourceError(Exception):
    """A feed, page or file that could not be followed, with a reason a person can act on."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def close_sink(sink: Sink) -> None:
    """Sinks holding something open (an index, a connection pool) close; others need not."""
    close = getattr(sink, "close", None)
    if callable(close):
        close()
