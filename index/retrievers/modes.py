"""Search modes: which retriever answers a query, and how the hybrid one fuses (a fusion is a
`newsrag.fusions` entry point: convex and rrf are built in, a package may add others)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

from index import plugins
from index.recency import RecencyPrior
from index.retrievers.base import Retriever
from index.retrievers.dense import DenseRetriever
from index.retrievers.fusion import Fusion
from index.retrievers.hybrid import HybridRetriever
from index.retrievers.lexical import LexicalRetriever

SearchMode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[str, ...] = get_args(SearchMode)
FUSIONS = "newsrag.fusions"


@dataclass(frozen=True)
class RetrievalSettings:
    """How the index searches unless a request says otherwise."""

    mode: SearchMode = "hybrid"
    fusion: str = "convex"  # a `newsrag.fusions` entry point
    dense_weight: float = 0.5  # convex only; BM25 gets the rest
    rrf_k: int = 60
    depth: int = 100  # candidates each retriever hands the fusion
    collapse: bool = True  # near-duplicate passages fold into the best one
    recency: RecencyPrior = field(default_factory=RecencyPrior)
    # Added to the normalized score of a passage reporting on the period the question names
    # (index.periods; 0: periods are not read). See index/searcher.py _by_time.
    window_weight: float = 1.0


def make_fusion(settings: RetrievalSettings) -> Fusion:
    """The fusion the settings name; an unknown name lists the known ones."""
    factory: Callable[[RetrievalSettings], Fusion] = plugins.load(FUSIONS, settings.fusion)
    return factory(settings)


def build_retrievers(settings: RetrievalSettings) -> dict[str, Retriever]:
    """One retriever per mode, the hybrid one sharing the other two."""
    dense, lexical = DenseRetriever(), LexicalRetriever()
    hybrid = HybridRetriever([dense, lexical], make_fusion(settings), settings.depth)
    return {"dense": dense, "bm25": lexical, "hybrid": hybrid}


def pick(retrievers: dict[str, Retriever], mode: str) -> Retriever:
    """The retriever for `mode`; an unknown mode lists the known ones."""
    try:
        return retrievers[mode]
    except KeyError:
        raise ValueError(f"unknown search mode {mode!r}; known: {', '.join(MODES)}") from None
