"""The one seam every file format plugs into, plus the strict text decoding they share."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from index.models import Document

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ReadError(Exception):
    """A file that could not become documents: carries the path and a reason a person can act on."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[ReadError], tuple[Path, str]]:
        """Pickle by (path, reason) so errors survive worker processes."""
        return (type(self), (self.path, self.reason))


class PartlyRead(ReadError):
    """Some records of a file could not become documents: `documents` holds the others, which
    are indexed, and `problems` one reason per bad record (naming its line or number)."""

    def __init__(self, path: Path, documents: list[Document], problems: list[str]) -> None:
        super().__init__(path, "; ".join(problems))
        self.documents = documents
        self.problems = problems

    def __reduce__(self) -> tuple[type[PartlyRead], tuple[Path, list[Document], list[str]]]:  # type: ignore[override]
        return (type(self), (self.path, self.documents, self.problems))


class UnsupportedFile(ReadError):
    """A file whose extension no reader handles; callers warn and move on."""


class Reader(Protocol):
    """Turns one file into the documents it holds."""

    def read(self, path: Path) -> list[Document]: ...


def read_utf8(path: Path) -> str:
    """Read a file as strict UTF-8, exactly as stored, so offsets into it stay true."""
    return decode_utf8(path, path.read_bytes())


def decode_utf8(path: Path, data: bytes) -> str:
    """Decode strict UTF-8 (a leading BOM is dropped); refuse binary or other encodings."""
    if data.startswith(_UTF16_BOMS):
        raise ReadError(path, "file is UTF-16 encoded; re-save it as UTF-8")
    if b"\x00" in data:
        raise ReadError(path, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise ReadError(path, f"{reason}; re-save it as UTF-8") from exc
