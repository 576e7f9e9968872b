"""Plain records that flow through the pipeline; frozen so a chunk's offsets cannot drift."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Document:
    """An article as stored: `text` is what every chunk offset points into."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD), never guessed
    source: str | None = None
    url: str | None = None


def content_hash(doc: Document) -> str:
    """Changes whenever anything stored about the document changes."""
    stored = (doc.text, doc.title, doc.date, doc.source, doc.url)
    return hashlib.sha256(repr(stored).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A span of a document: `document.text[start:end] == text` always holds."""

    doc_id: str
    chunk_no: int
    start: int
    end: int
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.chunk_no}"


@dataclass(frozen=True)
class Passage(Chunk):
    """A chunk with its article's metadata: everything a citation needs, as the docstore
    reads it for a chunk id."""

    title: str | None
    source: str | None
    date: str | None
    url: str | None


@dataclass(frozen=True)
class Reported:
    """Another article of a hit's story: who else reported it, and when."""

    doc_id: str
    source: str | None
    date: str | None


@dataclass(frozen=True, kw_only=True)
class Hit(Passage):
    """A passage as a search returned it: one record from the docstore to the HTTP edge, so a
    field added to a passage reaches every hit."""

    rank: int
    score: float
    # Other documents carrying a near-duplicate of this passage (folded into this hit).
    also_in: tuple[str, ...] = ()
    # The story its article is in (index/stories/); None until the article is grouped.
    story_id: str | None = None
    # With stories folded: the story's other articles the search's filters allow.
    also_reported_by: tuple[Reported, ...] = ()

    @classmethod
    def of(cls, passage: Passage, rank: int, score: float, also_in: tuple[str, ...] = ()) -> Hit:
        values = {name: getattr(passage, name) for name in PASSAGE_FIELDS}
        return cls(**values, rank=rank, score=score, also_in=also_in)


@dataclass(frozen=True)
class DocSummary:
    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    chars: int
    chunks: int
    indexed_at: str
    excerpt: str  # the text's first words: a name for an article without a title


PASSAGE_FIELDS = tuple(field.name for field in fields(Passage))
