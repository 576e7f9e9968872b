"""The chat page's Followed panel, against a server of its own over two articles and a user key
(following is no document change: any key may): a question followed from its answer, a new
article that answers it counted live, read, and unfollowed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from index.embedding import Embedder
from index.ingest import ingest
from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.service.live import serve
from tests.service.test_chat_page import CONTROLS, ask, assert_fits, browser  # noqa: F401
from tests.service.test_chat_page_writes import ADMIN, DATED, LIGHTHOUSE, USER, page_with_key

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

QUESTION = "What powers the new lamp of the Quillfeather lighthouse?"
ARTICLE = {
    "id": "quillfeather",
    "title": "The Quillfeather lighthouse shines again",
    "date": "2025-03-04",
    "source": "Island Gazette",
    "text": LIGHTHOUSE.split("\n\n", 1)[1],
}


@pytest.fixture(scope="module")
def newsroom(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two Lisbon articles behind a user key and an admin key."""
    index = NewsIndex(tmp_path_factory.mktemp("page-follow"), embedder)
    names = ("07-lisbon-museum-reopens.md", "14-lisbon-tram-extension.md")
    assert ingest(index, [DATED / name for name in names]).added == 2
    settings = Settings(
        index_dir=index.corpus.directory, seed_dir=None, api_keys=[USER], admin_keys=[ADMIN]
    )
    with serve(create_app(settings, index=index)) as (host, port):
        yield f"http://{host}:{port}"
    index.close()


def as_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def watch_ids(url: str) -> list[str]:
    listed = httpx.get(f"{url}/watches", headers=as_key(USER)).json()["watches"]
    return [w["id"] for w in listed]


