"""Plain records that flow through the pipeline; frozen so a chunk's offsets cannot drift."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """An article as stored: `text` is what every chunk offset points into."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD), never guessed
    source: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A span of a document: `document.text[start:end] == text` always holds."""

    doc_id: str
    chunk_no: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.chunk_no}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk carrying everything a citation needs."""

    rank: int
    score: float
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    title: str | None
    source: str | None
    date: str | None
    url: str | None
    # Other documents carrying a near-duplicate of this passage (folded into this hit).
    also_in: tuple[str, ...] = ()
