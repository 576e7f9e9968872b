"""Incremental lexical engines side by side: tantivy, SQLite FTS5 and bm25s with a delta segment.

Every engine is fed the same analyzed text (bm25s.tokenize as the bm25s index ran it, joined by
spaces), so only the engine differs. Quality: nDCG@10 on SciFact, chunks ranked then folded to
documents by their best chunk. Scale: SciFact's sentences remixed into N chunks: build time,
disk, memory, top-100 latency over SciFact's real queries on one thread, and the cost of one
write made visible to the next search, with the latency right after it. Each engine runs in a
forked process of its own, so memory figures are its own.

    .venv/bin/python -m eval.lexical --sizes 100000,1000000 --json data/lexical.json
"""

from __future__ import annotations

import ctypes
import gc
import heapq
import json
import math
import multiprocessing
import os
import sqlite3
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing.connection import Connection
from operator import itemgetter
from pathlib import Path
from typing import Annotated, Any, Protocol

import bm25s
import numpy as np
import Stemmer
import typer

from eval.datasets import Qrels, load_beir, read_corpus, read_queries
from eval.metrics import Run, evaluate_run

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "eval-data" / "scifact"
# What the lexical index has scored with and been fed so far (bm25s's BM25Settings, before the
# tantivy port): scoring, analysis, and each chunk's indexed text (title, one neighbour a side,
# its own words twice). Kept here so the measurement stands still while the index changes.
K1, B, METHOD = 1.2, 0.75, "lucene"
STEMMER, STOPWORDS = "english", "en"
CONTEXT, OWN_WEIGHT = 1, 2
K = 100  # chunks per search
CHUNK_WORDS = 96
PRELOADED = 1_000  # chunks written before the timed writes, PRELOAD_DOCS documents a write
PRELOAD_DOCS = 30
WRITES = 20  # timed writes: adds and replaces in turn, one 10-chunk article each
ARTICLE_CHUNKS = 10
AFTER_WRITE = 5  # queries timed right after each write (1 for an engine slower than SLOW_MS)
SLOW_MS = 100.0
PASSES = 3  # over the queries, for latency medians on a shared machine
WARM_UP = 10
QUERY_BUDGET_S = 60.0  # of timed queries per engine: a slower one stops there (or at MIN_QUERIES)
MIN_QUERIES = 50
TANTIVY_BULK_HEAP = 512_000_000
TANTIVY_BULK_THREADS = 2
TANTIVY_WRITE_HEAP = 50_000_000
FTS5_TOKENIZE = "ascii tokenchars '_'"  # tokens are pre-analyzed: split on spaces, nothing else
# detail=column or none store no positions, and bm25() then re-tokenizes every matching row:
# 6x slower at 20k chunks for 4% less disk.
FTS5_DETAIL = "full"

Say = Callable[[str], None]


def analyze(texts: list[str]) -> list[list[str]]:
    """The bm25s index's analysis: lowercase, \\w\\w+ words, English stopwords, Snowball stems."""
    tokens: list[list[str]] = bm25s.tokenize(
        texts,
        stopwords=STOPWORDS,
        stemmer=Stemmer.Stemmer(STEMMER),
        return_ids=False,
        show_progress=False,
    )
    return tokens


def joined(texts: list[str]) -> list[str]:
    return [" ".join(tokens) for tokens in analyze(texts)]


@dataclass(frozen=True)
class Chunks:
    """Analyzed chunks ready to index: ids, owning document, space-joined tokens."""

    vids: list[int]
    docs: list[int]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.vids)


