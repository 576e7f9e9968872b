"""Bounded fetching: every way a page can misbehave ends in an error that names it, quickly."""

from __future__ import annotations

import pytest

from index.sources.base import SourceError
from index.sources.fetch import PAGE_TYPES, USER_AGENT, Fetcher, FetchLimits
from tests.feed_server import FeedServer, article

LIMITS = FetchLimits(timeout=0.5, max_bytes=50_000, max_redirects=3)


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(LIMITS)


def test_a_page_is_fetched_as_newsrag(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/a.html", article("Expo", "Putin opens the Expo in Harbin."))
    fetched = fetcher.get(feed_server.url("/a.html"), types=PAGE_TYPES)
    assert fetched.status == 200 and fetched.media_type == "text/html"
    assert b"Putin opens the Expo" in fetched.body
    assert feed_server.user_agents == [USER_AGENT]


def test_an_etag_makes_the_next_get_conditional(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/feed", "<rss/>", etag='"v1"')
    first = fetcher.get(feed_server.url("/feed"))
    again = fetcher.get(feed_server.url("/feed"), {"If-None-Match": first.headers["etag"]})
    assert (first.status, again.status, again.body) == (200, 304, b"")
    assert feed_server.not_modified["/feed"] == 1


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/gone", None, "HTTP 404 Not Found"),
        ("/slow", {"delay": 3.0}, "no answer within 0.5 s"),
        ("/trickle", {"trickle": 0.2}, "not received within 0.5 s"),
        ("/huge", {"chunked": True}, "larger than 50000 bytes"),
        ("/huge-declared", {}, "larger than 50000 bytes"),
        ("/report.pdf", {"content_type": "application/pdf"}, "not an article page"),
        ("/untyped", {"content_type": ""}, "not an article page (no content type)"),
        ("/loop", {"status": 302, "headers": {"Location": "/loop"}}, "more than 3 redirects"),
        ("/nowhere", {"status": 301, "headers": {"Location": "http://127.0.0.1:1/"}}, "Connect"),
    ],
)
def test_misbehaving_pages_are_errors_that_say_why(
    feed_server: FeedServer,
    fetcher: Fetcher,
    path: str,
    options: dict[str, object] | None,
    reason: str,
) -> None:
    if options is not None:
        size = 100_000 if path.startswith("/huge") else 20_000  # the trickle: 20 pieces
        feed_server.route(path, b"<p>" + b"x" * size, **options)
    # A page waited out would have been read whole: the reason says which limit cut it.
    with pytest.raises(SourceError) as caught:
        fetcher.get(feed_server.url(path), types=PAGE_TYPES)
    assert reason in caught.value.reason
    assert caught.value.where == feed_server.url(path)


def test_a_feed_may_have_any_type_and_plain_text_keeps_its_charset(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/feed.json", "{}", content_type="application/feed+json")
    assert fetcher.get(feed_server.url("/feed.json")).body == b"{}"
    feed_server.route(
        "/a.txt", "café".encode("latin-1"), content_type="text/plain; charset=latin-1"
    )
    fetched = fetcher.get(feed_server.url("/a.txt"), types=PAGE_TYPES)
    assert fetched.charset == "latin-1" and fetched.body.decode(fetched.charset) == "café"
