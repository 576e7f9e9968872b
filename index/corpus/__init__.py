"""Corpora, chosen by name (NEWSRAG_BACKEND): where documents, vectors and terms are kept.
`newsrag.backends` entry points, the built-ins (local, milvus) among them."""

from __future__ import annotations

from collections.abc import Callable

from index import plugins
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

GROUP = "newsrag.backends"
CorpusFactory = Callable[[CorpusSettings, Settle], Corpus]


def open_corpus(name: str, settings: CorpusSettings, settle: Settle) -> Corpus:
    """Opens (or creates) the named corpus; `settle` checks or makes its manifest."""
    factory: CorpusFactory = plugins.load(GROUP, name)
    return factory(settings, settle)


__all__ = [
    "GROUP",
    "Corpus",
    "CorpusSettings",
    "EngineUnavailable",
    "Leases",
    "StateStore",
    "Stored",
    "View",
    "open_corpus",
]
