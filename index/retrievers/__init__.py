"""Retrievers: each turns a query into scored chunk ids."""

from index.retrievers.base import Retriever
from index.retrievers.dense import DenseRetriever

__all__ = ["DenseRetriever", "Retriever"]
