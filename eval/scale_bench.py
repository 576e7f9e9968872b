"""`newsrag bench --backend milvus`: the scale-out backend on milvus-lite's loopback server.

One corpus in Milvus, built by migrating a local index (the same remixed SciFact chunks the
local bench searches), served by one replica and then by two: hybrid /search latency at one
client, throughput at eight (split between the replicas when there are two), how soon an
article written through one replica is found through the other, and where a search's time
goes (in-process, around each request the corpus makes).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from eval.bench import (
    BenchPlan,
    Say,
    scaled_setup,
    warm_up,
)
from eval.ingest_bench import make_article, median, search_finds
from eval.load import Call, LoadReport, run_load
from eval.server import local_server, loopback_milvus
from index.corpus.base import CorpusSettings
from index.embedding import Embedder
from index.filters import Filters
from index.migrate import migrate
from index.newsindex import NewsIndex
from index.vectorstores import StoreSettings
from index.vectorstores.milvus import MilvusSettings

CORPUS = "bench"
CLIENTS = 8
LAG_ARTICLES = 20  # written one a second through one replica, looked for through the other
# Seconds a replica may take to be ready: on milvus-lite every filtered read scans the whole
# collection it reads (the documents' at start-up: counts, the newest date).
READY_WITHIN = 900.0


def run_scale_bench(
    plan: BenchPlan, say: Say, embedder: Embedder, chunks: int = 100_000
) -> dict[str, Any]:
    """The whole scale-out run at `chunks` chunks (see the module's docstring)."""
    with tempfile.TemporaryDirectory(prefix="newsrag-scale-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        folder, asked, sentences = scaled_setup(plan, embedder, work, chunks)
        uri = stack.enter_context(loopback_milvus(work / "milvus"))
        moved = migrate_timed(folder, uri, embedder, say)
        breakdown = where_time_goes(uri, work, embedder, asked, say)
        env = replica_env(uri, plan)
        one = stack.enter_context(
            local_server(plan.serve, env=env, index_dir=work / "a", ready_within=READY_WITHIN)
        )
        warm_up(one, asked)
        single = load_rows(chunks, [one], asked, plan, say)
        two = stack.enter_context(
            local_server(plan.serve, env=env, index_dir=work / "b", ready_within=READY_WITHIN)
        )
        warm_up(two, asked)
        double = load_rows(chunks, [one, two], asked, plan, say, concurrency=(CLIENTS,))
        lag = visibility_lag(one, two, sentences, say)
    return {
        "chunks": chunks,
        "migrate": moved,
        "search": single + double,
        "lag": lag,
        "time_split": breakdown,
        "server": "milvus-lite 3.2 (pure Python) on loopback, one request thread",
    }


def replica_env(uri: str, plan: BenchPlan) -> dict[str, str]:
    return {
        **plan.server_env,
        "NEWSRAG_BACKEND": "milvus",
        "NEWSRAG_MILVUS_URI": uri,
        "NEWSRAG_MILVUS_COLLECTION": CORPUS,
        "NEWSRAG_SEED_DIR": "",
    }


def target(uri: str, work: Path, embedder: Embedder, like: NewsIndex | None = None) -> NewsIndex:
    where = CorpusSettings(
        work / "target", stores=StoreSettings(milvus=MilvusSettings(uri=uri, collection=CORPUS))
    )
    return NewsIndex(where, embedder, backend="milvus", like=like.manifest if like else None)


def migrate_timed(folder: Path, uri: str, embedder: Embedder, say: Say) -> dict[str, Any]:
    """`newsrag migrate`'s copy, timed: the local scaled index into the loopback server."""
    source = NewsIndex(CorpusSettings(folder, read_only=True), embedder)
    into = target(uri, folder.parent, embedder, like=source)
    started = time.perf_counter()
    report = migrate(source, into)
    seconds = time.perf_counter() - started
    source.close()
    into.close()
    row = {
        "documents": report.copied,
        "chunks": report.chunks,
        "seconds": round(seconds, 1),
        "chunks_per_s": round(report.chunks / seconds, 1),
        "counts_match": report.matches,
    }
    say(f"migrate: {row}")
    return row


def load_rows(
    chunks: int,
    urls: Sequence[str],
    queries: list[str],
    plan: BenchPlan,
    say: Say,
    concurrency: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Hybrid /search at each concurrency, the clients split evenly across `urls`."""
    rows = []
    call = Call("hybrid", "/search", [{"query": q, "k": 10, "mode": "hybrid"} for q in queries])
    for clients in concurrency or plan.concurrency:
        share = max(1, clients // len(urls))
        with ThreadPoolExecutor(len(urls)) as pool:
            running = [pool.submit(run_load, u, [call], plan.search_seconds, share) for u in urls]
            reports = [future.result()[0] for future in running]
        row = {"chunks": chunks, "replicas": len(urls), "clients": share * len(urls)}
        row |= merged(reports)
        say(f"milvus search {chunks:,} chunks, {len(urls)} replica(s), c={row['clients']}: {row}")
        rows.append(row)
    return rows


def merged(reports: list[LoadReport]) -> dict[str, Any]:
    """Throughput summed, latency percentiles the worst replica's (an upper bound)."""
    return {
        "qps": round(sum(r.rps for r in reports), 1),
        "p50_ms": max(r.p50_ms for r in reports),
        "p99_ms": max(r.p99_ms for r in reports),
        "errors": sum(sum(r.errors.values()) for r in reports),
    }


def visibility_lag(one: str, two: str, sentences: list[str], say: Say) -> dict[str, Any]:
    """An article POSTed through one replica a second, each looked for through the other from
    the moment its POST returned until a search finds it: the lag across replicas. A lag
    includes the finding search's own time, so how many were found by the first search
    after their POST is counted too (visible at once, however long that search took)."""
    rng = random.Random(11)
    lags, missing, errors, first = [], 0, Counter[str](), 0
    with (
        httpx.Client(base_url=one, timeout=60) as writer,
        httpx.Client(base_url=two, timeout=60) as reader,
    ):
        for n in range(LAG_ARTICLES):
            article = make_article(n, sentences, rng, "lag")
            writer.post(
                "/documents", json={"id": article.id, "text": article.text}
            ).raise_for_status()
            posted = time.perf_counter()
            probe = {"query": article.phrase, "k": 10, "mode": "hybrid"}
            found, probes = False, 0
            while time.perf_counter() - posted < 10:
                probes += 1
                if search_finds(reader, probe, article.id, errors):
                    found = True
                    break
            if found:
                lags.append((time.perf_counter() - posted) * 1000)
                first += probes == 1
            else:
                missing += 1
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - posted)))
    row = {
        "articles": LAG_ARTICLES,
        "lag_p50_ms": median(lags),
        "lag_max_ms": round(max(lags), 1) if lags else None,
        "found_by_first_search": first,
        "not_found_in_10_s": missing,
        "errors": dict(errors),
    }
    say(f"visibility across replicas: {row}")
    return row


