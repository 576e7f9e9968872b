"""Hybrid retrieval: dense and lexical candidates, fused into one ranking."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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

    def retrieve(
        self, query: Query, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        depth = max(k, self.depth)
        rankings = [r.retrieve(query, depth, allowed) for r in self.retrievers]
        return self.fusion(rankings)[:k]
