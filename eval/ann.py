"""ANN at scale: recall@k against exact search, latency, memory and start-up of the FAISS store.

The corpus is `vectors` unit vectors jittered from a base set: real chunk embeddings when given
(see `scifact_base`), else a synthetic clustered set. Queries are held out: jittered from their
own base (real query embeddings when given), never the indexed vectors themselves. Search,
memory and start-up are measured in a fresh process that opens the saved index, as a service
starting on it would; the ground truth is exact inner-product search over the same vectors.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.vectorstores.ann import AnnSettings
from index.vectorstores.faiss import FILENAME, FaissStore

NOISE = 0.5  # perturbation norm against a unit base vector: cosine to it about 0.89
CENTERS = 4_000  # synthetic base: topics of a clustered corpus
CHUNK_ROWS = 100_000  # jitter in slices, to bound the peak memory
FILTER_PROBES = 200  # queries per filtered measurement
SCIFACT_CACHE = Path("data/ann/scifact-minilm.npz")  # SciFact embedded once, for `run`


def ann_benchmark(
    vectors: int,
    dimension: int = 384,
    queries: int = 1_000,
    kind: str = "auto",
    *,
    options: Mapping[str, Any] | None = None,
    base: np.ndarray | None = None,
    query_base: np.ndarray | None = None,
    k: int = 10,
    filters: Sequence[float] = (),
    sweep: Sequence[int] = (),
    also_mmap: bool = False,
    workdir: Path | None = None,
    keep: Path | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Builds the store's `kind` index over `vectors` vectors and measures it; `options` are
    store options (e.g. ef_search, mmap), `filters` shares of the corpus to search within
    (random id sets), `sweep` efSearch (HNSW) or nprobe (IVF) values to try as well, and
    `also_mmap` opens the file once more memory-mapped; `keep` is a folder to build in and
    leave behind (for `remeasure`). Returns vectors, recall@k, p50_ms, memory_mb, build_s,
    open_s and the rest."""
    rng = np.random.default_rng(seed)
    probes, corpus = _probes_and_corpus(vectors, dimension, queries, base, query_base, rng)
    settings = {**(options or {}), "ann": kind, "ann_threshold": 0 if kind != "auto" else None}
    settings = {key: value for key, value in settings.items() if value is not None}
    with _folder(keep, workdir) as folder:
        np.save(folder / "probes.npy", probes)
        np.save(folder / "truth.npy", exact_top(corpus, probes, k))
        _save_filters(folder, corpus, probes[:FILTER_PROBES], k, filters, rng)
        built = _build(folder, corpus, settings)
        del corpus
        measured = _measure_in_child(folder, {"options": settings, "sweep": list(sweep)})
        if also_mmap:
            mapped = {"options": {**settings, "mmap": True}, "sweep": [], "filters": False}
            measured["mmap_open"] = _measure_in_child(folder, mapped)
    return {
        "vectors": vectors,
        "dimension": probes.shape[1],
        "queries": queries,
        **built,
        **measured,
    }


@contextmanager
def _folder(keep: Path | None, workdir: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="newsrag-ann-", dir=workdir) as tmp:
        yield Path(tmp)


def remeasure(
    folder: Path, options: Mapping[str, Any], sweep: Sequence[int] = ()
) -> dict[str, Any]:
    """Measures an index `ann_benchmark(keep=folder)` left behind, with other search options
    (the result names them)."""
    plan = json.loads((folder / "plan.json").read_text())
    plan = {"options": {**plan["options"], **options}, "sweep": list(sweep)}
    return {**_measure_in_child(folder, plan), "options": dict(options)}


