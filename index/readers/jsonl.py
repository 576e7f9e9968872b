"""Articles already in records: .json (one object or a list) and .jsonl (one per line)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.metadata import extract_metadata, parse_date_or_warn
from index.models import Document
from index.readers.base import PartlyRead, ReadError, read_utf8

_OPTIONAL = ("title", "source", "url")


class JsonReader:
    """Reads .json holding one article object or a list of them."""

    def read(self, path: Path) -> list[Document]:
        """One document per object; a bad record is reported by its number, the rest read."""
        text = read_utf8(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReadError(path, f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
        records = data if isinstance(data, list) else [data]
        return to_documents(path, ((f"record {n}", rec) for n, rec in enumerate(records, 1)))


class JsonLinesReader:
    """Reads .jsonl: one article object per line, blank lines ignored."""

    def read(self, path: Path) -> list[Document]:
        """One document per line; a bad line is reported by its number, the rest read."""
        lines = read_utf8(path).split("\n")  # not splitlines: U+2028 may sit inside a string
        records = ((f"line {n}", line) for n, line in enumerate(lines, 1) if line.strip())
        return to_documents(path, records, parse=True)


def _parse_line(path: Path, line: str, where: str) -> Any:
    """Decode one JSON Lines record, reporting its line number on failure."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReadError(path, f"{where}: invalid JSON: {exc.msg}") from exc


def to_documents(
    path: Path, records: Iterable[tuple[str, Any]], parse: bool = False
) -> list[Document]:
    """Validate labelled records (JSON text when `parse`) into documents. A bad record, or an
    id repeated within the file, does not stop the others: they are read, and PartlyRead
    names each bad one; a file with no good record at all is a ReadError."""
    docs: list[Document] = []
    seen: dict[str, str] = {}
    problems: list[str] = []
    for where, record in records:
        try:
            doc = to_document(path, _parse_line(path, record, where) if parse else record, where)
        except ReadError as exc:
            problems.append(exc.reason)
            continue
        if doc.id in seen:
            problems.append(f"{where}: duplicate id {doc.id!r} (first at {seen[doc.id]})")
            continue
        seen[doc.id] = where
        docs.append(doc)
    if problems and docs:
        raise PartlyRead(path, docs, problems)
    if problems:
        raise ReadError(path, "; ".join(problems))
    return docs


def to_document(path: Path, record: Any, where: str) -> Document:
    """One record to a Document: id and text required, gaps filled from the text's header."""
    if not isinstance(record, dict):
        raise ReadError(path, f"{where}: expected a JSON object, got {type(record).__name__}")
    doc_id, text = _required_id(path, record, where), _required_text(path, record, where)
    fields = {key: _optional_str(path, record, key, where) for key in _OPTIONAL}
    meta = extract_metadata(text)
    return Document(
        id=doc_id,
        text=text,
        title=fields["title"] or meta.title,
        date=parse_date_or_warn(record.get("date"), f"{path} {where} (id {doc_id!r})") or meta.date,
        source=fields["source"] or meta.source,
        url=fields["url"],
    )


def _required_id(path: Path, record: dict[str, Any], where: str) -> str:
    """A non-empty string id, or an integer one written as a string."""
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise ReadError(path, f"{where}: missing or empty 'id' (a string or integer is required)")


def _required_text(path: Path, record: dict[str, Any], where: str) -> str:
    """The article text, kept exactly as given since chunk offsets point into it."""
    value = record.get("text")
    if isinstance(value, str) and value.strip():
        return value
    raise ReadError(path, f"{where}: missing or empty 'text' (a non-empty string is required)")


def _optional_str(path: Path, record: dict[str, Any], key: str, where: str) -> str | None:
    """An optional string field; null or blank means absent, any other type is an error."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReadError(path, f"{where}: '{key}' must be a string, got {type(value).__name__}")
    return value.strip() or None
