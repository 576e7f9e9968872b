"""Evaluation results out: a JSON list of mode records, a markdown report and a recall@k plot."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.runner import CHUNK_DEPTH, ModeResult

COLUMNS = {
    "ndcg@10": "nDCG@10",
    "recall@5": "R@5",
    "recall@10": "R@10",
    "recall@100": "R@100",
    "mrr@10": "MRR@10",
}
PLOT_COLUMNS = 3
ANSWER_COLUMNS = {"answer_match": "answer match", "citation_precision": "citation precision"}
# What the checks made of the sentences an answerer wrote (sets run with `--llm`).
CHECK_COLUMNS = {
    "answer_match": ("answer match", "{:.3f}"),
    "sentences": ("sentences written", "{:.0f}"),
    "unsupported_share": ("unsupported", "{:.3f}"),
    "off_question_share": ("off the question", "{:.3f}"),
    "fallback_rate": ("fell back", "{:.3f}"),
    "answer_p50_ms": ("answer p50 ms", "{:.0f}"),
    "tokens_per_second": ("tokens/s writing", "{:.1f}"),
    "call_tokens_per_second": ("tokens/s of the call", "{:.1f}"),
}


def write_json(path: Path, results: Sequence[ModeResult]) -> None:
    """A JSON list with one object per (dataset, mode); see eval/README.md for the shape."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", "utf-8")


def write_report(path: Path, results: Sequence[ModeResult], conversations: str = "") -> Path:
    """Writes the markdown report and, beside it, the plot it links; returns the plot's path.
    `conversations`: the follow-up table (conversations_table), when any were run."""
    plot = path.with_name(f"{path.stem}-recall.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_recall(plot, results)
    follow_ups = f"\n## Follow-ups\n\n{conversations}" if conversations else ""
    path.write_text(markdown(results, plot.name) + follow_ups, "utf-8")
    return plot


def markdown(results: Sequence[ModeResult], plot_name: str) -> str:
    depth = max((r.chunk_depth for r in results), default=0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    models = ", ".join(sorted({_runtimes(r.index) for r in results}))
    parts = [
        "# Retrieval evaluation\n",
        f"Written by `newsrag eval` with {models or 'no model'}. "
        "Documents are ranked by their best chunk. Latency is per "
        f"query, around the index search calls fetching {CHUNK_DEPTH} chunks (deepest: {depth}), "
        f"on a machine whose load average was {load:.1f} on {os.cpu_count()} cores at the end.\n",
        "## Retrieval quality\n",
        retrieval_table(results),
        "## Answers\n",
        answers_section(results),
        "## Abstention\n",
        abstention_section(results),
        "## Answer checks\n",
        checks_section(results),
        "## Indexes\n",
        index_table(results),
        "## Recall@k\n",
        f"![recall@k per mode]({plot_name})\n",
    ]
    return "\n".join(parts)


def retrieval_table(results: Sequence[ModeResult]) -> str:
    """dataset × mode: the headline metrics and p50/p95 latency, one row per run."""
    head = ["dataset", "mode", "queries", *COLUMNS.values(), "p50 ms", "p95 ms"]
    rows = [
        [r.dataset, r.mode, str(r.queries)]
        + [f"{r.metrics[m]:.3f}" for m in COLUMNS]
        + [f"{r.latency_ms['p50']:.1f}", f"{r.latency_ms['p95']:.1f}"]
        for r in results
    ]
    return _table(head, rows)


def answers_section(results: Sequence[ModeResult]) -> str:
    measured = [r for r in results if r.answers == "measured"]
    notes = sorted({f"- {r.dataset}: answer metrics {r.answers}." for r in results})
    if not measured:
        return "\n".join(notes) + "\n"
    head = ["dataset", "mode", "queries", *ANSWER_COLUMNS.values()]
    rows = [
        [r.dataset, r.mode, str(r.queries)] + [f"{r.metrics[m]:.3f}" for m in ANSWER_COLUMNS]
        for r in measured
    ]
    return _table(head, rows)


def abstention_section(results: Sequence[ModeResult]) -> str:
    """Sets with unanswerable questions: does the answerer say "the articles don't say"?"""
    rows = [
        [r.dataset, r.mode]
        + [f"{r.metrics[m]:.3f}" for m in ("abstain_precision", "abstain_recall", "answered_rate")]
        for r in results
        if "abstain_precision" in r.metrics
    ]
    if not rows:
        return "No set with unanswerable questions was run.\n"
    head = ["dataset", "mode", "abstention precision", "abstention recall", "answerable answered"]
    return _table(head, rows)


def checks_section(results: Sequence[ModeResult]) -> str:
    """Per answerer: of the sentences it wrote, the shares the checks marked unsupported and
    off the question, how often the extractive answer replaced an LLM's, and what it cost."""
    checked = [r for r in results if "unsupported_share" in r.metrics]
    if not checked:
        return "No answerer was asked what the checks made of its sentences (`--llm`).\n"
    head = ["dataset", "mode", "answerer", *(name for name, _ in CHECK_COLUMNS.values())]
    rows = [
        [r.dataset, r.mode, r.answerer]
        + [
            form.format(r.metrics[m]) if m in r.metrics else "–"
            for m, (_, form) in CHECK_COLUMNS.items()
        ]
        for r in checked
    ]
    return _table(head, rows)


def conversations_table(followed: Sequence[tuple[str, str, dict[str, float]]]) -> str:
    """(set, mode, conversation_metrics) rows: follow-ups as rewritten, and with gold rewrites."""
    head = ["set", "mode", "follow-ups", "hit@k", "answer match", "gold: hit@k", "gold: match"]
    names = ("hit", "answer_match", "gold_hit", "gold_answer_match")
    rows = [
        [name, mode, f"{m['follow_ups']:.0f}", *(f"{m[n]:.3f}" for n in names)]
        for name, mode, m in followed
    ]
    return _table(head, rows)


def index_table(results: Sequence[ModeResult]) -> str:
    """One row per dataset: the index size and what building it took (or that it was reused)."""
    rows = {}
    for r in results:
        i = r.index
        rate = i["docs_per_second"]
        built = "reused" if i["reused"] else f"{i['seconds']:.1f} s, {i['docs_embedded']} docs"
        speed = f"{rate:.1f}" if isinstance(rate, float) else "–"
        rows[r.dataset] = [r.dataset, str(i["documents"]), str(i["chunks"]), built, speed]
    return _table(["dataset", "documents", "chunks", "build", "docs/s"], list(rows.values()))


def plot_recall(path: Path, results: Sequence[ModeResult]) -> None:
    """recall@k against k, one panel per dataset and one line per mode (Agg, no display)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("the report plot needs matplotlib: `make dev`") from exc

    datasets = list(dict.fromkeys(r.dataset for r in results)) or ["(no runs)"]
    cols = min(len(datasets), PLOT_COLUMNS)
    rows = -(-len(datasets) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).flatten()
    for ax in axes[len(datasets) :]:
        ax.set_axis_off()
    for ax, dataset in zip(axes, datasets, strict=False):
        for r in (r for r in results if r.dataset == dataset):
            ks = [int(k) for k in r.recall_curve]
            ax.plot(ks, list(r.recall_curve.values()), marker="o", label=r.mode)
        ax.set(title=dataset, xlabel="k (documents)", ylabel="recall@k", xscale="log", ylim=(0, 1))
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.grid(alpha=0.3)
        ax.legend()
    fig.savefig(path, dpi=110)


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _runtimes(index: dict[str, Any]) -> str:
    """The model and both runtimes: documents and questions may run on different ones."""
    documents, queries = index["backend"], index.get("query_backend", index["backend"])
    if queries == documents:
        return f"{index['model']} ({documents})"
    return f"{index['model']} (documents {documents}, questions {queries})"