@dataclass(frozen=True)
class Layout:
    """Documents as runs of chunks, chunks as runs of analyzed pieces (sentences or bodies);
    chunk c has id c + 1, as the docstore's AUTOINCREMENT would give it."""

    titles: list[str]
    pieces: list[str]
    doc_titles: list[int]
    doc_starts: list[int]  # first chunk of each document, then the chunk count
    chunk_starts: list[int]  # first piece of each chunk, then the piece count
    chunk_pieces: list[int]

    @property
    def docs(self) -> int:
        return len(self.doc_titles)

    def body(self, chunk: int) -> str:
        run = self.chunk_pieces[self.chunk_starts[chunk] : self.chunk_starts[chunk + 1]]
        return " ".join(self.pieces[p] for p in run)

    def chunks(self, docs: Sequence[int]) -> Chunks:
        """Each chunk's indexed text as DocStore.chunk_contexts built it (title, the window
        around the chunk, its own text again), analyzed: tokens never cross a piece boundary,
        so joining analyzed pieces equals analyzing the joined text (`check_analysis`)."""
        vids, owners, texts = [], [], []
        for doc in docs:
            first = self.doc_starts[doc]
            bodies = [self.body(c) for c in range(first, self.doc_starts[doc + 1])]
            title = self.titles[self.doc_titles[doc]]
            for n, own in enumerate(bodies):
                window = " ".join(bodies[max(0, n - CONTEXT) : n + CONTEXT + 1])
                parts = [title, window, *[own] * (OWN_WEIGHT - 1)]
                texts.append(" ".join(p for p in parts if p))
                vids.append(first + n + 1)
                owners.append(doc)
        return Chunks(vids, owners, texts)


def word_chunks(text: str) -> list[str]:
    """~CHUNK_WORDS-word pieces of `text`, as even as whole words allow."""
    words = text.split()
    parts = np.array_split(np.array(words, dtype=object), max(1, round(len(words) / CHUNK_WORDS)))
    return [" ".join(part) for part in parts if len(part)]


@dataclass(frozen=True)
class SciFact:
    """The corpus, chunked and analyzed once, with its raw chunk texts for the reference run."""

    ids: list[str]
    layout: Layout
    raw: list[str]  # every chunk's indexed text, unanalyzed
    sentences: list[str]  # analyzed, for remixing
    chunks_per_doc: np.ndarray


def load_scifact(folder: Path) -> SciFact:
    docs = list(read_corpus(folder))
    raw_chunks = [word_chunks(d.text) for d in docs]
    flat = [c for chunks in raw_chunks for c in chunks]
    counts = np.array([len(chunks) for chunks in raw_chunks])
    layout = Layout(
        titles=joined([d.title or "" for d in docs]),
        pieces=joined(flat),
        doc_titles=list(range(len(docs))),
        doc_starts=[0, *np.cumsum(counts).tolist()],
        chunk_starts=list(range(len(flat) + 1)),
        chunk_pieces=list(range(len(flat))),
    )
    raw = [
        ctx for d, chunks in zip(docs, raw_chunks, strict=True) for ctx in contexts(d.title, chunks)
    ]
    sentences = [s for d in docs for s in d.text.split(". ") if len(s.split()) > 4]
    return SciFact([d.id for d in docs], layout, raw, joined(sentences), counts)


def contexts(title: str | None, chunks: list[str]) -> Iterator[str]:
    """The raw indexed text of each chunk of one document, as DocStore.chunk_contexts built it."""
    head = f"{title}\n\n" if title else ""
    for n, own in enumerate(chunks):
        window = " ".join(chunks[max(0, n - CONTEXT) : n + CONTEXT + 1])
        yield "\n".join([head + window, *[own] * (OWN_WEIGHT - 1)])


def remix(source: SciFact, chunks: int, seed: int = 7) -> Layout:
    """`chunks` chunks of ~CHUNK_WORDS words recombined from SciFact's sentences, in documents
    sized like SciFact's, under its titles: realistic term statistics at any size."""
    rng = np.random.default_rng(seed)
    per_doc = rng.choice(source.chunks_per_doc, size=chunks)
    ends = np.cumsum(per_doc)
    docs = int(np.searchsorted(ends, chunks)) + 1
    doc_starts = np.minimum(np.concatenate([[0], ends[:docs]]), chunks)
    per_chunk = max(2, round(tokens_per(source.layout.pieces) / tokens_per(source.sentences)))
    sizes = rng.integers(per_chunk - 1, per_chunk + 2, size=chunks)
    return Layout(
        titles=source.layout.titles,
        pieces=source.sentences,
        doc_titles=rng.integers(0, len(source.layout.titles), docs).tolist(),
        doc_starts=doc_starts.tolist(),
        chunk_starts=np.concatenate([[0], np.cumsum(sizes)]).tolist(),
        chunk_pieces=rng.integers(0, len(source.sentences), int(sizes.sum())).tolist(),
    )


def tokens_per(texts: list[str]) -> float:
    return float(np.mean([len(t.split()) for t in texts]))


