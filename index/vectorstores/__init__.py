"""Vector stores, chosen by name; adding one is one file and one line in STORES."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.vectorstores.base import VectorStore
from index.vectorstores.faiss import FaissStore

STORES: dict[str, Callable[[Path, int], VectorStore]] = {
    "faiss": FaissStore,
}


def open_vector_store(name: str, directory: Path, dimension: int) -> VectorStore:
    """Opens (or creates) the named store in `directory`."""
    try:
        factory = STORES[name]
    except KeyError:
        raise ValueError(f"unknown vector store {name!r}; known: {', '.join(STORES)}") from None
    return factory(directory, dimension)


__all__ = ["STORES", "VectorStore", "open_vector_store"]
