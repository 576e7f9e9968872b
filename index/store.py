"""NewsIndex: the docstore, the vector store and the chunker kept in step on disk."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index import manifest
from index.chunking import Chunker, ChunkerSettings
from index.collapse import collapse as fold_duplicates
from index.docstore import ChunkRow, DocStore, DocSummary, Filters, content_hash
from index.embedding import Embedder
from index.manifest import Manifest
from index.models import Chunk, Document, Hit
from index.retrievers import (
    BM25Retriever,
    DenseRetriever,
    RetrievalSettings,
    Retriever,
    build_retrievers,
    pick,
)
from index.vectorstores import open_vector_store

log = logging.getLogger(__name__)

# Collapsing fetches this many times k, so duplicates folded away leave k distinct passages.
COLLAPSE_DEPTH = 3
Ranked = tuple[ChunkRow, float, tuple[str, ...]]


@dataclass
class UpsertReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0


class NewsIndex:
    """One index directory; every public method is safe to call from several threads."""

    def __init__(
        self,
        directory: Path,
        embedder: Embedder,
        chunking: ChunkerSettings | None = None,
        vector_store: str = "faiss",
        retrieval: RetrievalSettings | None = None,
        store_options: Mapping[str, Any] | None = None,
    ) -> None:
        chunking = chunking or ChunkerSettings()
        if chunking.size > embedder.max_chunk_tokens:
            raise ValueError(
                f"chunk size {chunking.size} exceeds the model window "
                f"({embedder.max_chunk_tokens} tokens besides [CLS] and [SEP])"
            )
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.embedder = embedder
        self.manifest = _open_manifest(directory, embedder, chunking, vector_store)
        self.docstore = DocStore(directory)
        self.vectors = open_vector_store(vector_store, directory, embedder.dimension, store_options)
        self.chunker = Chunker(embedder.count_tokens, chunking)
        self.retrieval = retrieval or RetrievalSettings()
        self.lexical = BM25Retriever(directory, self.docstore.chunk_contexts, self.retrieval.bm25)
        dense = DenseRetriever(embedder, self.vectors)
        self.retrievers = build_retrievers(dense, self.lexical, self.retrieval)
        self._lock = threading.RLock()
        self._reconcile()

    def _reconcile(self) -> None:
        """Brings the derived indexes in line with the docstore after a crash or a lost file."""
        stored = self.docstore.all_ids()
        if not np.array_equal(self.lexical.ids(), stored):
            log.warning("BM25 index out of step with the docstore; rebuilding it on first use")
            self.lexical.invalidate()
        self._reconcile_vectors(stored)

    def _reconcile_vectors(self, stored: np.ndarray) -> None:
        indexed = self.vectors.ids()
        extra, missing = np.setdiff1d(indexed, stored), np.setdiff1d(stored, indexed)
        if not (extra.size or missing.size):
            return
        log.warning("reconciling vectors: %d stale, %d missing", extra.size, missing.size)
        self.vectors.remove(extra)
        self.vectors.add(missing, self.docstore.vectors(missing, self.embedder.dimension))
        self.vectors.save()

    def upsert(self, docs: Iterable[Document], progress: bool = False) -> UpsertReport:
        """Adds new documents, replaces changed ones and skips unchanged ones (by content hash)."""
        report = UpsertReport()
        todo = self._changed({d.id: d for d in docs}, report)
        chunks = [self.chunker.chunk(d.id, d.text) for d in todo]
        texts = [c.text for doc_chunks in chunks for c in doc_chunks]
        vectors = self.embedder.embed_documents(texts, progress=progress)
        with self._lock:
            self._apply(todo, chunks, vectors)
        report.chunks = len(texts)
        return report

    def _changed(self, docs: dict[str, Document], report: UpsertReport) -> list[Document]:
        todo = []
        for doc in docs.values():
            old = self.docstore_hash(doc.id)
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
        with self._lock:
            self._apply(docs, chunks, vectors)

    def _apply(self, docs: list[Document], chunks: list[list[Chunk]], vectors: np.ndarray) -> None:
        """Docstore first (one transaction), then the vector store: a crash between the two
        leaves rows whose vectors `_reconcile` restores from the docstore on the next open."""
        with self.docstore.transaction():
            stale = self.docstore.delete([d.id for d in docs])
            offset, fresh = 0, []
            for doc, doc_chunks in zip(docs, chunks, strict=True):
                end = offset + len(doc_chunks)
                fresh.append(self.docstore.put(doc, doc_chunks, vectors[offset:end]))
                offset = end
        self.vectors.remove(stale)
        self.vectors.add(np.concatenate(fresh) if fresh else np.zeros(0, np.int64), vectors)
        if docs:
            self.vectors.save()
            self.lexical.invalidate()

    def delete(self, doc_id: str) -> bool:
        """Removes a document and its chunks; False when there was no such document."""
        with self._lock:
            if self.docstore.hash_of(doc_id) is None:
                return False
            with self.docstore.transaction():
                stale = self.docstore.delete([doc_id])
            self.vectors.remove(stale)
            self.vectors.save()
            self.lexical.invalidate()
            return True

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        collapse: bool | None = None,
    ) -> list[Hit]:
        """The best `k` chunks for `query` among those passing `filters`, best first.

        `mode` ("dense", "bm25" or "hybrid") and `collapse` default to the index's settings.
        """
        mode = self.retrieval.mode if mode is None else mode
        retriever = pick(self.retrievers, mode)
        fold = self.retrieval.collapse if collapse is None else collapse
        # The query is embedded before the lock: the model is safe to share between threads,
        # and its few milliseconds are most of a search, which other requests need not wait for.
        ahead = self.embedder.ready(query) if mode != "bm25" else nullcontext()
        with ahead, self._lock:
            allowed = self.docstore.filter_ids(filters or Filters())
            if allowed is not None and not allowed.size:
                return []
            ranked = self._ranked(retriever, query, k, allowed, fold)
        return [_hit(rank, *item) for rank, item in enumerate(ranked, start=1)]

    def _ranked(
        self, retriever: Retriever, query: str, k: int, allowed: np.ndarray | None, fold: bool
    ) -> list[Ranked]:
        """Digs deeper while folded duplicates leave fewer than `k` passages."""
        depth = k * COLLAPSE_DEPTH if fold else k
        while True:
            scored = retriever.retrieve(query, depth, allowed)
            rows = self.docstore.rows([vid for vid, _ in scored])
            found = [(rows[vid], score) for vid, score in scored if vid in rows]
            ranked: list[Ranked] = [(row, score, ()) for row, score in found]
            if fold:
                ranked = [(g.passage, g.score, tuple(g.also_in)) for g in fold_duplicates(found)]
            if len(ranked) >= k or len(scored) < depth:
                return ranked[:k]
            depth *= 2

    def docstore_hash(self, doc_id: str) -> str | None:
        with self._lock:
            return self.docstore.hash_of(doc_id)

    def get(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        with self._lock:
            return self.docstore.get(doc_id)

    def documents(self, limit: int = 100, offset: int = 0) -> list[DocSummary]:
        with self._lock:
            return self.docstore.summaries(limit, offset)

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        with self._lock:
            return self.docstore.count_documents(), self.docstore.count_chunks()

    def close(self) -> None:
        """Brings BM25 up to date on disk (so the next open starts ready), then closes."""
        with self._lock:
            self.lexical.refresh()
            self.docstore.close()


def _hit(rank: int, row: ChunkRow, score: float, also_in: tuple[str, ...]) -> Hit:
    return Hit(
        rank=rank,
        score=score,
        doc_id=row.doc_id,
        chunk_id=f"{row.doc_id}:{row.chunk_no}",
        start=row.start,
        end=row.end,
        text=row.text,
        title=row.title,
        source=row.source,
        date=row.date,
        url=row.url,
        also_in=also_in,
    )


def _open_manifest(
    directory: Path, embedder: Embedder, chunking: ChunkerSettings, vector_store: str
) -> Manifest:
    wanted = Manifest(
        model=embedder.model_id,
        dimension=embedder.dimension,
        chunk_size=chunking.size,
        chunk_overlap=chunking.overlap,
        vector_store=vector_store,
        embed_backend=embedder.backend,
    )
    found = manifest.read(directory)
    if found is None:
        manifest.write(directory, wanted)
        return wanted
    found.check(wanted, directory)
    return found
