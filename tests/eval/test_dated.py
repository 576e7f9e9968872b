"""Dated sets (realtimeqa): documents keep their metadata, questions are asked as of their day."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from eval.answers import AnswerFn, EvalAnswer
from eval.datasets import load_beir, read_corpus
from eval.runner import OpenIndex, parse_as_of, run_eval
from index.newsindex import NewsIndex

CORPUS = [
    {"_id": "ev-old", "title": "", "text": "The prime minister of Italy resigned on Thursday.",
     "metadata": {"date": "2021-01-28", "source": "CNN", "url": "https://example.org/old"}},
    {"_id": "ev-new", "title": "", "text": "This week a prime minister resigned: the week's news.",
     "metadata": {"date": "2022-07-21T09:00:00", "source": "The Week"}},
    {"_id": "ev-bad", "title": "", "text": "A story about the weather in Rome.",
     "metadata": {"date": "last Tuesday"}},
]  # fmt: skip
QUERIES = [
    {"_id": "q-2021", "text": "Which prime minister resigned this week?",
     "metadata": {"date": "2021-01-29", "answers": ["Giuseppe Conte"], "source": "CNN"}},
]  # fmt: skip


@pytest.fixture
def dated(tmp_path: Path) -> Path:
    folder = tmp_path / "dated"
    (folder / "qrels").mkdir(parents=True)
    for name, records in (("corpus", CORPUS), ("queries", QUERIES)):
        (folder / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq-2021\tev-old\t1\n")
    return folder


def test_documents_keep_date_source_and_url(dated: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        docs = {d.id: d for d in read_corpus(dated)}
    assert (docs["ev-old"].date, docs["ev-old"].source) == ("2021-01-28", "CNN")
    assert docs["ev-old"].url == "https://example.org/old"
    assert docs["ev-new"].date == "2022-07-21" and docs["ev-new"].source == "The Week"
    assert docs["ev-bad"].date is None and "ev-bad" in caplog.text and "last Tuesday" in caplog.text


def test_questions_keep_their_day_and_gold_answers(dated: Path) -> None:
    evalset = load_beir(dated)
    assert evalset.dates == {"q-2021": "2021-01-29"}
    assert evalset.answers == {"q-2021": ["Giuseppe Conte"]}


def test_asked_as_of_their_day_later_articles_are_left_out(
    dated: Path, open_index: OpenIndex, tmp_path: Path
) -> None:
    asked: list[str | None] = []

    def answerer(index: NewsIndex, mode: str, timed: bool) -> AnswerFn:
        def answer(question: str, as_of: str | None) -> EvalAnswer:
            asked.append(as_of)
            return EvalAnswer("Giuseppe Conte", ["ev-old"])

        return answer

    results = run_eval(
        [dated], ["bm25"], open_index, tmp_path / "eval", tmp_path, None, answerer,
        as_of=parse_as_of(["query", "none"]),
    )  # fmt: skip
    by_as_of = {r.as_of: r for r in results}
    assert by_as_of["query"].dataset == "dated (as of each question)"
    assert by_as_of["none"].dataset == "dated"
    # As of 2021-01-29 the 2022 article does not exist yet: the gold one ranks first.
    assert by_as_of["query"].metrics["mrr@10"] == 1.0
    # Undated, nothing about time is read: "this week" as of today would leave out both.
    assert by_as_of["none"].metrics["mrr@10"] == 0.5
    assert by_as_of["query"].metrics["answer_match"] == 1.0 and asked == ["2021-01-29", None]
    with pytest.raises(ValueError, match="unknown --as-of"):
        parse_as_of(["yesterday"])
