"""Lexical retrieval: BM25 over the query's analyzed terms, in whatever engine holds them."""

from __future__ import annotations

from index.corpus.base import Scored, View
from index.query import Query


class LexicalRetriever:
    def retrieve(self, query: Query, k: int, view: View) -> Scored:
        return view.lexical(query.terms, k) if query.terms else []
