"""The read path: a query embedded once, then filters, retrievers, rows and collapse.

Searches run on any thread at once and never wait for a write: each reads one docstore commit
(a snapshot), and the vector store and the lexical index hold at least what that commit has
(a write adds there before it commits, and drops what it replaced only after the searches that
started before its commit are done; see index/epochs.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from index.collapse import collapse as fold_duplicates
from index.docstore import ChunkRow, DocStore, Filters
from index.embedding import Embedder
from index.epochs import Epochs
from index.models import Hit
from index.query import Query
from index.recency import RecencyPrior
from index.retrievers import RetrievalSettings, Retriever, pick

# Collapsing fetches this many times k, so duplicates folded away leave k distinct passages.
COLLAPSE_DEPTH = 3
# Candidates the recency prior reorders: a newer report may rank below older ones at first.
PRIOR_DEPTH = 100
NEGLIGIBLE = 0.001  # of the prior's weight: the newest article is too old for it to matter
Ranked = tuple[ChunkRow, float, tuple[str, ...]]


class Searcher:
    def __init__(
        self,
        docstore: DocStore,
        embedder: Embedder,
        retrievers: dict[str, Retriever],
        settings: RetrievalSettings,
        epochs: Epochs,
    ) -> None:
        self.docstore = docstore
        self.embedder = embedder
        self.retrievers = retrievers
        self.settings = settings
        self.epochs = epochs

    def search(
        self,
        text: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        collapse: bool | None = None,
    ) -> list[Hit]:
        """The best `k` chunks for `text` among those passing `filters`, best first.

        `mode` ("dense", "bm25" or "hybrid") and `collapse` default to the index's settings.
        """
        mode = self.settings.mode if mode is None else mode
        retriever = pick(self.retrievers, mode)
        fold = self.settings.collapse if collapse is None else collapse
        embedding = None if mode == "bm25" else self.embedder.embed_query_later(text)
        query = Query(text, embedding, filters or Filters())
        prior = self._prior(text, query.filters.as_of)
        with self.epochs.reading(), self.docstore.snapshot():
            allowed = self.docstore.filter_ids(query.filters)
            if allowed is not None and not allowed.size:
                return []
            ranked = self._ranked(retriever, query, k, allowed, fold, prior)
        return [_hit(rank, *item) for rank, item in enumerate(ranked, start=1)]

    def _prior(self, text: str, as_of: str | None) -> RecencyPrior | None:
        """The recency prior, where the question is about the present and some article is
        recent enough for it to matter (else it would only cost a deeper candidate list)."""
        prior = self.settings.recency
        if not prior.applies(text):
            return None
        newest = self.docstore.latest()
        return prior if prior.bonus(newest, _day(as_of)) >= NEGLIGIBLE * prior.weight else None

    def _ranked(
        self,
        retriever: Retriever,
        query: Query,
        k: int,
        allowed: np.ndarray | None,
        fold: bool,
        prior: RecencyPrior | None,
    ) -> list[Ranked]:
        """Digs deeper while folded duplicates (or chunks this snapshot does not have) leave
        fewer than `k` passages; `prior` reorders the candidates by their age first."""
        depth = k * COLLAPSE_DEPTH if fold else k
        if prior is not None:
            depth = max(depth, PRIOR_DEPTH)
        while True:
            scored = retriever.retrieve(query, depth, allowed)
            rows = self.docstore.rows([vid for vid, _ in scored])
            found = [(rows[vid], score) for vid, score in scored if vid in rows]
            if prior is not None:
                found = _by_recency(found, prior, query.filters.as_of)
            ranked: list[Ranked] = [(row, score, ()) for row, score in found]
            if fold:
                ranked = [(g.passage, g.score, tuple(g.also_in)) for g in fold_duplicates(found)]
            if len(ranked) >= k or len(scored) < depth:
                return ranked[:k]
            depth *= 2


def _by_recency(
    found: list[tuple[ChunkRow, float]], prior: RecencyPrior, as_of: str | None
) -> list[tuple[ChunkRow, float]]:
    scores = prior.rerank([(score, row.date) for row, score in found], _day(as_of))
    rescored = [(row, score) for (row, _), score in zip(found, scores, strict=True)]
    return sorted(rescored, key=lambda item: -item[1])


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()


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
