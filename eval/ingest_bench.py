"""`newsrag bench`'s ingest-while-searching run: /search latency with and without a stream of
writes, and how soon each written article can be found.

Four clients search (hybrid) for a while; then they search as long again while a writer POSTs
one new article a second. After each POST returns, a prober searches for a phrase of made-up
words only that article contains until the article shows up: the visibility lag. The clients'
latencies are the load's own; the prober's searches are reported apart from them.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.bench import BenchPlan, Say, warm_up
from eval.load import Call, LoadReport, run_load
from eval.server import local_server

CLIENTS = 4
WRITE_EVERY = 1.0  # seconds from one POST to the next
PROBE_EVERY = 0.02  # seconds between the prober's searches for an unseen article
GIVE_UP = 30.0  # seconds after which an article that never showed up counts as not visible
ARTICLE_WORDS = 400
SYLLABLES = ("zor", "blat", "quin", "tex", "vosh", "mip", "drel", "kun", "yaf", "plix", "treb")


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    phrase: str


@dataclass(frozen=True)
class Probe:
    """One article's searches: the first one's latency, and the lag (None: never found)."""

    first_ms: float
    lag_ms: float | None
    errors: Counter[str]


@dataclass
class Writing:
    posts_ms: list[float] = field(default_factory=list)
    probes: list[Future[Probe]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4))


def make_article(n: int, sentences: Sequence[str], rng: random.Random, run: str) -> Article:
    """About ARTICLE_WORDS words of corpus sentences around one phrase found nowhere else."""
    phrase = f"{made_up_word(rng)} {made_up_word(rng)} {n:06d}"
    picked, words = [], 0
    while words < ARTICLE_WORDS:
        sentence = rng.choice(sentences).rstrip(". ")
        picked.append(sentence)
        words += len(sentence.split()) or 1
    picked.insert(len(picked) // 2, f"Observers called it the {phrase}")
    return Article(f"ingest-{run}-{n}", ". ".join(picked) + ".", phrase)


def bench_ingest(
    index_dir: Path,
    chunks: int,
    queries: list[str],
    plan: BenchPlan,
    say: Say,
    sentences: Sequence[str] = (),
) -> dict[str, Any]:
    """Hybrid /search by CLIENTS clients for `plan.ingest_seconds` with no writes, then as long
    again with one article POSTed a second (built from `sentences`, else from `queries`).
    The index in `index_dir` keeps the articles."""
    seconds, text = plan.ingest_seconds, [s for s in (sentences or queries) if s.strip()]
    call = Call("hybrid", "/search", [{"query": q, "k": 10, "mode": "hybrid"} for q in queries])
    with local_server(plan.serve, index_dir=index_dir, env=plan.server_env) as url:
        warm_up(url, queries)
        (idle,) = run_load(url, [call], seconds, CLIENTS)
        with (
            httpx.Client(base_url=url, timeout=GIVE_UP * 2) as client,
            ThreadPoolExecutor(max_workers=2 + 2 * int(GIVE_UP / WRITE_EVERY)) as pool,
        ):
            writer = pool.submit(write_articles, client, pool, text, seconds)
            (busy,) = run_load(url, [call], seconds, CLIENTS)
            writing = writer.result()
            probes = [probe.result() for probe in writing.probes]
    row = ingest_row(chunks, seconds, idle, busy, writing, probes)
    say(f"ingest {chunks:>9,} chunks: {row}")
    return row


def write_articles(
    client: httpx.Client, pool: ThreadPoolExecutor, sentences: Sequence[str], seconds: float
) -> Writing:
    """An article at most every WRITE_EVERY seconds for `seconds`, each handed to a prober as
    soon as its POST returns; a slow POST pushes the next ones back rather than bunching them."""
    rng = random.Random()
    run, writing = f"{rng.getrandbits(24):06x}", Writing()
    n, due = 0, time.monotonic()
    until = due + seconds
    while due < until:
        time.sleep(max(0.0, due - time.monotonic()))
        article = make_article(n, sentences, rng, run)
        if post_article(client, article, writing):
            writing.probes.append(pool.submit(probe, client, article, time.perf_counter()))
        n, due = n + 1, max(due + WRITE_EVERY, time.monotonic())
    return writing


def post_article(client: httpx.Client, article: Article, writing: Writing) -> bool:
    body = {"id": article.id, "title": f"Bench article {article.id}", "text": article.text}
    started = time.perf_counter()
    try:
        response = client.post("/documents", json=body)
    except httpx.HTTPError as exc:
        writing.errors[f"POST {type(exc).__name__}"] += 1
        return False
    if response.status_code != 200:
        writing.errors[f"POST HTTP {response.status_code}"] += 1
        return False
    writing.posts_ms.append((time.perf_counter() - started) * 1000)
    return True


def probe(client: httpx.Client, article: Article, posted: float) -> Probe:
    """Searches for the article's phrase every PROBE_EVERY seconds from `posted` (when its POST
    returned) until a search finds it; the lag runs to the end of that search."""
    body = {"query": article.phrase, "k": 10, "mode": "hybrid"}
    first: float | None = None
    errors: Counter[str] = Counter()
    while time.perf_counter() - posted < GIVE_UP:
        started = time.perf_counter()
        found = search_finds(client, body, article.id, errors)
        ended = time.perf_counter()
        first = (ended - started) * 1000 if first is None else first
        lag = ended - posted
        if found:  # a search that started in time but ran past GIVE_UP found it too late
            return Probe(first, lag * 1000 if lag <= GIVE_UP else None, errors)
        time.sleep(PROBE_EVERY)
    return Probe(first or 0.0, None, errors)


def search_finds(
    client: httpx.Client, body: dict[str, Any], doc_id: str, errors: Counter[str]
) -> bool:
    """Whether the search returns `doc_id`, as a hit or folded into one."""
    try:
        response = client.post("/search", json=body)
    except httpx.HTTPError as exc:
        errors[f"search {type(exc).__name__}"] += 1
        return False
    if response.status_code != 200:
        errors[f"search HTTP {response.status_code}"] += 1
        return False
    hits = response.json()["results"]
    return any(hit["doc_id"] == doc_id or doc_id in hit["also_in"] for hit in hits)


def ingest_row(
    chunks: int,
    seconds: float,
    idle: LoadReport,
    busy: LoadReport,
    writing: Writing,
    probes: list[Probe],
) -> dict[str, Any]:
    lags = [p.lag_ms for p in probes if p.lag_ms is not None]
    errors = Counter(idle.errors) + Counter(busy.errors) + writing.errors
    for p in probes:
        errors += p.errors
    return {
        "chunks": chunks,
        "seconds": seconds,
        "clients": CLIENTS,
        "idle_p50_ms": idle.p50_ms,
        "idle_p99_ms": idle.p99_ms,
        "idle_qps": idle.rps,
        "ingest_p50_ms": busy.p50_ms,
        "ingest_p99_ms": busy.p99_ms,
        "ingest_qps": busy.rps,
        "p99_ratio": round(busy.p99_ms / idle.p99_ms, 2) if idle.p99_ms else None,
        "writes": len(writing.posts_ms),
        "post_p50_ms": median(writing.posts_ms),
        "lag_p50_ms": median(lags),
        "lag_max_ms": round(max(lags), 1) if lags else None,
        "not_visible": len(probes) - len(lags),
        "first_search_p50_ms": median([p.first_ms for p in probes]),
        "first_search_max_ms": round(max(p.first_ms for p in probes), 1) if probes else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def median(values: Sequence[float]) -> float | None:
    return round(float(np.median(values)), 1) if len(values) else None
