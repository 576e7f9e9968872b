"""The chat page in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; make test installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def test_ask_a_question_and_open_a_citation(live_server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(live_server)
    page.fill("#question", "Which city will Putin visit to open the China-Russia Expo?")
    page.press("#question", "Enter")
    answer = page.locator("li.assistant[data-done='true'] .answer")
    answer.wait_for(timeout=30_000)
    assert "Harbin" in answer.inner_text()

    cite = page.locator("li.assistant .answer a.cite").first
    cite.click()
    page.locator("#source").wait_for(state="visible")
    marked = page.locator("#source mark#cited-span").inner_text()
    assert marked.strip() and marked.strip() in page.locator("#source-text").inner_text()
    meta = page.locator("#source-meta").inner_text()
    assert "_" in meta  # the document id, with its date and source beside it
    page.screenshot(path=os.environ.get("NEWSRAG_SCREENSHOT", "/tmp/newsrag-chat.png"))
    page.close()


def test_a_follow_up_keeps_the_conversation(live_server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(live_server)
    for question in ("How many times did the two heads of state meet in 2024?", "And in 2025?"):
        page.fill("#question", question)
        page.press("#question", "Enter")
        page.wait_for_function(
            "n => document.querySelectorAll(\"li.assistant[data-done='true']\").length >= n",
            arg=2 if question.startswith("And") else 1,
            timeout=30_000,
        )
    assert page.locator("li.user").count() == 2
    assert page.locator("li.assistant .passages li").count() >= 2
    page.close()


def test_the_answer_says_when_and_the_timeline_shows_on_request(
    live_server: str, browser: object
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(live_server)
    page.fill("#question", "How much did China-Russia trade reach in 2024?")
    page.press("#question", "Enter")
    page.locator("li.assistant[data-done='true']").wait_for(timeout=30_000)
    time_line = page.locator("li.assistant .time").inner_text()
    assert "about 2024" in time_line and "asked as of" in time_line

    page.fill("#question", "China-Russia trade")
    page.click("#timeline")
    timeline = page.locator("li.timeline[data-done='true']")
    timeline.wait_for(timeout=30_000)
    events = timeline.locator(".events > li")
    assert events.count() >= 2
    first = events.first
    sentence = first.inner_text()
    first.locator("a").click()
    page.locator("#source").wait_for(state="visible")
    marked = page.locator("#source mark#cited-span").inner_text().strip()
    assert marked and marked in sentence  # the cited span is the event's sentence
    page.close()
