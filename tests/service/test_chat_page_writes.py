"""The chat page against servers of its own: adding and deleting documents (admin and user keys)
on a small fresh index, and a server that stops and comes back on the same port."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from index.embedding import Embedder
from index.ingest import ingest
from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.service.live import serve
from tests.service.test_chat_page import EXPO, ask, browser, chat_bodies  # noqa: F401

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, FilePayload, Page

pytestmark = pytest.mark.slow

DATED = Path(__file__).resolve().parents[1] / "corpora" / "dated"
ADMIN = "page-admin-key-0123456789"
USER = "page-user-key-0123456789"
LIGHTHOUSE = (
    "# The Quillfeather lighthouse shines again\n\n"
    "The Quillfeather lighthouse on Marrow Island was relit on 3 March 2025 after eleven years "
    "of darkness, the island council said.\n\n"
    "Its new lamp is powered by a tidal generator built by Saltwick Engineering, a firm of "
    "four people from the island.\n"
)


@pytest.fixture(scope="module")
def library(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three short articles behind a user key and an admin key; these tests may change them."""
    index = NewsIndex(tmp_path_factory.mktemp("page-library"), embedder)
    names = (
        "05-myanmar-earthquake.txt",
        "07-lisbon-museum-reopens.md",
        "14-lisbon-tram-extension.md",
    )
    report = ingest(index, [DATED / name for name in names])
    assert report.added == 3
    settings = Settings(
        index_dir=index.corpus.directory, seed_dir=None, api_keys=[USER], admin_keys=[ADMIN]
    )
    with serve(create_app(settings, index=index)) as (host, port):
        yield f"http://{host}:{port}"
    index.close()


def page_with_key(chromium: Browser, url: str, key: str) -> Page:
    """A page that answers the API-key prompt with `key` (and only ever needs one prompt)."""
    page = chromium.new_page()
    prompts: list[str] = []

    def answer(dialog: Dialog) -> None:
        prompts.append(dialog.message)
        dialog.accept(key)

    page.on("dialog", answer)
    page.goto(url)
    page.locator("#documents-list li").first.wait_for()
    assert len(prompts) == 1
    return page


def test_an_uploaded_and_a_pasted_article_are_listed_and_answer(
    library: str,
    browser: Browser,  # noqa: F811
) -> None:
    page = page_with_key(browser, library, ADMIN)
    page.click("#add-documents summary")
    lighthouse: FilePayload = {
        "name": "quillfeather.md",
        "mimeType": "text/markdown",
        "buffer": LIGHTHOUSE.encode(),
    }
    page.set_input_files("#upload-files", files=[lighthouse])
    page.click("#upload-form button[type=submit]")
    page.locator(
        "#documents-list li", has_text="The Quillfeather lighthouse shines again"
    ).wait_for()
    result = page.locator("#add-result").inner_text()
    assert "Added 1 document" in result and "quillfeather.md: 1 document" in result

    page.fill("#paste-title", "Marrow Island ferry doubles its crossings")
    page.fill("#paste-date", "2025-04-02")
    page.fill("#paste-source", "Island Gazette")
    page.fill(
        "#paste-text", "From April the Marrow Island ferry sails twice a day, said its owner."
    )
    page.click("#paste-form button[type=submit]")
    pasted = page.locator("#documents-list li", has_text="Marrow Island ferry doubles")
    pasted.wait_for()
    assert "Island Gazette" in pasted.inner_text() and "2 April 2025" in pasted.inner_text()
    page.locator("#source-options label", has_text="Island Gazette").wait_for()  # a new source
    assert page.locator("#documents-count").inner_text() == "(5)"

    ask(page, "What powers the new lamp of the Quillfeather lighthouse?")
    assert "tidal generator" in page.locator("li.assistant .answer").inner_text()
    page.locator("li.assistant .answer a.cite").first.click()
    page.locator("#source mark#cited-span").wait_for()
    assert page.locator("#source-title").inner_text() == "The Quillfeather lighthouse shines again"
    assert page.locator("#cited-span").inner_text().strip() in LIGHTHOUSE
    page.close()


