"""Dense retrieval: the query's vector against the corpus's vectors."""

from __future__ import annotations

from index.corpus.base import Scored, View
from index.query import Query


class DenseRetriever:
    def retrieve(self, query: Query, k: int, view: View) -> Scored:
        if query.vector is None:
            raise ValueError("dense retrieval needs the query's vector")
        return view.dense(query.vector, k)
