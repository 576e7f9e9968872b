"""A loopback web site of feeds and article pages, broken ones included, scripted per test.

    feed_server.route("/rss.xml", rss("Daily", [item("a", "/a.html")]), etag='"v1"')
    feed_server.route("/a.html", article("A title", "Some text ..."))
    url = feed_server.url("/rss.xml")
    ...
    assert feed_server.hits["/a.html"] == 1 and feed_server.not_modified["/rss.xml"] == 1

Every request is counted by path; a route with an ETag answers a matching If-None-Match with
304 (counted apart). Waits are interruptible, so stopping never waits out a slow page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from index.sources.articles import FULL_TEXT_CHARS
from tests.loopback import LoopbackServer, Served


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer a matching If-None-Match with 304
    delay: float = 0.0  # seconds before the status line
    trickle: float = 0.0  # seconds between 1 kB pieces of a chunked body
    chunked: bool = False  # no Content-Length: the client only learns the size by reading


class FeedServer(LoopbackServer):
    """The server; use as a context manager or through the `feed_server` fixture."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.user_agents: list[str] = []

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def route(self, path: str, body: str | bytes = b"", **options: Any) -> None:
        """Serve `body` at `path` (replacing what was there); options are Route's fields."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self.routes[path] = Route(data, **options)

    def receive(self, path: str, headers: dict[str, str]) -> tuple[Route, bool]:
        """Count the request; the route (404 when none) and whether it is a 304."""
        with self._lock:
            self.hits[path] += 1
            self.user_agents.append(headers.get("user-agent", ""))
            route = self.routes.get(path, Route(b"not found", "text/plain", 404))
            fresh = route.etag is not None and headers.get("if-none-match") == route.etag
            if fresh:
                self.not_modified[path] += 1
            return route, fresh


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Served
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: pytest shows failures, not access logs."""

    def do_GET(self) -> None:
        site = self.server.owner
        headers = {name.lower(): value for name, value in self.headers.items()}
        route, fresh = site.receive(self.path, headers)
        if site.stopping.wait(route.delay):
            return
        try:
            self._respond(route, fresh)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout, size limit): fine

    def _respond(self, route: Route, fresh: bool) -> None:
        self.send_response(304 if fresh else route.status)
        extra = {"ETag": route.etag} if route.etag else {}
        for name, value in {"Content-Type": route.content_type, **extra, **route.headers}.items():
            self.send_header(name, value)
        if fresh:
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route.chunked or route.trickle:
            self._chunked(route)
        else:
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

    def _chunked(self, route: Route) -> None:
        self.close_connection = True
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(route.body), 1024):
            if start and self.server.owner.stopping.wait(route.trickle):
                return
            piece = route.body[start : start + 1024]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh site for one test."""
    with FeedServer() as server:
        yield server


# Feeds and pages, written the way publishers write them.


@dataclass
class Item:
    guid: str
    link: str
    title: str
    date: str = "2025-05-05T08:00:00+00:00"
    summary: str = "A short teaser."
    content: str | None = None  # the whole article, HTML (content:encoded, Atom content)


def item(guid: str, link: str, title: str | None = None, **fields: Any) -> Item:
    return Item(guid, link, title or f"Story {guid}", **fields)


def long_text(topic: str) -> str:
    """An article body past FULL_TEXT_CHARS, about `topic`."""
    sentence = f"This is a long report about {topic}, with every detail in full. "
    return sentence * (FULL_TEXT_CHARS // len(sentence) + 2)


def rss(title: str, items: list[Item]) -> str:
    def entry(it: Item) -> str:
        content = f"<content:encoded><![CDATA[{it.content}]]></content:encoded>"
        when = format_datetime(datetime.fromisoformat(it.date))
        return (
            f"<item><guid isPermaLink='false'>{escape(it.guid)}</guid>"
            f"<title>{escape(it.title)}</title><link>{escape(it.link)}</link>"
            f"<pubDate>{when}</pubDate><description>{escape(it.summary)}</description>"
            f"{content if it.content else ''}</item>"
        )

    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>"
        f"<description>news</description>{''.join(entry(it) for it in items)}</channel></rss>"
    )


def atom(title: str, items: list[Item]) -> str:
    def entry(it: Item) -> str:
        content = f'<content type="html">{escape(it.content)}</content>' if it.content else ""
        return (
            f"<entry><id>{escape(it.guid)}</id><title>{escape(it.title)}</title>"
            f'<link rel="alternate" href="{escape(it.link)}"/><updated>{it.date}</updated>'
            f"<summary>{escape(it.summary)}</summary>{content}</entry>"
        )

    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:feed</id><updated>2025-05-05T08:00:00Z"
        f"</updated>{''.join(entry(it) for it in items)}</feed>"
    )


def json_feed(title: str, items: list[Item]) -> str:
    def entry(it: Item) -> dict[str, Any]:
        body = {"content_text": it.content} if it.content else {"summary": it.summary}
        return {"id": it.guid, "url": it.link, "title": it.title, "date_published": it.date, **body}

    version = "https://jsonfeed.org/version/1.1"
    return json.dumps({"version": version, "title": title, "items": [entry(i) for i in items]})


def article(title: str, text: str, published: str = "2025-05-04") -> str:
    """An article page as a news site serves it: navigation, the story, a footer."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title>"
        f'<meta property="article:published_time" content="{published}">'
        f'<meta property="og:site_name" content="The Loopback Times"></head><body>'
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{paragraphs}</article>"
        f"<footer>Copyright The Loopback Times</footer></body></html>"
    )
