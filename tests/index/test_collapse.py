"""Near-duplicate collapse: syndicated text takes one slot and names where else it ran."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from index.collapse import collapse, shingle
from index.newsindex import NewsIndex

KREMLIN = "000_00c3ffa30793be7d"  # China Daily / PR Newswire
XINHUA = "002_113f3f2605a1e54b"  # Xinhua, rewriting several of the same paragraphs
DENISOV = "Andrey Denisov strategic guidance of the two heads of state"
MODES = ["dense", "bm25", "hybrid"]


@dataclass(frozen=True)
class Passage:
    doc_id: str
    text: str


WIRE = (
    "Chinese President Xi Jinping will pay a state visit to Russia from May 7 to 10 and attend "
    "the celebrations marking the 80th anniversary of the Victory in the Great Patriotic War."
)


def test_shingles_ignore_case_punctuation_and_spacing() -> None:
    assert shingle("State  visit, to RUSSIA!") == shingle("state visit to russia")
    assert shingle("two words") == frozenset({hash(("two", "words"))})
    assert len(shingle("one two three four")) == 2


def test_a_passage_folds_only_when_it_adds_little_to_a_better_one() -> None:
    news = (
        " Officials expect more than twenty agreements on energy, trade and film, among them a"
        " gas contract that negotiators have argued over since 2019, a new rail crossing in the"
        " far east and a treaty on satellite navigation. Analysts in Shanghai said the talks"
        " would also cover payments in national currencies and a fund for farm exports."
    )
    longer = WIRE + news
    kept = collapse([(Passage("a", longer), 0.9), (Passage("b", WIRE), 0.8)])
    assert [k.also_in for k in kept] == [["b"]]
    kept = collapse([(Passage("a", WIRE), 0.9), (Passage("b", longer), 0.8)])
    assert [k.passage.doc_id for k in kept] == ["a", "b"]  # b is mostly news a lacks


def test_the_best_copy_is_kept_and_the_others_are_named() -> None:
    ranked = [
        (Passage("a", WIRE), 0.9),
        (Passage("b", "Harbin hosts an ice festival every winter, drawing crowds."), 0.8),
        (Passage("c", "BEIJING (Xinhua) -- " + WIRE), 0.7),
        (Passage("d", WIRE.replace("May 7 to 10", "Wednesday to Saturday")), 0.6),
        (Passage("a", WIRE), 0.5),  # the same article twice is not another document
    ]
    kept = collapse(ranked)
    assert [(k.passage.doc_id, k.score, k.also_in) for k in kept] == [
        ("a", 0.9, ["c", "d"]),
        ("b", 0.8, []),
    ]


def test_short_passages_collapse_only_when_identical() -> None:
    kept = collapse(
        [(Passage("a", "Fundamental guarantee"), 1.0), (Passage("b", "Guarantee"), 0.5)]
    )
    assert len(kept) == 2
    kept = collapse(
        [(Passage("a", "Long friendship"), 1.0), (Passage("b", "LONG FRIENDSHIP"), 0.5)]
    )
    assert [k.also_in for k in kept] == [["b"]]


@pytest.mark.parametrize("mode", MODES)
def test_without_collapse_both_copies_fill_the_top(seeds_index: NewsIndex, mode: str) -> None:
    hits = seeds_index.search(DENISOV, k=5, mode=mode, collapse=False).hits
    assert {h.doc_id for h in hits[:2]} == {KREMLIN, XINHUA}
    assert all(h.also_in == () for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_seeds_000_and_002_collapse_into_one_hit(seeds_index: NewsIndex, mode: str) -> None:
    hits = seeds_index.search(DENISOV, k=5, mode=mode).hits
    top, rest = hits[0], hits[1:]
    assert "Andrey Denisov" in top.text and top.doc_id in {KREMLIN, XINHUA}
    assert top.also_in == tuple({KREMLIN, XINHUA} - {top.doc_id})
    assert not any("Andrey Denisov, first deputy chair" in h.text for h in rest)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


def test_collapse_still_returns_k_distinct_passages(seeds_index: NewsIndex) -> None:
    query = "Xi state visit to Russia 80th anniversary of the Victory"
    hits = seeds_index.search(query, k=10).hits
    assert len(hits) == 10 and [h.rank for h in hits] == list(range(1, 11))
    assert len({h.chunk_id for h in hits}) == 10
    named = {doc for h in hits for doc in h.also_in}
    assert named and all(doc != h.doc_id for h in hits for doc in h.also_in)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_collapse_is_on_by_default(seeds_index: NewsIndex) -> None:
    assert seeds_index.retrieval.collapse
    assert (
        seeds_index.search(DENISOV, k=5).hits
        == seeds_index.search(DENISOV, k=5, collapse=True).hits
    )
