"""The recency prior: the newer of two reports first, for questions about the present only."""

from __future__ import annotations

from datetime import date

import pytest

from index.docstore import Filters
from index.models import Document
from index.recency import RecencyPrior
from index.store import NewsIndex


@pytest.mark.parametrize(
    ("question", "about_now"),
    [
        ("What is the latest on interest rates?", True),
        ("Who resigned this week?", True),
        ("Who may win the election?", True),  # "may" the verb is no month
        ("What happened in March 2025?", False),
        ("How much did trade reach in 2024?", False),
        ("What did the ECB do in April?", False),
        ("What happened last year?", False),
        ("What is the latest on the 2024 trade figures?", True),  # it says so
    ],
)
def test_it_applies_to_questions_about_the_present(question: str, about_now: bool) -> None:
    assert RecencyPrior().applies(question) is about_now
    assert not RecencyPrior(weight=0).applies(question)


def test_newer_gains_undated_and_old_gain_nothing() -> None:
    prior = RecencyPrior(weight=0.5, half_life=7)
    as_of = date(2025, 9, 20)
    found = [(2.0, "2025-03-20"), (1.9, "2025-09-19"), (2.0, None), (0.0, None)]
    scores = prior.rerank(found, as_of)  # scores normalized to 1, 0.95, 1, 0 first
    assert scores[1] > scores[0] == pytest.approx(scores[2], abs=1e-6)
    assert scores[2] == 1.0 and scores[3] == 0.0
    assert prior.bonus("2025-09-27", as_of) == 0.5  # dated after as_of: as new as it gets
    assert prior.bonus("2018-01-01", as_of) < 1e-9


STORY = "The Federal Reserve and interest rates: officials met to decide on the policy rate."


def test_the_latest_report_ranks_first_a_named_period_keeps_its_own(
    fresh_index: NewsIndex,
) -> None:
    fresh_index.upsert(
        [
            Document("march", f"{STORY} In March they held rates steady.", date="2025-03-20"),
            Document("sept", f"{STORY} In September they cut rates.", date="2025-09-17"),
        ]
    )
    as_of = Filters(as_of="2025-09-20")

    def first(question: str) -> str:
        hits = fresh_index.search(question, 1, as_of, mode="hybrid", collapse=False)
        return hits[0].doc_id

    assert first("What is the latest on interest rates?") == "sept"
    assert first("What did the Federal Reserve decide on rates in March?") == "march"


def test_an_archive_too_old_for_the_prior_is_searched_as_without_it(
    fresh_index: NewsIndex,
) -> None:
    """No article recent enough to gain anything: the prior would only cost a deeper search."""
    question = "What is the latest on interest rates?"
    fresh_index.upsert([Document("old", f"{STORY} They held.", date="2018-03-20")])
    assert fresh_index.searcher._prior(question, "2025-09-20") is None
    fresh_index.upsert([Document("undated", f"{STORY} They cut.")])
    assert fresh_index.searcher._prior(question, "2025-09-20") is None
    assert fresh_index.searcher._prior(question, "2018-03-25") is not None
    assert fresh_index.searcher._prior("What happened in March 2018?", "2018-03-25") is None
