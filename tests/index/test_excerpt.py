"""Excerpts: one line, whole words, never over the width."""

from __future__ import annotations

from index.excerpt import excerpt


def test_a_short_text_is_only_flattened() -> None:
    assert excerpt("  Harbin\nport\treopens ", 40) == "Harbin port reopens"


def test_a_long_text_is_cut_after_a_whole_word_within_the_width() -> None:
    text = "The river port of Harbin reopened on Tuesday after the ice broke."
    for width in range(5, len(text)):
        cut = excerpt(text, width)
        assert len(cut) <= width and cut.endswith("…"), width
        assert text.startswith(cut[:-1].rstrip()), width
    assert excerpt(text, 20) == "The river port of…"