def test_deleting_asks_first_and_only_admins_see_it(
    library: str,
    browser: Browser,  # noqa: F811
) -> None:
    page = page_with_key(browser, library, ADMIN)
    rows = page.locator("#documents-list li")
    before = rows.count()
    quake = page.locator("#documents-list li[data-id='05-myanmar-earthquake']")
    quake.locator(".doc-delete").click()
    assert "Delete this document" in quake.locator(".confirm").inner_text()
    page.keyboard.press("Escape")  # Esc cancels; nothing is deleted
    assert quake.locator(".confirm").count() == 0 and rows.count() == before

    quake.locator(".doc-delete").click()
    quake.locator(".confirm button", has_text="Delete").click()
    quake.wait_for(state="detached")
    assert rows.count() == before - 1
    assert page.locator("#documents-count").inner_text() == f"({before - 1})"
    page.close()

    reader = page_with_key(browser, library, USER)
    assert reader.locator("#documents-list li").count() == before - 1
    assert reader.locator(".doc-delete").count() == 0
    assert reader.locator("#add-documents").is_hidden()
    reader.close()


def reusable_socket(port: int = 0) -> socket.socket:
    """A loopback socket that a second server may bind again once the first has stopped (its
    closed connections linger on the port; SO_REUSEADDR on both lets the new one bind)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def test_a_failed_question_shows_retry_and_is_not_kept_in_history(
    seeds_index: NewsIndex,
    browser: Browser,  # noqa: F811
) -> None:
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None)
    sock = reusable_socket()
    port = sock.getsockname()[1]
    page = browser.new_page()
    sent: list[dict[str, Any]] = chat_bodies(page)
    with serve(create_app(settings, index=seeds_index), sock):
        page.goto(f"http://127.0.0.1:{port}")
        ask(page, EXPO)
    sock.close()

    second = "How much did China-Russia trade reach in 2024?"
    page.fill("#question", second)
    page.press("#question", "Enter")
    failure = page.locator("li.assistant.failed .failure")
    failure.wait_for(timeout=10_000)
    assert "reach the server" in failure.inner_text()
    assert failure.locator("button.retry").is_visible()
    page.locator("#status", has_text="unreachable").wait_for()

    with serve(create_app(settings, index=seeds_index), reusable_socket(port)):
        page.click("li.assistant .retry")
        page.wait_for_function(
            "document.querySelectorAll(\"li.assistant[data-done='true']\").length === 2",
            timeout=30_000,
        )
        assert page.locator(".failure").count() == 0
        assert page.locator("li.user").count() == 2
        page.locator("#status:empty").wait_for(state="attached")
    # The failed attempt and the retry each sent the answered turn and the question once.
    assert len(sent) == 3
    for body in sent[1:]:
        roles = [m["role"] for m in body["messages"]]
        assert roles == ["user", "assistant", "user"]
        assert [body["messages"][0]["content"], body["messages"][2]["content"]] == [EXPO, second]
    assert json.dumps(sent[1]) == json.dumps(sent[2])
    page.close()


def test_the_page_waits_for_a_starting_server(
    seeds_index: NewsIndex,
    browser: Browser,  # noqa: F811
) -> None:
    app = create_app(
        Settings(index_dir=seeds_index.corpus.directory, seed_dir=None), index=seeds_index
    )
    with serve(app) as (host, port):
        startup = app.state.startup
        startup.step("the test to let go")  # back to 503 `starting` until done() below
        page = browser.new_page()
        page.goto(f"http://{host}:{port}")
        page.locator("#status", has_text="Starting: waiting for the test to let go").wait_for()
        page.fill("#question", EXPO)
        page.press("#question", "Enter")
        failure = page.locator("li.assistant .failure")
        failure.wait_for()
        assert "not ready" in failure.inner_text() and "starting" in failure.inner_text()
        assert page.locator("#documents-list li").count() == 0

        startup.done()
        page.locator("#documents-list li").first.wait_for()  # loaded once /readyz says ready
        assert page.locator("#status").inner_text() == ""
        page.click("li.assistant .retry")
        page.locator("li.assistant[data-done='true']").wait_for(timeout=30_000)
        assert "Harbin" in page.locator("li.assistant .answer").inner_text()
        page.close()
