"""`newsrag bench`: indexing speed, search over HTTP at scale, and ANN recall, in one run.

Every figure is measured on this machine in this run; indexing is reported as a ratio to plain
sentence-transformers encoding of the same chunks in the same process, because a ratio
survives a noisy machine better than a rate does.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.datasets import is_beir, read_corpus, read_queries
from eval.load import Call, run_load
from eval.server import local_server
from index.embedding import Embedder, resolve_model
from index.models import Chunk, Document
from index.newsindex import NewsIndex

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUERIES = 2_000  # distinct search queries per scaled index, when drawn from its passages
WARM_UP_SECONDS = 3.0
# No query cache: every request pays for its query embedding, as a new question would. No keys:
# the server is a throwaway on loopback, and the ingest run writes to it.
SERVER_ENV = {
    "NEWSRAG_RATE_LIMIT_PER_MINUTE": "0",
    "NEWSRAG_LOG_LEVEL": "WARNING",
    "NEWSRAG_QUERY_CACHE_SIZE": "0",
    "NEWSRAG_API_KEYS": "",
    "NEWSRAG_ADMIN_KEYS": "",
}


def default_corpus(eval_data: Path) -> Path | None:
    """SciFact from the evaluation data (NEWSRAG_EVAL_DATA), when it is there."""
    scifact = eval_data / "scifact"
    return scifact if (scifact / "corpus.jsonl").exists() else None


Say = Callable[[str], None]


@dataclass(frozen=True)
class BenchPlan:
    """What one run measures; `quick` fits in ten minutes on two cores."""

    corpus: Path | None
    index_docs: int
    search_sizes: tuple[int, ...]
    search_seconds: float
    concurrency: tuple[int, ...]
    ann_vectors: int
    # Of the search sizes, those that also get the ingest-while-searching run, and how long
    # each of its two phases (idle, then with writes) lasts.
    ingest_sizes: tuple[int, ...] = ()
    ingest_seconds: float = 60.0
    serve: tuple[str, ...] = ()  # the command that starts a server (see eval.server)
    # Where the model's runtime exports are (the bench's own): its servers use them rather than
    # export the model again into each temporary index's folder, a minute or two of start-up.
    models: Path | None = None

    @property
    def server_env(self) -> dict[str, str]:
        """The environment its servers start with."""
        models = {"NEWSRAG_MODEL_CACHE_DIR": str(self.models)} if self.models else {}
        return {**SERVER_ENV, **models}

    @classmethod
    def make(cls, quick: bool, corpus: Path | None, serve: tuple[str, ...]) -> BenchPlan:
        if quick:
            return cls(
                corpus, 600, (10_000, 100_000), 10.0, (1, 8), 200_000, (100_000,), 30.0, serve
            )
        sizes = (10_000, 100_000, 1_000_000)
        return cls(corpus, 5_183, sizes, 30.0, (1, 8), 1_000_000, (100_000, 1_000_000), 60.0, serve)


def corpus_documents(corpus: Path | None, limit: int) -> list[Document]:
    """The first `limit` documents of a BEIR corpus, else the seeds repeated under new ids."""
    if corpus is not None and (corpus / "corpus.jsonl").exists():
        return list(itertools.islice(read_corpus(corpus), limit))
    seeds = [Document(p.stem, p.read_text("utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    return [
        Document(f"{doc.id}~{n}", doc.text) for n in range(limit // len(seeds) + 1) for doc in seeds
    ][:limit]


def bench_indexing(docs: list[Document], embedder: Embedder, workdir: Path) -> dict[str, Any]:
    """newsrag's whole pipeline (chunk, embed, store) against encoding the same chunks alone."""
    index = NewsIndex(workdir / "indexing", embedder)
    started = time.perf_counter()
    for batch in _batches(docs, 256):
        index.upsert(batch)
    seconds = time.perf_counter() - started
    chunks = [c.text for doc in docs for c in index.chunker.chunk(doc.id, doc.text)]
    index.close()
    baseline = baseline_seconds(chunks, embedder.batch_size)
    return {
        "docs": len(docs),
        "chunks": len(chunks),
        "seconds": round(seconds, 2),
        "docs_per_s": round(len(docs) / seconds, 2),
        "chunks_per_s": round(len(chunks) / seconds, 2),
        "baseline_seconds": round(baseline, 2),
        "baseline_docs_per_s": round(len(docs) / baseline, 2),
        "ratio": round(baseline / seconds, 3),
    }


