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