class Engine(Protocol):
    """One lexical index: bulk build, top-k over a disjunction of analyzed terms, and a write
    (chunk deletions plus additions) that the next search sees."""

    def build(self, chunks: Chunks) -> None: ...

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]: ...

    def write(self, deleted: list[int], added: Chunks) -> None: ...

    def disk_bytes(self) -> int: ...

    def info(self) -> dict[str, Any]: ...


class TantivyEngine:
    """A tantivy index: segments, a writer kept open, a reader reloaded after each commit."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        self._tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        # i64, not u64: delete_documents_by_term("vid", int) on an unsigned field matches nothing.
        builder.add_integer_field("vid", indexed=True, fast=True)
        builder.add_integer_field("doc", indexed=True)
        builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.folder = folder
        self.index = tantivy.Index(self.schema, path=str(folder))
        self.index.config_reader(reload_policy="manual")
        self.writer: Any = None
        self.searcher = self.index.searcher()

    def build(self, chunks: Chunks) -> None:
        writer = self.index.writer(heap_size=TANTIVY_BULK_HEAP, num_threads=TANTIVY_BULK_THREADS)
        self._add(writer, chunks)
        writer.commit()
        writer.wait_merging_threads()  # the steady state: merges done, writer released
        self.writer = self.index.writer(heap_size=TANTIVY_WRITE_HEAP, num_threads=1)
        self.writer.garbage_collect_files()
        self._reload()

    def _add(self, writer: Any, chunks: Chunks) -> None:
        document = self._tantivy.Document
        for vid, doc, text in zip(chunks.vids, chunks.docs, chunks.texts, strict=True):
            writer.add_document(document(vid=vid, doc=doc, text=text))

    def _reload(self) -> None:
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        if not terms:
            return []
        should, term_query = self._tantivy.Occur.Should, self._tantivy.Query.term_query
        clauses = [(should, term_query(self.schema, "text", t, index_option="freq")) for t in terms]
        # count=False: counting every match would turn off block-max WAND.
        hits = self.searcher.search(self._tantivy.Query.boolean_query(clauses), k, count=False).hits
        vids = self.searcher.fast_field_values("vid", [address for _, address in hits])
        return [(int(v or 0), float(s)) for v, (s, _) in zip(vids, hits, strict=True)]

    def write(self, deleted: list[int], added: Chunks) -> None:
        for vid in deleted:
            self.writer.delete_documents_by_term("vid", vid)
        self._add(self.writer, added)
        self.writer.commit()
        self._reload()

    def disk_bytes(self) -> int:
        return folder_bytes(self.folder)

    def info(self) -> dict[str, Any]:
        """Segments now, and what reading every chunk id back costs (the index's ids() on open)."""
        started = time.perf_counter()
        everything = self._tantivy.Query.all_query()
        hits = self.searcher.search(everything, self.searcher.num_docs, count=False).hits
        ids = self.searcher.fast_field_values("vid", [address for _, address in hits])
        return {
            "segments": self.searcher.num_segments,
            "all_ids_s": round(time.perf_counter() - started, 3),
            "all_ids": len(ids),
        }


class Fts5Engine:
    """An FTS5 table keyed by chunk id, over the pre-analyzed tokens, in its own SQLite file."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "lexical.sqlite"
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            f'CREATE VIRTUAL TABLE lex USING fts5(text, tokenize="{FTS5_TOKENIZE}", '
            f"detail={FTS5_DETAIL})"
        )
        self.optimize_s = 0.0

    def build(self, chunks: Chunks) -> None:
        self._insert(chunks)
        started = time.perf_counter()
        self.db.execute("INSERT INTO lex(lex) VALUES ('optimize')")  # one b-tree segment
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.optimize_s = round(time.perf_counter() - started, 2)

    def _insert(self, chunks: Chunks, deleted: Sequence[int] = ()) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        if deleted:
            ids = json.dumps(list(deleted))
            self.db.execute(
                "DELETE FROM lex WHERE rowid IN (SELECT value FROM json_each(?))", (ids,)
            )
        rows = zip(chunks.vids, chunks.texts, strict=True)
        self.db.executemany("INSERT INTO lex(rowid, text) VALUES (?, ?)", rows)
        self.db.execute("COMMIT")

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        # ORDER BY bm25() measured twice as fast as ORDER BY rank (its alias), same order.
        rows = self.db.execute(
            "SELECT rowid, bm25(lex) FROM lex WHERE lex MATCH ? ORDER BY bm25(lex) LIMIT ?",
            (match, k),
        ).fetchall()
        return [(int(vid), -float(score)) for vid, score in rows]

    def write(self, deleted: list[int], added: Chunks) -> None:
        self._insert(added, deleted)

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def info(self) -> dict[str, Any]:
        return {"optimize_s": self.optimize_s, "detail": FTS5_DETAIL, "tokenize": FTS5_TOKENIZE}


@dataclass
class Delta:
    """Chunks written since the main index was built: a small inverted index changed in place,
    scored with the main index's statistics plus its own, so its scores share their scale."""

    df_main: Callable[[str], int]
    docs_main: int
    avgdl: float
    terms: dict[int, list[str]] = field(default_factory=dict)  # chunk id -> its distinct terms
    postings: dict[str, dict[int, float]] = field(default_factory=dict)  # BM25's tf part

    def add(self, vid: int, text: str) -> None:
        counts = Counter(text.split())
        norm = K1 * (1 - B + B * counts.total() / self.avgdl)
        for term, tf in counts.items():
            self.postings.setdefault(term, {})[vid] = tf / (tf + norm)
        self.terms[vid] = list(counts)

    def remove(self, vid: int) -> None:
        """Drops a chunk if the delta holds it."""
        for term in self.terms.pop(vid, ()):
            del self.postings[term][vid]
            if not self.postings[term]:
                del self.postings[term]

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        docs = self.docs_main + len(self.terms)
        scores: dict[int, float] = {}
        for term in terms:
            posting = self.postings.get(term, {})
            n = self.df_main(term) + len(posting)
            idf = math.log(1 + (docs - n + 0.5) / (n + 0.5))  # bm25s "lucene"
            for vid, weight in posting.items():
                scores[vid] = scores.get(vid, 0.0) + idf * weight
        return heapq.nlargest(k, scores.items(), key=itemgetter(1))


class Bm25sDeltaEngine:
    """Today's bm25s index, frozen between (background) merges, a mask for its deleted chunks,
    and a delta of later writes; a merge is a bulk build, timed as `build_s`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.model: Any = None
        self.vids = np.zeros(0, np.int64)
        self.alive: np.ndarray | None = None
        self.delta: Delta | None = None

    def build(self, chunks: Chunks) -> None:
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in text.split()] for text in chunks.texts]
        self.model = bm25s.BM25(k1=K1, b=B, method=METHOD)
        self.model.index((ids, vocab), show_progress=False)
        self.model.save(str(self.folder / "bm25"), show_progress=False)  # as the bm25s index did
        self.vids = np.array(chunks.vids, dtype=np.int64)
        np.save(self.folder / "bm25" / "ids.npy", self.vids)
        df = np.diff(self.model.scores["indptr"])
        avgdl = sum(len(i) for i in ids) / max(1, len(ids))
        self.delta = Delta(lambda t: int(df[vocab[t]]) if t in vocab else 0, len(ids), avgdl)

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        known = [t for t in terms if t in self.model.vocab_dict]
        hits = []
        if known:
            scores = self.model.get_scores(known, weight_mask=self.alive)
            hits = top_k(scores, self.vids, k)
        if self.delta is not None and self.delta.terms:
            hits = sorted(hits + self.delta.search(terms, k), key=lambda h: -h[1])[:k]
        return hits

    def write(self, deleted: list[int], added: Chunks) -> None:
        assert self.delta is not None, "build first"
        for vid in deleted:
            if vid not in self.delta.terms:
                self._mask(vid)
            self.delta.remove(vid)
        for vid, text in zip(added.vids, added.texts, strict=True):
            self.delta.add(vid, text)

    def _mask(self, vid: int) -> None:
        if self.alive is None:
            self.alive = np.ones(len(self.vids), np.float32)
        self.alive[np.searchsorted(self.vids, vid)] = 0.0

    def disk_bytes(self) -> int:
        return folder_bytes(self.folder)

    def info(self) -> dict[str, Any]:
        return {"delta_chunks": 0 if self.delta is None else len(self.delta.terms)}


ENGINES: dict[str, Callable[[Path], Engine]] = {
    "tantivy": TantivyEngine,
    "fts5": Fts5Engine,
    "bm25s-delta": Bm25sDeltaEngine,
}


def make_engine(name: str, folder: Path) -> Engine:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    folder.mkdir(parents=True, exist_ok=True)
    return ENGINES[name](folder)


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The `k` best positive scores as (id, score), best first (the bm25s retriever's)."""
    matched = np.flatnonzero(scores > 0)
    if len(matched) > k:  # a common word matches most chunks: select before sorting
        cut = -np.partition(-scores[matched], k - 1)[k - 1]
        matched = matched[scores[matched] >= cut]
    best = matched[np.argsort(-scores[matched], kind="stable")[:k]]
    return [(int(ids[i]), float(scores[i])) for i in best]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def memory_kb(key: str) -> int:
    """VmRSS (resident now) or VmHWM (peak) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def growth_mb(before_kb: int) -> int:
    """Resident memory gained since `before_kb`, once freed memory has gone back to the system
    (glibc keeps freed heap pages otherwise, which would count against the engine)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return round((memory_kb("VmRSS") - before_kb) / 1024)


def reset_peak() -> None:
    """Starts VmHWM over from the current RSS (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work()` in a forked process: it inherits the prepared data, and its memory is its own."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, work))
    process.start()
    send.close()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        result = {"error": "the process died (out of memory?)"}
    process.join()
    return result


def _child(send: Connection, work: Callable[[], dict[str, Any]]) -> None:
    try:
        send.send(work())
    except BaseException:
        send.send({"error": traceback.format_exc()})
    send.close()


# Quality parity


def document_run(engine: Engine, queries: dict[str, list[str]], owners: list[str]) -> Run:
    """Each query's top-K chunks folded to documents."""
    return {qid: fold(engine.search(terms, K), owners) for qid, terms in queries.items()}


def parity_runs(name: str, data: SciFact, queries: dict[str, list[str]]) -> dict[str, Any]:
    """Runs with every chunk bulk-built, and with the last 10% of documents written later,
    ten documents a write."""
    layout = data.layout
    owners = [data.ids[d] for d in range(layout.docs) for _ in chunk_range(layout, d)]
    split = layout.docs * 9 // 10
    runs = {}
    with tempfile.TemporaryDirectory(prefix="lexical-") as tmp:
        bulk = make_engine(name, Path(tmp) / "bulk")
        bulk.build(layout.chunks(range(layout.docs)))
        runs["bulk"] = document_run(bulk, queries, owners)
        later = make_engine(name, Path(tmp) / "later")
        later.build(layout.chunks(range(split)))
        for first in range(split, layout.docs, 10):
            later.write([], layout.chunks(range(first, min(first + 10, layout.docs))))
        runs["incremental"] = document_run(later, queries, owners)
    return runs


def chunk_range(layout: Layout, doc: int) -> range:
    return range(layout.doc_starts[doc], layout.doc_starts[doc + 1])


def reference_run(data: SciFact, queries: dict[str, str]) -> Run:
    """bm25s as the lexical index ran it before (tokenize the raw chunk contexts to ids, index,
    score every chunk per query): what every pre-analyzed engine should agree with."""
    owners = [data.ids[d] for d in range(data.layout.docs) for _ in chunk_range(data.layout, d)]
    stemmer = Stemmer.Stemmer(STEMMER)
    corpus = bm25s.tokenize(data.raw, stopwords=STOPWORDS, stemmer=stemmer, show_progress=False)
    model = bm25s.BM25(k1=K1, b=B, method=METHOD)
    model.index(corpus, show_progress=False)
    vids = np.arange(1, len(data.raw) + 1, dtype=np.int64)
    run: Run = {}
    for qid, terms in zip(queries, analyze(list(queries.values())), strict=True):
        known = [t for t in terms if t in model.vocab_dict]
        hits = top_k(model.get_scores(known), vids, K) if known else []
        run[qid] = fold(hits, owners)
    return run


def fold(hits: list[tuple[int, float]], owners: list[str]) -> dict[str, float]:
    """Chunk hits, best first, as documents scored by their best chunk."""
    docs: dict[str, float] = {}
    for vid, score in hits:
        docs.setdefault(owners[vid - 1], score)
    return docs


def check_analysis(data: SciFact) -> None:
    """Pre-analyzed pieces, joined, must equal the analysis of the joined raw text."""
    composed = data.layout.chunks(range(data.layout.docs)).texts
    if composed != joined(data.raw):
        raise RuntimeError("pre-analyzed chunk texts differ from bm25s.tokenize of the raw text")


def measure_parity(folder: Path, engines: Sequence[str], say: Say) -> list[dict[str, Any]]:
    data = load_scifact(folder)
    check_analysis(data)
    judged = load_beir(folder)
    terms = dict(zip(judged.queries, analyze(list(judged.queries.values())), strict=True))
    rows = [
        parity_row("bm25s on raw text (before)", judged.qrels, reference_run(data, judged.queries))
    ]
    for name in engines:
        runs = in_child(partial(parity_runs, name, data, terms))
        if "error" in runs:
            raise RuntimeError(f"{name}: {runs['error']}")
        for mode, run in runs.items():
            rows.append(parity_row(f"{name} ({mode})", judged.qrels, run))
            say(f"parity {rows[-1]}")
    for row in rows:
        row["chunks"] = len(data.raw)
    return rows


def parity_row(engine: str, qrels: Qrels, run: Run) -> dict[str, Any]:
    scores = evaluate_run(qrels, run, ["ndcg@10", "recall@100"])
    return {"engine": engine, **{m: round(v, 4) for m, v in scores.items()}}


# Scale


@dataclass(frozen=True)
class Write:
    """One write: an article added, or one replaced (its chunks deleted, new ones added)."""

    kind: str
    deleted: list[int]
    added: Chunks
    marker: str  # a token only the added chunks carry, to check they are visible


@dataclass(frozen=True)
class Scale:
    """N chunks: the bulk, what is written before the timed writes, and the timed writes."""

    layout: Layout
    split: int  # documents [0, split) are bulk-built, the rest preloaded by writes
    writes: list[Write]

    @property
    def chunks(self) -> int:
        return self.layout.doc_starts[-1]


def plan_scale(source: SciFact, chunks: int) -> Scale:
    layout = remix(source, chunks)
    split = int(np.searchsorted(layout.doc_starts, chunks - PRELOADED))
    return Scale(layout, split, plan_writes(source, layout, split))


def plan_writes(source: SciFact, layout: Layout, split: int) -> list[Write]:
    """Adds and replaces in turn; every new chunk gets a fresh id, as the docstore gives."""
    articles = remix(source, WRITES * ARTICLE_CHUNKS, seed=11)
    articles = replace(  # regrouped: WRITES documents of ARTICLE_CHUNKS chunks
        articles,
        doc_titles=articles.doc_titles[:WRITES],
        doc_starts=list(range(0, WRITES * ARTICLE_CHUNKS + 1, ARTICLE_CHUNKS)),
    )
    rng = np.random.default_rng(3)
    targets = rng.choice(split, size=WRITES, replace=False).tolist()
    next_vid = layout.doc_starts[-1] + 1
    writes = []
    for n in range(WRITES):
        marker = f"zzwrite{n}"
        texts = [f"{t} {marker}" for t in articles.chunks([n]).texts]
        replacing = n % 2 == 1
        doc = targets[n] if replacing else layout.docs + n
        deleted = [c + 1 for c in chunk_range(layout, targets[n])] if replacing else []
        vids = list(range(next_vid, next_vid + len(texts)))
        next_vid += len(texts)
        kind = "replace" if replacing else "add"
        writes.append(Write(kind, deleted, Chunks(vids, [doc] * len(texts), texts), marker))
    return writes


def measure_scale(name: str, scale: Scale, queries: list[list[str]], say: Say) -> dict[str, Any]:
    """Everything for one engine at one size; runs inside its own process."""
    layout = scale.layout
    bulk = layout.chunks(range(scale.split))
    preload = [
        layout.chunks(range(d, min(d + PRELOAD_DOCS, layout.docs)))
        for d in range(scale.split, layout.docs, PRELOAD_DOCS)
    ]
    texts = dict(zip(bulk.vids, bulk.texts, strict=True))
    with tempfile.TemporaryDirectory(prefix=f"lexical-{name}-") as tmp:
        engine = make_engine(name, Path(tmp))
        before = memory_kb("VmRSS")
        reset_peak()
        started = time.perf_counter()
        engine.build(bulk)
        built = {
            "build_s": round(time.perf_counter() - started, 2),
            "rss_build_mb": growth_mb(before),
            "rss_peak_mb": round((memory_kb("VmHWM") - before) / 1024),
        }
        say(f"{name} {scale.chunks:,}: built {built}")
        started = time.perf_counter()
        for batch in preload:
            engine.write([], batch)
        built["preload_s"] = round(time.perf_counter() - started, 2)
        built["disk_mb"] = round(engine.disk_bytes() / 1e6, 1)
        searched = time_queries(engine, queries)
        searched["rss_after_queries_mb"] = growth_mb(before)
        say(f"{name} {scale.chunks:,}: searched {searched}")
        probes = AFTER_WRITE if searched["p50_ms"] < SLOW_MS else 1
        written = time_writes(engine, scale.writes, queries, texts, probes)
        say(f"{name} {scale.chunks:,}: written {written}")
        return {
            "engine": name,
            "chunks": scale.chunks,
            **built,
            **searched,
            **written,
            **engine.info(),
        }


def time_queries(engine: Engine, queries: list[list[str]]) -> dict[str, Any]:
    """Top-K latency on one thread after a short untimed warm-up: PASSES passes over the
    queries and the median of each pass's percentiles, as the machine may be shared. A slow
    engine stops once it has spent QUERY_BUDGET_S and run MIN_QUERIES."""
    for terms in queries[-WARM_UP:]:
        engine.search(terms, K)
    passes: list[list[float]] = []
    started = time.perf_counter()
    while len(passes) < PASSES and time.perf_counter() - started < QUERY_BUDGET_S:
        seconds: list[float] = []
        for terms in queries:
            seconds.append(timed(partial(engine.search, terms, K)))
            if len(seconds) >= MIN_QUERIES and time.perf_counter() - started > QUERY_BUDGET_S:
                break
        passes.append(seconds)
    each = [percentiles_ms(seconds) for seconds in passes]
    medians = {key: round(float(np.median([p[key] for p in each])), 2) for key in each[0]}
    return {"queries": len(passes[0]), "passes": len(passes), **medians, "by_pass": each}


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    p50, p95, p99 = np.percentile(np.array(seconds) * 1000, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
    }


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def time_writes(
    engine: Engine,
    writes: list[Write],
    queries: list[list[str]],
    texts: dict[int, str],
    probes: int,
) -> dict[str, Any]:
    """Each write's cost until a new search sees it, the `probes` searches right after it, and
    whether the added chunks (found by their marker) and none of the deleted ones come back."""
    costs: dict[str, list[float]] = {"add": [], "replace": []}
    after: list[float] = []
    first: list[float] = []
    visible = True
    for n, write in enumerate(writes):
        costs[write.kind].append(timed(partial(engine.write, write.deleted, write.added)))
        asked = [queries[(n * probes + i) % len(queries)] for i in range(probes)]
        latencies = [timed(partial(engine.search, t, K)) for t in asked]
        first.append(latencies[0])
        after += latencies
        visible &= seen(engine, write, texts)
    return {
        "add_ms": median_ms(costs["add"]),
        "replace_ms": median_ms(costs["replace"]),
        "p50_after_write_ms": median_ms(after),
        "first_after_write_ms": median_ms(first),
        "visible": visible,
    }


def median_ms(seconds: list[float]) -> float:
    return round(float(np.median(seconds)) * 1000, 2)


def seen(engine: Engine, write: Write, texts: dict[int, str]) -> bool:
    found = {vid for vid, _ in engine.search([write.marker], K)}
    if found != set(write.added.vids):
        return False
    for vid in write.deleted[:2]:
        terms = list(dict.fromkeys(texts[vid].split()))[:12]
        if vid in {v for v, _ in engine.search(terms, K)}:
            return False
    return True


# Report


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"SciFact BM25 quality ({results['parity'][0]['chunks']:,} chunks of ~{CHUNK_WORDS} "
        "words; documents ranked by their best chunk of the top 100)",
        "",
        "| engine | nDCG@10 | recall@100 |",
        "|---|---|---|",
    ]
    lines += [f"| {r['engine']} | {r['ndcg@10']} | {r['recall@100']} |" for r in results["parity"]]
    lines += [
        "",
        "| engine | chunks | build s | disk MB | RSS +MB build (peak) / after queries | queries "
        "| p50 ms | p95 ms | p99 ms | add ms | replace ms | p50 after write ms | visible |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [scale_line(r) for r in results["scale"]]
    asked = results["plan"]["queries"]
    lines += [
        "",
        f"Top-{K} chunks for SciFact's {asked:,} distinct queries, one thread, p50/p95/p99 the "
        f"median of {PASSES} passes; an engine still running after {QUERY_BUDGET_S:.0f} s "
        f"stops there (queries < {asked:,}: one partial pass). Writes: {PRELOADED:,} chunks "
        f"written before, then {WRITES} writes of one {ARTICLE_CHUNKS}-chunk article, adds and "
        "replaces in turn, each until a new search sees it (median); RSS growth after freed "
        "memory is returned, peak during the build.",
    ]
    return "\n".join(lines) + "\n"


def scale_line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"| {r['engine']} | {r['chunks']:,} | error: {r['error'].splitlines()[-1]} |"
    return (
        f"| {r['engine']} | {r['chunks']:,} | {r['build_s']} | {r['disk_mb']} "
        f"| {r['rss_build_mb']} ({r['rss_peak_mb']}) / {r['rss_after_queries_mb']} "
        f"| {r['queries']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
        f"| {r['add_ms']} | {r['replace_ms']} | {r['p50_after_write_ms']} | {r['visible']} |"
    )


def plan(queries: int) -> dict[str, Any]:
    return {
        "queries": queries,
        "k": K,
        "passes": PASSES,
        "query_budget_s": QUERY_BUDGET_S,
        "preloaded_chunks": PRELOADED,
        "writes": WRITES,
        "article_chunks": ARTICLE_CHUNKS,
        "tantivy_bulk": {"heap": TANTIVY_BULK_HEAP, "threads": TANTIVY_BULK_THREADS},
        "tantivy_write_heap": TANTIVY_WRITE_HEAP,
        "fts5": {"tokenize": FTS5_TOKENIZE, "detail": FTS5_DETAIL},
    }


def environment() -> dict[str, Any]:
    import tantivy

    return {
        "tantivy": getattr(tantivy, "__version__", "?"),
        "sqlite": sqlite3.sqlite_version,
        "bm25s": bm25s.__version__,
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }


def run(folder: Path, sizes: Sequence[int], engines: Sequence[str], say: Say) -> dict[str, Any]:
    for name in engines:  # before any work
        if name not in ENGINES:
            raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    results: dict[str, Any] = {"environment": environment()}
    results["parity"] = measure_parity(folder, engines, say)
    source = load_scifact(folder)
    queries = [t for t in analyze(list(dict.fromkeys(read_queries(folder).values()))) if t]
    results["plan"] = plan(len(queries))
    results["scale"] = []
    for size in sizes:
        scale = plan_scale(source, size)
        for name in engines:
            started = time.perf_counter()
            row = in_child(partial(measure_scale, name, scale, queries, say))
            row["wall_s"] = round(time.perf_counter() - started, 1)
            results["scale"].append({"engine": name, "chunks": size, **row})
    results["environment"]["loadavg_end"] = os.getloadavg()
    return results


app = typer.Typer(add_completion=False, help=__doc__)
CORPUS = typer.Option(help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv")
SIZES = typer.Option(help="chunk counts, comma-separated")
ENGINE_NAMES = typer.Option(help="engines, comma-separated")
JSON_PATH = typer.Option("--json", help="where to write the results")


@app.command()
def main(
    corpus: Annotated[Path, CORPUS] = SCIFACT,
    sizes: Annotated[str, SIZES] = "100000,1000000",
    engines: Annotated[str, ENGINE_NAMES] = ",".join(ENGINES),
    json_path: Annotated[Path, JSON_PATH] = Path("data/lexical.json"),
) -> None:
    """Measures every engine, prints the markdown tables and writes the JSON."""
    chosen = [e.strip() for e in engines.split(",") if e.strip()]
    results = run(corpus, [int(s) for s in sizes.split(",") if s.strip()], chosen, progress)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2), "utf-8")
    typer.echo(markdown(results))


def progress(line: str) -> None:
    typer.echo(line, err=True)


if __name__ == "__main__":
    app()
