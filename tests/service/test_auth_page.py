"""The chat page with API keys on: it loads without one, asks for one on the first 401, keeps it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.service.live import serve
from tests.service.test_chat_page import browser  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow

KEY = "page-key-0123456789"
QUESTION = "Which city will Putin visit to open the China-Russia Expo?"


@pytest.fixture(scope="module")
def keyed_url(seeds_index: NewsIndex) -> Iterator[str]:
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None, api_keys=[KEY])
    with serve(create_app(settings, index=seeds_index)) as (host, port):
        yield f"http://{host}:{port}"


def test_the_page_asks_for_a_key_and_keeps_it(keyed_url: str, browser: object) -> None:  # noqa: F811
    page = browser.new_page()  # type: ignore[attr-defined]
    typed = iter(["wrong-key-0123456789", KEY])
    prompts: list[str] = []

    def answer_prompt(dialog: object) -> None:
        prompts.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept(next(typed))  # type: ignore[attr-defined]

    page.on("dialog", answer_prompt)
    page.goto(keyed_url)
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    answer = page.locator("li.assistant[data-done='true'] .answer")
    answer.wait_for(timeout=30_000)
    assert "Harbin" in answer.inner_text()
    assert len(prompts) == 2 and "refused" in prompts[1]

    page.locator("li.assistant .answer a.cite").first.click()  # GET /documents/…, same key
    page.locator("#source").wait_for(state="visible")
    assert len(prompts) == 2
    assert page.evaluate("localStorage.getItem('newsrag-api-key')") == KEY
    page.close()
