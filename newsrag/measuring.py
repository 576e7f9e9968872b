"""Commands that measure: eval (retrieval and answers on the shared sets), load, bench and ann."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsrag.app import SERVE, _quiet, _settings, app, console, err

# Each command imports what it runs when it runs: `newsrag --help` loads no index, model or
# eval code, and `docs list` no model (see test_listing_and_searching_load_no_model_framework).
if TYPE_CHECKING:
    from rich.progress import Progress

    from eval.answers import AnswerFactory, EvalAnswer
    from eval.building import StartProgress
    from index.embedding import Embedder
    from index.newsindex import NewsIndex
    from service.answering.answers import Answer, AnswerService
    from service.config import Settings
    from service.llm.base import Usage


@app.command("eval")
def eval_cmd(
    datasets: Annotated[
        list[str],
        typer.Argument(
            help="BEIR folders or gold .jsonl files (see eval/); a bare name (scifact) is a "
            "folder in NEWSRAG_EVAL_DATA, skipped when absent.",
        ),
    ],
    mode: Annotated[
        list[str] | None,
        typer.Option(help="dense, bm25, hybrid or all; repeatable. Default: the index's mode."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write a JSON list, one object per run.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write a markdown report (and a recall@k PNG beside it).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N queries.")] = None,
    as_of: Annotated[
        list[str] | None,
        typer.Option(
            "--as-of",
            help="Dated questions: 'query' (each asked as of its date) or 'none'; repeatable.",
        ),
    ] = None,
    llm: Annotated[
        list[str] | None,
        typer.Option(
            help="Answer with 'extractive' or provider:model (default NEWSRAG_LLM), and count "
            "what the checks make of each answer's sentences and what it costs; repeatable.",
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, help="Run everything N times; report each metric's median.")
    ] = 1,
    backend: Annotated[
        str | None,
        typer.Option(
            help="local or milvus (default NEWSRAG_BACKEND); milvus without NEWSRAG_MILVUS_URI "
            "runs milvus-lite's server on loopback for the run, its data beside the indexes."
        ),
    ] = None,
    answers: Annotated[
        bool, typer.Option(help="Also measure answers where a set has gold ones.")
    ] = True,
) -> None:
    """Measure retrieval (nDCG, recall, MRR, latency) and, where the set has gold answers,
    answers."""
    # No query cache: a mode must not be timed on embeddings the previous mode paid for.
    # No stories: retrieval is measured as it was (eval-stories measures grouping).
    settings = _settings().model_copy(update={"query_cache_size": 0, "stories": False})
    if backend is not None:
        settings = settings.model_copy(update={"backend": backend})
    with ExitStack() as stack:
        if settings.backend == "milvus" and not settings.milvus_uri:
            from eval.server import loopback_milvus

            folder = settings.index_dir.parent / "eval" / "milvus"
            uri = stack.enter_context(loopback_milvus(folder))
            settings = settings.model_copy(update={"milvus_uri": uri})
        _eval(datasets, settings, mode, json_file, report, limit, as_of, llm, repeat, answers)


def _eval(
    datasets: list[str],
    settings: Settings,
    mode: list[str] | None,
    json_file: Path | None,
    report: Path | None,
    limit: int | None,
    as_of: list[str] | None,
    llm: list[str] | None,
    repeat: int,
    answers: bool,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from eval.conversations import is_conversations
    from eval.report import (
        checks_section,
        conversations_table,
        retrieval_table,
        write_json,
        write_report,
    )
    from eval.runner import medians, parse_as_of, parse_modes, run_eval
    from index.manifest import IndexMismatch
    from service.llm import resolve
    from service.opening import make_embedder, open_index

    try:
        modes = parse_modes(mode or [])
        asked = parse_as_of(as_of or [])
        for spec in llm or []:
            resolve(spec)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    embedder = make_embedder(settings)
    specs: list[str | None] = [*llm] if llm else [None]  # None: the settings' answerer
    services: list[AnswerService] = []
    columns = (TextColumn("indexing {task.description}"), BarColumn(), MofNCompleteColumn())
    found = [path for name in datasets if (path := _dataset(name, settings.eval_data))]
    chats = [path for path in found if is_conversations(path)]
    sets = [path for path in found if path not in chats]
    index_root = settings.index_dir.parent / "eval"
    seeds = settings.seed_dir or Path("seeds")
    try:
        with Progress(*columns, TimeElapsedColumn(), console=err) as bars:
            runs = [
                [
                    replace(result, answerer=spec or settings.llm)
                    for spec in specs
                    for result in run_eval(
                        sets,
                        modes,
                        lambda path: open_index(
                            settings.model_copy(update={"index_dir": path}), embedder
                        ),
                        index_root=index_root,
                        seeds=seeds,
                        limit=limit,
                        answerer=_eval_answerer(services, spec) if answers else None,
                        progress=_eval_bars(bars),
                        as_of=asked,
                    )
                ]
                for _ in range(repeat)
            ]
        results = medians(runs)
        followed = [
            (path.stem, chosen, _follow_ups(path, chosen, settings, embedder, index_root, seeds))
            for path in chats
            for chosen in modes or [settings.search_mode]
        ]
    except (IndexMismatch, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        for service in services:
            service.close()
    if results:
        console.print(retrieval_table(results), highlight=False, markup=False, soft_wrap=True)
    if llm:
        console.print(checks_section(results), highlight=False, markup=False, soft_wrap=True)
    conversations = conversations_table(followed) if followed else ""
    console.print(conversations, highlight=False, markup=False, soft_wrap=True)
    if json_file:
        write_json(json_file, results)
    if report:
        write_report(report, results, conversations)


def _dataset(name: str, eval_data: Path) -> Path | None:
    """A path as given; a bare name, the folder of that name in `eval_data` (None, said, when
    that set is not on this machine: the held-out and licensed sets often are not)."""
    given = Path(name)
    if given.exists():
        return given
    if given.name == name:
        if (eval_data / name / "corpus.jsonl").exists():
            return eval_data / name
        err.print(f"eval: skipping {name} (no {eval_data / name / 'corpus.jsonl'})")
        return None
    err.print(f"[red]error:[/red] no such file or folder: {name}")
    raise typer.Exit(2)


def _follow_ups(
    path: Path,
    mode: str,
    settings: Settings,
    embedder: Embedder,
    index_root: Path,
    seeds: Path,
) -> dict[str, float]:
    """SEAM eval <-> chat: each conversation of `path` asked turn by turn through the chat
    path (rewrite, then answer) over the seeds index."""
    from eval.building import build_folder
    from eval.conversations import Reply, conversation_metrics, load_conversations
    from service.answering.answers import AnswerService
    from service.opening import open_index

    index = open_index(settings.model_copy(update={"index_dir": index_root / seeds.name}), embedder)
    service = AnswerService(index, settings)
    try:
        build_folder(index, seeds)

        def chat(messages: list[dict[str, str]]) -> Reply:
            query = service.standalone_query(messages)
            result = service.answer(query, mode=mode)
            return Reply(query, _eval_answer(result), [p.doc_id for p in result.passages])

        return conversation_metrics(load_conversations(path), chat)
    finally:
        service.close()
        index.close()


def _eval_bars(bars: Progress) -> StartProgress:
    """One bar per index build, advanced by each batch's documents."""
    return lambda total, name: partial(bars.advance, bars.add_task(name, total=total))


