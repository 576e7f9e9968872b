"""The chat page in a real browser: Debian's Chromium, headless, driven by Playwright.

These tests read the shared seeds index only; the ones that add, delete or stop a server are in
test_chat_page_writes.py. Set NEWSRAG_SCREENSHOTS=docs to rewrite the README's screenshots."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from index.newsindex import NewsIndex

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPO = "Which city will Putin visit to open the China-Russia Expo?"
RAW_ID = re.compile(r"^\d{3}_[0-9a-f]{16}$")  # how the seeds are named on disk
DONE = "n => document.querySelectorAll(\"li.assistant[data-done='true']\").length >= n"
# True when the element is inside the viewport and nothing covers its corners.
FULLY_VISIBLE = """node => {
  const box = node.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
    && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
  const corners = [[box.left + 2, box.top + 2], [box.right - 2, box.top + 2],
                   [box.left + 2, box.bottom - 2], [box.right - 2, box.bottom - 2]];
  return inside && corners.every(([x, y]) => node.contains(document.elementFromPoint(x, y)));
}"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; make test installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Browser, url: str, width: int = 1280, height: int = 720) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme="light")
    page.goto(url)
    return page


def ask(page: Page, question: str, answers: int = 1) -> None:
    """Asks and waits until `answers` answers are done."""
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(DONE, arg=answers, timeout=30_000)


def fully_visible(page: Page, selector: str) -> bool:
    return bool(page.locator(selector).first.evaluate(FULLY_VISIBLE))


