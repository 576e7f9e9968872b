"""Document readers, one per file format, chosen by extension through READERS."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.models import Document
from index.readers.base import PartlyRead, Reader, ReadError, UnsupportedFile
from index.readers.html import HtmlReader
from index.readers.jsonl import JsonLinesReader, JsonReader
from index.readers.text import MarkdownReader, TextReader

__all__ = [
    "READERS",
    "PartlyRead",
    "ReadError",
    "Reader",
    "UnsupportedFile",
    "FileRead",
    "discover",
    "read_file",
    "read_records",
]

READERS: dict[str, Reader] = {
    ".txt": TextReader(),
    ".md": MarkdownReader(),
    ".html": HtmlReader(),
    ".htm": HtmlReader(),
    ".json": JsonReader(),
    ".jsonl": JsonLinesReader(),
}


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield files as given and, for folders, every non-hidden file beneath them, sorted."""
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(root: Path) -> Iterator[Path]:
    """Files under root in sorted order, skipping hidden files and folders (.git, .DS_Store)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        found.extend(Path(folder, name) for name in files if not name.startswith("."))
    return iter(sorted(found))


@dataclass(frozen=True)
class FileRead:
    """What one file gave: its documents (a partly read file's good records), a reason per bad
    record, or why nothing could be read (`failed`; `unsupported` for a type no reader has)."""

    documents: list[Document]
    problems: list[str] = field(default_factory=list)
    failed: str | None = None
    unsupported: bool = False


def read_records(path: Path) -> FileRead:
    """Every record of the file that reads, never raising: one bad line never costs a file its
    good ones (the one way `newsrag index`, a watched folder and an upload read a file)."""
    try:
        return FileRead(read_file(path))
    except PartlyRead as exc:
        return FileRead(exc.documents, exc.problems)
    except UnsupportedFile as exc:
        return FileRead([], failed=exc.reason, unsupported=True)
    except ReadError as exc:
        return FileRead([], failed=exc.reason)


def read_file(path: Path) -> list[Document]:
    """Read one file with the reader for its extension; every failure is a ReadError."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        kind = path.suffix or "(no extension)"
        raise UnsupportedFile(path, f"unsupported file type {kind}; readable types: {known}")
    try:
        return reader.read(path)
    except OSError as exc:
        raise ReadError(path, exc.strerror or str(exc)) from exc
