"""Vector stores, chosen by name (NEWSRAG_VECTOR_STORE): `newsrag.stores` entry points, the
built-ins (faiss, milvus) among them, so a package adds one with no edit here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index import plugins
from index.vectorstores.base import StoreSettings, VectorStore

GROUP = "newsrag.stores"
# A factory takes the index directory, the vector dimension and the stores' settings, of which
# it reads its own part (an ANN kind for FAISS, a URI for a remote store; a plugin's own
# settings are its own business, e.g. environment variables of its own prefix).
StoreFactory = Callable[[Path, int, StoreSettings], VectorStore]


def open_vector_store(
    name: str, directory: Path, dimension: int, settings: StoreSettings | None = None
) -> VectorStore:
    """Opens (or creates) the named store in `directory`."""
    factory: StoreFactory = plugins.load(GROUP, name)
    return factory(directory, dimension, settings or StoreSettings())


__all__ = ["GROUP", "StoreSettings", "VectorStore", "open_vector_store"]
