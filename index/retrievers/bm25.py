"""Lexical retrieval: Okapi BM25 over chunk texts with bm25s, saved beside the FAISS file.

bm25s precomputes every term's scores, so it cannot add a chunk in place. Writes only mark
the index stale; the next lexical search (or close) rebuilds it from the docstore in one
pass. Bulk ingestion therefore pays for one rebuild, not one per batch.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import bm25s
    import Stemmer
except ImportError as exc:  # pragma: no cover - both are core dependencies
    raise ImportError("BM25 search needs `pip install bm25s PyStemmer`") from exc

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG, which puts its build chatter on every console.
logging.getLogger("bm25s").setLevel(logging.WARNING)

DIRNAME = "bm25"
IDS_FILE = "ids.npy"
SETTINGS_FILE = "newsrag.json"

# Every chunk id, by id, with the text to index for it, widened by `around` neighbouring chunks
# on each side, its own text counted `own_weight` times (DocStore.chunk_contexts): the docstore
# is the source of truth.
Corpus = Callable[[int, int], tuple[np.ndarray, list[str]]]


@dataclass(frozen=True)
class BM25Settings:
    """Scoring and tokenization; saved with the index so a change forces a rebuild."""

    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"
    # Snowball stemming lifts SciFact nDCG@10 from ~0.66 to ~0.69 (the measurement).
    stemmer: str | None = "english"
    stopwords: str = "en"
    # Each chunk is indexed with its title and one neighbour on each side, though hits stay
    # chunks: 96 tokens are too few for term statistics. Two neighbours a side measured no
    # better, so one keeps passages local.
    context: int = 1
    # The chunk's own words count twice, its neighbours' once: without it a neighbour of the
    # passage that matches ranks beside it, and a passage syndicated elsewhere loses first place
    # to the paragraph next to it. With both (make eval), BM25 nDCG@10: SciFact 0.638 -> 0.676,
    # TIME 0.663 -> 0.698, Cranfield 0.350 -> 0.357; hybrid SciFact 0.711 -> 0.734.
    own_weight: int = 2


class BM25Retriever:
    """BM25 over every chunk; callers serialize access (the index holds a lock around it)."""

    def __init__(self, directory: Path, corpus: Corpus, settings: BM25Settings | None = None):
        self.path = directory / DIRNAME
        self.settings = settings or BM25Settings()
        self._corpus = corpus
        self._stemmer = Stemmer.Stemmer(self.settings.stemmer) if self.settings.stemmer else None
        self._ids, self._model = self._load()
        self._stale = False

    def ids(self) -> np.ndarray:
        """The chunk ids the index covers, ascending."""
        return self._ids

    def invalidate(self) -> None:
        """The docstore changed: rebuild before the next search."""
        self._stale = True

    def refresh(self) -> None:
        """Rebuilds from the docstore and saves, if anything changed since the last build."""
        if not self._stale:
            return
        ids, texts = self._corpus(self.settings.context, self.settings.own_weight)
        self._ids, self._model = ids, self._build(texts)
        self._save()
        self._stale = False

    def retrieve(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        self.refresh()
        tokens = self._tokenize([query], as_ids=False)[0]
        if self._model is None or k <= 0 or not tokens:
            return []
        mask = None if allowed is None else np.isin(self._ids, allowed).astype(np.float32)
        scores = self._model.get_scores(tokens, weight_mask=mask)
        return top_k(scores, self._ids, k)

    def _tokenize(self, texts: list[str], as_ids: bool) -> Any:
        """One tokenizer for chunks and queries alike, or their terms would never meet."""
        return bm25s.tokenize(
            texts,
            stopwords=self.settings.stopwords,
            stemmer=self._stemmer,
            return_ids=as_ids,
            show_progress=False,
        )

    def _build(self, texts: list[str]) -> Any:
        if not texts:
            return None
        model = bm25s.BM25(k1=self.settings.k1, b=self.settings.b, method=self.settings.method)
        model.index(self._tokenize(texts, as_ids=True), show_progress=False)
        return model

    def _load(self) -> tuple[np.ndarray, Any]:
        """The saved index, or nothing (so the index reconciles it) when missing or unusable."""
        empty = np.zeros(0, np.int64)
        if not self.path.is_dir():
            return empty, None
        try:
            saved = json.loads((self.path / SETTINGS_FILE).read_text("utf-8"))
            ids = np.load(self.path / IDS_FILE)
            model = bm25s.BM25.load(str(self.path), show_progress=False)
        except (OSError, EOFError, ValueError, KeyError) as exc:  # torn or foreign: rebuildable
            log.warning("unreadable %s (%s); it will be rebuilt from the docstore", self.path, exc)
            return empty, None
        if saved != asdict(self.settings) or model.scores["num_docs"] != len(ids):
            log.warning("%s was built with other settings; rebuilding", self.path)
            return empty, None
        return ids.astype(np.int64), model

    def _save(self) -> None:
        """Writes a fresh folder, then swaps it in: a crash leaves an old, torn or missing
        folder, and each of those is caught by `_load` or by the id check on open."""
        tmp, old = self.path.with_name(DIRNAME + ".tmp"), self.path.with_name(DIRNAME + ".old")
        for stale in (tmp, old):
            shutil.rmtree(stale, ignore_errors=True)
        if self._model is not None:
            self._model.save(str(tmp), show_progress=False)
            np.save(tmp / IDS_FILE, self._ids)
            (tmp / SETTINGS_FILE).write_text(json.dumps(asdict(self.settings)), "utf-8")
        if self.path.exists():
            self.path.rename(old)
        if tmp.exists():
            tmp.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The `k` best positive scores as (id, score), best first; ties keep id order."""
    matched = np.flatnonzero(scores > 0)
    if len(matched) > k:  # a common word matches most chunks: select before sorting
        cut = -np.partition(-scores[matched], k - 1)[k - 1]
        matched = matched[scores[matched] >= cut]
    best = matched[np.argsort(-scores[matched], kind="stable")[:k]]
    return [(int(ids[i]), float(scores[i])) for i in best]
