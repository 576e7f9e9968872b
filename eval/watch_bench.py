"""`newsrag bench --watches`: what 1,000 standing questions cost a live server.

On the scaled index (the local bench's remixed SciFact chunks), a server searches under four
clients while one article a second is POSTed, twice: with no watches, then with WATCHES of
them (SciFact's own claims as questions, plus one watch per article to come, on the made-up
phrase only that article holds, a BM25 watch whose stream is listened to). Reported: POST
and search latency in both runs (their p99 ratio) and, per article, how long after its POST
returned (its write had committed) its watch's Server-Sent Event arrived.
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from eval.bench import BenchPlan, Say, scaled_setup, warm_up
from eval.ingest_bench import Article, make_article, median
from eval.load import Call, LoadReport, run_load
from eval.server import local_server

WATCHES = 1_000
CLIENTS = 4
WRITE_EVERY = 1.0
# Seconds each run lasts at least: a p99 of writes needs more than the 30 a quick plan gives.
RUN_SECONDS = 60.0
SENTINEL_BM25 = 1.0  # a phrase found in one article only scores far above it (three rare words)


def bench_watches(
    index_dir: Path,
    chunks: int,
    queries: list[str],
    sentences: Sequence[str],
    plan: BenchPlan,
    say: Say,
    watches: int = WATCHES,
) -> dict[str, Any]:
    """Both runs on the same index (each adds its articles); see the module's docstring."""
    seconds = max(plan.ingest_seconds, RUN_SECONDS)
    with local_server(plan.serve, index_dir=index_dir, env=plan.server_env) as url:
        warm_up(url, queries)
        calm = _run(url, queries, sentences, seconds, "calm", [])
        say(f"watches: without any: {calm['row']}")
        rng = random.Random(5)
        articles = [make_article(n, sentences, rng, "watched") for n in range(int(seconds) + 5)]
        made = _watch(url, queries, articles, watches)
        started = time.perf_counter()
        _settle(url)  # each new watch's bar measured: the run times the steady state
        bars_s = round(time.perf_counter() - started, 1)
        before = _work(url)
        busy = _run(url, queries, sentences, seconds, "watched", articles, made)
        after = _work(url)
        say(f"watches: with {watches:,}: {busy['row']}")
    row = {
        "chunks": chunks,
        "watches": watches,
        "seconds": seconds,
        "post_p99_ms": [calm["row"]["post_p99_ms"], busy["row"]["post_p99_ms"]],
        "search_p99_ms": [calm["row"]["search_p99_ms"], busy["row"]["search_p99_ms"]],
        "post_p99_ratio": _ratio(busy["row"]["post_p99_ms"], calm["row"]["post_p99_ms"]),
        "search_p99_ratio": _ratio(busy["row"]["search_p99_ms"], calm["row"]["search_p99_ms"]),
        "event_p50_ms": busy["row"]["event_p50_ms"],
        "event_max_ms": busy["row"]["event_max_ms"],
        "events": busy["row"]["events"],
        "writes": busy["row"]["writes"],
        "bars_seconds": bars_s,
        "confirms_per_write": _per(after, before, "confirm"),
        "bars_per_write": _per(after, before, "bar"),
    }
    say(f"watches: {row}")
    return row


def run_watch_bench(
    plan: BenchPlan, say: Say, embedder: Any, chunks: int = 100_000
) -> dict[str, Any]:
    """The scaled index the local bench searches, at `chunks` chunks, then `bench_watches`."""
    with tempfile.TemporaryDirectory(prefix="newsrag-watches-") as tmp:
        folder, asked, sentences = scaled_setup(plan, embedder, Path(tmp), chunks)
        return bench_watches(folder, chunks, asked, sentences, plan, say)


def _watch(url: str, queries: list[str], articles: list[Article], count: int) -> dict[str, str]:
    """`count` watches: one per article to come (on its phrase), the rest SciFact's claims.
    Returns the article id → its watch's id."""
    per_article = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for article in articles:
            # BM25: the phrase is made up, so it has no meaning the dense side could find;
            # the timing is the same, as every write is matched against all watches at once.
            body = {"query": article.phrase, "mode": "bm25", "threshold": SENTINEL_BM25}
            made = client.post("/watches", json=body)
            made.raise_for_status()
            per_article[article.id] = made.json()["id"]
        for query in queries[: max(0, count - len(articles))]:
            client.post("/watches", json={"query": query[:1000]}).raise_for_status()
    return per_article


def _settle(url: str, seconds: float = 600.0) -> None:
    """Until the server's matcher has nothing pending (its /metrics say so)."""
    deadline = time.monotonic() + seconds
    while _work(url).get("pending", 0) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the watch matcher was still busy after {seconds:.0f} s")
        time.sleep(0.5)


