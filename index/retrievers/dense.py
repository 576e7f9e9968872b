"""Dense retrieval: embed the query, search the vector store."""

from __future__ import annotations

import numpy as np

from index.embedding import Embedder
from index.vectorstores import VectorStore


class DenseRetriever:
    def __init__(self, embedder: Embedder, store: VectorStore) -> None:
        self.embedder = embedder
        self.store = store

    def retrieve(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self.store.search(self.embedder.embed_query(query), k, allowed)
