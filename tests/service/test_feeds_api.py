"""The server follows NEWSRAG_FEEDS in the background: visible in GET /feeds and in /search."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.feed_server import FeedServer, article, item, rss


def eventually(check: Callable[[], bool], seconds: float = 120.0) -> None:
    """Waits for `check`; the bound only keeps a broken run from hanging (a first write in a
    session also exports the model, which takes a while on a busy machine)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time limit"
        time.sleep(0.05)


def test_feeds_are_polled_in_the_background(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    feed_server.route("/rss.xml", rss("Loopback Daily", [item("expo", "/expo.html")]), etag='"1"')
    feed_server.route("/expo.html", article("Expo", "Putin will open the Expo in Harbin."))
    daily, missing = feed_server.url("/rss.xml"), feed_server.url("/missing.xml")
    settings = Settings(
        index_dir=fresh_index.corpus.directory,
        seed_dir=None,
        feeds=[daily, missing],
        feed_interval=0.1,
        feed_timeout=2,
    )
    app = create_app(settings, index=fresh_index)
    with TestClient(app) as client:
        eventually(lambda: feed_server.not_modified["/rss.xml"] >= 2)  # polled, and again
        feeds = {feed["url"]: feed for feed in client.get("/feeds").json()["feeds"]}
        hits = client.get("/search", params={"q": "Which city hosts the Expo?"}).json()
    assert list(feeds) == [daily, missing]
    assert feeds[daily]["title"] == "Loopback Daily" and feeds[daily]["added"] == 1
    assert feeds[daily]["errors"] == 0 and feeds[daily]["last_success"]
    assert feeds[daily]["next_poll"] >= feeds[daily]["last_poll"]
    assert feeds[missing]["errors"] >= 1 and feeds[missing]["last_success"] is None
    assert "HTTP 404" in feeds[missing]["last_error"]
    (hit,) = [h for h in hits["results"] if h["source"] == "Loopback Daily"]
    assert hit["url"] == feed_server.url("/expo.html") and hit["date"] == "2025-05-05"
    assert feed_server.hits["/expo.html"] == 1
    assert not app.state.feeds.running  # stopped (and joined) with the app: no poll after


def test_without_feeds_there_is_nothing_to_show(fresh_client: TestClient) -> None:
    assert fresh_client.get("/feeds").json() == {"feeds": [], "polling": False}


def test_feeds_come_comma_separated_and_must_be_web_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSRAG_FEEDS", "https://a.test/rss, http://b.test/feed.json")
    assert Settings().feeds == ["https://a.test/rss", "http://b.test/feed.json"]
    monkeypatch.setenv("NEWSRAG_FEEDS", "file:///etc/passwd")
    with pytest.raises(ValidationError, match="must start with http"):
        Settings()
