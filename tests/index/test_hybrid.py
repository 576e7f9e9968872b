"""Hybrid search: fusion math, modes, filters, and BM25 kept in step with the docstore."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from index.corpus.base import View
from index.corpus.tantivy import DIRNAME
from index.embedding import Embedder
from index.filters import Filters
from index.models import Document
from index.newsindex import NewsIndex
from index.query import Query
from index.retrievers import Convex, HybridRetriever, ReciprocalRank, RetrievalSettings
from index.retrievers.fusion import Ranking, min_max
from tests.index.corpus import EXPO, PART, PIPELINE

MODES = ["dense", "bm25", "hybrid"]


def test_reciprocal_rank_sums_one_over_k_plus_rank() -> None:
    fused = ReciprocalRank(k=60)([[(1, 0.9), (2, 0.8)], [(2, 7.0), (3, 5.0)]])
    assert [vid for vid, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61) and fused[2][1] == pytest.approx(1 / 62)


def test_reciprocal_rank_ignores_the_scores() -> None:
    fusion = ReciprocalRank()
    assert fusion([[(1, 100.0), (2, 0.1)]]) == fusion([[(1, 0.2), (2, 0.1)]])


def test_min_max_maps_each_ranking_onto_zero_to_one() -> None:
    assert min_max([(1, 12.0), (2, 8.0), (3, 2.0)]) == [(1, 1.0), (2, 0.6), (3, 0.0)]
    assert min_max([(4, 0.3), (5, 0.3)]) == [(4, 1.0), (5, 1.0)]
    assert min_max([]) == []


def test_convex_weighs_normalized_scores() -> None:
    dense: Ranking = [(1, 0.8), (2, 0.6), (3, 0.4)]  # normalized 1, 0.5, 0
    lexical: Ranking = [(3, 9.0), (4, 3.0)]  # normalized 1, 0
    fused = dict(Convex((0.6, 0.4))([dense, lexical]))
    assert fused == pytest.approx({1: 0.6, 2: 0.3, 3: 0.4, 4: 0.0})
    assert [vid for vid, _ in Convex((0.2, 0.8))([dense, lexical])][:2] == [3, 1]


def test_convex_needs_one_weight_per_ranking() -> None:
    with pytest.raises(ValueError, match="weights"):
        Convex((0.5, 0.5))([[(1, 1.0)]])


class Fixed:
    """A retriever that returns a fixed ranking and remembers how deep it was asked."""

    def __init__(self, ranking: Ranking) -> None:
        self.ranking = ranking
        self.asked: list[int] = []

    def retrieve(self, query: Query, k: int, view: View) -> Ranking:
        self.asked.append(k)
        return self.ranking[:k]


VIEW = cast(View, object())  # the fixed retrievers read nothing through it


def test_hybrid_fetches_deeper_than_k_and_returns_k() -> None:
    dense, lexical = Fixed([(1, 0.9), (2, 0.5)]), Fixed([(3, 4.0), (2, 3.0), (1, 1.0)])
    hybrid = HybridRetriever([dense, lexical], ReciprocalRank(), depth=50)
    query = Query("q", ["q"])
    fused = ReciprocalRank()([dense.ranking, lexical.ranking])
    assert hybrid.retrieve(query, 1, VIEW) == fused[:1]
    assert hybrid.retrieve(query, 80, VIEW) and dense.asked == lexical.asked == [50, 80]


@pytest.fixture
def three(fresh_index: NewsIndex) -> NewsIndex:
    fresh_index.upsert([PIPELINE, EXPO, PART])
    assert fresh_index.stories.wait(30)  # grouped: hits' story ids stay put between searches
    return fresh_index


def doc_ids(index: NewsIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.doc_id for hit in index.search(query, 5, **kwargs).hits]  # type: ignore[arg-type]


def test_the_default_mode_is_hybrid(three: NewsIndex) -> None:
    assert three.retrieval.mode == "hybrid"
    assert (
        three.search("shipment ZX-4471Q").hits
        == three.search("shipment ZX-4471Q", mode="hybrid").hits
    )


def test_each_mode_finds_what_it_is_good_at(three: NewsIndex) -> None:
    assert doc_ids(three, "ZX-4471Q", mode="bm25") == ["part"]
    assert doc_ids(three, "When did the gas pipeline get finished?", mode="dense")[0] == "pipeline"
    assert doc_ids(three, "ZX-4471Q", mode="hybrid")[0] == "part"


def test_bm25_finds_nothing_without_a_shared_word(three: NewsIndex) -> None:
    assert three.search("autumn leaves", mode="bm25").hits == []


def test_an_unknown_mode_names_the_known_ones(three: NewsIndex) -> None:
    with pytest.raises(ValueError, match="dense, bm25, hybrid"):
        three.search("gas", mode="sparse")


def test_the_index_default_mode_comes_from_its_settings(embedder: Embedder, tmp_path: Path) -> None:
    index = NewsIndex(tmp_path, embedder, retrieval=RetrievalSettings(mode="bm25"))
    index.upsert([PIPELINE, EXPO])
    assert doc_ids(index, "Harbin") == ["expo"]
    assert doc_ids(index, "Harbin", mode="dense") == ["expo", "pipeline"]
    index.close()


@pytest.mark.parametrize("mode", MODES)
def test_filters_hold_in_every_mode(three: NewsIndex, mode: str) -> None:
    query = "Harbin gas pipeline shipment"
    assert set(doc_ids(three, query, mode=mode, filters=Filters(source="xinhua"))) <= {
        "pipeline",
        "part",
    }
    assert doc_ids(three, query, mode=mode, filters=Filters(doc_ids=["expo"])) == ["expo"]
    assert doc_ids(three, query, mode=mode, filters=Filters(date_from="2024-12-01")) == ["pipeline"]
    assert doc_ids(three, query, mode=mode, filters=Filters(date_to="2000-01-01")) == []


@pytest.mark.parametrize("mode", MODES)
def test_scores_fall_and_ranks_count_up_in_every_mode(three: NewsIndex, mode: str) -> None:
    hits = three.search("Harbin gas pipeline shipment", 3, mode=mode).hits
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1)) and hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def in_step(index: NewsIndex) -> bool:
    return bool(np.array_equal(index.corpus.lexical.ids(), index.corpus.docstore.all_ids()))


def test_bm25_follows_add_replace_and_delete(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([PIPELINE, EXPO])
    assert doc_ids(fresh_index, "Harbin", mode="bm25") == ["expo"]
    fresh_index.upsert([Document(id="pipeline", text="Harbin hosts an ice festival.")])
    assert doc_ids(fresh_index, "pipeline", mode="bm25") == []
    assert sorted(doc_ids(fresh_index, "Harbin", mode="bm25")) == ["expo", "pipeline"]
    fresh_index.delete("expo")
    assert doc_ids(fresh_index, "Harbin", mode="bm25") == ["pipeline"]
    assert in_step(fresh_index)


def test_a_search_embeds_its_query_once_and_bm25_none(
    fresh_index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_index.upsert([PIPELINE, EXPO])
    asked: list[str] = []
    embed = fresh_index.embedder.embed_query

    def counted(text: str) -> np.ndarray:
        asked.append(text)
        return embed(text)

    monkeypatch.setattr(fresh_index.embedder, "embed_query", counted)
    fresh_index.search("Harbin gas", mode="hybrid")
    fresh_index.search("Harbin gas", mode="bm25")
    assert asked == ["Harbin gas"]


def test_bm25_is_saved_and_reopened_in_step(embedder: Embedder, tmp_path: Path) -> None:
    first = NewsIndex(tmp_path, embedder)
    first.upsert([PIPELINE, EXPO])
    first.close()
    assert (tmp_path / DIRNAME).is_dir()
    again = NewsIndex(tmp_path, embedder)
    assert in_step(again) and doc_ids(again, "Harbin", mode="bm25") == ["expo"]
    again.delete("expo")
    again.close()
    third = NewsIndex(tmp_path, embedder)
    assert in_step(third) and doc_ids(third, "Harbin", mode="bm25") == []
    third.close()


def test_lost_bm25_files_are_rebuilt_from_the_docstore(embedder: Embedder, tmp_path: Path) -> None:
    first = NewsIndex(tmp_path, embedder)
    first.upsert([PIPELINE, EXPO])
    first.close()
    shutil.rmtree(tmp_path / DIRNAME)
    again = NewsIndex(tmp_path, embedder)
    assert doc_ids(again, "Harbin", mode="bm25") == ["expo"] and in_step(again)
    assert (tmp_path / DIRNAME).is_dir()
    again.close()


def test_a_stale_bm25_folder_is_rebuilt(embedder: Embedder, tmp_path: Path) -> None:
    first = NewsIndex(tmp_path, embedder)
    first.upsert([PIPELINE])
    first.close()
    shutil.copytree(tmp_path / DIRNAME, tmp_path / "old-bm25")
    second = NewsIndex(tmp_path, embedder)
    second.upsert([EXPO])
    second.close()
    # The BM25 folder as it was one write ago, as if the process died before saving it.
    shutil.rmtree(tmp_path / DIRNAME)
    shutil.move(tmp_path / "old-bm25", tmp_path / DIRNAME)
    again = NewsIndex(tmp_path, embedder)
    assert doc_ids(again, "Harbin", mode="bm25") == ["expo"] and in_step(again)
    again.close()