def _work(url: str) -> dict[str, float]:
    """The matcher's counters from /metrics: pending, writes, bar and confirm searches."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=30).raise_for_status().text
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "newsrag_watch_pending":
                found["pending"] = sample.value
            elif sample.name == "newsrag_watch_writes_total":
                found["writes"] = sample.value
            elif sample.name == "newsrag_watch_searches_total":
                found[sample.labels["kind"]] = sample.value
    return found


def _per(after: dict[str, float], before: dict[str, float], kind: str) -> float | None:
    writes = after.get("writes", 0) - before.get("writes", 0)
    done = after.get(kind, 0) - before.get(kind, 0)
    return round(done / writes, 2) if writes else None


def _run(
    url: str,
    queries: list[str],
    sentences: Sequence[str],
    seconds: float,
    run: str,
    articles: list[Article],
    watches: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Four clients searching while an article a second is POSTed; with `watches`, each
    article's watch's events are listened to."""
    call = Call("hybrid", "/search", [{"query": q, "k": 10, "mode": "hybrid"} for q in queries])
    rng = random.Random(9)
    posted: dict[str, float] = {}
    heard: dict[str, float] = {}
    stop = threading.Event()
    listeners = []
    if watches:
        for article in articles[: int(seconds)]:
            listener = threading.Thread(
                target=_listen,
                args=(url, watches[article.id], article.id, heard, stop),
                daemon=True,  # a stream ends at its next line; the run need not wait for it
            )
            listener.start()
            listeners.append(listener)
        time.sleep(2.0)  # every stream open before the first article
    posts: list[float] = []
    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(
            _write, url, articles or None, sentences, rng, run, seconds, posts, posted
        )
        (searching,) = run_load(url, [call], seconds, CLIENTS)
        writer.result()
    deadline = time.monotonic() + 10
    while watches and len(heard) < len(posted) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for listener in listeners:
        listener.join(5)
    lags = [(heard[a] - posted[a]) * 1000 for a in posted if a in heard]
    return {"row": _row(searching, posts, lags, len(posted))}


def _write(
    url: str,
    articles: list[Article] | None,
    sentences: Sequence[str],
    rng: random.Random,
    run: str,
    seconds: float,
    posts: list[float],
    posted: dict[str, float],
) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        n, due = 0, time.monotonic()
        until = due + seconds
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            article = articles[n] if articles else make_article(n, sentences, rng, run)
            started = time.perf_counter()
            body = {"id": article.id, "title": f"Bench article {n}", "text": article.text}
            if client.post("/documents", json=body).status_code == 200:
                posted[article.id] = time.perf_counter()
                posts.append((posted[article.id] - started) * 1000)
            n, due = n + 1, max(due + WRITE_EVERY, time.monotonic())


def _listen(
    url: str, watch_id: str, doc_id: str, heard: dict[str, float], stop: threading.Event
) -> None:
    """The watch's event stream until its article's match arrives (or the run ends)."""
    try:
        with httpx.stream("GET", f"{url}/watches/{watch_id}/events", timeout=None) as events:
            for line in events.iter_lines():
                if line.startswith("data:") and json.loads(line[5:])["doc_id"] == doc_id:
                    heard[doc_id] = time.perf_counter()
                    return
                if stop.is_set():
                    return
    except httpx.HTTPError:
        return


def _row(
    searching: LoadReport, posts: list[float], lags: list[float], writes: int
) -> dict[str, Any]:
    ordered = sorted(posts)
    return {
        "search_p50_ms": searching.p50_ms,
        "search_p99_ms": searching.p99_ms,
        "search_qps": searching.rps,
        "writes": writes,
        "post_p50_ms": median(posts),
        "post_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else None,
        "events": len(lags),
        "event_p50_ms": median(lags),
        "event_max_ms": round(max(lags), 1) if lags else None,
    }


def _ratio(busy: float | None, calm: float | None) -> float | None:
    return round(busy / calm, 2) if busy and calm else None


def markdown(row: dict[str, Any]) -> str:
    return (
        "| chunks | watches | writes | POST p99 ms without / with | ratio | search p99 ms "
        "without / with | ratio | match event after the write, p50 / max ms | events "
        "| watch searches per write |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {row['chunks']:,} | {row['watches']:,} | {row['writes']} "
        f"| {row['post_p99_ms'][0]} / {row['post_p99_ms'][1]} | {row['post_p99_ratio']}× "
        f"| {row['search_p99_ms'][0]} / {row['search_p99_ms'][1]} | {row['search_p99_ratio']}× "
        f"| {row['event_p50_ms']} / {row['event_max_ms']} | {row['events']} of {row['writes']} "
        f"| {row.get('confirms_per_write')} |\n"
    )