def baseline_seconds(texts: list[str], batch_size: int) -> float:
    """Plain sentence-transformers, torch fp32, default settings: what a user would start from."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    model.encode(texts[:64], batch_size=batch_size)  # warm-up, as newsrag's model is warm
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    return time.perf_counter() - started


def _batches(docs: Sequence[Document], size: int) -> list[list[Document]]:
    return [list(docs[i : i + size]) for i in range(0, len(docs), size)]


def scaled_index(
    directory: Path, source: NewsIndex, chunks: int, seed: int = 7
) -> tuple[Path, list[str]]:
    """An index of `chunks` passages for latency runs: the source's real chunks, then remixes
    of their sentences with jittered copies of their vectors (vectors may be synthetic; the
    query embedding and the HTTP path stay real). Returns the folder and some queries."""
    rng = np.random.default_rng(seed)
    texts, vectors = source_chunks(source)
    sentences = passage_sentences(texts)
    index = NewsIndex(directory, source.embedder)
    pick = random.Random(seed)
    made = 0
    while made < chunks:
        size = min(2_000, chunks - made)
        docs, doc_chunks, vecs = remixed_batch(made, size, texts, vectors, sentences, rng, pick)
        index.upsert_embedded(docs, doc_chunks, vecs)
        made += size
    index.close()
    firsts = [t.split(". ")[0][:200] for t in texts]
    queries = [q for q in dict.fromkeys(firsts) if len(q.split()) >= 3]  # no blank or 1-word ones
    return directory, pick.sample(queries, min(QUERIES, len(queries)))


def source_chunks(index: NewsIndex) -> tuple[list[str], np.ndarray]:
    """Every chunk's text and vector, in document order."""
    stored = list(index.exported())
    texts = [chunk.text for one in stored for chunk in one.chunks]
    return texts, np.concatenate([one.vectors for one in stored])


def passage_sentences(texts: list[str]) -> list[str]:
    return [s for t in texts for s in t.split(". ") if len(s.split()) > 4]


def remixed_batch(
    start: int,
    size: int,
    texts: list[str],
    vectors: np.ndarray,
    sentences: list[str],
    rng: np.random.Generator,
    pick: random.Random,
) -> tuple[list[Document], list[list[Chunk]], np.ndarray]:
    """One document per passage: the real passages first, remixed ones after."""
    docs, doc_chunks, rows = [], [], []
    for n in range(start, start + size):
        base = n % len(texts)
        text = texts[base] if n < len(texts) else ". ".join(pick.sample(sentences, 3)) + "."
        docs.append(Document(f"bench-{n}", text))
        doc_chunks.append([Chunk(f"bench-{n}", 0, 0, len(text), text)])
        rows.append(base)
    noisy = vectors[rows] + rng.normal(0, 0.02, (size, vectors.shape[1])).astype(np.float32)
    noisy[: max(0, len(texts) - start)] = vectors[rows][: max(0, len(texts) - start)]
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return docs, doc_chunks, noisy.astype(np.float32)


def bench_search(
    index_dir: Path, chunks: int, queries: list[str], plan: BenchPlan, say: Say
) -> list[dict[str, Any]]:
    """/search over HTTP against a server of its own: latency at 1 client, throughput at 8."""
    results = []
    with local_server(plan.serve, index_dir=index_dir, env=plan.server_env) as url:
        warm_up(url, queries)
        for mode, concurrency in itertools.product(("dense", "hybrid"), plan.concurrency):
            call = Call(mode, "/search", [{"query": q, "k": 10, "mode": mode} for q in queries])
            (report,) = run_load(url, [call], plan.search_seconds, concurrency)
            row = {
                "chunks": chunks,
                "mode": mode,
                "concurrency": concurrency,
                "p50_ms": report.p50_ms,
                "p95_ms": report.p95_ms,
                "p99_ms": report.p99_ms,
                "qps": report.rps,
                "errors": sum(report.errors.values()),
                "error_kinds": report.errors,
            }
            say(f"search {chunks:>9,} chunks {mode:6} c={concurrency}: {row}")
            results.append(row)
    return results


def warm_up(url: str, queries: list[str]) -> None:
    """Untimed: a fresh process's first searches fault in the index files and the kernels
    (from the end of the list, so the timed runs do not start on passages it cached)."""
    bodies = [{"query": q, "mode": "hybrid"} for q in reversed(queries)]
    run_load(url, [Call("warm-up", "/search", bodies)], WARM_UP_SECONDS, 1)


def run_bench(plan: BenchPlan, say: Say, embedder: Embedder | None = None) -> dict[str, Any]:
    """The whole suite; each part says what it measured as soon as it has. `embedder` is the
    configured one (backend and all): the indexing figure is newsrag's as users run it."""
    from eval.ingest_bench import bench_ingest  # it builds on this module

    embedder = embedder or Embedder()
    docs = corpus_documents(plan.corpus, plan.index_docs)
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as tmp:
        work = Path(tmp)
        indexing = bench_indexing(docs, embedder, work)
        indexing["backend"] = embedder.backend
        say(f"indexing: {indexing}")
        source = NewsIndex(work / "indexing", embedder)
        asked = corpus_queries(plan.corpus)
        search, ingest = [], []
        sentences = passage_sentences(source_chunks(source)[0])
        for size in plan.search_sizes:
            folder, drawn = scaled_index(work / f"scaled-{size}", source, size)
            search += bench_search(folder, size, asked or drawn, plan, say)
            if size in plan.ingest_sizes:  # last: it adds articles to the index
                ingest.append(bench_ingest(folder, size, asked or drawn, plan, say, sentences))
        base = source_chunks(source)[1]
        source.close()
    probes = embedded(asked, embedder)
    ann = bench_ann(plan.ann_vectors, say, base if len(probes) else None, probes)
    plan_used = {**plan_dict(plan), "queries": "corpus" if asked else "passages"}
    return {"index": indexing, "search": search, "ingest": ingest, "ann": ann, "plan": plan_used}


