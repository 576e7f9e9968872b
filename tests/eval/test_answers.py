"""Answer metrics on hand-made answers: normalized containment and citation precision."""

from __future__ import annotations

import pytest

from eval.answers import (
    EvalAnswer,
    answer_match,
    answer_metrics,
    check_metrics,
    citation_precision,
    plain_words,
)


def test_plain_words_folds_case_punctuation_and_whitespace() -> None:
    assert (
        plain_words("  Trade hit $244.8\nBILLION, (in 2024)! ") == "trade hit 244 8 billion in 2024"
    )
    assert plain_words("Klyuchevsky's_words") == "klyuchevsky s words"


@pytest.mark.parametrize(
    ("answer", "matches"),
    [
        ("Trade reached $244.8 BILLION in 2024 [1].", True),
        ("It was 244.8\n billion.", True),
        ("Putin will visit Harbin, in the north-east.", True),
        ("It reached 2448 billion.", False),  # the decimal point is not dropped, only spaced
        ("The Harbinger of trade.", False),  # whole words only
        ("Nobody knows.", False),
    ],
)
def test_answer_match_is_normalized_whole_word_containment(answer: str, matches: bool) -> None:
    assert answer_match(answer, ["244.8 billion", "Harbin"]) is matches


def test_citation_precision_counts_citations_into_relevant_documents() -> None:
    relevant = {"a": 1, "b": 2}
    assert citation_precision(["a", "b", "a"], relevant) == 1.0
    assert citation_precision(["a", "x", "", "b"], relevant) == 0.5  # "" is an invalid number
    assert citation_precision([], relevant) == 0.0  # an uncited answer supports nothing


def test_answer_metrics_average_over_questions() -> None:
    answers = {
        "one": EvalAnswer("Harbin [1]", ["a"]),
        "two": EvalAnswer("Moscow [1][2]", ["a", "x"]),
    }
    metrics = answer_metrics(
        {"q1": "one", "q2": "two"},
        {"q1": ["Harbin"], "q2": ["Harbin"]},
        {"q1": {"a": 1}, "q2": {"a": 1}},
        lambda question, as_of: answers[question],
    )
    assert metrics == {"answer_match": 0.5, "citation_precision": 0.75}


def test_what_the_checks_made_of_the_sentences_is_counted_where_the_answerer_says() -> None:
    said = [
        EvalAnswer("Harbin [1]", ["a"], written=2, off_question=1),
        # an LLM's 3 uncited sentences, replaced by the extractive answer
        EvalAnswer("Harbin [1]", ["a"], written=3, unsupported=3, off_question=3, fallback=True),
        EvalAnswer("", [], answered=False),  # abstained: wrote nothing, asked no LLM
        EvalAnswer(
            "Moscow [2]", ["b"], written=1, tokens=40, llm_seconds=4.0, generating_seconds=1
        ),
    ]
    metrics = check_metrics(said, [0.25, 0.5, 0.125, 1.0])
    assert metrics == {
        "sentences": 6,
        "unsupported_share": 0.5,
        "off_question_share": 4 / 6,
        "fallback_rate": 1 / 3,  # of the answers given
        "answer_p50_ms": 375.0,
        "tokens_per_second": 40.0,  # writing
        "call_tokens_per_second": 10.0,  # the whole call, the prompt's reading included
    }
    answers = dict(zip("abcd", said, strict=True))
    measured = answer_metrics(
        {q: q for q in answers}, {}, {}, lambda question, as_of: answers[question]
    )
    assert measured["unsupported_share"] == 0.5 and "answer_p50_ms" in measured
