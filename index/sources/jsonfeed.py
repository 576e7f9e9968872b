"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1): plain JSON, small enough to read here."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from index.metadata import parse_date
from index.sources.base import SourceError
from index.sources.items import FeedItem, ParsedFeed

VERSION_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(url: str, body: bytes) -> ParsedFeed:
    """The feed's title and items; anything but a JSON Feed object is a SourceError."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(url, f"malformed JSON feed: {exc}") from exc
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise SourceError(url, f"not a JSON Feed (no version starting {VERSION_PREFIX})")
    items = data.get("items")
    if not isinstance(items, list):
        raise SourceError(url, "malformed JSON feed: 'items' is not a list")
    entries = [_item(url, raw) for raw in items if isinstance(raw, dict)]
    return ParsedFeed(_text(data.get("title")), entries)


def _item(feed_url: str, raw: dict[str, Any]) -> FeedItem:
    """One item; relative links resolve against the feed, like a browser would."""
    link = _text(raw.get("url")) or _text(raw.get("external_url"))
    content, is_html = _content(raw)
    return FeedItem(
        guid=_text(raw.get("id")),
        link=urljoin(feed_url, link) if link else None,
        title=_text(raw.get("title")),
        published=_date(raw.get("date_published")),
        updated=_date(raw.get("date_modified")),
        content=content,
        content_is_html=is_html,
    )


def _content(raw: dict[str, Any]) -> tuple[str | None, bool]:
    """content_html, else content_text, else the (plain text) summary."""
    html = _text(raw.get("content_html"))
    if html:
        return html, True
    return _text(raw.get("content_text")) or _text(raw.get("summary")), False


def _text(value: Any) -> str | None:
    """A non-blank string (ids may be numbers in JSON Feed 1.0); anything else is absent."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _date(value: Any) -> str | None:
    return parse_date(value) if isinstance(value, str) else None
