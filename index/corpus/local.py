"""The local corpus: one index directory, one writing process (the embedded default).

SQLite (index/docstore.py) is the source of truth and keeps every chunk's vector; the vector
store (FAISS) and the lexical index (tantivy) are derived. A write, under this process's
lock: adds the new chunks to the vector store and the lexical index (visible there, but to no
search yet, for no docstore row names them), commits the docstore (the moment the whole
document appears, or changes, at once), and drops the replaced chunks once no search that
started earlier can still read them (index/epochs.py). Searches take no lock of this module.

Crash safety: the lexical index commits before the docstore; the vector store is saved every
`checkpoint_seconds` and on close. Opening reconciles both with the docstore, so a SIGKILL at
any point loses nothing that was acknowledged and leaves nothing half-written.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index import manifest, plugins
from index.corpus.base import CorpusSettings, LexicalIndex, Scored, Settle, Stored
from index.corpus.records import SqliteState
from index.docstore import Chunked, DocStore
from index.epochs import Epochs
from index.files import read_json, write_json
from index.filters import Filters
from index.lexical import Analyzer, chunk_terms
from index.lock import WriterLock
from index.manifest import IndexMismatch, Manifest
from index.models import Chunk, DocSummary, Document, Passage, content_hash
from index.vectorstores import VectorStore, open_vector_store

log = logging.getLogger(__name__)

# How long a write waits for earlier searches before dropping what it replaced; past it the
# drop waits for the next write (the replaced chunks stay invisible meanwhile).
RETIRE_WAIT = 5.0
LEXICAL = "newsrag.lexical"
LEGACY_LEXICAL = "bm25"  # the bm25s folder of earlier versions, replaced by lexical/


class LocalCorpus:
    """One index directory. Writes are serialized; searches run beside them, on any thread.

    `read_only` opens a corpus another process writes (a server): nothing is written or locked,
    and vectors the server has not saved yet are restored in memory from the docstore.
    """

    name = "local"
    shared = False

    def __init__(self, settings: CorpusSettings, settle: Settle) -> None:
        directory = settings.directory
        if settings.read_only and not manifest.exists(directory):
            raise ValueError(f"no index at {directory}: index some documents first")
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.read_only = settings.read_only
        self.checkpoint_seconds = settings.checkpoint_seconds
        self.bm25 = settings.bm25
        self.lock = None if self.read_only else WriterLock(directory, settings.lock_wait)
        try:
            found = manifest.read(directory)
            try:
                self._manifest = settle(found)
            except IndexMismatch as exc:
                raise IndexMismatch(f"{directory}: {exc}") from None
            if found is None:
                self._manifest = replace(self._manifest, vector_store=settings.vector_store)
                if not self.read_only:
                    manifest.write(directory, self._manifest)
            self.docstore = DocStore(directory)
            self.vectors: VectorStore = open_vector_store(
                settings.vector_store, directory, self._manifest.dimension, settings.stores
            )
            make: Callable[..., LexicalIndex] = plugins.load(LEXICAL, settings.lexical)
            self.lexical = make(directory, self.bm25, writable=not self.read_only)
            self.epochs = Epochs()
            self.state = FileState(directory)
            self.leases = OneProcess()
            self._records: dict[str, SqliteState] = {}
            self._write = threading.Lock()
            self._retired: list[np.ndarray] = []  # replaced chunks not yet dropped
            self._saved_at = time.monotonic()
            self._closed = False
            self._reconcile()
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise

    @classmethod
    def open(cls, settings: CorpusSettings, settle: Settle) -> LocalCorpus:
        return cls(settings, settle)

    @property
    def location(self) -> str:
        return str(self.directory)

    def records(self, name: str) -> SqliteState:
        """`<name>.sqlite` in the index directory, opened once."""
        if name not in self._records:
            path = self.directory / f"{name}.sqlite"
            self._records[name] = SqliteState(path, read_only=self.read_only)
        return self._records[name]

    def manifest(self) -> Manifest | None:
        return self._manifest

    def write_manifest(self, found: Manifest) -> None:
        self._writable()
        manifest.write(self.directory, found)
        self._manifest = found

    # -- reconciling after a crash --------------------------------------------------------

    def _reconcile(self) -> None:
        """Brings the derived indexes in line with the docstore after a crash or a lost file."""
        stored = self.docstore.all_ids()
        self._reconcile_vectors(stored)
        if not self.read_only:
            self._reconcile_lexical(stored)

    def _reconcile_vectors(self, stored: np.ndarray) -> None:
        indexed = self.vectors.ids()
        extra, missing = np.setdiff1d(indexed, stored), np.setdiff1d(stored, indexed)
        if not (extra.size or missing.size):
            return
        # Beside a server this is routine (its newest vectors are not saved yet); for a writer
        # it is repair after a crash, worth a warning.
        level = logging.DEBUG if self.read_only else logging.WARNING
        log.log(level, "reconciling vectors: %d stale, %d missing", extra.size, missing.size)
        self.vectors.remove(extra)
        self.vectors.add(missing, self.docstore.vectors(missing, self._manifest.dimension))
        if not self.read_only:
            self.vectors.save()

    def _reconcile_lexical(self, stored: np.ndarray) -> None:
        indexed = np.zeros(0, np.int64) if self.lexical.created else self.lexical.ids()
        extra, missing = np.setdiff1d(indexed, stored), np.setdiff1d(stored, indexed)
        if not (extra.size or missing.size):
            return
        if self.lexical.created:
            log.info("building the lexical index from %d chunks", missing.size)
            shutil.rmtree(self.directory / LEGACY_LEXICAL, ignore_errors=True)
        else:
            log.warning(
                "reconciling the lexical index: %d stale, %d missing", *map(len, (extra, missing))
            )
        self.lexical.remove(extra)
        every = self.lexical.created or missing.size == stored.size
        analyzer = Analyzer.of(self.bm25)
        for doc in self.docstore.chunked(None if every else missing):
            if not every:  # a document's chunks go in whole, whatever part of them was there
                self.lexical.remove(np.array(doc.vids, dtype=np.int64))
            self._stage_terms(doc, analyzer)
        self.lexical.publish()

    def _stage_terms(self, doc: Chunked, analyzer: Analyzer) -> None:
        self.lexical.add(doc.vids, chunk_terms(doc.title, doc.text, doc.spans, self.bm25, analyzer))

    # -- reading ----------------------------------------------------------------------------

    @contextmanager
    def view(self, filters: Filters) -> Iterator[LocalView]:
        """One docstore commit from start to end (a SQLite read transaction), and the vector
        store and lexical index hold at least what it has: a write adds there before it
        commits, and drops what it replaced only after the searches that started before its
        commit are done."""
        with self.epochs.reading(), self.docstore.snapshot():
            yield LocalView(self, self.docstore.filter_ids(filters))

    def hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        found = {doc_id: self.docstore.hash_of(doc_id) for doc_id in doc_ids}
        return {doc_id: digest for doc_id, digest in found.items() if digest is not None}

    def document(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        return self.docstore.get(doc_id)

    def documents(self, limit: int, offset: int, match: str | None) -> list[DocSummary]:
        return self.docstore.summaries(limit, offset, match)

    def count_matching(self, match: str | None) -> int:
        return self.docstore.count_matching(match)

    def sources(self) -> list[tuple[str, int]]:
        return self.docstore.sources()

    def counts(self) -> tuple[int, int]:
        return self.docstore.count_documents(), self.docstore.count_chunks()

    def latest(self) -> str | None:
        return self.docstore.latest()

    def known(self, terms: Sequence[str]) -> set[str]:
        return self.lexical.known(terms)

    def ids(self) -> Iterator[str]:
        return self.docstore.ids()

    def exported(self, ids: Collection[str] | None = None) -> Iterator[Stored]:
        analyzer = Analyzer.of(self.bm25)
        for doc, indexed_at, chunks, vectors in self.docstore.exported(ids):
            spans = [(c.start, c.end) for c in chunks]
            terms = chunk_terms(doc.title, doc.text, spans, self.bm25, analyzer)
            yield Stored(doc, content_hash(doc), chunks, vectors, terms, indexed_at)

    def health(self) -> str | None:
        return None  # a file beside the process: it answers while the process does

    # -- writing ----------------------------------------------------------------------------

    def replace(self, stored: Sequence[Stored]) -> None:
        if not stored:
            return
        self._writable()
        with self._write:
            added = np.zeros(0, np.int64)
            try:
                with self.docstore.transaction():
                    stale = self.docstore.delete([s.document.id for s in stored])
                    fresh = [self.docstore.put(s) for s in stored]
                    added = np.concatenate(fresh)
                    self.vectors.add(added, np.concatenate([s.vectors for s in stored]))
                    for one, vids in zip(stored, fresh, strict=True):
                        self.lexical.add(vids.tolist(), one.terms)
                    self.lexical.publish()
            except BaseException:
                self._undo(added)
                raise
            self._retire(stale)

    def _undo(self, added: np.ndarray) -> None:
        """A write that failed before its commit: nothing of it may stay findable (its chunk
        ids are handed out again by the docstore)."""
        self.lexical.discard()
        if added.size:
            self.vectors.remove(added)
            self.lexical.remove(added)
            self.lexical.publish()

    def _retire(self, stale: np.ndarray) -> None:
        """After a commit: drops `stale` (and anything an earlier write could not drop) once
        the searches that started before the commit are done; saves vectors when it is time."""
        generation = self.epochs.advance()
        if stale.size:
            self._retired.append(stale)
        if self._retired and self.epochs.drain(generation, RETIRE_WAIT):
            gone = np.concatenate(self._retired)
            self._retired = []
            self.vectors.remove(gone)
            self.lexical.remove(gone)
            self.lexical.publish()
        if time.monotonic() - self._saved_at >= self.checkpoint_seconds:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Saves the vector store, so the next open has less to restore from the docstore."""
        self.vectors.save()
        self._saved_at = time.monotonic()

    def delete(self, doc_id: str) -> bool:
        self._writable()
        with self._write:
            if self.docstore.hash_of(doc_id) is None:
                return False
            with self.docstore.transaction():
                stale = self.docstore.delete([doc_id])
            self._retire(stale)
            return True

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError(f"the index at {self.directory} was opened read-only")

    def maintain(self) -> None:
        return None  # a crash is repaired when the corpus is next opened

    def announce(self, url: str) -> None:
        """Tells other processes (`newsrag index`) where this process serves the corpus."""
        if self.lock is not None:
            self.lock.announce(url)

    def close(self) -> None:
        """Drops what is left to drop, saves the vectors, and lets another writer in (once:
        closing again does nothing)."""
        with self._write:
            if self._closed:
                return
            self._closed = True
            if not self.read_only:
                if self._retired:
                    self._retire(np.zeros(0, np.int64))
                self.vectors.save()
            self.lexical.close()
            self.vectors.close()
            self.docstore.close()
            for records in self._records.values():
                records.close()
            if self.lock is not None:
                self.lock.release()
                self.lock = None


