"""The vector-store seam: FAISS today, Milvus or an approximate index tomorrow."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    """Vectors keyed by int64 ids; the docstore owns what the ids mean."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Best `k` (id, score) pairs, highest score first, only among `allowed` when given."""
        ...

    def ids(self) -> np.ndarray: ...

    def save(self) -> None: ...

    def __len__(self) -> int: ...