def _eval_answerer(services: list[AnswerService], llm: str | None = None) -> AnswerFactory | None:
    """SEAM eval <-> answering: adapts AnswerService to eval's plain Answer record. Return None
    to leave answer metrics out (the report then says so); `services` collects what to close.
    With `llm` (a spec), it answers and each answer says what the checks made of its
    sentences and what its LLM calls cost."""
    from eval.answers import AnswerFn
    from index.filters import Filters
    from service.answering.answers import AnswerService

    def factory(index: NewsIndex, mode: str, timed: bool) -> AnswerFn:
        service = AnswerService(index, _settings())
        services.append(service)

        def answer(question: str, as_of: str | None) -> EvalAnswer:
            before = service.usage(llm)
            asked = Filters(as_of=as_of)
            result = service.answer(question, filters=asked, mode=mode, llm=llm, timed=timed)
            after = service.usage(llm)
            if llm is None:
                return _eval_answer(result)
            used = (after - before) if after and before else None
            return _checked(_eval_answer(result), result, used)

        return answer

    return factory


def _eval_answer(result: Answer) -> EvalAnswer:
    """The answer text and the document behind each citation ("" for a number no passage has)."""
    from eval.answers import EvalAnswer

    passages = result.passages
    cited = [
        passages[n - 1].doc_id if 1 <= n <= len(passages) else ""
        for sentence in result.sentences
        for n in sentence.citations
    ]
    if not result.answered:  # "the articles don't say …" repeats the question, not an answer
        return EvalAnswer("", [], answered=False)
    return EvalAnswer(result.answer, cited)


