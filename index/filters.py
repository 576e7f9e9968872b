"""What a search may return: the restrictions every stage and every backend honours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Filters:
    doc_ids: Sequence[str] | None = None
    source: str | Sequence[str] | None = None  # any of these (case-insensitive)
    date_from: str | None = None
    date_to: str | None = None
    # The day a question is asked (ISO date): nothing published after it is used. Unlike
    # date_to it keeps undated documents, which cannot be shown to be later.
    as_of: str | None = None
    # Published on or after (ISO date), undated documents kept: the start of a period the
    # question names, which nothing published earlier can report.
    published_from: str | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    @property
    def sources(self) -> list[str] | None:
        """The sources as a list (one given alone is a list of one)."""
        if self.source is None:
            return None
        return [self.source] if isinstance(self.source, str) else list(self.source)

    def allows(self, doc_id: str, source: str | None, published: str | None) -> bool:
        """Whether a document with this id, source and date passes (as every backend filters:
        a date range leaves undated documents out, `as_of` and `published_from` keep them)."""
        if self.doc_ids is not None and doc_id not in self.doc_ids:
            return False
        sources = self.sources
        if sources is not None and (source or "").casefold() not in {s.casefold() for s in sources}:
            return False
        if (self.date_from or self.date_to) and published is None:
            return False
        if published is None:
            return True
        return not (
            (self.date_from and published < self.date_from)
            or (self.date_to and published > self.date_to)
            or (self.as_of and published > self.as_of)
            or (self.published_from and published < self.published_from)
        )
