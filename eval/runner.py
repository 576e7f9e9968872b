"""One evaluation: a dataset's index built or reused, then every mode's queries run and scored."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from eval.answers import AnswerFactory, answer_metrics
from eval.building import BuildStats, StartProgress, build_corpus, build_folder
from eval.datasets import EvalSet, is_beir, load_beir, load_gold, read_corpus
from eval.metrics import (
    CURVE_KS,
    HEADLINE,
    Run,
    document_ranking,
    evaluate_run,
    percentiles_ms,
    recall_metrics,
)
from index.filters import Filters
from index.models import Hit
from index.newsindex import NewsIndex
from index.retrievers import MODES

DOCS_RANKED = 100  # deepest cut-off any metric looks at (recall@100)
CHUNK_DEPTH = 500  # chunks fetched per query; doubled while they hold < DOCS_RANKED documents

SearchFn = Callable[[str, int, str | None], Sequence[Hit]]  # query, k, as of (ISO day)
OpenIndex = Callable[[Path], NewsIndex]


@dataclass
class ModeResult:
    """One dataset under one retrieval mode: the record written to the JSON file."""

    dataset: str
    mode: str
    queries: int
    metrics: dict[str, float]
    recall_curve: dict[str, float]
    latency_ms: dict[str, float]
    index: dict[str, object]
    chunk_depth: int
    answers: str
    as_of: str = "none"  # "query": each question asked as of its own date
    answerer: str = "extractive"  # what answered: "extractive" or the LLM's "provider:model"


AS_OF = ("query", "none")


def parse_as_of(requested: Sequence[str]) -> list[str]:
    """How dated questions are asked: as of their date, as of today (no filter), or both."""
    unknown = [name for name in requested if name not in AS_OF]
    if unknown:
        raise ValueError(f"unknown --as-of {unknown[0]!r}; known: {', '.join(AS_OF)}")
    return list(dict.fromkeys(requested)) or ["query"]


def parse_modes(requested: Sequence[str]) -> list[str]:
    """`all` is every mode; an unknown name raises an error listing the known ones."""
    modes: list[str] = []
    for name in requested:
        for mode in MODES if name == "all" else (name,):
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}, all")
            if mode not in modes:
                modes.append(mode)
    return modes


def load(path: Path) -> EvalSet:
    """A BEIR folder or a gold JSONL file, told apart by shape."""
    if is_beir(path):
        return load_beir(path)
    if path.is_file() and path.suffix == ".jsonl":
        return load_gold(path)
    raise ValueError(f"{path} is neither a BEIR folder (with corpus.jsonl) nor a gold .jsonl file")


def searcher(index: NewsIndex, mode: str, timed: bool = True) -> SearchFn:
    """The index's search pinned to one mode, without near-duplicate collapse: collapse is a
    presentation step that would hide every document but one behind a shared paragraph.
    `timed=False`: as if no question named a time (no windows, no recency prior)."""

    def search(query: str, k: int, as_of: str | None) -> Sequence[Hit]:
        found = index.search(query, k, Filters(as_of=as_of), mode, collapse=False, timed=timed)
        return found.hits

    return search


def rank_queries(
    search: SearchFn,
    queries: dict[str, str],
    dates: dict[str, str] | None = None,
    depth: int = CHUNK_DEPTH,
    docs: int = DOCS_RANKED,
) -> tuple[Run, list[float], int]:
    """Each query's top documents (asked as of `dates[qid]` where given), each query's search
    seconds, and the deepest chunk k used."""
    run: Run = {}
    seconds: list[float] = []
    deepest = 0
    for qid, text in queries.items():
        k, took = depth, 0.0
        while True:
            started = time.perf_counter()
            hits = search(text, k, (dates or {}).get(qid))
            took += time.perf_counter() - started
            run[qid] = document_ranking(hits, docs)
            if len(run[qid]) >= docs or len(hits) < k:
                break
            k *= 2
        seconds.append(took)
        deepest = max(deepest, k)
    return run, seconds, deepest


def evaluate_mode(
    index: NewsIndex,
    evalset: EvalSet,
    mode: str,
    build: BuildStats,
    answerer: AnswerFactory | None = None,
    as_of: str = "none",
) -> ModeResult:
    """Runs `evalset` against `index` in one mode and scores it (ranking, latency, answers);
    `as_of` "query" asks each question as of its own date."""
    dates = evalset.dates if as_of == "query" else {}
    # A dated set run without its dates is the baseline: nothing read about time at all (a
    # question's "this week" read as of today would leave out the whole archive).
    timed = not (evalset.dates and not dates)
    search = searcher(index, mode, timed)
    search("warm-up", 1, None)  # untimed: loads the model's kernels
    run, seconds, depth = rank_queries(search, evalset.judged, dates)
    curve = recall_metrics(CURVE_KS)
    wanted = [*HEADLINE, *(m for m in curve if m not in HEADLINE)]
    scores = evaluate_run(evalset.qrels, run, wanted)
    metrics = {m: scores[m] for m in HEADLINE}
    note = _answer_note(evalset, answerer)
    if answerer is not None and (evalset.answers or evalset.unanswerable):
        answer_fn = answerer(index, mode, timed)
        metrics |= answer_metrics(
            evalset.queries, evalset.answers, evalset.qrels, answer_fn, dates,
            evalset.unanswerable,
        )  # fmt: skip
    return ModeResult(
        dataset=evalset.name + (" (as of each question)" if dates else ""),
        mode=mode,
        queries=len(evalset.judged),
        metrics=metrics,
        recall_curve={m.removeprefix("recall@"): scores[m] for m in curve},
        latency_ms=percentiles_ms(seconds),
        index=asdict(build)
        | {
            "docs_per_second": build.docs_per_second,
            "model": index.embedder.model_id,
            "backend": index.embedder.backend,  # what embeds the documents
            "query_backend": index.embedder.query_backend,  # what embeds the questions
        },
        chunk_depth=depth,
        answers=note,
        as_of="query" if dates else "none",
    )


def _answer_note(evalset: EvalSet, answerer: AnswerFactory | None) -> str:
    if not evalset.answers and not evalset.unanswerable:
        return "not applicable: the dataset has no gold answers"
    if answerer is None:
        return "not measured: no answer function was given"
    return "measured"


def evaluate_dataset(
    path: Path,
    modes: Sequence[str],
    open_index: OpenIndex,
    index_root: Path,
    seeds: Path,
    limit: int | None = None,
    answerer: AnswerFactory | None = None,
    progress: StartProgress | None = None,
    as_of: Sequence[str] = ("query",),
) -> list[ModeResult]:
    """Builds or reuses the dataset's own index under `index_root`, then runs each mode on it
    (a set with dated questions once per `as_of` choice).

    A BEIR corpus is indexed into `index_root/<folder name>`; a gold file runs against the
    `seeds` folder indexed into `index_root/<seeds folder name>`.
    """
    evalset = load(path).limited(limit)
    beir = is_beir(path)
    index = open_index(index_root / (path.name if beir else seeds.name))
    try:
        if beir:
            build = build_corpus(index, lambda: read_corpus(path), progress=progress)
        else:
            build = build_folder(index, seeds)
        index.checkpoint()  # searched from sealed, indexed storage, as a settled archive is
        modes = modes or [index.retrieval.mode]
        choices = as_of if evalset.dates else ["none"]
        return [
            evaluate_mode(index, evalset, mode, build, answerer, choice)
            for choice in choices
            for mode in modes
        ]
    finally:
        index.close()


def run_eval(
    paths: Sequence[Path],
    modes: Sequence[str],
    open_index: OpenIndex,
    index_root: Path,
    seeds: Path,
    limit: int | None = None,
    answerer: AnswerFactory | None = None,
    progress: StartProgress | None = None,
    as_of: Sequence[str] = ("query",),
) -> list[ModeResult]:
    """Every dataset in every mode (no modes: the index's default one), in the order given."""
    return [
        result
        for path in paths
        for result in evaluate_dataset(
            path, modes, open_index, index_root, seeds, limit, answerer, progress, as_of
        )
    ]


def medians(runs: Sequence[Sequence[ModeResult]]) -> list[ModeResult]:
    """The same evaluation run several times (results in the same order each time), as one:
    each metric and latency the median over the runs (answer times are noisy on a shared
    machine, and an LLM's replies may vary)."""
    combined = []
    for same in zip(*runs, strict=True):
        first = same[0]
        metrics = {
            name: statistics.median(r.metrics[name] for r in same if name in r.metrics)
            for name in first.metrics
        }
        latency = {p: statistics.median(r.latency_ms[p] for r in same) for p in first.latency_ms}
        combined.append(replace(first, metrics=metrics, latency_ms=latency))
    return combined