def scaled_setup(
    plan: BenchPlan, embedder: Embedder, work: Path, chunks: int
) -> tuple[Path, list[str], list[str]]:
    """For the benches that reuse the local one's corpus: the scaled index at `chunks` chunks
    (in `work`), the questions to ask of it, and sentences of its passages to write articles
    from."""
    bench_indexing(corpus_documents(plan.corpus, plan.index_docs), embedder, work)
    source = NewsIndex(work / "indexing", embedder)
    sentences = passage_sentences(source_chunks(source)[0])
    folder, drawn = scaled_index(work / "scaled", source, chunks)
    source.close()
    return folder, corpus_queries(plan.corpus) or drawn, sentences


def corpus_queries(corpus: Path | None) -> list[str]:
    """The corpus's own queries (SciFact: 1,109 claims), what people ask of it: /search is
    timed with them and they probe the ANN, held out from the indexed vectors. Without them,
    passage sentences stand in; those run longer (SciFact's: 34 tokens median against the
    queries' 21), so they embed and score slower."""
    if corpus is None or not is_beir(corpus):
        return []
    return list(dict.fromkeys(q for q in read_queries(corpus).values() if q.strip()))


def embedded(queries: list[str], embedder: Embedder) -> np.ndarray:
    if not queries:
        return np.zeros((0, embedder.dimension), np.float32)
    return np.stack([embedder.embed_query(q) for q in queries])


def bench_ann(
    vectors: int, say: Say, base: np.ndarray | None = None, queries: np.ndarray | None = None
) -> dict[str, Any]:
    """At `vectors` vectors: jittered copies of the corpus's real chunk vectors probed by its
    real queries when there are some, else a synthetic clustered set."""
    from eval.ann import ann_benchmark

    real = base is not None and queries is not None and len(queries) > 0
    result = ann_benchmark(
        vectors=vectors,
        queries=len(queries) if real and queries is not None else 1_000,
        base=base if real else None,
        query_base=queries if real else None,
    )
    result["data"] = "corpus" if real else "synthetic"
    say(f"ann: {result}")
    return result


def plan_dict(plan: BenchPlan) -> dict[str, Any]:
    chosen = {k: v for k, v in plan.__dict__.items() if k not in ("serve", "models")}  # how
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in chosen.items()}


def markdown(results: dict[str, Any]) -> str:
    """docs/benchmarks.md's tables, from `run_bench`'s results."""
    index, ann = results["index"], results["ann"]
    lines = [
        "| indexing | docs | chunks | docs/s | chunks/s | plain sentence-transformers docs/s "
        "| ratio |",
        "|---|---|---|---|---|---|---|",
        f"| {index.get('backend', '')} | {index['docs']:,} | {index['chunks']:,} "
        f"| {index['docs_per_s']} | {index['chunks_per_s']} | {index['baseline_docs_per_s']} "
        f"| **{index['ratio']}×** |",
        "",
        "| /search chunks | mode | clients | p50 ms | p95 ms | p99 ms | searches/s |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['chunks']:,} | {row['mode']} | {row['concurrency']} | {row['p50_ms']} "
        f"| {row['p95_ms']} | {row['p99_ms']} | {row['qps']} |"
        for row in results["search"]
    ]
    lines += ingest_table(results.get("ingest", []))
    lines += [
        "",
        "| ANN vectors | data | kind | recall@10 | p50 ms | memory MB | index file MB | open s |",
        "|---|---|---|---|---|---|---|---|",
        f"| {ann['vectors']:,} | {ann.get('data', '')} | {ann['kind']} | {ann['recall@10']} "
        f"| {ann['p50_ms']} | {ann['memory_mb']} | {ann['index_mb']} | {ann['open_s']} |",
    ]
    return "\n".join(lines) + "\n"


def ingest_table(rows: list[dict[str, Any]]) -> list[str]:
    """Search with and without one write a second, and how soon a write can be found."""
    if not rows:
        return []
    lines = [
        "",
        "| /search chunks | clients | idle p50 / p99 ms | ingesting p50 / p99 ms | p99 ratio "
        "| searches/s idle / ingesting | writes | POST p50 ms | visible after p50 / max ms "
        "| not visible | first search after a write p50 / max ms | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    return lines + [
        f"| {r['chunks']:,} | {r['clients']} | {r['idle_p50_ms']} / {r['idle_p99_ms']} "
        f"| {r['ingest_p50_ms']} / {r['ingest_p99_ms']} | {r['p99_ratio']}× "
        f"| {r['idle_qps']} / {r['ingest_qps']} | {r['writes']} "
        f"| {r['post_p50_ms']} | {r['lag_p50_ms']} / {r['lag_max_ms']} | {r['not_visible']} "
        f"| {r['first_search_p50_ms']} / {r['first_search_max_ms']} | {r['errors']} |"
        for r in rows
    ]
