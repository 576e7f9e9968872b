"""NewsIndex: the one writer of an index directory, keeping docstore, vectors and terms in step.

A write embeds outside any lock, then, under the writer's own lock: adds the new chunks to the
vector store and the lexical index (visible there, but to no search yet, for no docstore row
names them), commits the docstore (the moment the whole document appears, or changes, at once),
and drops the replaced chunks once no search that started earlier can still read them
(index/epochs.py). Searches (`searcher`, index/searcher.py) take no lock of this module.

Crash safety: the docstore is the source of truth and holds every vector. The lexical index
commits before the docstore; the vector store is saved every `checkpoint_seconds` and on close.
Opening reconciles both with the docstore, so a SIGKILL at any point loses nothing that was
acknowledged and leaves nothing half-written.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import manifest
from index.chunking import Chunker, ChunkerSettings
from index.docstore import Chunked, DocStore, DocSummary, Filters, content_hash
from index.embedding import Embedder
from index.epochs import Epochs
from index.lock import WriterLock
from index.manifest import IndexMismatch, Manifest
from index.models import Chunk, Document, Hit
from index.priority import Background
from index.query import TimeSense
from index.retrievers import BM25Retriever, DenseRetriever, RetrievalSettings, build_retrievers
from index.retrievers.bm25 import contexts
from index.searcher import Searcher
from index.vectorstores import StoreSettings, open_vector_store

log = logging.getLogger(__name__)

# How long a write waits for earlier searches before dropping what it replaced; past it the
# drop waits for the next write (the replaced chunks stay invisible meanwhile).
RETIRE_WAIT = 5.0
LEGACY_LEXICAL = "bm25"  # the bm25s folder of earlier versions, replaced by lexical/


@dataclass
class UpsertReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0


class NewsIndex:
    """One index directory. Writes are serialized; searches run beside them, on any thread.

    `read_only` opens an index another process writes (a server): nothing is written or locked,
    and vectors the server has not saved yet are restored in memory from the docstore.
    """

    def __init__(
        self,
        directory: Path,
        embedder: Embedder,
        chunking: ChunkerSettings | None = None,
        vector_store: str = "faiss",
        retrieval: RetrievalSettings | None = None,
        stores: StoreSettings | None = None,
        read_only: bool = False,
        checkpoint_seconds: float = 60.0,
        lock_wait: float = 0.0,
    ) -> None:
        chunking = chunking or ChunkerSettings()
        if not manifest.exists(directory):
            if read_only:
                raise ValueError(f"no index at {directory}: index some documents first")
            # An index that exists was built with a chunk size that fitted: only a new one
            # needs the model (loading it) to check.
            if chunking.size > embedder.max_chunk_tokens:
                raise ValueError(
                    f"chunk size {chunking.size} exceeds the model window "
                    f"({embedder.max_chunk_tokens} tokens besides [CLS] and [SEP])"
                )
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.embedder = embedder
        self.read_only = read_only
        self.checkpoint_seconds = checkpoint_seconds
        self.lock = None if read_only else WriterLock(directory, lock_wait)
        try:
            self.manifest = _open_manifest(directory, embedder, chunking, vector_store, read_only)
            self.docstore = DocStore(directory)
            self.vectors = open_vector_store(
                vector_store, directory, self.manifest.dimension, stores
            )
            self.chunker = Chunker(embedder.count_tokens, chunking)
            self.retrieval = retrieval or RetrievalSettings()
            self.lexical = BM25Retriever(directory, self.retrieval.bm25, writable=not read_only)
            self.epochs = Epochs()
            retrievers = build_retrievers(
                DenseRetriever(self.vectors), self.lexical, self.retrieval
            )
            self.searcher = Searcher(
                self.docstore, embedder, retrievers, self.retrieval, self.epochs
            )
            self._write = threading.Lock()
            self._background = Background()  # embedding for writes, at a lower priority
            self._retired: list[np.ndarray] = []  # replaced chunks not yet dropped
            self._saved_at = time.monotonic()
            self._reconcile()
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise

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
        self.vectors.add(missing, self.docstore.vectors(missing, self.manifest.dimension))
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
        for doc in self.docstore.chunked(None if every else missing):
            if not every:  # a document's chunks go in whole, whatever part of them was there
                self.lexical.remove(np.array(doc.vids, dtype=np.int64))
            self._stage_terms(doc)
        self.lexical.publish()

    def upsert(self, docs: Iterable[Document], progress: bool = False) -> UpsertReport:
        """Adds new documents, replaces changed ones and skips unchanged ones (by content hash)."""
        report = UpsertReport()
        todo = self._changed({d.id: d for d in docs}, report)
        chunks = [self.chunker.chunk(d.id, d.text) for d in todo]
        texts = [c.text for doc_chunks in chunks for c in doc_chunks]
        vectors = self._background.run(lambda: self.embedder.embed_documents(texts, progress))
        if texts and vectors.shape[1] != self.manifest.dimension:
            raise IndexMismatch(
                f"the model {self.embedder.model_id!r} now gives {vectors.shape[1]}-dimensional "
                f"vectors; the index at {self.directory} holds {self.manifest.dimension}: "
                "rebuild it"
            )
        self._apply(todo, chunks, vectors)
        report.chunks = len(texts)
        return report

    def _changed(self, docs: dict[str, Document], report: UpsertReport) -> list[Document]:
        todo = []
        for doc in docs.values():
            old = self.docstore.hash_of(doc.id)
            if old == content_hash(doc):
                report.unchanged.append(doc.id)
                continue
            (report.added if old is None else report.replaced).append(doc.id)
            todo.append(doc)
        return todo

    def upsert_embedded(
        self, docs: list[Document], chunks: list[list[Chunk]], vectors: np.ndarray
    ) -> None:
        """Stores documents that bring their own chunks and vectors (benchmarks, migrations):
        no hashing, chunking or embedding; `vectors` has one row per chunk, in order."""
        self._apply(docs, chunks, vectors)

    def _apply(self, docs: list[Document], chunks: list[list[Chunk]], vectors: np.ndarray) -> None:
        if not docs:
            return
        self._writable()
        with self._write:
            added = np.zeros(0, np.int64)
            try:
                with self.docstore.transaction():
                    stale = self.docstore.delete([d.id for d in docs])
                    fresh = [
                        self.docstore.put(doc, doc_chunks, vectors[start : start + len(doc_chunks)])
                        for doc, doc_chunks, start in zip(
                            docs, chunks, _starts(chunks), strict=True
                        )
                    ]
                    added = np.concatenate(fresh)
                    self.vectors.add(added, vectors)
                    for doc, doc_chunks, vids in zip(docs, chunks, fresh, strict=True):
                        spans = [(c.start, c.end) for c in doc_chunks]
                        self._stage_terms(
                            Chunked(doc.id, doc.title, doc.text, vids.tolist(), spans)
                        )
                    self.lexical.publish()
            except BaseException:
                self._undo(added)
                raise
            self._retire(stale)

    def _stage_terms(self, doc: Chunked) -> None:
        texts = contexts(doc.title, doc.text, doc.spans, self.retrieval.bm25)
        self.lexical.add(doc.vids, texts)

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
        """Removes a document and its chunks; False when there was no such document."""
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

    def announce(self, url: str) -> None:
        """Tells other processes (`newsrag index`) where this process serves the index."""
        if self.lock is not None:
            self.lock.announce(url)

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        collapse: bool | None = None,
        time: TimeSense | None = None,
    ) -> list[Hit]:
        """`searcher.search`: the best `k` chunks for `query`, best first."""
        return self.searcher.search(query, k, filters, mode, collapse, time)

    def unknown_words(self, words: Sequence[str]) -> list[str]:
        """The words that occur in no indexed article."""
        return self.lexical.unknown(words)

    def docstore_hash(self, doc_id: str) -> str | None:
        return self.docstore.hash_of(doc_id)

    def get(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        return self.docstore.get(doc_id)

    def documents(
        self, limit: int = 100, offset: int = 0, match: str | None = None
    ) -> list[DocSummary]:
        return self.docstore.summaries(limit, offset, match)

    def count_matching(self, match: str | None) -> int:
        return self.docstore.count_matching(match)

    def sources(self) -> list[tuple[str, int]]:
        return self.docstore.sources()

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        return self.docstore.count_documents(), self.docstore.count_chunks()

    def close(self) -> None:
        """Drops what is left to drop, saves the vectors, and lets another writer in."""
        with self._write:
            if not self.read_only:
                if self._retired:
                    self._retire(np.zeros(0, np.int64))
                self.vectors.save()
            self._background.close()
            self.lexical.close()
            self.docstore.close()
            if self.lock is not None:
                self.lock.release()
                self.lock = None


def _starts(chunks: list[list[Chunk]]) -> list[int]:
    """Where each document's rows begin in the vectors of all of them."""
    return list(itertools.accumulate((len(c) for c in chunks[:-1]), initial=0))


def _open_manifest(
    directory: Path,
    embedder: Embedder,
    chunking: ChunkerSettings,
    vector_store: str,
    read_only: bool,
) -> Manifest:
    found = manifest.read(directory)
    wanted = Manifest(
        model=embedder.model_id,
        # The model named is the model the index was built with (checked just below), so its
        # dimension is the recorded one: opening an index loads no model.
        dimension=found.dimension if found else embedder.dimension,
        chunk_size=chunking.size,
        chunk_overlap=chunking.overlap,
        vector_store=vector_store,
        embed_backend=embedder.backend,
    )
    if found is None:
        if not read_only:
            manifest.write(directory, wanted)
        return wanted
    found.check(wanted, directory)
    return found
