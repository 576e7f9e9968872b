"""The storage seam: what a search and a write need from wherever the corpus lives.

NewsIndex (index/newsindex.py) chunks, embeds and analyzes; a Corpus only stores and finds.
`local` keeps everything in the index directory (SQLite, FAISS, tantivy) for one process;
`milvus` keeps everything in a Milvus engine that any number of stateless replicas share.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.filters import Filters
from index.lexical import BM25Settings
from index.manifest import Manifest
from index.models import Chunk, DocSummary, Document, Passage
from index.vectorstores import StoreSettings

# A chunk's key in its corpus: what candidates are ranked by and passages are read back by.
Key = int
Scored = list[tuple[Key, float]]
# What settles the manifest: given the one found (None for a new corpus), the one to keep.
Settle = Callable[[Manifest | None], Manifest]


class EngineUnavailable(RuntimeError):
    """The engine holding the corpus did not answer: a search or write cannot be served now
    (the service says 503 and why, and the next request tries again)."""


@dataclass(frozen=True)
class CorpusSettings:
    """Where a corpus lives and how it is stored; each backend reads its own part."""

    directory: Path
    bm25: BM25Settings = field(default_factory=BM25Settings)
    vector_store: str = "faiss"  # local: a `newsrag.stores` entry point
    stores: StoreSettings = field(default_factory=StoreSettings)
    lexical: str = "tantivy"  # local: a `newsrag.lexical` entry point
    read_only: bool = False  # local: another process writes it (a server)
    checkpoint_seconds: float = 60.0  # local: most seconds between saves of the vector store
    lock_wait: float = 0.0  # local: seconds to wait for another writer


@dataclass(frozen=True)
class Stored:
    """One document as a write hands it to storage: everything a search will read back."""

    document: Document
    hash: str  # content_hash: an unchanged document is never written again
    chunks: list[Chunk]
    vectors: np.ndarray  # one row per chunk, normalized
    terms: list[str]  # per chunk, its analyzed terms, space-separated (index/lexical.py)
    indexed_at: str | None = None  # kept by a migration; a new write is stamped when stored


class View(Protocol):
    """One search's window on the corpus, restricted to what its filters allow. Everything read
    through one view is consistent: a document replaced meanwhile shows its old chunks or its
    new ones, never some of each."""

    @property
    def empty(self) -> bool:
        """Known to allow nothing (then no retriever is asked)."""
        ...

    @property
    def superseded(self) -> bool:
        """A document changed between reading candidates and reading their rows: the search
        is worth asking again (its newer chunks may rank)."""
        ...

    def dense(self, vector: np.ndarray, k: int) -> Scored:
        """The `k` chunks nearest `vector` (inner product), best first."""
        ...

    def lexical(self, terms: Sequence[str], k: int) -> Scored:
        """The `k` best chunks by BM25 over `terms`, best first (scores compare within one
        call only: backends differ in scale)."""
        ...

    def passages(self, keys: Sequence[Key]) -> dict[Key, Passage]:
        """Citation-ready rows for candidate keys; a key of a chunk no longer current is
        absent."""
        ...


class LexicalIndex(Protocol):
    """The local corpus's lexical index (a `newsrag.lexical` entry point; tantivy built in):
    chunk keys with their analyzed terms, staged until `publish`, searched on any thread."""

    # Made empty on open (none, or one built with other settings): the corpus fills it.
    created: bool

    def add(self, keys: Sequence[Key], terms: Sequence[str]) -> None: ...

    def remove(self, keys: np.ndarray) -> None: ...

    def publish(self) -> None:
        """Commits what was staged (durable, all or nothing) and shows it to new searches."""
        ...

    def discard(self) -> None:
        """Drops what was staged since the last publish."""
        ...

    def ids(self) -> np.ndarray:
        """Every key the published index holds, ascending (to reconcile on open)."""
        ...

    def search(self, terms: Sequence[str], k: int, allowed: np.ndarray | None = None) -> Scored: ...

    def known(self, terms: Sequence[str]) -> set[str]: ...

    def close(self) -> None: ...


class StateStore(Protocol):
    """Small JSON records the service keeps beside the corpus (feed state, conversations),
    kept where the corpus is so every replica sees the same ones."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records of `keys` that exist, read at once (one request to an engine)."""
        ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Writes many records at once (a migration: one request to an engine, not one each)."""
        ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """The keys that begin with `prefix` ("watch/" lists every watch), sorted."""
        ...

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        """The records whose keys begin with `prefix`, by key, read at once."""
        ...

    def count(self, prefix: str) -> int:
        """How many keys begin with `prefix` (one request: nothing listed)."""
        ...


class Leases(Protocol):
    """Work that one process at a time should do (polling feeds, sweeping): held by whoever
    renews it, taken over once it lapses."""

    def hold(self, name: str, ttl: float) -> bool:
        """Takes or renews the lease `name` for `ttl` seconds: True while this process holds it."""
        ...

    def release(self, name: str) -> None: ...


class Corpus(Protocol):
    """Documents, their chunks, vectors and terms, and the records kept beside them."""

    @property
    def name(self) -> str:
        """ "local" or "milvus": what /readyz reports."""
        ...

    @property
    def shared(self) -> bool:
        """Other processes serve this corpus too: what a server keeps between requests (chat
        conversations) must live in `state`, not in its memory."""
        ...

    @property
    def location(self) -> str:
        """Where it lives, for people: a directory, or a Milvus URI and corpus name."""
        ...

    @property
    def state(self) -> StateStore: ...

    @property
    def leases(self) -> Leases: ...

    def records(self, name: str) -> StateStore:
        """A store for records by the hundred thousand (one per document: stories): locally
        one SQLite file, `<name>.sqlite` in the index directory, where `state` would be a
        file per record; a shared engine keeps them with its state, keys as given."""
        ...

    def manifest(self) -> Manifest | None:
        """What the corpus was built with (None: nothing yet)."""
        ...

    def write_manifest(self, manifest: Manifest) -> None: ...

    def view(self, filters: Filters) -> AbstractContextManager[View]:
        """A view for one search; entered before anything is read, left when it is done."""
        ...

    def hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The stored content hash of each of `doc_ids` that exists."""
        ...

    def replace(self, stored: Sequence[Stored]) -> None:
        """Writes documents whole: each search sees a document's old chunks or all of its new
        ones, never a mix, and never none in between."""
        ...

    def delete(self, doc_id: str) -> bool:
        """False when there was no such document."""
        ...

    def document(self, doc_id: str) -> tuple[Document, list[Chunk]] | None: ...

    def documents(self, limit: int, offset: int, match: str | None) -> list[DocSummary]:
        """Documents in id order, without text; `match` keeps those whose id, title or source
        contains it (case-insensitive)."""
        ...

    def count_matching(self, match: str | None) -> int: ...

    def sources(self) -> list[tuple[str, int]]:
        """Each source (case folded) with its document count, most first."""
        ...

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        ...

    def latest(self) -> str | None:
        """The newest publication date stored."""
        ...

    def known(self, terms: Sequence[str]) -> set[str]:
        """The terms some chunk contains."""
        ...

    def ids(self) -> Iterator[str]:
        """Every document's id, in one pass (not pages by offset: an engine counts an offset
        out again for every page)."""
        ...

    def exported(self, ids: Collection[str] | None = None) -> Iterator[Stored]:
        """Every document (or those of `ids`) with its chunks, vectors and terms, and when it
        was indexed: what a migration copies, and what stories group when catching up."""
        ...

    def health(self) -> str | None:
        """None when the storage answers, else why not."""
        ...

    def checkpoint(self) -> None:
        """Makes what was written cheap to search and safe on disk (a good moment: after a
        bulk write): local, the vector store saved; Milvus, its collections flushed."""
        ...

    def maintain(self) -> None:
        """Upkeep one process does at a time, every minute or so (under the `maintenance`
        lease): what writers that died left behind in a shared engine."""
        ...

    def announce(self, url: str) -> None:
        """Where this process serves the corpus, for other processes to send writes to (a
        corpus only one process may write needs it; a shared engine takes anyone's writes)."""
        ...

    def close(self) -> None: ...