def _checked(said: EvalAnswer, result: Answer, used: Usage | None) -> EvalAnswer:
    """`said` with what the checks made of the sentences the answerer asked for wrote: the
    LLM's own when the extractive answer replaced them for citing no passage (none of them
    cites one, so none answers), none when the LLM failed outright."""
    from service.llm.base import Usage

    if result.rejected:
        written = len(result.rejected)
        unsupported = sum(not s.supported for s in result.rejected)
        off_question = written
    elif result.fallback:
        written = unsupported = off_question = 0
    else:
        written = len(result.sentences)
        unsupported = sum(not s.supported for s in result.sentences)
        off_question = sum(not relevant for relevant in result.relevant)
    used = used or Usage()
    return replace(
        said,
        written=written,
        unsupported=unsupported,
        off_question=off_question,
        fallback=result.fallback,
        tokens=used.completion_tokens,
        llm_seconds=used.seconds,
        generating_seconds=used.generating_seconds,
    )


@app.command("eval-stories")
def eval_stories(
    pairs: Annotated[
        Path, typer.Option(help="Labelled pairs: {a, b, same, split, reason} per line.")
    ] = Path("eval/story-pairs.jsonl"),
    corpus: Annotated[
        str,
        typer.Option(
            help="The BEIR folder the pairs' passages come from (a bare name: in "
            "NEWSRAG_EVAL_DATA)."
        ),
    ] = "realtimeqa",
    tune: Annotated[
        bool,
        typer.Option(
            help="Also try every threshold of eval.stories.GRID on the tune "
            "pairs and say which reaches the most recall at precision 0.9."
        ),
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the scores and costs here.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write a markdown report.")] = None,
) -> None:
    """Measure story grouping: pairwise precision and recall over labelled article pairs,
    what grouping costs a write and a search."""
    import tempfile
    import time

    from eval.datasets import load_beir
    from eval.stories import (
        arrivals,
        best,
        build,
        by_split,
        grid_search,
        grouped,
        load_pairs,
        matching_dict,
        mistakes,
        regroup,
        report_markdown,
        search_costs,
    )
    from index.corpus.records import SqliteState
    from index.stories import Matching
    from service.opening import open_index

    settings = _settings().model_copy(update={"stories": True})
    folder = _dataset(corpus, settings.eval_data)
    if folder is None:
        raise typer.Exit(2)
    labelled = load_pairs(pairs)
    index = open_index(
        settings.model_copy(update={"index_dir": settings.index_dir.parent / "eval" / "stories"})
    )
    try:
        with _quiet("index.ingest"):
            written = build(index, folder, settings.seed_dir or Path("seeds"))
        err.print(f"[dim]{written} articles written; grouping…[/dim]")
        story_of = grouped(index)
        scores = by_split(labelled, story_of)
        stored = arrivals(index)
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            regroup(index, Matching(), stored, SqliteState(Path(scratch) / "stories.sqlite"))
            per_article = (time.perf_counter() - started) * 1000 / len(stored)
        queries = list(load_beir(folder).queries.values())[:200]
        costs = {"grouping one article (local records), ms": per_article}
        costs |= search_costs(index, queries)
        tuned = grid_search(index, labelled) if tune else []
    finally:
        index.close()
    for split, s in scores.items():
        console.print(
            f"{split}: {s.pairs} pairs, precision {s.precision:.3f}, recall {s.recall:.3f}"
        )
    for what, value in costs.items():
        console.print(f"{what}: {value:.2f}")
    if tuned:
        chosen, on_tune = best(tuned, 0.9)
        console.print(
            f"tuned: {matching_dict(chosen)} (tune precision {on_tune.precision:.3f}, "
            f"recall {on_tune.recall:.3f})"
        )
    if json_file:
        out = {"scores": {k: asdict(v) for k, v in scores.items()},
               "matching": matching_dict(Matching()), "costs": costs,
               "tuning": [{**matching_dict(m), **asdict(s)} for m, s in tuned]}  # fmt: skip
        json_file.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
    if report:
        wrong = mistakes(labelled, story_of)
        report.write_text(report_markdown(scores, Matching(), costs, wrong, tuned), "utf-8")


@app.command("eval-watches")
def eval_watches(
    dataset: Annotated[str, typer.Argument(help="A dated BEIR set (default: realtimeqa).")] = (
        "realtimeqa"
    ),
    lead: Annotated[
        int, typer.Option(min=0, help="Days before a question is asked that its watch starts.")
    ] = 7,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the figures here.")
    ] = None,
) -> None:
    """Stream a dated set into a fresh index, one article at a time, with one watch per
    question: how often the evidence fires its watch, and how many matches a watch gets."""
    from eval.watch_eval import evaluate_watches, markdown
    from service.opening import make_embedder, open_index

    settings = _settings()
    found = _dataset(dataset, settings.eval_data)
    if found is None:
        raise typer.Exit(2)
    embedder = make_embedder(settings)
    row = evaluate_watches(
        found,
        lambda path: open_index(settings.model_copy(update={"index_dir": path}), embedder),
        settings.index_dir.parent / "eval",
        lead,
        limit,
        say=partial(err.print, highlight=False),
    )
    console.print(markdown(row), highlight=False, markup=False)
    if json_file:
        json_file.write_text(json.dumps(row, indent=2))


