"""HTML pages: the article's main text via trafilatura, without navigation or boilerplate."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from index.metadata import extract_metadata, parse_date
from index.models import Document
from index.readers.base import ReadError

# Dates only from the page's markup and URL: a date merely mentioned in the body is not
# a publication date, so trafilatura's extensive (guessing) search stays off.
_DATE_PARAMS = {"original_date": True, "extensive_search": False}
# Its "discarding data: None" for a page without main text says less than our ReadError does.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class HtmlReader:
    """Reads .html/.htm: main text and metadata from the markup, the text header as fallback."""

    def read(self, path: Path) -> list[Document]:
        """One document per page, id = file stem; a page with no main text is an error."""
        data = path.read_bytes()
        if b"\x00" in data:
            raise ReadError(path, "binary file (contains NUL bytes), not HTML")
        page = _extract(path, data)
        text = page.text or ""
        if not text.strip():
            raise ReadError(path, "no main text found in the HTML")
        return [_document(path, text, page)]


def _extract(path: Path, data: bytes) -> Any:
    """Run trafilatura, imported here so a broken install fails one file, not every reader."""
    try:
        import trafilatura
    except ImportError as exc:
        hint = "install trafilatura (and lxml_html_clean) to read HTML"
        raise ReadError(path, f"{hint}: {exc}") from exc
    page = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, date_extraction_params=_DATE_PARAMS
    )
    if page is None:
        raise ReadError(path, "no main text found in the HTML")
    return page


def _document(path: Path, text: str, page: Any) -> Document:
    """Prefer what the markup says; fill the gaps from the extracted text's own header."""
    meta = extract_metadata(text)
    found_date = parse_date(page.date) if page.date else None
    return Document(
        id=path.stem,
        text=text,
        title=page.title or meta.title,
        date=found_date or meta.date,
        source=page.sitename or meta.source,
        url=page.url,
    )