def _probes_and_corpus(
    vectors: int,
    dimension: int,
    queries: int,
    base: np.ndarray | None,
    query_base: np.ndarray | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Real queries as they are (jittered only to make up the count), else jittered ones."""
    if base is None:
        base = query_base = unit(rng.standard_normal((CENTERS, dimension), dtype=np.float32))
    if query_base is None:
        raise ValueError("real base vectors need held-out query vectors beside them")
    real = unit(query_base[:queries]) if query_base is not base else query_base[:0]
    probes = np.concatenate([real, jitter(query_base, queries - len(real), rng)])
    return probes, jitter(base, vectors, rng)


def _save_filters(
    folder: Path,
    corpus: np.ndarray,
    probes: np.ndarray,
    k: int,
    shares: Sequence[float],
    rng: np.random.Generator,
) -> None:
    """Per share: a random allowed id set and each probe's exact top k within it."""
    for n, share in enumerate(shares):
        allowed = np.sort(rng.choice(len(corpus), max(1, round(share * len(corpus))), False))
        np.save(folder / f"allowed-{n}.npy", allowed)
        np.save(folder / f"allowed-truth-{n}.npy", allowed[exact_top(corpus[allowed], probes, k)])


def unit(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    faiss.normalize_L2(x)
    return x


def jitter(base: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` unit vectors, each a random base row plus Gaussian noise of norm about NOISE."""
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    scale = NOISE / math.sqrt(base.shape[1])
    for start in range(0, count, CHUNK_ROWS):
        rows = rng.integers(0, len(base), min(CHUNK_ROWS, count - start))
        noise = rng.standard_normal((len(rows), base.shape[1]), dtype=np.float32) * scale
        out[start : start + len(rows)] = unit(base[rows] + noise)
    return out


def exact_top(corpus: np.ndarray, probes: np.ndarray, k: int) -> np.ndarray:
    """Ids (row numbers) of each probe's exact top `k` by inner product."""
    index = faiss.IndexFlatIP(corpus.shape[1])
    index.add(corpus)
    _, ids = index.search(probes, k)
    return np.asarray(ids, dtype=np.int64)


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    """Mean share of each exact top-k found in the approximate top-k."""
    hits = [len(set(f) & set(t.tolist())) / len(t) for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


def _build(folder: Path, corpus: np.ndarray, options: Mapping[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    store = FaissStore(folder, corpus.shape[1], AnnSettings(**{**options, "mmap": False}))
    store.add(np.arange(len(corpus), dtype=np.int64), corpus)
    built = time.perf_counter()
    store.save()
    saved = time.perf_counter()
    return {
        "kind": store.kind,
        "build_s": round(built - started, 2),
        "save_s": round(saved - built, 2),
        "index_mb": round((folder / FILENAME).stat().st_size / 2**20, 1),
    }


def _measure_in_child(folder: Path, plan: Mapping[str, Any]) -> dict[str, Any]:
    (folder / "plan.json").write_text(json.dumps(plan))
    command = [sys.executable, "-m", "eval.ann", str(folder)]
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, capture_output=True, check=True, text=True, cwd=root)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(folder: Path) -> dict[str, Any]:
    """Opens the saved store as a fresh process would and searches it once per probe."""
    plan = json.loads((folder / "plan.json").read_text())
    probes, truth = np.load(folder / "probes.npy"), np.load(folder / "truth.npy")
    before = rss_mb()
    started = time.perf_counter()
    store = FaissStore(folder, probes.shape[1], AnnSettings(**plan["options"]))
    opened = time.perf_counter() - started
    after_open = rss_mb()
    searched = _searched(store, probes, truth)
    return {
        **searched,
        "open_s": round(opened, 3),
        "memory_mb": round(rss_mb(), 1),
        "rss_anon_mb": round(rss_mb("RssAnon"), 1),
        "rss_file_mb": round(rss_mb("RssFile"), 1),
        "rss_open_mb": round(after_open, 1),
        "rss_before_open_mb": round(before, 1),
        "mmap": store.settings.mmap,
        "load_average": round(os.getloadavg()[0], 2),
        "sweep": [_swept(store, probes, truth, value) for value in plan["sweep"]],
        "filtered": [
            _filtered(store, probes, folder, n)
            for n in range(_count(folder) if plan.get("filters", True) else 0)
        ],
    }


def _searched(
    store: FaissStore, probes: np.ndarray, truth: np.ndarray, allowed: np.ndarray | None = None
) -> dict[str, Any]:
    walls, cpus, found = _search_all(store, probes[: len(truth)], truth.shape[1], allowed)
    return {
        f"recall@{truth.shape[1]}": round(recall(found, truth), 4),
        "p50_ms": round(float(np.percentile(walls, 50)), 3),
        "p95_ms": round(float(np.percentile(walls, 95)), 3),
        "cpu_p50_ms": round(float(np.percentile(cpus, 50)), 3),
    }


def _swept(store: FaissStore, probes: np.ndarray, truth: np.ndarray, value: int) -> dict[str, Any]:
    """The same searches with another efSearch (HNSW kinds) or nprobe (IVF)."""
    ivf, kept = store.kind.startswith("ivf"), store.settings
    store.settings = replace(kept, nprobe=value) if ivf else replace(kept, ef_search=value)
    try:
        return {"nprobe" if ivf else "ef_search": value, **_searched(store, probes, truth)}
    finally:
        store.settings = kept


def _count(folder: Path) -> int:
    return len(list(folder.glob("allowed-truth-*.npy")))


def _filtered(store: FaissStore, probes: np.ndarray, folder: Path, n: int) -> dict[str, Any]:
    allowed, truth = (
        np.load(folder / f"allowed-{n}.npy"),
        np.load(folder / f"allowed-truth-{n}.npy"),
    )
    walls, cpus, found = _search_all(store, probes[: len(truth)], truth.shape[1], allowed)
    return {
        "share": round(len(allowed) / len(store), 6),
        "allowed": len(allowed),
        "exact": len(allowed) <= store.settings.exact_filter_max,
        f"recall@{truth.shape[1]}": round(recall(found, truth), 4),
        "p50_ms": round(float(np.percentile(walls, 50)), 3),
        "cpu_p50_ms": round(float(np.percentile(cpus, 50)), 3),
    }


def _search_all(
    store: FaissStore, probes: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """Wall and CPU (this thread's) milliseconds per search: on a busy machine the CPU time
    says what the search costs, the wall time what a caller waited."""
    walls, cpus, found = [], [], []
    for probe in probes:
        wall, cpu = time.perf_counter(), time.thread_time()
        hits = store.search(probe, k, allowed)
        cpus.append((time.thread_time() - cpu) * 1e3)
        walls.append((time.perf_counter() - wall) * 1e3)
        found.append([vid for vid, _ in hits])
    return np.array(walls), np.array(cpus), found


def rss_mb(field: str = "VmRSS") -> float:
    """Resident set size of this process; RssAnon and RssFile split it into private memory
    and mapped file pages (which the kernel may drop and read again)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scifact_base(
    folder: Path, cache: Path, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Real embeddings: SciFact's chunks (the base) and its queries (held out), cached."""
    if cache.exists():
        saved = np.load(cache)
        return saved["chunks"], saved["queries"]
    from eval.datasets import read_corpus
    from index.chunking import Chunker, ChunkerSettings
    from index.embedding import Embedder

    embedder = Embedder()
    chunker = Chunker(embedder.count_tokens, ChunkerSettings())
    docs = list(read_corpus(folder))[:limit]
    texts = [c.text for doc in docs for c in chunker.chunk(doc.id, doc.text)]
    chunks = embedder.embed_documents(texts)
    lines = (folder / "queries.jsonl").read_text("utf-8").splitlines()
    queries = np.stack([embedder.embed_query(json.loads(line)["text"]) for line in lines if line])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, chunks=chunks, queries=queries)
    return chunks, queries


def run(
    vectors: int = 1_000_000,
    *,
    queries: int = 1_000,
    kind: str = "auto",
    options: Mapping[str, Any] | None = None,
    scifact: Path | None = None,
    cache: Path = SCIFACT_CACHE,
    filters: Sequence[float] = (),
    sweep: Sequence[int] = (),
    also_mmap: bool = False,
    keep: Path | None = None,
    dimension: int = 384,
) -> dict[str, Any]:
    """`ann_benchmark` on SciFact's real embeddings when `scifact` (a BEIR folder) is given
    (embedded once into `cache`), else on a synthetic set; the result says which data and
    which store options it measured. What `newsrag ann` runs for docs/benchmarks.md's ANN table."""
    base, held_out = scifact_base(scifact, cache) if scifact else (None, None)
    result = ann_benchmark(
        vectors,
        dimension,
        queries,
        kind,
        options=options,
        base=base,
        query_base=held_out,
        filters=filters,
        sweep=sweep,
        also_mmap=also_mmap,
        keep=keep,
    )
    return {**result, "data": "scifact" if scifact else "synthetic", "options": dict(options or {})}


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """Store options from `key=json` pairs as a command line gives them ("mmap=true")."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"store option {pair!r} is not key=json (e.g. ef_search=128)")
        try:
            options[key] = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"store option {pair!r}: {value!r} is not JSON") from exc
    return options


if __name__ == "__main__":  # the measuring child of ann_benchmark: one JSON line on stdout
    sys.stdout.write(json.dumps(measure(Path(sys.argv[1]))) + "\n")
