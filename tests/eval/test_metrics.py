"""Document runs from chunk hits, scored by ranx."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from eval.metrics import document_ranking, evaluate_run, percentiles_ms
from eval.runner import parse_modes, rank_queries
from index.models import Hit, Passage


def hit(doc_id: str, chunk_no: int, score: float, also_in: tuple[str, ...] = ()) -> Hit:
    passage = Passage(doc_id, chunk_no, 0, 1, "t", None, None, None, None)
    return Hit.of(passage, 0, score, also_in)


def test_a_document_ranks_by_its_best_chunk() -> None:
    # "many" has more chunks in the list, "best" has the single best one.
    hits = [hit("best", 0, 0.9), hit("many", 0, 0.8), hit("many", 1, 0.7), hit("many", 2, 0.6)]
    hits += [hit("other", 0, 0.5), hit("best", 1, 0.1)]
    assert document_ranking(hits) == {"best": 3.0, "many": 2.0, "other": 1.0}
    assert list(document_ranking(hits, limit=2)) == ["best", "many"]


def test_documents_folded_into_a_hit_rank_right_after_it() -> None:
    ranking = document_ranking([hit("a", 0, 0.9, also_in=("b",)), hit("c", 0, 0.8)], limit=2)
    assert ranking == {"a": 2.0, "b": 1.0}


def test_ranx_scores_graded_relevance_and_missing_queries() -> None:
    qrels = {"q1": {"a": 3, "b": 1}, "q2": {"z": 1}, "q3": {"y": 1}}
    run = {"q1": {"b": 3.0, "x": 2.0, "a": 1.0}, "q2": {"z": 1.0}, "q3": {}}
    scores = evaluate_run(qrels, run, ["ndcg@10", "recall@1", "mrr@10"])
    assert scores["recall@1"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert scores["mrr@10"] == pytest.approx((1 + 1 + 0) / 3)
    ideal = 3 + 1 / 1.58496250  # 3/log2(2) + 1/log2(3)
    got = 1 + 3 / 2  # b at rank 1, a at rank 3 (1/log2(4))
    assert scores["ndcg@10"] == pytest.approx((got / ideal + 1 + 0) / 3, rel=1e-6)


def test_percentiles_are_in_milliseconds() -> None:
    assert percentiles_ms([0.001] * 19 + [0.1]) == pytest.approx({"p50": 1.0, "p95": 5.95})


def test_ranking_digs_deeper_until_it_holds_enough_documents() -> None:
    corpus = [hit(f"d{n // 4}", n % 4, 1 - n / 1000) for n in range(120)]  # 30 docs x 4 chunks
    asked: list[int] = []

    def search(query: str, k: int, as_of: str | None) -> Sequence[Hit]:
        asked.append(k)
        return corpus[:k]

    run, seconds, depth = rank_queries(search, {"q": "query"}, depth=10, docs=20)
    assert asked == [10, 20, 40, 80] and depth == 80
    assert len(run["q"]) == 20 and len(seconds) == 1
    asked.clear()
    run, _, _ = rank_queries(search, {"q": "query"}, depth=100, docs=50)
    assert asked == [100, 200] and len(run["q"]) == 30  # the corpus ran out first


def test_modes_expand_all_and_refuse_unknown_names() -> None:
    assert parse_modes(["all"]) == ["dense", "bm25", "hybrid"]
    assert parse_modes(["bm25", "dense", "bm25"]) == ["bm25", "dense"]
    with pytest.raises(ValueError, match="known: dense, bm25, hybrid, all"):
        parse_modes(["sparse"])
