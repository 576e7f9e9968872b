"""How values travel to Milvus: expression literals, VARCHAR-sized pieces, request-sized
batches. Shared by the milvus corpus's collections (milvus.py) and its keyed records
(milvus_records.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from index.vectorstores.milvus import IDS_PER_REQUEST

MAX_VARCHAR = 65_535  # bytes: Milvus's largest VARCHAR
REQUEST_BYTES = 8 << 20  # rows per insert: well under gRPC's message cap
SEP = "\x1f"  # joins a document id and a version into a key; sorts before any printable char
DUMMY = [1.0, 0.0]  # Milvus wants a vector field in every collection
Item = TypeVar("Item")


def _quote(text: str) -> str:
    """A string literal of Milvus's expression language (which knows no \\u escapes: control
    characters are kept out of ids, see _check_sizes, and out of what users type)."""
    plain = "".join(c for c in text if c >= " ")
    return '"' + plain.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cursor(key: str) -> str:
    """A primary key as a string literal, whole: unlike ids typed by users, keys hold the
    separator (a control character), which the engines take as it is."""
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(map(_quote, values)) + "]"


def _like(prefix: str) -> str:
    """`prefix` with LIKE's own wildcards taken literally."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _split(text: str, most: int = MAX_VARCHAR - 1024) -> list[str]:
    """`text` in pieces of at most `most` UTF-8 bytes (at least one piece)."""
    pieces, start = [], 0
    while True:
        end = start + most // 4  # every character fits in four bytes
        while end < len(text) and _utf8(text[start : end + 1024]) <= most:
            end += 1024
        end = min(end, len(text))
        pieces.append(text[start:end])
        if end >= len(text):
            return pieces
        start = end


def _batched(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows in inserts of about REQUEST_BYTES each."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        weight = sum(_utf8(v) if isinstance(v, str) else 8 for v in row.values())
        weight += 4 * len(row.get("vector", ()))
        if batch and size + weight > REQUEST_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += weight
    if batch:
        yield batch


def _parts(items: Sequence[Item], size: int = IDS_PER_REQUEST) -> Iterator[list[Item]]:
    iterator = iter(items)
    while part := list(itertools.islice(iterator, size)):
        yield part
