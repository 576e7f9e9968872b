"""Loading BEIR folders and gold question files into plain evaluation sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import beir_document, load_beir, load_gold, read_corpus
from eval.runner import load
from tests.conftest import GOLD


def test_beir_keeps_judged_queries_with_positive_grades(tiny: Path) -> None:
    evalset = load_beir(tiny)
    assert evalset.name == "tiny"
    assert list(evalset.queries) == ["q-plants", "q-tower", "q-volcano", "q-absent"]
    assert evalset.qrels["q-plants"] == {"plants": 2}  # the score-0 row is not a judgment
    assert evalset.qrels["q-volcano"] == {"volcano": 3}  # graded, as Cranfield's 1..4
    assert not evalset.answers


def test_corpus_titles_are_searchable_and_empty_documents_skipped(tiny: Path) -> None:
    docs = {d.id: d for d in read_corpus(tiny)}
    assert "empty" not in docs and len(docs) == 6
    assert docs["tower"].text.startswith("The Eiffel Tower\n\nThe wrought-iron")
    assert docs["tower"].title == "The Eiffel Tower"
    assert docs["untitled"].text == "Penguins huddle together to survive the winter."
    assert docs["untitled"].title is None
    assert beir_document({"_id": 7, "title": "Only a title", "text": " "}) is not None


def test_gold_file_loads_questions_relevant_documents_and_answers() -> None:
    gold = load_gold(GOLD)
    assert gold.name == "seeds-qa" and len(gold.queries) == 12
    assert gold.queries["seeds-q3"].startswith("Which city will Putin visit")
    assert gold.qrels["seeds-q2"] == {"002_113f3f2605a1e54b": 1}
    assert gold.answers["seeds-q1"] == ["244.8 billion", "250 billion"]


def test_limit_keeps_the_first_queries_and_their_judgments(tiny: Path) -> None:
    small = load_beir(tiny).limited(2)
    assert list(small.queries) == ["q-plants", "q-tower"] and set(small.qrels) == set(small.queries)


def test_a_path_that_is_neither_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neither a BEIR folder"):
        load(tmp_path)
    assert load(GOLD).name == "seeds-qa"
