"""Vector stores, chosen by name; adding one is one file and one line in STORES."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from index.vectorstores.base import VectorStore
from index.vectorstores.faiss import FaissStore
from index.vectorstores.milvus import MilvusStore

# A factory takes the index directory, the vector dimension and the store's own options
# (from settings: e.g. an ANN kind for FAISS, a URI for a remote store).
StoreFactory = Callable[[Path, int, Mapping[str, Any]], VectorStore]

STORES: dict[str, StoreFactory] = {
    "faiss": FaissStore.open,
    "milvus": MilvusStore.open,
}


def open_vector_store(
    name: str, directory: Path, dimension: int, options: Mapping[str, Any] | None = None
) -> VectorStore:
    """Opens (or creates) the named store in `directory`."""
    try:
        factory = STORES[name]
    except KeyError:
        raise ValueError(f"unknown vector store {name!r}; known: {', '.join(STORES)}") from None
    return factory(directory, dimension, options or {})


__all__ = ["STORES", "VectorStore", "open_vector_store"]
