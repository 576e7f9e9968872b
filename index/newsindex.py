"""NewsIndex: the one surface callers use to search and change an index, whatever stores it.

It chunks, embeds and analyzes; where the result is kept is its Corpus (index/corpus/): the
local index directory by default, or a Milvus engine shared by any number of replicas.
Callers (service/, eval/, the command line) use only what is here: `search`, `document`,
`documents`, `upsert`, `delete`, `sources`, `counts`, `unknown_words`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from index.chunking import Chunker, ChunkerSettings
from index.corpus import CorpusSettings, open_corpus
from index.corpus.base import Corpus, Leases, StateStore, Stored
from index.embedding import Embedder
from index.filters import Filters
from index.lexical import Analyzer, chunk_terms
from index.manifest import IndexMismatch, Manifest
from index.models import Chunk, DocSummary, Document, content_hash
from index.priority import Background
from index.retrievers import RetrievalSettings, build_retrievers
from index.searcher import Searcher, SearchResult
from index.stories import Stories

# Folding stories fetches this many times k, so folded articles leave k stories, doubling up
# to MAX_FOLD_DEPTH passages while they do not.
FOLD_DEPTH = 3
MAX_FOLD_DEPTH = 400


@dataclass
class UpsertReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0


class WriteListener(Protocol):
    """Told of what was written, after it committed; called on the writer's thread, so it
    hands work on rather than doing it (a write must not wait for what follows it)."""

    def written(self, stored: Sequence[Stored]) -> None:
        """Documents added or replaced, with their chunks, vectors and terms."""
        ...

    def deleted(self, doc_id: str) -> None: ...


@dataclass(frozen=True)
class DocumentPage:
    """One page of the document list and the counts a pager needs."""

    documents: list[DocSummary]
    total: int  # documents in the index
    matching: int  # of them, those the match keeps


class NewsIndex:
    """Searches run on any thread at once; writes may come from any thread (the corpus
    serializes or versions them)."""

    def __init__(
        self,
        where: CorpusSettings | Path,
        embedder: Embedder,
        chunking: ChunkerSettings | None = None,
        retrieval: RetrievalSettings | None = None,
        backend: str = "local",
        like: Manifest | None = None,
        stories: bool = True,
    ) -> None:
        """`like`: a new corpus takes this manifest (a migration's source's) instead of one
        made from the embedder, which then need not load its model. `stories`: group what
        this process writes into stories (index/stories/) and give hits their story ids."""
        settings = where if isinstance(where, CorpusSettings) else CorpusSettings(where)
        self.like = like
        self.embedder = embedder
        self.chunking = chunking or ChunkerSettings()
        self.retrieval = retrieval or RetrievalSettings()
        self.corpus: Corpus = open_corpus(backend, settings, self._settle)
        manifest = self.corpus.manifest()
        assert manifest is not None  # settled on open
        self.manifest = manifest
        self.bm25 = settings.bm25
        self.analyzer = Analyzer.of(settings.bm25)
        self.chunker = Chunker(embedder.count_tokens, self.chunking)
        self.searcher = Searcher(
            self.corpus,
            embedder,
            self.analyzer,
            self.retrieval,
            build_retrievers(self.retrieval),
        )
        self._background = Background()  # embedding for writes, at a lower priority
        self._listeners: list[WriteListener] = []
        self._closing: list[Callable[[], None]] = []
        self.stories_on = stories
        self.stories = Stories(self.corpus, grouping=stories and not settings.read_only)
        if self.stories.grouping:
            self.listen(self.stories)

    def _settle(self, found: Manifest | None) -> Manifest:
        """The manifest to keep: the one found, if it fits this model and chunking (else
        IndexMismatch); for a new corpus, one made from them."""
        if found is None and self.like is not None:
            return self.like
        if found is None and self.chunking.size > self.embedder.max_chunk_tokens:
            # An index that exists was built with a chunk size that fitted: only a new one
            # needs the model (loading it) to check.
            raise ValueError(
                f"chunk size {self.chunking.size} exceeds the model window "
                f"({self.embedder.max_chunk_tokens} tokens besides [CLS] and [SEP])"
            )
        wanted = Manifest(
            model=self.embedder.model_id,
            # The model named is the model the index was built with (checked just below), so
            # its dimension is the recorded one: opening an index loads no model.
            dimension=found.dimension if found else self.embedder.dimension,
            chunk_size=self.chunking.size,
            chunk_overlap=self.chunking.overlap,
            embed_backend=self.embedder.backend,
        )
        if found is None:
            return wanted
        found.check(wanted)
        return found

    # -- reading ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        collapse: bool | None = None,
        timed: bool = True,
        stories: bool = False,
        vector: np.ndarray | None = None,
        story_ids: bool = True,
    ) -> SearchResult:
        """The best `k` passages for `query`, best first, with what was read about time in it
        (the period it names, the recency prior), as of `filters.as_of` (default today);
        `timed=False` reads no time at all. Each hit carries its article's story id;
        `stories` keeps one hit per story, the others named in its `also_reported_by`;
        `vector` is the query's embedding when the caller holds it (a watch);
        `story_ids=False` leaves them out, for a caller that reads none (the watch matcher's
        searches, a hundred hits deep: reading their stories was two thirds of one)."""
        if not self.stories_on or not (story_ids or stories):
            return self.searcher.search(query, k, filters, mode, collapse, timed, vector)
        depth = k * FOLD_DEPTH if stories else k
        while True:  # deeper while stories fold more than `depth` could spare
            found = self.searcher.search(query, depth, filters, mode, collapse, timed, vector)
            hits = self.stories.annotate(found.hits, filters or Filters(), stories, k)
            if len(hits) >= k or len(found.hits) < depth or depth >= MAX_FOLD_DEPTH:
                return SearchResult(hits, found.time)
            depth *= 2

    def document(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        """A document and its chunks, or None."""
        return self.corpus.document(doc_id)

    def documents(
        self, limit: int = 100, offset: int = 0, match: str | None = None
    ) -> DocumentPage:
        """Documents in id order, without their text; `match` keeps those whose id, title or
        source contains it (case-insensitive): what a person scanning the archive types."""
        total = self.corpus.counts()[0]
        return DocumentPage(
            self.corpus.documents(limit, offset, match),
            total,
            self.corpus.count_matching(match) if match else total,
        )

    def sources(self) -> list[tuple[str, int]]:
        """Each source with its document count, most first: what a source filter can offer."""
        return self.corpus.sources()

    def counts(self) -> tuple[int, int]:
        """(documents, chunks)."""
        return self.corpus.counts()

    @property
    def state(self) -> StateStore:
        """Records the service keeps beside the corpus (feed state, conversations)."""
        return self.corpus.state

    @property
    def leases(self) -> Leases:
        """Work one process at a time does for this corpus (polling feeds, upkeep)."""
        return self.corpus.leases

    def maintain(self) -> None:
        """Periodic upkeep of the storage (see Corpus.maintain)."""
        self.corpus.maintain()

    @property
    def location(self) -> str:
        """Where the corpus lives, for people (a directory, or a Milvus URI and name)."""
        return self.corpus.location

    def exported(self) -> Iterator[Stored]:
        """Every document with its chunks, vectors and terms: what a migration copies."""
        return self.corpus.exported()

    @property
    def shared(self) -> bool:
        """Other processes serve this index too (see Corpus.shared)."""
        return self.corpus.shared

    @property
    def backend(self) -> str:
        """Where the corpus lives: "local" or "milvus"."""
        return self.corpus.name

    def health(self) -> str | None:
        """None when the storage answers, else why not."""
        return self.corpus.health()

    def unknown_words(self, words: Sequence[str]) -> list[str]:
        """The words no indexed article contains (none of their terms occurs anywhere): a
        question naming one asks about something the archive never mentions."""
        analyzed = {word: self.analyzer.terms(word) for word in words}
        known = self.corpus.known([term for terms in analyzed.values() for term in terms])
        return [word for word, terms in analyzed.items() if terms and not set(terms) & known]

    # -- writing ----------------------------------------------------------------------------

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
                f"vectors; the index holds {self.manifest.dimension}: rebuild it"
            )
        self.upsert_embedded(todo, chunks, vectors)
        report.chunks = len(texts)
        return report

    def _changed(self, docs: dict[str, Document], report: UpsertReport) -> list[Document]:
        stored = self.corpus.hashes(list(docs))
        todo = []
        for doc in docs.values():
            old = stored.get(doc.id)
            if old == content_hash(doc):
                report.unchanged.append(doc.id)
                continue
            (report.added if old is None else report.replaced).append(doc.id)
            todo.append(doc)
        return todo

    def upsert_embedded(
        self, docs: list[Document], chunks: list[list[Chunk]], vectors: np.ndarray
    ) -> None:
        """Stores documents that bring their own chunks and vectors (benchmarks): no hashing,
        chunking or embedding; `vectors` has one row per chunk, in order."""
        stored = []
        start = 0
        for doc, doc_chunks in zip(docs, chunks, strict=True):
            spans = [(c.start, c.end) for c in doc_chunks]
            terms = chunk_terms(doc.title, doc.text, spans, self.bm25, self.analyzer)
            rows = vectors[start : start + len(doc_chunks)]
            stored.append(Stored(doc, content_hash(doc), doc_chunks, rows, terms))
            start += len(doc_chunks)
        self.corpus.replace(stored)
        for listener in self._listeners:
            listener.written(stored)

    def delete(self, doc_id: str) -> bool:
        """Removes a document and its chunks; False when there was no such document."""
        gone = self.corpus.delete(doc_id)
        if gone:
            for listener in self._listeners:
                listener.deleted(doc_id)
        return gone

    def on_close(self, callback: Callable[[], None]) -> None:
        """`callback` runs first when the index closes (a listener finishing its work)."""
        self._closing.append(callback)

    def listen(self, listener: WriteListener) -> None:
        """`listener` hears of every write once it has committed, from whichever path it came
        (HTTP, feeds, folders, `newsrag index`): what standing questions and stories follow."""
        self._listeners.append(listener)

    def unlisten(self, listener: WriteListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def checkpoint(self) -> None:
        """After a bulk write: what was written made cheap to search and safe on disk."""
        self.corpus.checkpoint()

    def announce(self, url: str) -> None:
        """Tells other processes where this one serves the index (`newsrag index` sends its
        documents there rather than opening a second writer)."""
        self.corpus.announce(url)

    def close(self) -> None:
        for callback in self._closing:
            callback()
        self._closing = []
        self._background.close()
        self.stories.close()  # groups what this process wrote before the corpus closes
        self.corpus.close()
