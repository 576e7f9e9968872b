"""Dense retrieval: the query's vector against the vector store."""

from __future__ import annotations

import numpy as np

from index.query import Query
from index.vectorstores import VectorStore


class DenseRetriever:
    def __init__(self, store: VectorStore) -> None:
        self.store = store

    def retrieve(
        self, query: Query, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if query.vector is None:
            raise ValueError("dense retrieval needs the query's vector")
        return self.store.search(query.vector, k, allowed)
