"""The local lexical index: Okapi BM25 in tantivy, an index of segments that takes writes in place.

Chunks are added and deleted as they come, and a commit makes them visible to the next search
(milliseconds), so a write never rebuilds anything. Searches take tantivy's current searcher, a
snapshot that a later commit does not change, and its top-k (block-max WAND) skips most
postings of common terms instead of scoring them all. docs/backends.md, "The lexical index",
says why tantivy rather than SQLite FTS5 or bm25s with a delta segment. Terms arrive analyzed
(index/lexical.py), as they do in every backend.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from index.lexical import BM25Settings

log = logging.getLogger(__name__)

DIRNAME = "lexical"
SETTINGS_FILE = "newsrag.json"  # beside tantivy's own files, which its collector leaves alone
SCHEMA_VERSION = 1
WRITER_HEAP = 64_000_000  # bytes buffered before tantivy flushes a segment on its own
# A filter allowing up to this many chunks is pushed into the query (a term set on `vid`);
# a broader one filters the ranking afterwards, where few candidates fall out.
TERM_SET_MAX = 50_000


class TantivyIndex:
    """BM25 over every chunk's terms. Writes (`add`, `remove`) are staged until `publish`;
    searches may run on any thread at any time and see the last published state.
    `writable=False` opens an index another process writes, for searching only."""

    def __init__(
        self, directory: Path, settings: BM25Settings | None = None, writable: bool = True
    ) -> None:
        self.path = directory / DIRNAME
        self.settings = settings or BM25Settings()
        self.schema = _schema()
        # True when the index was (re)created empty: the caller fills it from the docstore.
        self.created = writable and not self._usable()
        if self.created:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True)
            (self.path / SETTINGS_FILE).write_text(json.dumps(self._stamp()), "utf-8")
        if writable or self._usable():
            self._index = tantivy.Index(self.schema, path=str(self.path))
        else:  # nothing to read yet: dense search still works, lexical finds nothing
            log.warning("no usable lexical index at %s; BM25 finds nothing here", self.path)
            self._index = tantivy.Index(self.schema)
        self._index.config_reader("Manual", 0)  # a searcher changes only when `publish` says
        self._writer: Any = self._index.writer(WRITER_HEAP, 1) if writable else None

    def _stamp(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **asdict(self.settings)}

    def _usable(self) -> bool:
        """A saved index built with these settings; anything else is rebuilt from the docstore."""
        try:
            saved = json.loads((self.path / SETTINGS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return False
        if saved != self._stamp():
            log.warning("%s was built with other settings; rebuilding it", self.path)
            return False
        return (self.path / "meta.json").exists()

    def add(self, vids: Sequence[int], terms: Sequence[str]) -> None:
        """Stages chunks with their analyzed terms (space-separated, index/lexical.py)."""
        for vid, text in zip(vids, terms, strict=True):
            doc = tantivy.Document()
            doc.add_unsigned("vid", int(vid))
            doc.add_text("body", text)
            self._writer.add_document(doc)

    def remove(self, vids: np.ndarray) -> None:
        if len(vids):
            ids = [int(v) for v in vids]
            self._writer.delete_documents_by_query(
                tantivy.Query.term_set_query(self.schema, "vid", ids)
            )

    def publish(self) -> None:
        """Commits what was staged (durable, all or nothing) and shows it to new searches."""
        self._writer.commit()
        self._index.reload()

    def discard(self) -> None:
        """Drops what was staged since the last publish."""
        self._writer.rollback()

    def ids(self) -> np.ndarray:
        """Every chunk id the published index holds, ascending (for reconciling on open)."""
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return np.zeros(0, np.int64)
        hits = searcher.search(tantivy.Query.all_query(), searcher.num_docs, order_by_field="vid")
        return np.array(sorted(vid for vid, _ in hits.hits), dtype=np.int64)

    def search(
        self, terms: Sequence[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The best `k` chunks for `terms` (any of them), only among `allowed` when given."""
        if k <= 0 or not terms:
            return []
        matching = self._disjunction(terms)
        searcher = self._index.searcher()
        if allowed is not None and len(allowed) <= TERM_SET_MAX:
            vids = tantivy.Query.term_set_query(self.schema, "vid", allowed.tolist())
            only = tantivy.Query.const_score_query(vids, 0.0)
            return self._top(searcher, _all_of(matching, only), k)
        depth = k
        while True:  # a broad filter: rank, then keep the allowed, deeper until k remain
            scored = self._top(searcher, matching, depth)
            kept = scored if allowed is None else _kept(scored, allowed)
            if len(kept) >= k or len(scored) < depth:
                return kept[:k]
            depth *= 4

    def known(self, terms: Sequence[str]) -> set[str]:
        """The terms some indexed chunk contains."""
        searcher = self._index.searcher()
        return {term for term in set(terms) if searcher.doc_freq("body", term)}

    def _disjunction(self, terms: Sequence[str]) -> Any:
        clauses = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "body", term))
            for term in terms
        ]
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    def _top(self, searcher: Any, query: Any, k: int) -> list[tuple[int, float]]:
        hits = searcher.search(query, k, count=False).hits
        vids = searcher.fast_field_values("vid", [address for _, address in hits])
        return [(int(vid), float(score)) for (score, _), vid in zip(hits, vids, strict=True)]

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("vid", indexed=True, fast=True)
    # Terms arrive analyzed (Analyzer), space-separated; BM25 needs counts, not positions.
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def _all_of(*queries: Any) -> Any:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def _kept(scored: list[tuple[int, float]], allowed: np.ndarray) -> list[tuple[int, float]]:
    keep = np.isin(np.array([vid for vid, _ in scored], dtype=np.int64), allowed)
    return [item for item, ok in zip(scored, keep, strict=True) if ok]
