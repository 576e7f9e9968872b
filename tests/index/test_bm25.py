"""BM25 in tantivy: stemming, stopwords, filters, writes in place, and a saved index."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from index.corpus.tantivy import DIRNAME, SETTINGS_FILE, TERM_SET_MAX, TantivyIndex
from index.lexical import Analyzer, BM25Settings, contexts

TEXTS = {
    10: "The east-route natural gas pipeline was fully completed in December 2024.",
    11: "Putin will visit Harbin to open the 8th China-Russia Expo.",
    12: "Pipelines and pipes: gas exports to China keep growing.",
    13: "Harbin hosts an ice festival every winter.",
}


def terms(index: TantivyIndex, text: str) -> list[str]:
    """`text` analyzed as the index's settings analyze it (as NewsIndex does for a query)."""
    return Analyzer.of(index.settings).terms(text)


def stage(index: TantivyIndex, vids: Iterable[int], texts: Iterable[str]) -> None:
    """Stages chunks as NewsIndex does: each text analyzed into space-separated terms."""
    index.add(list(vids), [" ".join(terms(index, text)) for text in texts])


def built(
    directory: Path, texts: dict[int, str], settings: BM25Settings | None = None
) -> TantivyIndex:
    index = TantivyIndex(directory, settings)
    stage(index, texts, texts.values())
    index.publish()
    return index


def retrieve(
    index: TantivyIndex, text: str, k: int = 5, allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    return index.search(terms(index, text), k, allowed)


def ask(index: TantivyIndex, text: str, k: int = 5, allowed: np.ndarray | None = None) -> list[int]:
    return [vid for vid, _ in retrieve(index, text, k, allowed)]


def test_stemmed_terms_match_and_scores_fall(tmp_path: Path) -> None:
    hits = retrieve(built(tmp_path, TEXTS), "pipelines completed", k=5)
    assert [vid for vid, _ in hits] == [10, 12]
    assert hits[0][1] > hits[1][1] > 0


def test_without_stemming_only_exact_words_match(tmp_path: Path) -> None:
    retriever = built(tmp_path, TEXTS, BM25Settings(stemmer=None))
    assert ask(retriever, "pipelines") == [12]


def test_stopwords_and_unknown_words_find_nothing(tmp_path: Path) -> None:
    retriever = built(tmp_path, TEXTS)
    assert ask(retriever, "the and of") == []
    assert ask(retriever, "zeppelin") == []
    assert ask(retriever, "") == []


def test_the_analyzer_lowercases_drops_stopwords_and_stems() -> None:
    assert Analyzer().terms("The Pipelines COMPLETED, a_b x") == ["pipelin", "complet", "a_b"]
    with pytest.raises(ValueError, match="unknown stopword list"):
        Analyzer(stopwords="klingon")


@pytest.mark.parametrize("many", [False, True])
def test_k_and_allowed_restrict_the_results(
    tmp_path: Path, many: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if many:  # the broad-filter path: rank first, then keep the allowed
        monkeypatch.setattr("index.corpus.tantivy.TERM_SET_MAX", 1)
    retriever = built(tmp_path, TEXTS)
    assert ask(retriever, "Harbin gas", k=1) == [13]
    allowed = np.array([11, 12], dtype=np.int64)
    assert sorted(ask(retriever, "Harbin gas", allowed=allowed)) == [11, 12]
    assert ask(retriever, "Harbin gas", allowed=np.zeros(0, np.int64)) == []
    assert TERM_SET_MAX > 1


def test_a_filter_keeps_the_unfiltered_scores(tmp_path: Path) -> None:
    retriever = built(tmp_path, TEXTS)
    alone = dict(retrieve(retriever, "Harbin gas", 5))
    only = retrieve(retriever, "Harbin gas", 5, np.array([11, 12], dtype=np.int64))
    assert only and all(alone[vid] == pytest.approx(score) for vid, score in only)


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    retriever = TantivyIndex(tmp_path)
    assert ask(retriever, "gas") == [] and retriever.ids().size == 0


def test_writes_are_staged_until_published(tmp_path: Path) -> None:
    retriever = built(tmp_path, TEXTS)
    stage(retriever, [20], ["A zeppelin landed in Harbin."])
    retriever.remove(np.array([13]))
    assert ask(retriever, "zeppelin") == [] and 13 in ask(retriever, "Harbin")
    retriever.publish()
    assert ask(retriever, "zeppelin") == [20] and 13 not in ask(retriever, "Harbin")
    stage(retriever, [21], ["Another zeppelin."])
    retriever.discard()
    retriever.publish()
    assert ask(retriever, "zeppelin") == [20]
    assert retriever.ids().tolist() == [10, 11, 12, 20]


def test_a_write_costs_the_same_whatever_the_index_holds(tmp_path: Path) -> None:
    """No rebuild on write: publishing one chunk into 20,000 takes as long as into a few
    (generous bound; the write is tens of milliseconds either way)."""
    retriever = TantivyIndex(tmp_path)
    stage(
        retriever,
        range(20_000),
        [f"report {n} on gas and trade number {n % 97}" for n in range(20_000)],
    )
    retriever.publish()
    started = time.perf_counter()
    stage(retriever, [99_999], ["a zeppelin over the pipeline"])
    retriever.publish()
    seconds = time.perf_counter() - started
    assert ask(retriever, "zeppelin") == [99_999]
    assert seconds < 1.0


def test_a_saved_index_reopens_and_other_settings_rebuild(tmp_path: Path) -> None:
    first = built(tmp_path, TEXTS)
    before = retrieve(first, "Harbin expo", 5)
    first.close()
    again = TantivyIndex(tmp_path)
    assert not again.created and retrieve(again, "Harbin expo", 5) == before
    assert again.ids().tolist() == sorted(TEXTS)
    again.close()
    other = TantivyIndex(tmp_path, BM25Settings(context=2))
    assert other.created and other.ids().size == 0
    other.close()
    saved = json.loads((tmp_path / DIRNAME / SETTINGS_FILE).read_text("utf-8"))
    assert (saved["context"], saved["stemmer"]) == (2, "english")


def test_a_torn_settings_file_means_a_rebuild(tmp_path: Path) -> None:
    built(tmp_path, TEXTS).close()
    (tmp_path / DIRNAME / SETTINGS_FILE).write_text("{torn", "utf-8")
    assert TantivyIndex(tmp_path).created


def test_read_only_finds_what_a_writer_published_and_never_writes(tmp_path: Path) -> None:
    writer = built(tmp_path, TEXTS)
    reader = TantivyIndex(tmp_path, writable=False)
    assert ask(reader, "Harbin") == ask(writer, "Harbin")
    assert retrieve(TantivyIndex(tmp_path / "none", writable=False), "gas", 5) == []
    assert not (tmp_path / "none").exists()


def test_context_is_title_neighbours_and_the_chunk_twice() -> None:
    text = "aaa bbb ccc ddd"
    spans = [(0, 3), (4, 7), (8, 11), (12, 15)]
    out = contexts("T", text, spans, BM25Settings(context=1, own_weight=2))
    assert out[0] == "T\n\naaa bbb\naaa"
    assert out[1] == "T\n\naaa bbb ccc\nbbb"
    assert out[3] == "T\n\nccc ddd\nddd"
    assert contexts(None, text, spans, BM25Settings(context=0, own_weight=1)) == [
        "aaa",
        "bbb",
        "ccc",
        "ddd",
    ]
