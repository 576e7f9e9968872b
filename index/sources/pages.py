"""An article's main text, from its page (fetched, bounded) or from HTML a feed carried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from index.metadata import parse_date
from index.sources.base import SourceError
from index.sources.fetch import PAGE_TYPES, Fetched, Fetcher

# As the HTML reader: dates from the markup and URL only, never one merely named in the body.
_DATE_PARAMS = {"original_date": True, "extensive_search": False}


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None = None
    date: str | None = None
    sitename: str | None = None


def read_page(fetcher: Fetcher, url: str) -> Page:
    """Fetch an article page (HTML, XHTML or plain text) and keep its main text."""
    fetched = fetcher.get(url, types=PAGE_TYPES)
    page = _plain(fetched) if fetched.media_type == "text/plain" else _html(fetched)
    if not page.text.strip():
        raise SourceError(url, "no main text found on the page")
    return page


def _plain(fetched: Fetched) -> Page:
    try:
        return Page(fetched.body.decode(fetched.charset, errors="replace"))
    except LookupError:  # a charset Python does not know
        return Page(fetched.body.decode("utf-8", errors="replace"))


def _html(fetched: Fetched) -> Page:
    found: Any = trafilatura.bare_extraction(
        fetched.body,
        url=fetched.url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=_DATE_PARAMS,
    )
    if found is None or not found.text:
        raise SourceError(fetched.url, "no main text found on the page")
    day = parse_date(found.date) if found.date else None
    return Page(found.text, found.title, day, found.sitename)


def html_text(html: str) -> str:
    """Readable text of an HTML body a feed carried (content:encoded, Atom content)."""
    # A bare fragment is "not valid HTML" to trafilatura (logged as an error); a page is not.
    page = html if "<html" in html[:500].lower() else f"<html><body>{html}</body></html>"
    text = trafilatura.extract(page, include_comments=False, favor_recall=True)
    if text:
        return str(text)
    try:  # a fragment too short for trafilatura to call it main text
        return str(lxml_html.fromstring(html).text_content()).strip()
    except etree.LxmlError:
        return ""
