"""Following feeds into a real index, against a loopback site with broken parts."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from index.newsindex import NewsIndex
from index.sources.articles import item_id
from index.sources.feeds import FeedFollower
from index.sources.feedstate import MAX_BACKOFF, STATE_KEY
from index.sources.fetch import FetchLimits
from index.sources.items import FeedItem
from tests.feed_server import FeedServer, Item, article, atom, item, json_feed, long_text, rss

LIMITS = FetchLimits(timeout=0.5, max_bytes=50_000, max_redirects=3)
STATE_FILE = "feeds.json"  # the record STATE_KEY of a local index, in its directory
EXPO = "Putin will open the China-Russia Expo in Harbin.\n\nTrade reached a record last year."


def follower(index: NewsIndex, *urls: str, interval: float = 300.0) -> FeedFollower:
    return FeedFollower(urls, index, index.state, STATE_KEY, interval, LIMITS)


def doc_of(site: FeedServer, it: Item, feed: str) -> str:
    return item_id(FeedItem(it.guid, site.url(it.link), it.title), site.url(feed))


def test_rss_atom_and_json_feed_items_become_documents(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    expo = item("expo", "/expo.html", "Expo opens in Harbin")
    whole = item("gas", "/never.html", "Gas flows", content=f"<p>{long_text('gas')}</p>")
    tagged = item("tag:site,2025:plain", "/plain.txt", "Plain notes")
    jsonned = item("j1", "/never.html", "Rail link", content=long_text("a new rail link"))
    feed_server.route("/rss.xml", rss("Loopback Daily", [expo, whole]))
    feed_server.route("/atom.xml", atom("Loopback Weekly", [tagged]))
    feed_server.route("/feed.json", json_feed("Loopback JSON", [jsonned]))
    feed_server.route("/expo.html", article("Expo page title", EXPO))
    feed_server.route("/plain.txt", "Harbin ice festival notes.", content_type="text/plain")
    urls = [feed_server.url(p) for p in ("/rss.xml", "/atom.xml", "/feed.json")]

    reports = follower(fresh_index, *urls).poll_all()

    assert [(r.added, r.errors) for r in reports] == [(2, []), (1, []), (1, [])]
    doc, _ = fresh_index.document(doc_of(feed_server, expo, "/rss.xml")) or pytest.fail("no expo")
    assert "Putin will open the China-Russia Expo in Harbin." in doc.text
    assert (doc.title, doc.date, doc.source) == (
        "Expo opens in Harbin",
        "2025-05-05",
        "Loopback Daily",
    )
    assert doc.url == feed_server.url("/expo.html")
    gas, _ = fresh_index.document(doc_of(feed_server, whole, "/rss.xml")) or pytest.fail("no gas")
    assert gas.text.startswith("This is a long report about gas")
    assert feed_server.hits["/never.html"] == 0  # full content in the feed: no page fetched
    plain, _ = fresh_index.document(doc_of(feed_server, tagged, "/atom.xml")) or pytest.fail("none")
    assert (plain.text, plain.source) == ("Harbin ice festival notes.", "Loopback Weekly")
    hit = fresh_index.search("new rail link", 1).hits[0]
    assert (hit.title, hit.source) == ("Rail link", "Loopback JSON")


def test_broken_feeds_and_links_are_counted_and_never_stop_the_rest(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    links = ["/expo.html", "/gone.html", "/slow.html", "/huge.html", "/report.pdf", "/loop"]
    feed_server.route("/rss.xml", rss("Daily", [item(f"i{n}", p) for n, p in enumerate(links)]))
    feed_server.route("/broken.xml", "<rss version='2.0'><channel><title>Broken</ti")
    feed_server.route("/expo.html", article("Expo", EXPO))
    feed_server.route("/slow.html", article("Slow", EXPO), delay=3.0)
    feed_server.route("/huge.html", article("Huge", "word " * 20_000), chunked=True)
    feed_server.route("/report.pdf", b"%PDF-1.4", content_type="application/pdf")
    feed_server.route("/loop", status=302, headers={"Location": "/loop"})
    urls = [feed_server.url(p) for p in ("/missing.xml", "/broken.xml", "/rss.xml")]
    follow = follower(fresh_index, *urls)

    missing, broken, daily = follow.poll_all()

    assert missing.failed and "HTTP 404" in missing.errors[0]
    assert broken.failed and "malformed feed" in broken.errors[0]
    assert not daily.failed and daily.added == 1
    reasons = "\n".join(daily.errors)
    for expected in ("HTTP 404", "no answer within", "larger than", "application/pdf", "redirects"):
        assert expected in reasons
    states = {state.url: state for state in follow.status()}
    assert states[urls[2]].errors == 5 and states[urls[2]].failures == 0
    assert states[urls[0]].errors == states[urls[0]].failures == 1
    assert fresh_index.counts()[0] == 1


def test_a_second_poll_is_conditional_and_changed_items_are_replaced(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    first, second = item("a", "/a.html"), item("b", "/b.html")
    feed_server.route("/rss.xml", rss("Daily", [first, second]), etag='"v1"')
    feed_server.route("/a.html", article("A", EXPO))
    feed_server.route("/b.html", article("B", "The gas pipeline was completed in December."))
    follow = follower(fresh_index, feed_server.url("/rss.xml"))
    assert follow.poll_all()[0].added == 2

    assert follow.poll_all()[0].not_modified  # If-None-Match "v1" -> 304
    assert feed_server.not_modified["/rss.xml"] == 1

    updated = item("a", "/a.html", date="2025-05-06T09:00:00+00:00")
    third = item("c", "/c.html")
    feed_server.route("/rss.xml", rss("Daily", [updated, second, third]), etag='"v2"')
    feed_server.route("/a.html", article("A", EXPO + "\n\nUpdated: the Expo opened on time."))
    feed_server.route("/c.html", article("C", "Harbin hosts the ice and snow festival."))
    report = follow.poll_all()[0]

    assert (report.added, report.replaced, report.skipped) == (1, 1, 1)
    assert feed_server.hits["/b.html"] == 1  # seen and unchanged: not fetched again
    assert feed_server.hits["/a.html"] == 2
    doc, _ = fresh_index.document(doc_of(feed_server, first, "/rss.xml")) or pytest.fail("gone")
    assert "opened on time" in doc.text and doc.date == "2025-05-06"


def test_state_outlives_the_follower_and_is_written_whole(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    feed_server.route("/rss.xml", rss("Daily", [item("a", "/a.html")]))  # no ETag this time
    feed_server.route("/a.html", article("A", EXPO))
    url = feed_server.url("/rss.xml")
    follower(fresh_index, url).poll_all()

    report = follower(fresh_index, url).poll_all()[0]

    assert (report.added, report.skipped, feed_server.hits["/a.html"]) == (0, 1, 1)
    stored = json.loads((fresh_index.corpus.directory / STATE_FILE).read_text())
    assert stored["feeds"][url]["added"] == 1 and stored["feeds"][url]["skipped"] == 1
    assert [p.name for p in fresh_index.corpus.directory.glob(f".{STATE_FILE}*")] == []


def test_a_failing_feed_backs_off_doubling_up_to_an_hour(
    feed_server: FeedServer, fresh_index: NewsIndex
) -> None:
    url = feed_server.url("/rss.xml")
    follow = follower(fresh_index, url, interval=1000.0)
    waits = []
    for _ in range(3):
        follow.poll(url)
        state = follow.status()[0]
        waits.append(round(state.next_poll - (state.last_poll or 0)))
    assert waits == [2000, MAX_BACKOFF, MAX_BACKOFF]
    assert follow.poll_due() > 3000  # not due: nothing fetched
    assert feed_server.hits["/rss.xml"] == 3

    feed_server.route("/rss.xml", rss("Daily", []))
    follow.poll(url)
    state = follow.status()[0]
    assert state.failures == 0 and round(state.next_poll - (state.last_success or 0)) == 1000
    assert (state.errors, state.last_error) == (3, f"{url}: HTTP 404 Not Found")


def test_run_polls_on_its_interval_until_stopped(
    feed_server: FeedServer, fresh_index: NewsIndex, tmp_path: Path
) -> None:
    feed_server.route("/rss.xml", rss("Daily", []), etag='"v1"')
    follow = follower(fresh_index, feed_server.url("/rss.xml"), interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=follow.run, args=(stop,))
    thread.start()
    stop.wait(0.5)
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert feed_server.not_modified["/rss.xml"] >= 3
