"""Vector stores, chosen by name; adding one is one file and one line in STORES."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.vectorstores.base import StoreSettings, VectorStore
from index.vectorstores.faiss import FaissStore
from index.vectorstores.milvus import MilvusStore

# A factory takes the index directory, the vector dimension and the stores' settings, of which
# it reads its own part (an ANN kind for FAISS, a URI for a remote store).
StoreFactory = Callable[[Path, int, StoreSettings], VectorStore]

STORES: dict[str, StoreFactory] = {
    "faiss": FaissStore.open,
    "milvus": MilvusStore.open,
}


def open_vector_store(
    name: str, directory: Path, dimension: int, settings: StoreSettings | None = None
) -> VectorStore:
    """Opens (or creates) the named store in `directory`."""
    try:
        factory = STORES[name]
    except KeyError:
        raise ValueError(f"unknown vector store {name!r}; known: {', '.join(STORES)}") from None
    return factory(directory, dimension, settings or StoreSettings())


__all__ = ["STORES", "StoreSettings", "VectorStore", "open_vector_store"]
