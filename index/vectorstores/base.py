"""The vector-store seam: FAISS today, Milvus or an approximate index tomorrow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from index.vectorstores.ann import AnnSettings
from index.vectorstores.milvus import MilvusSettings


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

    def close(self) -> None:
        """Lets go of what the store holds open (a connection, an embedded server)."""
        ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class StoreSettings:
    """Every store's options, each store reading its own part (a new store adds its own)."""

    faiss: AnnSettings = field(default_factory=AnnSettings)
    milvus: MilvusSettings = field(default_factory=MilvusSettings)
