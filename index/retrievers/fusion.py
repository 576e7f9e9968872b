"""Fusing several rankings of chunk ids into one: reciprocal rank or a convex combination.

Both work on the candidates each retriever returned; an id missing from a ranking simply gets
nothing from it. RRF needs no calibration; the convex combination uses the scores themselves,
min-max normalized per query, so a clear BM25 winner can outweigh a flat dense list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from index.retrievers.modes import RetrievalSettings

Ranking = list[tuple[int, float]]


class Fusion(Protocol):
    """Rankings (best first) in, one fused ranking (best first) out."""

    def __call__(self, rankings: Sequence[Ranking]) -> Ranking: ...


@dataclass(frozen=True)
class ReciprocalRank:
    """Cormack et al. (2009): an id scores the sum of 1 / (k + rank) over the rankings."""

    k: int = 60

    def __call__(self, rankings: Sequence[Ranking]) -> Ranking:
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, (vid, _) in enumerate(ranking, start=1):
                fused[vid] = fused.get(vid, 0.0) + 1.0 / (self.k + rank)
        return best_first(fused)


@dataclass(frozen=True)
class Convex:
    """Sum of weights[i] times ranking i's min-max normalized score (weights sum to 1)."""

    weights: tuple[float, ...] = (0.5, 0.5)

    def __call__(self, rankings: Sequence[Ranking]) -> Ranking:
        if len(rankings) != len(self.weights):
            raise ValueError(f"{len(rankings)} rankings for {len(self.weights)} weights")
        fused: dict[int, float] = {}
        for weight, ranking in zip(self.weights, rankings, strict=True):
            for vid, score in min_max(ranking):
                fused[vid] = fused.get(vid, 0.0) + weight * score
        return best_first(fused)


def convex(settings: RetrievalSettings) -> Fusion:
    """The `convex` entry point: NEWSRAG_DENSE_WEIGHT for dense, the rest for BM25."""
    return Convex((settings.dense_weight, 1.0 - settings.dense_weight))


def rrf(settings: RetrievalSettings) -> Fusion:
    """The `rrf` entry point: reciprocal rank with NEWSRAG_RRF_K."""
    return ReciprocalRank(settings.rrf_k)


def min_max(ranking: Ranking) -> Ranking:
    """Scores mapped onto [0, 1] within the ranking; a ranking of equal scores maps to 1."""
    if not ranking:
        return []
    scores = [score for _, score in ranking]
    low, span = min(scores), max(scores) - min(scores)
    return [(vid, (score - low) / span if span else 1.0) for vid, score in ranking]


def best_first(fused: dict[int, float]) -> Ranking:
    """Highest score first; ties keep first-seen order (the earlier ranking wins)."""
    return sorted(fused.items(), key=lambda item: -item[1])
