"""Builds (or reuses) the index an evaluation runs against, timing the build."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from index.ingest import ingest
from index.models import Document
from index.newsindex import NewsIndex

Progress = Callable[[int], None]
# Called once with the number of documents to index and the dataset's name; returns a ticker.
StartProgress = Callable[[int, str], Progress]


@dataclass(frozen=True)
class BuildStats:
    """What it took to make the index ready; all zero when an existing one was reused."""

    path: str
    documents: int
    chunks: int
    docs_embedded: int
    chunks_embedded: int
    seconds: float
    reused: bool

    @property
    def docs_per_second(self) -> float | None:
        return self.docs_embedded / self.seconds if self.docs_embedded and self.seconds else None


def build_corpus(
    index: NewsIndex,
    docs: Callable[[], Iterable[Document]],
    batch_size: int = 256,
    progress: StartProgress | None = None,
) -> BuildStats:
    """Upserts the corpus unless the index already holds as many documents as it yields.

    Counting first skips re-hashing every document on a re-run (the upsert would skip them
    anyway, unchanged): the corpus files are read-only inputs, so a matching count means done.
    """
    expected = len({doc.id for doc in docs()})
    if index.counts()[0] == expected:
        return _stats(index, 0, 0, 0.0, reused=True)
    tick = progress(expected, Path(index.location).name) if progress else None
    embedded = chunks = 0
    started = time.perf_counter()
    for batch in _batches(docs(), batch_size):
        report = index.upsert(batch)
        embedded += len(report.added) + len(report.replaced)
        chunks += report.chunks
        if tick is not None:
            tick(len(batch))
    return _stats(index, embedded, chunks, time.perf_counter() - started, reused=False)


def build_folder(index: NewsIndex, folder: Path) -> BuildStats:
    """Ingests a folder of articles (the seeds); unchanged files cost a hash, not an embedding."""
    started = time.perf_counter()
    report = ingest(index, [folder])
    seconds = time.perf_counter() - started
    embedded = report.added + report.replaced
    return _stats(index, embedded, report.chunks, seconds if embedded else 0.0, not embedded)


def _stats(index: NewsIndex, docs: int, chunks: int, seconds: float, reused: bool) -> BuildStats:
    documents, total_chunks = index.counts()
    return BuildStats(index.location, documents, total_chunks, docs, chunks, seconds, reused)


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch
