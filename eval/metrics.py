"""Ranking metrics through ranx (never by hand), over document runs built from chunk hits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from eval.datasets import Qrels
from index.models import Hit

Run = dict[str, dict[str, float]]

HEADLINE = ("ndcg@10", "recall@5", "recall@10", "recall@100", "mrr@10")
CURVE_KS = (1, 3, 5, 10, 20, 50, 100)


def document_ranking(hits: Iterable[Hit], limit: int = 100) -> dict[str, float]:
    """Documents ranked by their best chunk: first appearance in the best-first hit list
    (a hit's `also_in` documents, which carry a near-duplicate of it, right after its own).

    Scores are rank-derived (n, n-1, …) rather than the retriever's own, so that ranx sees
    exactly the order the index produced, ties and all, whatever scale the mode scores on.
    """
    order: dict[str, None] = {}
    for hit in hits:
        for doc in (hit.doc_id, *hit.also_in):
            order.setdefault(doc)
        if len(order) >= limit:
            break
    order = dict.fromkeys(list(order)[:limit])
    return {doc: float(len(order) - i) for i, doc in enumerate(order)}


def evaluate_run(qrels: Qrels, run: Run, metrics: Sequence[str]) -> dict[str, float]:
    """Mean of each metric over every judged query; a query with no results scores 0."""
    try:
        from ranx import Qrels as RanxQrels
        from ranx import Run as RanxRun
        from ranx import evaluate
    except ImportError as exc:
        raise ImportError("evaluation needs ranx: `make dev` or `pip install ranx`") from exc

    found = {q: docs for q, docs in run.items() if docs and q in qrels}
    if not found:
        return dict.fromkeys(metrics, 0.0)
    scores = evaluate(
        RanxQrels.from_dict(qrels), RanxRun.from_dict(found), list(metrics), make_comparable=True
    )
    if isinstance(scores, dict):
        return {m: float(v) for m, v in scores.items()}
    return {metrics[0]: float(scores)}


def recall_metrics(ks: Iterable[int] = CURVE_KS) -> list[str]:
    return [f"recall@{k}" for k in ks]


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of per-query latencies, in milliseconds."""
    if not seconds:
        return {"p50": 0.0, "p95": 0.0}
    p50, p95 = np.percentile(np.asarray(seconds) * 1000.0, [50, 95])
    return {"p50": float(p50), "p95": float(p95)}
