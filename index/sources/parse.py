"""A fetched feed parsed: JSON Feed by our own small parser, RSS 2.0 and Atom by feedparser."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

import feedparser

from index.metadata import parse_date
from index.sources.base import SourceError
from index.sources.items import FeedItem, ParsedFeed
from index.sources.jsonfeed import parse_json_feed

log = logging.getLogger(__name__)
# What feedparser flags but reads perfectly: a feed served as text/html, a charset mislabelled.
BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def parse_feed(url: str, body: bytes, media_type: str) -> ParsedFeed:
    """JSON Feed by its type or a leading `{`, RSS and Atom by feedparser."""
    if "json" in media_type or body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(url, body)
    return _parse_xml(url, body, media_type)


def _parse_xml(url: str, body: bytes, media_type: str) -> ParsedFeed:
    """A feed feedparser can read; broken XML that still yields items is used, with a warning."""
    headers = {"content-location": url, "content-type": media_type or "application/xml"}
    parsed: Any = feedparser.parse(body, response_headers=headers)
    problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(url, f"not an RSS, Atom or JSON feed{_detail(problem)}")
    broken = parsed.bozo and not isinstance(problem, BENIGN)
    if broken and not parsed.entries:
        raise SourceError(url, f"malformed feed{_detail(problem)}")
    if broken:
        log.warning("feed %s is malformed%s; using the items it yields", url, _detail(problem))
    return ParsedFeed(parsed.feed.get("title"), [_entry(entry) for entry in parsed.entries])


def _detail(problem: object) -> str:
    return f": {problem}" if problem else ""


def _entry(entry: Any) -> FeedItem:
    content, is_html = _content(entry)
    return FeedItem(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=entry.get("title") or None,
        published=_day(entry, "published"),
        updated=_day(entry, "updated"),
        content=content,
        content_is_html=is_html,
    )


def _content(entry: Any) -> tuple[str | None, bool]:
    """The longest content:encoded / Atom content, else the summary; and whether it is HTML."""
    bodies = [c for c in entry.get("content", []) if c.get("value")]
    if bodies:
        best = max(bodies, key=lambda c: len(c["value"]))
        return best["value"], best.get("type") != "text/plain"
    detail = entry.get("summary_detail") or {}
    return entry.get("summary") or None, detail.get("type") != "text/plain"


def _day(entry: Any, key: str) -> str | None:
    """The date as the feed wrote it (the publisher's own day, as JSON Feed dates are read);
    feedparser's UTC reading only for forms neither RFC 822 nor ISO 8601 can parse."""
    raw = entry.get(key)
    if isinstance(raw, str) and (found := parse_date(raw)):
        return found
    parsed: time.struct_time | None = entry.get(f"{key}_parsed")
    if not parsed:
        return None
    try:
        return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
    except ValueError:
        return None