@app.command()
def load(
    url: Annotated[str | None, typer.Option(help="A running server; default: start one.")] = None,
    seconds: Annotated[float, typer.Option(min=1, help="How long to load.")] = 60.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Clients per endpoint.")] = 4,
    only: Annotated[str | None, typer.Option(help="Load one endpoint: search or answer.")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the figures here.")
    ] = None,
) -> None:
    """A bounded loopback load on /search and /answer: throughput, p50/p95/p99 and errors."""
    from rich.table import Table

    from eval.load import run_load, seeds_mix
    from eval.server import local_server

    keys = _settings().api_keys + _settings().admin_keys  # what a keyed server will accept
    headers = {"Authorization": f"Bearer {keys[0].get_secret_value()}"} if keys else {}
    with local_server(SERVE, url) as base_url:
        calls = [c for c in seeds_mix() if only in (None, c.name)]
        if not calls:
            err.print(f"[red]error:[/red] --only takes search or answer, not {only!r}")
            raise typer.Exit(2)
        reports = run_load(base_url, calls, seconds, concurrency, headers)
    table = Table("endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for r in reports:
        errors = ", ".join(f"{k}: {v}" for k, v in r.errors.items()) or "0"
        table.add_row(r.name, str(r.requests), errors, f"{r.rps:.1f}", f"{r.p50_ms:.1f}",
                      f"{r.p95_ms:.1f}", f"{r.p99_ms:.1f}")  # fmt: skip
    console.print(f"{concurrency} clients per endpoint for {seconds:.0f} s against {base_url}")
    console.print(table)
    if json_file:
        json_file.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    if any(r.errors for r in reports):
        raise typer.Exit(1)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="The ten-minute version.")] = False,
    corpus: Annotated[
        Path | None, typer.Option(help="A BEIR folder to index (default: shared SciFact).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the figures here.")
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            help="local, or milvus: the scale-out backend at 100k chunks on milvus-lite's "
            "loopback server, one replica then two (docs/scaling.md)."
        ),
    ] = "local",
    watches: Annotated[
        bool,
        typer.Option(
            help="What 1,000 watches cost a server at 100k chunks while an article a second "
            "arrives (docs/watches.md)."
        ),
    ] = False,
    chunks: Annotated[
        int,
        typer.Option(
            min=1_000,
            help="The index size of the --backend milvus and --watches runs (milvus-lite's "
            "pure-Python server loads 100,000 slowly: docs/scaling.md).",
        ),
    ] = 100_000,
) -> None:
    """Indexing speed against plain sentence-transformers, /search over HTTP at 10k-1M chunks
    (also while articles are POSTed), and ANN recall, measured in one run on this machine."""
    from eval.bench import BenchPlan, default_corpus, markdown, run_bench
    from eval.scale_bench import markdown as scale_markdown
    from eval.scale_bench import run_scale_bench
    from service.opening import make_embedder

    settings = _settings()
    embedder = make_embedder(settings)
    plan = BenchPlan.make(quick, corpus or default_corpus(settings.eval_data), SERVE)
    plan = replace(plan, models=settings.embed_options.cache_dir)
    say = partial(err.print, highlight=False, soft_wrap=True)
    if watches:
        from eval.watch_bench import markdown as watch_markdown
        from eval.watch_bench import run_watch_bench

        results = run_watch_bench(plan, say, embedder, chunks)
        tables = watch_markdown(results)
    elif backend == "milvus":
        results = run_scale_bench(plan, say, embedder, chunks)
        tables = scale_markdown(results)
    elif backend == "local":
        results = run_bench(plan, say, embedder)
        tables = markdown(results)
    else:
        err.print(f"[red]error:[/red] --backend is local or milvus, not {backend!r}")
        raise typer.Exit(2)
    console.print_json(json.dumps(results))
    err.print(tables, highlight=False, markup=False)
    if json_file:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(results, indent=2))


