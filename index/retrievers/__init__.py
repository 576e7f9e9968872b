"""Retrievers: each turns a query into scored chunk keys, through a search's view."""

from index.retrievers.base import Retriever
from index.retrievers.dense import DenseRetriever
from index.retrievers.fusion import Convex, Fusion, ReciprocalRank
from index.retrievers.hybrid import HybridRetriever
from index.retrievers.lexical import LexicalRetriever
from index.retrievers.modes import MODES, RetrievalSettings, SearchMode, build_retrievers, pick

__all__ = [
    "MODES",
    "Convex",
    "DenseRetriever",
    "Fusion",
    "HybridRetriever",
    "LexicalRetriever",
    "ReciprocalRank",
    "RetrievalSettings",
    "Retriever",
    "SearchMode",
    "build_retrievers",
    "pick",
]
