"""Exact inner-product search with FAISS (vectors are normalized, so this is cosine)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.manifest import atomic_write_bytes

log = logging.getLogger(__name__)
FILENAME = "vectors.faiss"


class FaissStore:
    """An IndexIDMap2 over a flat IP index, saved atomically beside the manifest."""

    def __init__(self, directory: Path, dimension: int) -> None:
        self.path = directory / FILENAME
        self.dimension = dimension
        # faiss ships loose stubs (SWIG); Any keeps mypy honest about what it cannot see.
        self._index: Any = self._load() or faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def _load(self) -> Any:
        if not self.path.exists():
            return None
        try:
            index = faiss.read_index(str(self.path))
        except RuntimeError as exc:  # torn or foreign file: the docstore can rebuild it
            log.warning("unreadable %s (%s); it will be rebuilt from the docstore", self.path, exc)
            return None
        if index.d != self.dimension:
            log.warning(
                "%s has dimension %d, not %d; rebuilding", self.path, index.d, self.dimension
            )
            return None
        return index

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, np.float32), ids.astype(np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if self._index.ntotal == 0 or k <= 0:
            return []
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def save(self) -> None:
        atomic_write_bytes(self.path, faiss.serialize_index(self._index).tobytes())

    def __len__(self) -> int:
        return int(self._index.ntotal)
