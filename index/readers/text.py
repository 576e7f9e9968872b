"""Plain-text and Markdown articles, stored verbatim."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from index.metadata import extract_metadata
from index.models import Document
from index.readers.base import ReadError, read_utf8

_MD_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


class TextReader:
    """Reads .txt: the whole file is one document, its text untouched so offsets stay exact."""

    def read(self, path: Path) -> list[Document]:
        """One document per file, id = file stem, metadata from the article's own header."""
        text = read_utf8(path)
        if not text.strip():
            raise ReadError(path, "file has no text")
        meta = extract_metadata(text)
        doc = Document(
            id=path.stem, text=text, title=meta.title, date=meta.date, source=meta.source
        )
        return [doc]


class MarkdownReader(TextReader):
    """Reads .md like text, except that a leading '# Heading' is the title."""

    def read(self, path: Path) -> list[Document]:
        """As TextReader, with the leading level-one heading taking precedence as title."""
        docs = super().read(path)
        heading = markdown_title(docs[0].text)
        return [replace(docs[0], title=heading)] if heading else docs


def markdown_title(text: str) -> str | None:
    """The text of a leading '# Heading' line, if the document starts with one."""
    match = _MD_HEADING.match(text)
    return match.group(1).strip() if match else None
