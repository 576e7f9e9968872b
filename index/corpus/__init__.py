"""Corpora, chosen by name (NEWSRAG_BACKEND): where documents, vectors and terms are kept."""

from __future__ import annotations

from collections.abc import Callable

from index.corpus.base import (
    Corpus,
    CorpusSettings,
    EngineUnavailable,
    Leases,
    Settle,
    StateStore,
    Stored,
    View,
)
from index.corpus.local import LocalCorpus


def _milvus(settings: CorpusSettings, settle: Settle) -> Corpus:
    from index.corpus.milvus import MilvusCorpus  # pymilvus is an extra: imported when chosen

    return MilvusCorpus.open(settings, settle)


CorpusFactory = Callable[[CorpusSettings, Settle], Corpus]
CORPORA: dict[str, CorpusFactory] = {
    "local": LocalCorpus.open,
    "milvus": _milvus,
}


def open_corpus(name: str, settings: CorpusSettings, settle: Settle) -> Corpus:
    """Opens (or creates) the named corpus; `settle` checks or makes its manifest."""
    try:
        factory = CORPORA[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; known: {', '.join(CORPORA)}") from None
    return factory(settings, settle)


__all__ = [
    "CORPORA",
    "Corpus",
    "CorpusSettings",
    "EngineUnavailable",
    "Leases",
    "StateStore",
    "Stored",
    "View",
    "open_corpus",
]
