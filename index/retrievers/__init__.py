"""Retrievers: each turns a query into scored chunk ids."""

from index.retrievers.base import Retriever
from index.retrievers.bm25 import BM25Retriever, BM25Settings
from index.retrievers.dense import DenseRetriever
from index.retrievers.fusion import Convex, Fusion, ReciprocalRank
from index.retrievers.hybrid import HybridRetriever
from index.retrievers.modes import MODES, RetrievalSettings, SearchMode, build_retrievers, pick

__all__ = [
    "MODES",
    "BM25Retriever",
    "BM25Settings",
    "Convex",
    "DenseRetriever",
    "Fusion",
    "HybridRetriever",
    "ReciprocalRank",
    "RetrievalSettings",
    "Retriever",
    "SearchMode",
    "build_retrievers",
    "pick",
]
