"""Story grouping's measure: pairwise precision and recall over labelled pairs, and the table
docs/stories.md is generated from."""

from __future__ import annotations

from eval.stories import Pair, by_split, load_pairs, markdown, mistakes, pairwise
from eval.tables import ROOT

PAIRS = [
    Pair("a", "b", True, "tune", "one announcement"),
    Pair("a", "c", False, "tune", "a week later"),
    Pair("d", "e", True, "test", "a rewrite"),
    Pair("f", "g", False, "test", "another storm"),
]


def test_a_pair_counts_as_grouped_only_when_both_share_a_story() -> None:
    story_of = {"a": "s1", "b": "s1", "c": "s1", "d": "s2", "f": "s3", "g": "s4"}
    tune = pairwise([p for p in PAIRS if p.split == "tune"], story_of)
    assert (tune.grouped, tune.right, tune.precision, tune.recall) == (2, 1, 0.5, 1.0)
    test = by_split(PAIRS, story_of)["test"]  # "e" was never grouped: alone
    assert (test.grouped, test.precision, test.recall) == (0, 1.0, 0.0)
    assert [(p.a, p.b, together) for p, together in mistakes(PAIRS, story_of)] == [
        ("a", "c", True),
        ("d", "e", False),
    ]


def test_the_labelled_pairs_are_read_with_their_reasons() -> None:
    pairs = load_pairs(ROOT / "eval" / "story-pairs.jsonl")
    assert len(pairs) >= 300 and all(p.reason and p.split in ("tune", "test") for p in pairs)


def test_the_docs_table_shows_each_split_and_each_cost() -> None:
    results = {
        "scores": {"test": {"pairs": 4, "same": 2, "grouped": 2, "precision": 0.5, "recall": 1}},
        "costs": {"grouping one article, ms": 1.234},
    }
    table = markdown(results)
    assert "| test | 4 | 2 | 2 | 0.500 | 1.000 |" in table
    assert "| grouping one article | 1.23 |" in table
