"""Of two articles on the same story, the newer first: a recency prior.

A question asked on a day ("who resigned?", "what is the latest on rates?") wants the newest
reporting before `as_of`. The prior adds to each candidate's score, min-max normalized within
the candidates, `weight` times one half per `half_life` days of age: undated articles get
nothing, and an article years older than `as_of` next to nothing, so undated corpora rank
exactly as without it. A question that names a period ("in March 2025", "last year") must not
be pulled toward recent articles: there the reports on that period gain twice what the prior
can give (index/searcher.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


def normalized(scores: Sequence[float]) -> list[float]:
    """Min-max within the candidates (all 1.0 when they tie): a bonus then means the same
    whatever the retriever's scale."""
    if not scores:
        return []
    low, span = min(scores), max(scores) - min(scores)
    return [(score - low) / span if span else 1.0 for score in scores]


@dataclass(frozen=True)
class RecencyPrior:
    """A bonus for newer articles, halving every `half_life` days. Past a weight of 0.5 it
    outweighs half the spread of relevance, so a same-day article on another story would win
    (tuned on realtimeqa: docs/tuning.md)."""

    weight: float = 0.5  # 0 turns it off
    half_life: float = 7.0  # days

    def bonus(self, day: str | None, as_of: date) -> float:
        if day is None:
            return 0.0
        try:
            age = (as_of - date.fromisoformat(day)).days
        except ValueError:
            return 0.0
        return float(self.weight * 0.5 ** (max(age, 0) / self.half_life))
