"""The benchmark's parts on tiny inputs: corpus choice, scaled indexes, HTTP search runs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from eval.bench import (
    BenchPlan,
    bench_indexing,
    bench_search,
    corpus_documents,
    corpus_queries,
    markdown,
    scaled_index,
)
from eval.ingest_bench import bench_ingest, make_article
from index.embedding import Embedder
from index.newsindex import NewsIndex
from newsrag.app import SERVE


def test_without_a_corpus_the_seeds_are_repeated_under_new_ids() -> None:
    docs = corpus_documents(None, 12)
    assert len(docs) == 12 and len({d.id for d in docs}) == 12
    assert docs[0].text == docs[5].text and docs[0].id != docs[5].id


def test_search_is_timed_with_the_corpus_own_queries_judged_or_not(tiny: Path) -> None:
    queries = corpus_queries(tiny)
    assert queries[0] == "How do plants make sugar from sunlight?"
    assert len(queries) == 5 and "sourdough starter" in queries  # unjudged ones count too
    assert corpus_queries(None) == [] and corpus_queries(tiny / "corpus.jsonl") == []


def test_indexing_reports_rates_and_the_ratio(embedder: Embedder, tmp_path: Path) -> None:
    result = bench_indexing(corpus_documents(None, 5), embedder, tmp_path)
    assert result["docs"] == 5 and result["chunks"] == 78
    assert result["ratio"] == pytest.approx(result["baseline_seconds"] / result["seconds"], 0.01)
    assert result["docs_per_s"] > 0 and result["baseline_docs_per_s"] > 0


def test_a_scaled_index_has_the_real_passages_then_remixes(
    seeds_index: NewsIndex, tmp_path: Path
) -> None:
    folder, queries = scaled_index(tmp_path / "scaled", seeds_index, 400)
    index = NewsIndex(folder, seeds_index.embedder)
    assert index.counts() == (400, 400) and 60 < len(queries) <= 78
    assert len(set(queries)) == len(queries) and all(len(q.split()) >= 3 for q in queries)
    stored = index.corpus.docstore.vectors(index.corpus.docstore.all_ids(), 384)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-4)
    assert len(index.search(queries[0], k=10).hits) == 10
    index.close()


@pytest.mark.slow
def test_search_over_http_on_a_scaled_index(seeds_index: NewsIndex, tmp_path: Path) -> None:
    folder, queries = scaled_index(tmp_path / "scaled", seeds_index, 200)
    plan = BenchPlan(None, 5, (200,), 1.0, (1,), 1000, serve=SERVE)
    rows = bench_search(folder, 200, queries, plan, lambda line: None)
    assert [(r["mode"], r["concurrency"]) for r in rows] == [("dense", 1), ("hybrid", 1)]
    assert all(r["errors"] == 0 and r["qps"] > 0 and r["p50_ms"] > 0 for r in rows)


def test_an_article_carries_one_phrase_no_other_text_has() -> None:
    sentences = [f"Sentence number {n} says something about cells" for n in range(50)]
    article = make_article(7, sentences, random.Random(1), "run")
    assert article.id == "ingest-run-7" and article.phrase.endswith(" 000007")
    assert article.text.count(article.phrase) == 1 and 400 <= len(article.text.split()) < 440
    assert not any(word in " ".join(sentences) for word in article.phrase.split()[:2])


@pytest.mark.slow
def test_searching_while_ingesting_measures_latency_and_lag(
    seeds_index: NewsIndex, tmp_path: Path
) -> None:
    folder, queries = scaled_index(tmp_path / "scaled", seeds_index, 200)
    plan = BenchPlan(None, 5, (200,), 1.0, (1,), 1000, (200,), 2.0, SERVE)
    row = bench_ingest(folder, 200, queries, plan, lambda line: None)
    assert row["errors"] == 0 and row["idle_p50_ms"] > 0 and row["ingest_p50_ms"] > 0
    assert row["writes"] >= 1 and row["not_visible"] == 0 and row["post_p50_ms"] > 0
    assert 0 < row["lag_p50_ms"] <= row["lag_max_ms"] and row["first_search_max_ms"] > 0
    index = NewsIndex(folder, seeds_index.embedder)
    assert index.counts()[0] == 200 + row["writes"]  # the articles stay in the index
    index.close()


def test_the_readme_tables_come_from_the_json() -> None:
    results = {
        "index": {"backend": "onnx", "docs": 1200, "chunks": 6000, "docs_per_s": 20.0,
                  "chunks_per_s": 100.0, "baseline_docs_per_s": 10.0, "ratio": 2.0},
        "search": [{"chunks": 100000, "mode": "hybrid", "concurrency": 8, "p50_ms": 9.5,
                    "p95_ms": 20.0, "p99_ms": 28.0, "qps": 160.0}],
        "ingest": [{"chunks": 100000, "clients": 4, "idle_p50_ms": 11.0, "idle_p99_ms": 30.0,
                    "ingest_p50_ms": 14.0, "ingest_p99_ms": 45.0, "p99_ratio": 1.5,
                    "idle_qps": 300.0, "ingest_qps": 250.0,
                    "writes": 60, "post_p50_ms": 120.0, "lag_p50_ms": 35.0, "lag_max_ms": 90.0,
                    "not_visible": 0, "first_search_p50_ms": 12.0, "first_search_max_ms": 40.0,
                    "errors": 0}],
        "ann": {"vectors": 1000000, "data": "corpus", "kind": "ivf-sq8", "recall@10": 0.96,
                "p50_ms": 0.8, "memory_mb": 490.0, "index_mb": 395.0, "open_s": 0.3},
    }  # fmt: skip
    lines = markdown(results).splitlines()
    assert "| onnx | 1,200 | 6,000 | 20.0 | 100.0 | 10.0 | **2.0×** |" in lines
    assert "| 100,000 | hybrid | 8 | 9.5 | 20.0 | 28.0 | 160.0 |" in lines
    assert (
        "| 100,000 | 4 | 11.0 / 30.0 | 14.0 / 45.0 | 1.5× | 300.0 / 250.0 | 60 | 120.0 "
        "| 35.0 / 90.0 | 0 | 12.0 / 40.0 | 0 |" in lines
    )
    assert "| 1,000,000 | corpus | ivf-sq8 | 0.96 | 0.8 | 490.0 | 395.0 | 0.3 |" in lines
