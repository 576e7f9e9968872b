"""Excerpts: one line, whole words, never over the width; an article's without its dateline."""

from __future__ import annotations

import pytest

from index.excerpt import EXCERPT_CHARS, OPENING_CHARS, excerpt, first_words


def test_a_short_text_is_only_flattened() -> None:
    assert excerpt("  Harbin\nport\treopens ", 40) == "Harbin port reopens"


def test_a_long_text_is_cut_after_a_whole_word_within_the_width() -> None:
    text = "The river port of Harbin reopened on Tuesday after the ice broke."
    for width in range(5, len(text)):
        cut = excerpt(text, width)
        assert len(cut) <= width and cut.endswith("…"), width
        assert text.startswith(cut[:-1].rstrip()), width
    assert excerpt(text, 20) == "The river port of…"


STORY = "Amid growing global uncertainties, China-Russia relations continue to show momentum."


@pytest.mark.parametrize(
    "dateline",
    [
        "BEIJING, May 5, 2025 /PRNewswire/ -- ",
        "BEIJING, May 6 (Xinhua) -- ",
        "WASHINGTON (AP) — ",
        "*Berlin, February 23, 2025* — ",
        "\n  LONDON, May 5 (Reuters) - ",
    ],
)
def test_an_untitled_article_is_named_by_its_first_words_after_the_dateline(
    dateline: str,
) -> None:
    assert first_words(dateline + STORY) == excerpt(STORY, EXCERPT_CHARS)


def test_an_article_without_a_dateline_is_named_by_its_first_words() -> None:
    text = "On the morning of Thursday, BEIJING, May 5, 2025 /PRNewswire/ -- was not a dateline."
    assert first_words(text) == text
    assert first_words("BEIJING (Xinhua) -- ") == "BEIJING (Xinhua) --"  # nothing after it


def test_the_whole_text_and_the_opening_a_store_keeps_give_one_name() -> None:
    text = "BEIJING, May 5, 2025 /PRNewswire/ -- " + STORY * 10
    assert first_words(text) == first_words(text[:OPENING_CHARS])
    assert first_words(text).startswith("Amid growing") and len(first_words(text)) <= 100