def background_luminance(page: Page, selector: str) -> float:
    rgb = page.locator(selector).evaluate("node => getComputedStyle(node).backgroundColor")
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def unnamed_controls(page: Page) -> list[str]:
    """Controls a screen reader would read out without a name (Chromium's own tree)."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    nodes = [n for n in tree["nodes"] if not n.get("ignored")]
    roles = [(n.get("role", {}).get("value"), n.get("name", {}).get("value", "")) for n in nodes]
    return [role for role, name in roles if role in CONTROLS and not name.strip()]


def test_a_followed_question_counts_new_matches_live_until_read(
    newsroom: str,
    browser: Browser,  # noqa: F811
) -> None:
    page = page_with_key(browser, newsroom, USER)
    page.fill("#filter-from", "2025-01-01")
    page.fill("#filter-as-of", "2025-02-01")  # no standing question's business: left out
    ask(page, QUESTION)
    assert page.locator("li.assistant").get_attribute("data-answered") == "false"  # not yet
    follow = page.locator("li.assistant button.follow")
    with page.expect_response(lambda r: r.url.endswith("/events")):  # streamed from now on
        follow.click()
    follow.filter(has_text="Following").wait_for()
    follow.click()  # a second click shows it, and makes no second watch
    row = page.locator("#followed-list > li", has_text=QUESTION)
    assert row.locator(".watch-open").get_attribute("aria-expanded") == "true"
    row.locator(".matches .none").wait_for()
    (watch,) = watch_ids(newsroom)
    made = httpx.get(f"{newsroom}/watches/{watch}", headers=as_key(USER)).json()["watch"]
    assert made["query"] == QUESTION
    assert made["filters"] == {"source": None, "date_from": "2025-01-01", "date_to": None}
    assert made["per"] == "story"  # one alert for a story, however many outlets carry it
    row.locator(".watch-open").click()  # shut: what arrives now is unread
    assert row.locator(".unread").inner_text() == ""

    posted = httpx.post(f"{newsroom}/documents", json=ARTICLE, headers=as_key(ADMIN), timeout=60)
    assert posted.status_code == 200
    row.locator(".unread", has_text="1 new").wait_for(timeout=30_000)  # no reload
    assert page.locator("#followed-badge").inner_text() == "1"
    assert "1 match" in row.locator(".watch-label .meta").inner_text()

    row.locator(".watch-open").click()
    match = row.locator(".matches > li").first
    match.locator("a.match-open").wait_for()
    assert match.locator("a.match-open").inner_text() == ARTICLE["title"]
    assert "4 March 2025 · Island Gazette" in match.inner_text()
    assert "tidal generator" in match.locator(".match-text").inner_text()
    assert row.locator(".unread").inner_text() == ""
    assert page.locator("#followed-badge").inner_text() == ""
    assert row.locator("a.feed").get_attribute("href") == f"/watches/{watch}/feed"
    copy = {**ARTICLE, "id": "quillfeather-wire", "source": "Harbour Wire"}
    assert httpx.post(f"{newsroom}/documents", json=copy, headers=as_key(ADMIN)).is_success
    read = f"{newsroom}/watches/{watch}"
    deadline = time.monotonic() + 30  # matched after the write commits, off its path
    while not httpx.get(read, headers=as_key(USER)).json()["matches"][0]["also_reported_by"]:
        assert time.monotonic() < deadline, "the copy never joined the first match"
        time.sleep(0.1)
    row.locator(".watch-open").click()  # shut and opened again: the matches read anew
    row.locator(".watch-open").click()  # the copy is no match of its own: the first names it
    match.locator(".also", has_text="also reported by Harbour Wire").wait_for(timeout=30_000)
    assert row.locator(".matches > li").count() == 1
    assert unnamed_controls(page) == []

    # What was read stays read on this browser: a page with its storage says so too.
    other = browser.new_page(storage_state=page.context.storage_state())
    other.goto(newsroom)
    other.click("#toggle-followed")
    other.locator("#followed-list .watch-label .meta", has_text="1 match").wait_for()
    assert other.locator("#followed-list .unread").inner_text() == ""
    other.close()

    match.locator("a.match-open").click()  # opens the article at the passage, as citations do
    marked = page.locator("#source mark#cited-span")
    marked.wait_for()
    assert page.locator("#source-title").inner_text() == ARTICLE["title"]
    assert "tidal generator" in marked.inner_text()
    page.keyboard.press("Escape")  # the article first
    page.locator("#source").wait_for(state="hidden")

    row.locator(".watch-unfollow").click()
    assert "Stop following" in row.locator(".confirm").inner_text()
    page.keyboard.press("Escape")  # cancels; still followed
    assert row.locator(".confirm").count() == 0 and watch_ids(newsroom) == [watch]
    row.locator(".watch-unfollow").click()
    row.locator(".confirm button.danger").click()
    row.wait_for(state="detached")
    assert watch_ids(newsroom) == []
    assert follow.inner_text() == "Follow"
    page.keyboard.press("Escape")  # closes the panel
    page.locator("#followed").wait_for(state="hidden")
    page.close()


def test_the_followed_panel_stacks_on_a_phone_and_many_watches_are_polled(
    newsroom: str,
    browser: Browser,  # noqa: F811
) -> None:
    questions = [f"What did the Lisbon council decide about item {n}?" for n in range(3)]
    made = [
        httpx.post(f"{newsroom}/watches", json={"query": q}, headers=as_key(USER)).json()["id"]
        for q in questions
    ]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("dialog", lambda dialog: dialog.accept(USER))
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if r.url.endswith("/events") else None)
    page.goto(newsroom)
    page.click("#toggle-followed")
    for question in questions:
        page.locator("#followed-list > li", has_text=question).wait_for()
    assert page.locator("#followed-badge").inner_text() == ""
    assert streams == []  # more watches than streams worth a connection each: polled instead
    assert_fits(page)
    panel = page.locator("#followed").bounding_box()
    messages = page.locator("#messages").bounding_box()
    assert panel and messages and panel["width"] >= 385
    assert panel["y"] + panel["height"] <= messages["y"]  # stacked above the conversation
    page.emulate_media(color_scheme="dark")
    assert background_luminance(page, "#followed") < 0.2
    page.click("#toggle-documents")  # one panel at a time on a phone
    assert page.locator("#followed").is_hidden() and page.locator("#documents").is_visible()
    page.close()
    for watch in made:
        httpx.delete(f"{newsroom}/watches/{watch}", headers=as_key(USER))
