"""Feeds in every format become the same plain items, with stable document ids."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from index.sources.articles import item_id
from index.sources.base import SourceError
from index.sources.parse import parse_feed
from service.schemas import DOC_ID
from tests.feed_server import atom, item, json_feed, rss

FEED = "http://127.0.0.1:9/feed"
ITEMS = [
    item("g1", "http://news.test/a.html", "Expo opens", date="2025-05-05T23:30:00-02:00"),
    item("g2", "http://news.test/b.html", content="<p>The whole story.</p>"),
]


def test_rss_items_carry_guid_link_dates_and_full_content() -> None:
    feed = parse_feed(FEED, rss("Daily", ITEMS).encode(), "application/rss+xml")
    first, second = feed.items
    assert feed.title == "Daily"
    assert (first.guid, first.link, first.title) == ("g1", "http://news.test/a.html", "Expo opens")
    assert first.published == "2025-05-05"  # the publisher's day, not UTC's
    assert first.content == "A short teaser." and second.content == "<p>The whole story.</p>"


def test_atom_and_json_feed_give_the_same_items() -> None:
    tagged = [replace(it, guid=f"tag:news.test,2025:{it.guid}") for it in ITEMS]
    from_atom = parse_feed(FEED, atom("Daily", tagged).encode(), "application/atom+xml")
    from_json = parse_feed(FEED, json_feed("Daily", ITEMS).encode(), "application/feed+json")
    assert from_atom.title == from_json.title == "Daily"
    assert [i.link for i in from_atom.items] == [i.link for i in from_json.items]
    assert from_atom.items[0].guid == "tag:news.test,2025:g1"
    assert from_atom.items[1].content == "<p>The whole story.</p>"
    assert from_atom.items[0].updated == from_json.items[0].published == "2025-05-05"


def test_a_json_feed_is_known_by_its_first_byte_and_resolves_relative_links() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": 7, "url": "/a"}]}'
    (only,) = parse_feed(FEED, body, "text/plain").items
    assert (only.guid, only.link, only.title) == ("7", "http://127.0.0.1:9/a", None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<rss version='2.0'><channel><title>Broken</ti", "malformed feed"),
        (b"<html><body><p>Welcome!</p></body></html>", "not an RSS, Atom or JSON feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed JSON feed"),
        (b'{"items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "'items' is not a list"),
    ],
)
def test_what_is_not_a_feed_says_so(body: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse_feed(FEED, body, "")


def test_document_ids_are_stable_readable_and_valid_in_the_api() -> None:
    first, second = parse_feed(FEED, rss("Daily", ITEMS).encode(), "").items
    doc_id = item_id(first, FEED)
    assert doc_id == item_id(first, FEED) != item_id(second, FEED)
    assert re.fullmatch(r"news\.test-[0-9a-f]{12}", doc_id) and re.match(DOC_ID, doc_id)
    # A bare GUID is unique only in its feed; a URL GUID is the same story in any feed.
    assert item_id(first, "http://other.test/feed") != doc_id
    url_guid = replace(first, guid="http://news.test/a.html")
    assert item_id(url_guid, FEED) == item_id(url_guid, "http://other.test/feed")


def test_the_fingerprint_changes_with_an_update_or_new_content() -> None:
    first = parse_feed(FEED, rss("Daily", ITEMS).encode(), "").items[0]
    assert first.fingerprint == replace(first).fingerprint
    assert first.fingerprint != replace(first, updated="2025-05-07").fingerprint
    assert first.fingerprint != replace(first, content="A longer teaser.").fingerprint
