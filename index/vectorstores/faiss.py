"""Inner-product search with FAISS (vectors are normalized, so this is cosine): exact while the
corpus is small, approximate above a threshold (see ann.py), one self-describing file either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.files import atomic_write
from index.vectorstores import ann, idmap
from index.vectorstores.ann import AnnSettings
from index.vectorstores.base import StoreSettings

log = logging.getLogger(__name__)
FILENAME = "vectors.faiss"
# Zero-copy mapping of flat codes, HNSW graphs and IVF lists; the index is read-only then.
MMAP_FLAGS = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
Rebuild = tuple[str, np.ndarray, np.ndarray]  # the kind to build, with the live ids and vectors


class FaissStore:
    """An IndexIDMap2 over a flat, HNSW or IVF index, saved atomically beside the manifest.

    The kind in use is recorded by the file itself (FAISS serializes the index type), and it
    changes on its own as the corpus crosses `ann_threshold`. Deletes remove from a flat index
    and tombstone in an approximate one until `ann.drift` asks for a rebuild.

    FAISS searches may run together but not beside a write: one lock covers each call, for the
    millisecond or two that a search or a document's add takes. Saving copies the index into
    memory under it and writes the copy outside it; a rebuild builds outside it and swaps.
    """

    def __init__(
        self, directory: Path, dimension: int, settings: AnnSettings | None = None
    ) -> None:
        self.path = directory / FILENAME
        self.dimension = dimension
        self.settings = settings or AnnSettings()
        self._lock = threading.RLock()
        self._mapped = False  # a memory-mapped index must be read into RAM before any write
        self._dirty = False
        # faiss ships loose stubs (SWIG); Any keeps mypy honest about what it cannot see.
        self._index: Any = self._load() or ann.build(
            "flat", dimension, _none(dimension), self.settings
        )
        self._dead = idmap.count_dead(self._index)
        self._sorted: np.ndarray | None = None  # live ids, sorted; cached between writes
        self._settle()

    @classmethod
    def open(cls, directory: Path, dimension: int, settings: StoreSettings) -> FaissStore:
        return cls(directory, dimension, settings.faiss)

    @property
    def kind(self) -> str:
        return ann.kind_of(self._index) or "flat"

    def _load(self) -> Any:
        if not self.path.exists():
            return None
        try:
            index = faiss.read_index(str(self.path), MMAP_FLAGS if self.settings.mmap else 0)
        except RuntimeError as exc:  # torn or foreign file: the docstore can rebuild it
            log.warning("unreadable %s (%s); it will be rebuilt from the docstore", self.path, exc)
            return None
        if index.d != self.dimension or ann.kind_of(index) is None:
            log.warning("%s is no %d-d index of this store; rebuilding", self.path, self.dimension)
            return None
        self._mapped = self.settings.mmap
        return index

    def _settle(self) -> None:
        """Moves a loaded index to the kind the settings ask for (and records it at once)."""
        with self._lock:
            planned = self._after_change(changed=False)
        self._rebuild(planned)
        if self._dirty:
            self.save()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            planned = self._add(ids, vectors)
        self._rebuild(planned)

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> Rebuild | None:
        if len(self) == 0:  # a first bulk load is built as its kind directly
            target = ann.target_kind(self.settings, len(ids), self.kind)
            if target != self.kind:
                return target, ids, vectors
        self._writable().add_with_ids(vectors, ids)
        return self._after_change()

    def remove(self, ids: np.ndarray) -> None:
        if not len(ids):
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        with self._lock:
            if self.kind == "flat":
                self._writable().remove_ids(ids)
            else:
                self._dead += idmap.tombstone(self._writable(), ids)
            planned = self._after_change()
        self._rebuild(planned)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        with self._lock:
            return self._search(query, k, allowed)

    def _search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        live = len(self)
        if live == 0 or k <= 0:
            return []
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        exact = allowed is not None and len(allowed) <= self.settings.exact_filter_max
        if allowed is not None and exact and not ann.is_ivf(self._index):
            return self._exact(vector[0], k, allowed)
        share = len(allowed) / live if allowed is not None else live / self._index.ntotal
        selector = idmap.Selector(allowed) if allowed is not None or self._dead else None
        sel = selector.sel if selector else None
        params = ann.search_params(self._index, k, self.settings, share, sel, exhaustive=exact)
        with one_thread():
            scores, ids = self._index.search(vector, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _exact(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """Scores only the allowed vectors, read back from the index: what keeps a selective
        filter from starving a graph search of candidates. (An IVF scans all of its lists
        instead: decoding its codes one by one costs more; docs/tuning.md.)"""
        present = self._present(allowed)
        if not present.size:
            return []
        with one_thread():
            candidates = self._index.reconstruct_batch(present)
            scores, rows = faiss.knn(query[None], candidates, k, metric=faiss.METRIC_INNER_PRODUCT)
        return [
            (int(present[r]), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0
        ]

    def _present(self, allowed: np.ndarray) -> np.ndarray:
        if self._sorted is None:
            self._sorted = np.sort(self.ids())
        wanted = np.unique(allowed.astype(np.int64))
        at = np.minimum(np.searchsorted(self._sorted, wanted), max(len(self._sorted) - 1, 0))
        return wanted[self._sorted[at] == wanted] if len(self._sorted) else wanted[:0]

    def ids(self) -> np.ndarray:
        """The live ids (tombstoned ones excluded), in index order."""
        with self._lock:
            return idmap.live_ids(self._index)

    def save(self) -> None:
        with self._lock:
            if not (self._dirty or not self.path.exists()):
                return
            data = faiss.serialize_index(self._index)
            self._dirty = False
        atomic_write(self.path, data.data)

    def close(self) -> None:
        return None  # an index in memory: nothing held open

    def __len__(self) -> int:
        return int(self._index.ntotal) - self._dead

    def _writable(self) -> Any:
        """The index, read fully into RAM first if it was mapped (FAISS aborts the process on
        a write to a mapped one)."""
        if self._mapped:
            self._index = faiss.read_index(str(self.path))
            self._mapped = False
        return self._index

    def _after_change(self, changed: bool = True) -> Rebuild | None:
        """Under the lock: what to rebuild (kind, live ids and vectors), if the index must be."""
        if changed:
            self._dirty, self._sorted = True, None
        target = ann.target_kind(self.settings, len(self), self.kind)
        if target != self.kind:
            reason: str | None = f"{len(self)} vectors, ANN setting {self.settings.ann!r}"
        else:
            reason = ann.drift(self._index, len(self), self._dead)
        if not reason:
            return None
        log.info("rebuilding %s as %s (was %s): %s", self.path, target, self.kind, reason)
        return (target, *self._live())

    def _live(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live id with its vector, reconstructed from the index itself (exact for flat
        and HNSW storage, to 8 bits for SQ8, which retraining on them does not compound)."""
        labels = idmap.labels(self._index)
        positions = np.flatnonzero(labels >= 0)
        inner = faiss.downcast_index(self._index.index)
        if not positions.size:
            return labels[:0], _none(self.dimension)
        return labels[positions], inner.reconstruct_batch(positions)

    def _rebuild(self, planned: Rebuild | None) -> None:
        """Builds the new index outside the lock (training and adding take seconds to minutes
        at a threshold), so searches go on against the old one; then swaps it in. Writes come
        from one thread (the index's writer), so nothing changes the old one meanwhile."""
        if planned is None:
            return
        kind, ids, vectors = planned
        index = ann.build(kind, self.dimension, vectors, self.settings)
        if len(ids):
            index.add_with_ids(vectors, ids)
        with self._lock:
            self._index, self._dead, self._mapped = index, 0, False
            self._dirty, self._sorted = True, None


@contextmanager
def one_thread() -> Iterator[None]:
    """One OpenMP thread for a single query (the setting is per calling thread). A query is
    never split across threads anyway, and on a busy machine the idle team's barrier costs more
    than the search itself (docs/tuning.md)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _none(dimension: int) -> np.ndarray:
    return np.zeros((0, dimension), dtype=np.float32)