class LocalView:
    """One search over the local corpus: the chunk ids its filters allow, read once."""

    superseded = False  # a docstore snapshot never changes under a search

    def __init__(self, corpus: LocalCorpus, allowed: np.ndarray | None) -> None:
        self.corpus = corpus
        self.allowed = allowed

    @property
    def empty(self) -> bool:
        return self.allowed is not None and not self.allowed.size

    def dense(self, vector: np.ndarray, k: int) -> Scored:
        return self.corpus.vectors.search(vector, k, self.allowed)

    def lexical(self, terms: Sequence[str], k: int) -> Scored:
        return self.corpus.lexical.search(terms, k, self.allowed)

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        return self.corpus.docstore.rows(keys)


class FileState:
    """Records as JSON files in the index directory (`feeds` is feeds.json, `watch/a1` is
    watch/a1.json), each replaced whole, so a crash never leaves half of one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        *folders, name = [_safe(part) for part in key.split("/")]
        return self.directory.joinpath(*folders, f"{name}.json")

    def keys(self, prefix: str) -> list[str]:
        folder, _, start = prefix.rpartition("/")
        where = self.directory.joinpath(*(_safe(p) for p in folder.split("/") if p))
        found = [f"{folder}/{f.stem}" if folder else f.stem for f in where.glob("*.json")]
        return sorted(key for key in found if key.startswith(prefix))

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        found = ((key, self.get(key)) for key in self.keys(prefix))
        return [(key, value) for key, value in found if value is not None]

    def get(self, key: str) -> dict[str, Any] | None:
        return read_json(self._path(key))

    def put(self, key: str, value: dict[str, Any]) -> None:
        write_json(self._path(key), value)

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        for key, value in records:
            self.put(key, value)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = ((key, self.get(key)) for key in dict.fromkeys(keys))
        return {key: value for key, value in found if value is not None}

    def count(self, prefix: str) -> int:
        return len(self.keys(prefix))


def _safe(part: str) -> str:
    """A key's part as a file name (keys are ids and names: nothing is lost in practice)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", part) or "_"


class OneProcess:
    """Leases in a local corpus: its one writing process holds them all (writer.lock already
    keeps a second one out)."""

    def hold(self, name: str, ttl: float) -> bool:
        return True

    def release(self, name: str) -> None:
        return None
