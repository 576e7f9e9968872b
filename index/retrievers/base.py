"""The retrieval seam: a query in, scored chunk keys out, through one search's view."""

from __future__ import annotations

from typing import Protocol

from index.corpus.base import Scored, View
from index.query import Query


class Retriever(Protocol):
    """Finds the best `k` chunks for a query among those the view allows, best first."""

    def retrieve(self, query: Query, k: int, view: View) -> Scored: ...
