"""Hybrid retrieval: dense and lexical candidates, fused into one ranking."""

from __future__ import annotations

from collections.abc import Sequence

from index.corpus.base import Scored, View
from index.query import Query
from index.retrievers.base import Retriever
from index.retrievers.fusion import Fusion


class HybridRetriever:
    """Each retriever fetches `depth` candidates (more than k, so an id ranked low by one and
    high by the other can still surface); the fusion ranks their union."""

    def __init__(self, retrievers: Sequence[Retriever], fusion: Fusion, depth: int = 100) -> None:
        self.retrievers = list(retrievers)
        self.fusion = fusion
        self.depth = depth

    def retrieve(self, query: Query, k: int, view: View) -> Scored:
        depth = max(k, self.depth)
        # Last first: the lexical retriever needs only the words, so it runs while the query is
        # still being embedded for the dense one (build_retrievers puts dense first). Two
        # threads measured no better: the GIL hand-offs eat the overlap (docs/tuning.md).
        rankings = [r.retrieve(query, depth, view) for r in reversed(self.retrievers)][::-1]
        return self.fusion(rankings)[:k]
