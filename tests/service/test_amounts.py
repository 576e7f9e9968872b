"""Amounts as news writes them: value, unit and the precision each states."""

from __future__ import annotations

import math

import pytest

from service.answering.amounts import Amount, overlap, read
from tests.service.amount_cases import CASES

# "over 3,000 kilometers" (across them) reads as "more than 3,000": news mostly means that.
READ_AS_HEDGED = {"3,000 kilometers": "over 3,000 kilometers"}


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[s[:40] for s, _ in CASES])
def test_every_amount_is_read_with_its_exact_span(sentence: str, expected: list[object]) -> None:
    found = read(sentence)
    assert all(sentence[a.start : a.end] == a.text for a in found)
    wanted = [(READ_AS_HEDGED.get(t, t), v, u) for t, v, u, _ in expected]  # type: ignore[misc]
    assert [(a.text, a.unit) for a in found] == [(t, u) for t, _, u in wanted]
    assert all(math.isclose(a.value, v) for a, (_, v, _) in zip(found, wanted, strict=True))
    hedged = [h or t in READ_AS_HEDGED for t, _, _, h in expected]  # type: ignore[misc]
    assert [a.approximate for a in found] == hedged


def one(text: str) -> Amount:
    (amount,) = read(text)
    return amount


def test_nearly_250_billion_agrees_with_244_8_billion() -> None:
    nearly = one("Trade reached nearly $250 billion.")
    assert (nearly.low, nearly.high) == (243.75e9, 250e9)  # 2.5% below, nothing above
    assert overlap([nearly, one("Trade rose to 244.8 billion U.S. dollars.")])
    assert not overlap([nearly, one("Trade reached $241.5 billion.")])
    # "$240 billion" is 235-245 billion as written: only its year keeps it apart (test_figures).
    assert one("Trade reached $240 billion.").high == 245e9


def test_a_round_number_allows_what_rounds_to_it() -> None:
    assert not overlap([one("It was $250 billion."), one("It was $244.8 billion.")])
    thousand = one("The quake killed 1,000 people.")
    assert (thousand.low, thousand.high) == (950, 1050)  # two significant figures at least
    assert overlap([one("The toll rose to 1,002."), thousand])


def test_bounds_agree_with_what_they_allow() -> None:
    at_least = one("It killed at least 1,002 people.")
    assert (at_least.low, at_least.high) == (1002, None)
    assert overlap([at_least, one("The toll rose to 1,644.")])
    assert not overlap([one("It killed fewer than 900 people."), at_least])


def test_years_days_and_ordinals_are_no_amounts() -> None:
    assert read("In March 2023, on May 7, the 80th anniversary of the 2024-25 plan.") == []
