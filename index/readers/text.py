"""Plain-text and Markdown articles, stored verbatim."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from index.metadata import extract_metadata, front_matter, parse_date_or_warn
from index.models import Document
from index.readers.base import ReadError, read_utf8

_MD_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


class TextReader:
    """Reads .txt: the whole file is one document, its text untouched so offsets stay exact."""

    def read(self, path: Path) -> list[Document]:
        """One document per file, id = file stem, metadata from YAML front matter (whose block
        is then left out of the stored text) or else from the article's own header."""
        text = read_utf8(path)
        matter = front_matter(text)
        fields = matter.fields if matter else {}
        if matter:
            text = text[matter.end :]
        if not text.strip():
            raise ReadError(path, "file has no text")
        meta = extract_metadata(text)
        given = parse_date_or_warn(fields.get("date"), f"{path}: front matter")
        doc = Document(
            id=path.stem,
            text=text,
            title=fields.get("title") or meta.title,
            date=given or meta.date,
            source=fields.get("source") or meta.source,
            url=fields.get("url"),
        )
        return [doc]


class MarkdownReader(TextReader):
    """Reads .md like text, except that a leading '# Heading' is the title."""

    def read(self, path: Path) -> list[Document]:
        """As TextReader, with a leading level-one heading as the title where the front matter
        names none."""
        docs = super().read(path)
        matter = front_matter(read_utf8(path))
        heading = markdown_title(docs[0].text)
        named = matter is not None and "title" in matter.fields
        return [replace(docs[0], title=heading)] if heading and not named else docs


def markdown_title(text: str) -> str | None:
    """The text of a leading '# Heading' line, if the document starts with one."""
    match = _MD_HEADING.match(text)
    return match.group(1).strip() if match else None