def chat_bodies(page: Page) -> list[dict[str, Any]]:
    """The JSON bodies of the page's POST /chat requests, as they are sent."""
    bodies: list[dict[str, Any]] = []

    def note(request: Any) -> None:
        if request.url.endswith("/chat"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", note)
    return bodies


def test_ask_a_question_and_open_a_citation(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(live_server)
    page.fill("#question", EXPO)
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


def test_figures_across_sources_show_under_the_answer(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server)
    ask(page, "How much was China-Russia bilateral trade?")
    table = page.locator("li.assistant table.figures")
    table.wait_for()
    groups = [g.inner_text() for g in table.locator("tr.group th").all()]
    assert any(g.startswith("bilateral trade · 2024") and g.endswith("agree") for g in groups)
    assert any(g.startswith("bilateral trade · 2023") and g.endswith("only one") for g in groups)
    rows = table.locator("tbody tr:not(.group):not(.note)")
    first = rows.filter(has_text="$244.8 billion").first  # the 2024 group's, wherever it sits
    assert first.locator("td").first.inner_text().startswith("$244.8 billion")
    assert "PRNewswire" in first.inner_text()
    first.locator("a.cite").click()  # a figure's citation opens its passage, marked
    page.locator("#source").wait_for(state="visible")
    assert "$244.8 billion" in page.locator("#source mark#cited-span").inner_text()
    page.close()


def test_a_follow_up_keeps_the_conversation(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(live_server)
    for question in ("How many times did the two heads of state meet in 2024?", "And in 2025?"):
        page.fill("#question", question)
        page.press("#question", "Enter")
        page.wait_for_function(DONE, arg=2 if question.startswith("And") else 1, timeout=30_000)
    assert page.locator("li.user").count() == 2
    assert page.locator("li.assistant .passages li").count() >= 2
    page.close()


def test_the_answer_says_when_and_the_timeline_shows_on_request(
    live_server: str, browser: Browser
) -> None:
    page = browser.new_page()
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


def test_the_documents_panel_names_every_document(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server)
    rows = page.locator("#documents-list li")
    rows.first.wait_for()
    assert rows.count() == 5 and page.locator("#documents-count").inner_text() == "(5)"
    # 001 has no title, date or source: it is named by its first words once they are read.
    untitled = page.locator("#documents-list li[data-id='001_3086c8488f3bd921'] .doc-title")
    untitled.filter(has_text="On the morning of Thursday").wait_for()
    # 000 opens with "BEIJING, May 5, 2025 /PRNewswire/ --": the name is the story's first words.
    wire = page.locator("#documents-list li[data-id='000_00c3ffa30793be7d'] .doc-title")
    assert wire.inner_text().startswith("“Amid growing global uncertainties")
    for row in rows.all():
        title = row.locator(".doc-title").inner_text()
        assert title and not RAW_ID.match(title)
        assert row.locator(".doc-id").inner_text() == row.get_attribute("data-id")

    page.fill("#documents-search", "xinhua")
    page.wait_for_function("document.querySelectorAll('#documents-list li').length === 1")
    assert "1 of 5" in page.locator("#documents-note").inner_text()
    page.locator("#documents-list .doc-open").click()  # opens the whole article, unmarked
    page.locator("#source").wait_for(state="visible")
    assert page.locator("#source-title").inner_text().startswith("Xinhua Headlines")
    assert page.locator("#source mark").count() == 0

    ask(page, "What did Xi say about the friendship of China and Russia?")
    for name in page.locator("li.assistant .passages .article-name").all():
        assert not RAW_ID.match(name.inner_text())
    page.close()


def passage_meta(page: Page, answer: int) -> list[str]:
    """The date and source line of each article under the `answer`-th answer (from 0)."""
    item = page.locator("li.assistant").nth(answer)
    return [m.inner_text() for m in item.locator(".passages .article-head .meta").all()]


def test_date_and_source_filters_go_with_each_question(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server)
    sent = chat_bodies(page)
    question = "When did the two heads of state meet?"
    ask(page, question)
    assert "filters" not in sent[-1]
    assert any("May 2025" not in meta for meta in passage_meta(page, 0))

    page.fill("#filter-from", "2025-05-01")  # leaves out January and the undated articles
    assert "from 1 May 2025" in page.locator("#active-filters").inner_text()
    ask(page, question, answers=2)
    assert sent[-1]["filters"] == {"date_from": "2025-05-01"}
    dated = passage_meta(page, 1)
    assert dated and all("May 2025" in meta for meta in dated)

    page.locator("#source-options label", has_text="Xinhua").click()
    page.select_option("#filter-mode", "bm25")
    page.fill("#filter-as-of", "2025-06-30")
    ask(page, question, answers=3)
    assert sent[-1]["filters"] == {"date_from": "2025-05-01", "source": ["Xinhua"]}
    assert sent[-1]["mode"] == "bm25" and sent[-1]["as_of"] == "2025-06-30"
    assert all(meta.endswith("Xinhua") for meta in passage_meta(page, 2))

    page.click("#reset-filters")
    assert page.locator("#active-filters").inner_text() == "All articles"
    ask(page, question, answers=4)
    assert not {"filters", "mode", "as_of"} & set(sent[-1])
    page.close()


def test_the_passages_of_one_article_are_listed_under_it(
    live_server: str, browser: Browser
) -> None:
    page = open_page(browser, live_server)
    ask(page, "When did the two heads of state meet?")
    item = page.locator("li.assistant").first
    articles = item.locator(".passages > li.article").all()
    ids = [a.get_attribute("data-id") for a in articles]
    names = [a.locator(".article-name").inner_text() for a in articles]
    numbers = [{int(n) for n in a.locator(".n").all_inner_texts()} for a in articles]
    every = sorted(n for group in numbers for n in group)
    assert every == list(range(1, len(every) + 1))  # each passage once, by its number
    assert len(set(ids)) == len(ids) < len(every)  # one heading per article
    cited = {int(n) for n in item.locator(".answer a.cite").all_inner_texts()}
    shared = [i for i, group in enumerate(numbers) if len(cited & group) >= 2]
    assert shared, "the answer cites two passages of one article"
    # 000 opens "BEIJING, May 5, 2025 /PRNewswire/ -- Amid growing …": named after the dateline
    assert names[ids.index("000_00c3ffa30793be7d")].startswith("“Amid growing global")

    n = max(cited & numbers[shared[0]])  # its citation opens that passage, marked
    item.locator(f".answer a.cite[data-n='{n}']").first.click()
    marked = page.locator("#source mark#cited-span")
    marked.wait_for()
    assert page.locator("#source-title").inner_text() == names[shared[0]]
    words = articles[shared[0]].locator(f"a.passage[data-n='{n}'] .words").inner_text()
    assert " ".join(marked.inner_text().split()).startswith(words.rstrip("…"))
    page.close()


def test_a_story_reported_twice_is_named_once_with_who_else_reported_it(
    live_server: str, browser: Browser, seeds_index: NewsIndex
) -> None:
    """PRNewswire and Xinhua reported Xi's coming visit: among an answer's passages the second
    article follows the first, which says "also reported by"; the Stories button lists it."""
    assert seeds_index.stories.wait(60)
    page = open_page(browser, live_server)
    ask(page, "When will Xi pay a state visit to Russia?")
    item = page.locator("li.assistant").first
    ids = [a.get_attribute("data-id") for a in item.locator(".passages > li.article").all()]
    wire = {"000_00c3ffa30793be7d", "002_113f3f2605a1e54b"}
    assert wire <= set(ids)
    first, second = sorted(wire, key=ids.index)
    assert ids.index(second) == ids.index(first) + 1  # the story's articles together
    said = item.locator(f"li.article[data-id='{first}'] .reported").inner_text()
    assert said in (
        "also reported by: Xinhua (6 May 2025)",
        "also reported by: PRNewswire (5 May 2025)",
    )
    assert "same-story" in (
        item.locator(f"li.article[data-id='{second}']").get_attribute("class") or ""
    )

    page.click("#stories")
    listing = page.locator("li.stories[data-done='true']")
    listing.wait_for(timeout=30_000)
    story = listing.locator("li.story", has_text="PRNewswire, Xinhua")
    assert "5 May 2025 – 6 May 2025 · 2 articles" in story.locator(".meta").first.inner_text()
    story.locator(".story-articles a").first.click()
    page.locator("#source").wait_for(state="visible")
    assert "PRNewswire" in page.locator("#source-meta").inner_text()
    page.close()


def test_filters_are_kept_in_the_address_for_a_reload_or_a_link(
    live_server: str, browser: Browser
) -> None:
    page = open_page(browser, live_server)
    page.locator("#source-options label", has_text="Xinhua").click()
    page.fill("#filter-from", "2025-05-01")
    page.select_option("#filter-mode", "bm25")
    assert page.url.endswith("/?date_from=2025-05-01&source=Xinhua&mode=bm25")
    page.reload()
    page.locator("#source-options label", has_text="Xinhua").wait_for()
    assert page.input_value("#filter-from") == "2025-05-01"
    assert page.input_value("#filter-mode") == "bm25"
    assert page.is_checked("#source-options input[value='Xinhua']")
    assert page.locator("#active-filters").inner_text() == "from 1 May 2025 · Xinhua · bm25"
    page.click("#reset-filters")
    assert page.url == f"{live_server}/"
    page.close()

    # A shared link: the day that does not exist and the unknown mode are left out, the rest set.
    link = "?date_from=2025-05-01&date_to=2025-02-30&source=xinhua&as_of=2025-06-30&mode=fast"
    page = open_page(browser, live_server + "/" + link)
    sent = chat_bodies(page)
    page.locator("#source-options input[value='Xinhua']:checked").wait_for()
    assert page.input_value("#filter-to") == "" and page.input_value("#filter-mode") == ""
    summary = "from 1 May 2025 · Xinhua · as of 30 June 2025"
    assert page.locator("#active-filters").inner_text() == summary
    assert page.url.endswith("/?date_from=2025-05-01&source=Xinhua&as_of=2025-06-30")
    ask(page, "When did the two heads of state meet?")
    assert sent[-1]["filters"] == {"date_from": "2025-05-01", "source": ["Xinhua"]}
    assert sent[-1]["as_of"] == "2025-06-30" and "mode" not in sent[-1]
    page.close()


def test_the_answer_is_scrolled_into_view(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server, 1280, 600)
    questions = [EXPO, "How much did China-Russia trade reach in 2024?", "Who is Andrey Denisov?"]
    for n, question in enumerate(questions, 1):
        ask(page, question, answers=n)
        latest = page.locator("li.assistant .answer").last
        assert latest.evaluate(FULLY_VISIBLE)
        answer = latest.bounding_box()
        form = page.locator("#ask").bounding_box()
        assert answer and form and answer["y"] + answer["height"] <= form["y"]
    # The conversation is longer than its box by now: it was scrolled, not the page.
    assert page.evaluate("document.getElementById('messages').scrollTop") > 0
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    page.close()


HALF_STREAM = (
    'event: passages\ndata: {"conversation_id": "c", "query": "q", "passages": []}\n\n'
    'event: delta\ndata: {"text": "Half an ans"}\n\n'
)


def test_a_cut_stream_and_a_server_error_each_offer_retry(
    live_server: str, browser: Browser
) -> None:
    page = open_page(browser, live_server)
    sent = chat_bodies(page)
    page.route(
        "**/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=HALF_STREAM),
    )
    page.fill("#question", EXPO)
    page.press("#question", "Enter")
    failure = page.locator("li.assistant .failure")
    failure.filter(has_text="stopped before it was finished").wait_for()

    page.unroute("**/chat")
    page.route(
        "**/chat",
        lambda route: route.fulfill(
            status=500, json={"error": "internal_error", "message": "the test broke it"}
        ),
    )
    failure.locator(".retry").click()
    failure.filter(has_text="The server failed: the test broke it").wait_for()

    page.unroute("**/chat")
    failure.locator(".retry").click()
    page.wait_for_function(DONE, arg=1, timeout=30_000)
    assert page.locator(".failure").count() == 0 and page.locator("li.user").count() == 1
    assert [len(body["messages"]) for body in sent] == [1, 1, 1]  # nothing failed was kept
    page.close()


def assert_fits(page: Page) -> None:
    """No sideways scrolling; the title, the question box and Ask wholly in view."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] == width[1]
    for selector in ("header h1", "#question", "#send"):
        assert fully_visible(page, selector), selector
    assert page.locator("header h1").evaluate("h => h.scrollWidth <= h.clientWidth")


def test_a_phone_sized_window_stacks_the_panels(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server, 390, 844)
    page.locator("#documents-badge", has_text="5").wait_for()
    assert page.locator("#documents").is_hidden()  # a phone starts with the conversation
    assert_fits(page)

    page.click("#toggle-documents")
    page.locator("#documents-list li").first.wait_for()
    assert_fits(page)
    panel = page.locator("#documents").bounding_box()
    assert panel and panel["width"] >= 385
    page.click("#close-documents")

    ask(page, EXPO)
    page.locator("li.assistant .answer a.cite").first.click()
    page.locator("#source mark#cited-span").wait_for()
    assert_fits(page)
    source = page.locator("#source").bounding_box()
    messages = page.locator("#messages").bounding_box()
    assert source and messages and source["width"] >= 370  # stacked, not a squeezed column
    assert source["y"] >= messages["y"] + messages["height"] - 1
    assert fully_visible(page, "#close-source")

    page.click("#toggle-documents")  # both panels open at once
    page.locator("#documents-list li").first.wait_for()
    assert_fits(page)
    page.close()


def test_escape_closes_the_article_and_its_close_button_stays_in_view(
    live_server: str, browser: Browser
) -> None:
    page = open_page(browser, live_server, 1280, 600)
    ask(page, "What did Ilgar Velizade of the South Caucasus Club of Political Scientists say?")
    cite = page.locator("li.assistant .answer a.cite").first
    cite.click()
    page.locator("#source mark#cited-span").wait_for()
    article = page.locator("#source-text")
    assert article.evaluate("a => a.scrollTop") > 2000  # the passage is near the end
    assert fully_visible(page, "#close-source")
    mark = page.locator("#cited-span").bounding_box()
    box = article.bounding_box()
    assert mark and box and box["y"] <= mark["y"] <= box["y"] + box["height"]

    article.evaluate("a => { a.scrollTop = a.scrollHeight; }")
    assert fully_visible(page, "#close-source")

    page.keyboard.press("Escape")
    page.locator("#source").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('cite')")  # focus went back
    page.close()


CONTROLS = {"button", "textbox", "searchbox", "combobox", "checkbox", "link", "DisclosureTriangle"}


def test_every_control_has_a_name_and_the_page_has_landmarks(
    live_server: str, browser: Browser
) -> None:
    page = open_page(browser, live_server)
    page.locator("#documents-list li").first.wait_for()
    page.click("#add-documents summary")
    ask(page, EXPO)
    page.locator("li.assistant .answer a.cite").first.click()
    page.locator("#source mark#cited-span").wait_for()
    # Chromium's own accessibility tree: the names a screen reader would read out.
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    nodes = [n for n in tree["nodes"] if not n.get("ignored")]
    roles = [(n.get("role", {}).get("value"), n.get("name", {}).get("value", "")) for n in nodes]
    unnamed = [role for role, name in roles if role in CONTROLS and not name.strip()]
    assert unnamed == []
    present = {role for role, _ in roles}
    assert {"banner", "main", "complementary", "form", "log"} <= present
    assert page.locator("#messages").get_attribute("aria-live") == "polite"
    page.close()


def background_luminance(page: Page) -> float:
    rgb = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_the_page_follows_the_system_colour_scheme(live_server: str, browser: Browser) -> None:
    page = open_page(browser, live_server)
    assert background_luminance(page) > 0.8
    page.emulate_media(color_scheme="dark")
    assert background_luminance(page) < 0.2
    page.close()


def test_screenshots_for_the_readme(live_server: str, browser: Browser) -> None:
    """Writes chat-1280.png and chat-390.png into $NEWSRAG_SCREENSHOTS (e.g. docs)."""
    folder = os.environ.get("NEWSRAG_SCREENSHOTS")
    if not folder:
        pytest.skip("set NEWSRAG_SCREENSHOTS=docs to write the README's screenshots")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        page = open_page(browser, live_server, width, height)
        page.locator("#documents-badge", has_text="5").wait_for()
        ask(page, EXPO)
        page.locator("li.assistant .answer a.cite").first.click()
        page.locator("#source mark#cited-span").wait_for()
        path = Path(folder) / f"chat-{width}.png"
        page.screenshot(path=str(path))
        page.close()
        shrink(path)


def shrink(path: Path) -> None:
    """A 256-colour palette: a third of the bytes, and text looks the same."""
    image = pytest.importorskip("PIL.Image")
    flat = image.open(path).convert("RGB")
    palette = flat.quantize(colors=256, method=image.Quantize.MEDIANCUT, dither=image.Dither.NONE)
    palette.save(path, optimize=True)