@app.command()
def ann(
    vectors: Annotated[int, typer.Option(min=1, help="Vectors in the index measured.")] = 1_000_000,
    queries: Annotated[int, typer.Option(min=1, help="Probe queries.")] = 1_000,
    kind: Annotated[str, typer.Option(help="auto, flat, hnsw, hnsw-sq8 or ivf-sq8.")] = "auto",
    option: Annotated[
        list[str] | None, typer.Option(help="A store option as key=json (ef_search=128); repeat.")
    ] = None,
    scifact: Annotated[
        Path | None, typer.Option(help="A BEIR folder whose real embeddings to scale up.")
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="Where those embeddings are kept.")] = None,
    sweep: Annotated[
        list[int] | None, typer.Option(help="efSearch/nprobe values to measure; repeat.")
    ] = None,
    filter_share: Annotated[
        list[float] | None,
        typer.Option("--filter", help="Also search within this share of the corpus; repeat."),
    ] = None,
    mmap: Annotated[bool, typer.Option(help="Also measure the memory-mapped file.")] = False,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the built index here (see --remeasure).")
    ] = None,
    remeasure: Annotated[
        Path | None, typer.Option(help="Measure an index --keep left, with new --option s.")
    ] = None,
) -> None:
    """Approximate search alone: build time, recall@10 against exact search, latency and
    memory of a FAISS index kind at a size (what docs/benchmarks.md's ANN table reports)."""
    from eval import ann as bench_ann

    try:
        options = bench_ann.parse_options(option or [])
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if remeasure is not None:
        result = bench_ann.remeasure(remeasure, options, sweep or [])
    else:
        result = bench_ann.run(
            vectors,
            queries=queries,
            kind=kind,
            options=options,
            scifact=scifact,
            filters=filter_share or [],
            sweep=sweep or [],
            also_mmap=mmap,
            keep=keep,
            cache=cache or bench_ann.SCIFACT_CACHE,
        )
    console.print_json(json.dumps(result))
