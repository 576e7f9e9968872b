"""The recency prior: the newer of two reports first; never toward a period not asked about."""

from __future__ import annotations

from datetime import date

import pytest

from index.filters import Filters
from index.models import Document
from index.newsindex import NewsIndex
from index.query import TimeSense
from index.recency import RecencyPrior, normalized


def test_newer_gains_undated_and_old_gain_nothing() -> None:
    prior = RecencyPrior(weight=0.5, half_life=7)
    as_of = date(2025, 9, 20)
    assert normalized([2.0, 1.9, 2.0, 0.0]) == pytest.approx([1.0, 0.95, 1.0, 0.0])
    assert normalized([3.0, 3.0]) == [1.0, 1.0] and normalized([]) == []
    assert prior.bonus("2025-09-19", as_of) > prior.bonus("2025-03-20", as_of) > 0
    assert prior.bonus(None, as_of) == 0.0  # undated: nothing
    assert prior.bonus("2025-09-27", as_of) == 0.5  # dated after as_of: as new as it gets
    assert prior.bonus("2025-09-13", as_of) == pytest.approx(0.25)  # one half-life
    assert prior.bonus("2018-01-01", as_of) < 1e-9


STORY = "The Federal Reserve and interest rates: officials met to decide on the policy rate."


def test_the_latest_report_ranks_first_a_named_period_keeps_its_own(
    fresh_index: NewsIndex,
) -> None:
    fresh_index.upsert(
        [
            Document("march", f"{STORY} In March they held rates steady.", date="2025-03-20"),
            Document("sept", f"{STORY} In September they cut rates.", date="2025-09-17"),
            # Other stories, as in any archive: relevance is scaled between the candidates.
            Document("quake", "An earthquake struck central Myanmar.", date="2025-03-28"),
            Document("tram", "Lisbon approved a new tram line by the river.", date="2025-01-15"),
        ]
    )
    as_of = Filters(as_of="2025-09-20")

    def first(question: str) -> str:
        hits = fresh_index.search(question, 1, as_of, mode="hybrid", collapse=False).hits
        return hits[0].doc_id

    assert first("What is the latest on interest rates?") == "sept"
    assert first("What did the Federal Reserve decide on rates in March?") == "march"


def test_an_archive_too_old_for_the_prior_is_searched_as_without_it(
    fresh_index: NewsIndex,
) -> None:
    """No article recent enough to gain anything: the prior would only cost a deeper search."""
    question = "What is the latest on interest rates?"

    def time(text: str, as_of: str) -> TimeSense:
        """What a search of `text` asked on `as_of` read about time."""
        return fresh_index.search(text, 1, Filters(as_of=as_of)).time

    fresh_index.upsert([Document("old", f"{STORY} They held.", date="2018-03-20")])
    assert time(question, "2025-09-20").prior is None
    fresh_index.upsert([Document("undated", f"{STORY} They cut.")])
    assert time(question, "2025-09-20").prior is None
    assert time(question, "2018-03-25").prior is not None
    march = time("What happened in March 2018?", "2018-03-25")
    assert march.window is not None and march.prior is not None  # the newest report on it first
