"""Plain-text and Markdown articles, stored verbatim."""

from __future__ import annotations

import re
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
            title=fields.get("title") or self.heading(text) or meta.title,
            date=given or meta.date,
            source=fields.get("source") or meta.source,
            url=fields.get("url"),
        )
        return [doc]

    def heading(self, text: str) -> str | None:
        """A title the format itself marks (none in plain text)."""
        return None


class MarkdownReader(TextReader):
    """Reads .md like text, except that a leading '# Heading' is the title (where the front
    matter names none)."""

    def heading(self, text: str) -> str | None:
        return markdown_title(text)


def markdown_title(text: str) -> str | None:
    """The text of a leading '# Heading' line, if the document starts with one."""
    match = _MD_HEADING.match(text)
    return match.group(1).strip() if match else None
