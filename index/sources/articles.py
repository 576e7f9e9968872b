"""A feed item as a Document: the feed's own full text when it carries one, else the page's."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from index.models import Document
from index.sources.base import SourceError
from index.sources.fetch import Fetcher
from index.sources.items import FeedItem
from index.sources.pages import Page, html_text, read_page

# Feed content at least this long is the article itself; shorter is a teaser, so the page is read.
FULL_TEXT_CHARS = 1000


def item_id(item: FeedItem, feed_url: str) -> str:
    """Stable across polls and restarts: the link's host, then a hash of the GUID or link.
    A GUID that is not a URL is only unique within its feed, so the feed's URL is hashed in."""
    key = item.guid or item.link
    if not key:
        raise SourceError(feed_url, f"item {item.title!r} has neither a GUID nor a link")
    if item.guid and "://" not in item.guid:
        key = f"{feed_url} {item.guid}"
    host = (urlsplit(item.link or feed_url).hostname or "feed")[:60]  # ids stop at 200 chars
    return f"{host}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def item_document(item: FeedItem, doc_id: str, source: str | None, fetcher: Fetcher) -> Document:
    """The item's text and metadata; the item's own title and date win over the page's."""
    page = _page(item, fetcher)
    return Document(
        id=doc_id,
        text=page.text,
        title=item.title or page.title,
        date=item.published or item.updated or page.date,
        source=source or page.sitename,
        url=item.link,
    )


def _page(item: FeedItem, fetcher: Fetcher) -> Page:
    """The feed's text when it is the whole article (or all there is), else the linked page."""
    content = item.content or ""
    if item.link and len(content) < FULL_TEXT_CHARS:  # extracting only ever shortens it
        return read_page(fetcher, item.link)
    text = html_text(content) if item.content_is_html else content.strip()
    if len(text) >= FULL_TEXT_CHARS or (text and not item.link):
        return Page(text)
    if not item.link:
        raise SourceError(item.guid or "item", "no link to fetch and no text in the feed")
    return read_page(fetcher, item.link)
