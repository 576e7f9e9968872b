"""Ids inside an IndexIDMap2: tombstones for indexes that cannot remove, and id selectors.

HNSW cannot remove a vector, and removing from an IVF under an id map breaks the map (the map
assumes the inner index renumbers, as only flat ones do). So a deleted id is tombstoned in
place: its label becomes -2 - id, which no search returns (-1 means "no result" to FAISS). The
tombstones live in the index file itself, so one atomic write keeps them with their vectors.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

BITMAP_MAX_ID = 1 << 27  # a bitmap selector costs max_id/8 bytes: 16 MB at most
EVERY_LIVE_ID = (0, 1 << 62)


def labels(index: Any) -> np.ndarray:
    """Every label in the id map, tombstones included, by position."""
    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def live_ids(index: Any) -> np.ndarray:
    found = labels(index)
    return found[found >= 0]


def tombstone(index: Any, ids: np.ndarray) -> int:
    """Marks the positions holding `ids` as deleted; returns how many it marked."""
    found = labels(index)
    hit = np.isin(found, ids) & (found >= 0)
    if hit.any():
        found[hit] = -2 - found[hit]
        faiss.copy_array_to_vector(found, index.id_map)
    return int(hit.sum())


def count_dead(index: Any) -> int:
    return int((labels(index) < 0).sum())


class Selector:
    """A FAISS IDSelector together with the buffer it points into (FAISS does not copy it)."""

    def __init__(self, allowed: np.ndarray | None) -> None:
        self._bitmap: np.ndarray | None = None
        if allowed is None:
            self.sel: Any = faiss.IDSelectorRange(*EVERY_LIVE_ID)
        elif allowed.size and 0 <= allowed.min() and allowed.max() < BITMAP_MAX_ID:
            self.sel = self._bitmap_selector(allowed)
        else:
            self.sel = faiss.IDSelectorBatch(allowed.astype(np.int64))

    def _bitmap_selector(self, allowed: np.ndarray) -> Any:
        """O(max id / 8) to build, against a hash set's O(len(allowed)) inserts: far cheaper
        for the broad filters (a date range over half the corpus) that reach the ANN path."""
        bits = np.zeros(int(allowed.max()) + 1, dtype=bool)
        bits[allowed] = True
        self._bitmap = np.packbits(bits, bitorder="little")
        # n counts bytes; ids are read as unsigned, so tombstones (< 0) never pass.
        return faiss.IDSelectorBitmap(len(self._bitmap), faiss.swig_ptr(self._bitmap))