def where_time_goes(
    uri: str, work: Path, embedder: Embedder, queries: list[str], say: Say, n: int = 60
) -> dict[str, Any]:
    """Median milliseconds per hybrid search in each request the corpus makes, timed
    in-process around the view's calls (the HTTP layer adds its own on top)."""
    index = target(uri, work, embedder)
    spent: dict[str, list[float]] = {}
    with timing(spent):
        totals = []
        for query in queries[:n]:
            started = time.perf_counter()
            index.search(query, 10, Filters(), "hybrid")
            totals.append((time.perf_counter() - started) * 1000)
    index.close()
    split = {name: round(statistics.median(ms), 1) for name, ms in spent.items()}
    split["whole search"] = round(statistics.median(totals), 1)
    say(f"where a hybrid search's time goes (ms, median): {split}")
    return split


@contextmanager
def timing(spent: dict[str, list[float]]) -> Iterator[None]:
    """Times the milvus view's requests (dense, lexical, rows) and the query embedding."""
    from index.corpus import milvus
    from index.embedding import Embedder as Model
    from index.stories.records import StoryRecords

    patched = {
        (milvus.MilvusView, "dense"): "Milvus dense search",
        (milvus.MilvusView, "lexical"): "Milvus BM25 search",
        (milvus.MilvusView, "passages"): "version check (docs query)",
        (milvus.MilvusCorpus, "latest"): "newest date (cached 1 s)",
        (StoryRecords, "story_ids"): "story ids (records by key)",
        (Model, "embed_query"): "query embedding",
    }
    kept = {key: getattr(*key) for key in patched}

    def timed(method: Callable[..., Any], name: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent.setdefault(name, []).append((time.perf_counter() - started) * 1000)

        return wrapper

    for (owner, attribute), name in patched.items():
        setattr(owner, attribute, timed(kept[(owner, attribute)], name))
    try:
        yield
    finally:
        for (owner, attribute), method in kept.items():
            setattr(owner, attribute, method)


def markdown(results: dict[str, Any]) -> str:
    """docs/scaling.md's tables, from `run_scale_bench`'s results."""
    moved, lag = results["migrate"], results["lag"]
    lines = [
        "| /search hybrid, chunks | replicas | clients | p50 ms | p99 ms | searches/s | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['chunks']:,} | {r['replicas']} | {r['clients']} | {r['p50_ms']} | {r['p99_ms']} "
        f"| {r['qps']} | {r['errors']} |"
        for r in results["search"]
    ]
    lines += [
        "",
        "| migrate: documents | chunks | seconds | chunks/s | counts match |",
        "|---|---|---|---|---|",
        f"| {moved['documents']:,} | {moved['chunks']:,} | {moved['seconds']} "
        f"| {moved['chunks_per_s']} | {moved['counts_match']} |",
        "",
        "| visible through the other replica after: p50 ms | max ms | articles "
        "| found by the first search | not found |",
        "|---|---|---|---|---|",
        f"| {lag['lag_p50_ms']} | {lag['lag_max_ms']} | {lag['articles']} "
        f"| {lag.get('found_by_first_search', '–')} | {lag['not_found_in_10_s']} |",
        "",
        "| where a hybrid search's time goes | median ms |",
        "|---|---|",
    ]
    lines += [f"| {name} | {ms} |" for name, ms in results["time_split"].items()]
    return "\n".join(lines) + "\n"


__all__ = ["markdown", "run_scale_bench"]
