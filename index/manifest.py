"""The index describes itself, so opening it with another model fails loudly instead of silently."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.files import atomic_write

SCHEMA_VERSION = 1
FILENAME = "manifest.json"
log = logging.getLogger(__name__)


class IndexMismatch(RuntimeError):
    """The index on disk was built with settings that differ from the ones asked for."""


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    vector_store: str = "faiss"
    # Same model, another runtime: the vectors agree closely enough that a change only warns
    # (the default already pairs openvino-int8 documents with onnx-int8 queries; docs/tuning.md).
    embed_backend: str = "torch"
    normalized: bool = True
    schema_version: int = SCHEMA_VERSION
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def check(self, wanted: Manifest) -> None:
        """Raises IndexMismatch naming every difference and how to rebuild."""
        keys = ("schema_version", "model", "dimension", "chunk_size", "chunk_overlap")
        diffs = [
            f"{k}: index has {getattr(self, k)!r}, settings ask for {getattr(wanted, k)!r}"
            for k in keys
            if getattr(self, k) != getattr(wanted, k)
        ]
        if diffs:
            raise IndexMismatch(
                f"the index was built with other settings ({'; '.join(diffs)}). Rebuild it in "
                "a new place (NEWSRAG_INDEX_DIR, or NEWSRAG_MILVUS_COLLECTION with the milvus "
                "backend) and run `newsrag index PATH...` again, or use the settings it was "
                "built with."
            )
        if self.embed_backend != wanted.embed_backend:
            log.warning(
                "the index was embedded with the %s backend, queries and new documents now use "
                "%s: same model, vectors agree to ~0.99 cosine (rebuild for exact scores)",
                self.embed_backend,
                wanted.embed_backend,
            )


def exists(directory: Path) -> bool:
    return (directory / FILENAME).is_file()


def read(directory: Path) -> Manifest | None:
    path = directory / FILENAME
    if not path.exists():
        return None
    return Manifest(**json.loads(path.read_text("utf-8")))


def write(directory: Path, manifest: Manifest) -> None:
    atomic_write(directory / FILENAME, json.dumps(asdict(manifest), indent=2).encode())
