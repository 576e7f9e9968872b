"""BM25 over chunk texts: stemming, stopwords, filters, and a saved index that stays usable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.retrievers.bm25 import DIRNAME, SETTINGS_FILE, BM25Retriever, BM25Settings, Corpus

TEXTS = {
    10: "The east-route natural gas pipeline was fully completed in December 2024.",
    11: "Putin will visit Harbin to open the 8th China-Russia Expo.",
    12: "Pipelines and pipes: gas exports to China keep growing.",
    13: "Harbin hosts an ice festival every winter.",
}


class Docstore:
    """The docstore's `chunk_texts`, counting how often BM25 had to rebuild from it."""

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = dict(texts)
        self.reads = 0

    def __call__(self, around: int, own_weight: int) -> tuple[np.ndarray, list[str]]:
        self.reads += 1
        ids = sorted(self.texts)
        return np.array(ids, dtype=np.int64), [self.texts[i] for i in ids]


def built(directory: Path, corpus: Corpus, settings: BM25Settings | None = None) -> BM25Retriever:
    retriever = BM25Retriever(directory, corpus, settings)
    retriever.invalidate()
    return retriever


def ids(hits: list[tuple[int, float]]) -> list[int]:
    return [vid for vid, _ in hits]


def test_stemmed_terms_match_and_scores_fall(tmp_path: Path) -> None:
    hits = built(tmp_path, Docstore(TEXTS)).retrieve("pipelines completed", k=5)
    assert ids(hits) == [10, 12]
    assert hits[0][1] > hits[1][1] > 0


def test_without_stemming_only_exact_words_match(tmp_path: Path) -> None:
    retriever = built(tmp_path, Docstore(TEXTS), BM25Settings(stemmer=None))
    assert ids(retriever.retrieve("pipelines", k=5)) == [12]


def test_stopwords_and_unknown_words_find_nothing(tmp_path: Path) -> None:
    retriever = built(tmp_path, Docstore(TEXTS))
    assert retriever.retrieve("the and of", k=5) == []
    assert retriever.retrieve("zeppelin", k=5) == []
    assert retriever.retrieve("", k=5) == []


def test_k_and_allowed_restrict_the_results(tmp_path: Path) -> None:
    retriever = built(tmp_path, Docstore(TEXTS))
    assert ids(retriever.retrieve("Harbin gas", k=1)) == [13]
    allowed = np.array([11, 12], dtype=np.int64)
    assert sorted(ids(retriever.retrieve("Harbin gas", k=5, allowed=allowed))) == [11, 12]
    assert retriever.retrieve("Harbin gas", k=5, allowed=np.zeros(0, np.int64)) == []


def test_an_empty_corpus_finds_nothing(tmp_path: Path) -> None:
    retriever = built(tmp_path, Docstore({}))
    assert retriever.retrieve("gas", k=5) == [] and retriever.ids().size == 0


def test_nothing_is_rebuilt_until_a_search_needs_it(tmp_path: Path) -> None:
    corpus = Docstore(TEXTS)
    retriever = built(tmp_path, corpus)
    retriever.retrieve("gas", k=5)
    for n in range(100, 110):  # ten writes, as ingesting ten batches would do
        corpus.texts[n] = f"Batch {n} says gas."
        retriever.invalidate()
    assert corpus.reads == 1
    assert len(retriever.retrieve("gas", k=20)) == 12 and corpus.reads == 2
    retriever.retrieve("gas", k=20)
    assert corpus.reads == 2


def test_a_saved_index_opens_without_the_docstore(tmp_path: Path) -> None:
    corpus = Docstore(TEXTS)
    first = built(tmp_path, corpus)
    before = first.retrieve("Harbin expo", k=5)
    again = BM25Retriever(tmp_path, corpus)
    assert again.retrieve("Harbin expo", k=5) == before and corpus.reads == 1
    assert again.ids().tolist() == sorted(TEXTS)


def test_other_settings_or_a_torn_file_mean_nothing_is_loaded(tmp_path: Path) -> None:
    built(tmp_path, Docstore(TEXTS)).refresh()
    assert BM25Retriever(tmp_path, Docstore(TEXTS), BM25Settings(k1=0.9)).ids().size == 0
    (tmp_path / DIRNAME / SETTINGS_FILE).write_text("{torn", "utf-8")
    assert BM25Retriever(tmp_path, Docstore(TEXTS)).ids().size == 0


@pytest.mark.parametrize("name", ["vocab.index.json", "ids.npy", "data.csc.index.npy"])
def test_a_missing_file_means_nothing_is_loaded(tmp_path: Path, name: str) -> None:
    built(tmp_path, Docstore(TEXTS)).refresh()
    (tmp_path / DIRNAME / name).unlink()
    assert BM25Retriever(tmp_path, Docstore(TEXTS)).ids().size == 0


def test_settings_are_saved_with_the_index(tmp_path: Path) -> None:
    built(tmp_path, Docstore(TEXTS), BM25Settings(k1=0.9, b=0.4)).refresh()
    saved = json.loads((tmp_path / DIRNAME / SETTINGS_FILE).read_text("utf-8"))
    assert (saved["k1"], saved["b"], saved["stemmer"]) == (0.9, 0.4, "english")
