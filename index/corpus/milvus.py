"""The milvus corpus: everything a search reads in one Milvus engine, for stateless replicas.

Any number of processes (`newsrag serve` replicas, `newsrag index`, `newsrag migrate`) open
the same corpus by URI and name and may all write: nothing of the corpus is on their disks.

Collections, all named `<name>_…` (NEWSRAG_MILVUS_COLLECTION):
- `chunks`: one row per chunk of every document version: the text and metadata a citation
  needs, the dense vector, and the lexical side (terms analyzed in Python, index/lexical.py,
  fed to Milvus's BM25 function, whose own analyzer only splits them on spaces).
- `docs`: one row per document version (full text, or its head with the rest in `texts`,
  metadata, content hash); a delete is a row too, a tombstone.
- `texts`: the rest of texts over one VARCHAR (64 KB).
- `writes`: a write in progress, so one cut short by a crash is cleaned up.
- `state`: feed state, conversations, leases (see MilvusState below).
- `stories` (any `records(name)`): a record per document and story, keyed by record, read by
  primary key (milvus_records.py).

Versions. Every write stamps a version (time-ordered, so the last write wins) and goes:
chunks, then the document row (the switch: readers take a document's highest version, and its
chunks are all there by then), then drops every older version of it. A search reads candidates,
then, by primary key, the document rows of their versions, and keeps each document's newest
switched version among them; a document none of whose candidates' versions is switched (a newer
one replaced them between the two reads) is read again (View.superseded), so a replaced
document shows its old chunks or its new ones, never both, and is never missing. Two writers
of one id: each drops only versions older than the highest it then sees, so the highest
survives whole and nothing is orphaned.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import numpy as np

from index.corpus.base import CorpusSettings, EngineUnavailable, Scored, Settle, Stored
from index.corpus.milvus_records import MilvusRecords
from index.corpus.milvus_wire import (
    DUMMY,
    MAX_VARCHAR,
    SEP,
    _batched,
    _cursor,
    _like,
    _list,
    _parts,
    _quote,
    _split,
    _utf8,
)
from index.excerpt import OPENING_CHARS, first_words
from index.filters import Filters
from index.manifest import IndexMismatch, Manifest
from index.models import Chunk, DocSummary, Document, Passage
from index.vectorstores.milvus import (
    IDS_PER_REQUEST,
    MAX_TOP_K,
    MilvusSettings,
    close,
    connect,
    pymilvus,
)

log = logging.getLogger(__name__)

MAX_ID = 1_024  # bytes of a document id
# How long cached answers that need a scan of the corpus are kept (a shared engine changes
# under every replica; these only feed counts, the source list and the recency prior).
LATEST_TTL = 1.0
COUNTS_TTL = 1.0
SOURCES_TTL = 30.0
CACHE_MAX = 256
STALE_WRITE = 600.0  # seconds: a write still in progress after this died on the way
TOMBSTONE_TTL = 3600.0  # seconds a delete is remembered (it outlives any write begun earlier)
LEASE_SETTLE = 1.0  # seconds between claiming a lease and checking it is still ours
ROW_FIELDS = ["doc_id", "version", "chunk_no", "start", "end", "text", "title", "source", "date"]
ROW_FIELDS += ["url"]
PARTS = ("chunks", "docs", "texts", "writes", "state")
PRIMARY = {"state": "row"}  # each collection's primary key field, where it is not `key`
Result = TypeVar("Result")


def default_name(settings: CorpusSettings) -> str:
    """NEWSRAG_MILVUS_COLLECTION, or one name per index directory (eval makes one per set)."""
    from index.vectorstores.milvus import default_collection

    return settings.stores.milvus.collection or default_collection(settings.directory).replace(
        "newsrag_chunks_", "newsrag_"
    )


class Versions:
    """Time-ordered write versions: microseconds since the epoch times 1000, plus a random
    tie-break, strictly increasing within a process."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            now = time.time_ns() // 1000 * 1000 + random.randrange(1000)
            self._last = max(now, self._last + 1)
            return self._last


def version_at(seconds: float) -> int:
    """The version a write made at `seconds` (Unix time) would get, give or take its tie-break."""
    return int(seconds * 1_000_000) * 1000


class MilvusCorpus:
    name = "milvus"
    shared = True

    def __init__(self, settings: CorpusSettings, settle: Settle) -> None:
        chosen = settings.stores.milvus
        self.settings = chosen
        self.uri = chosen.uri or str(settings.directory / "milvus.db")
        self.base = default_name(settings)
        self.bm25 = settings.bm25
        self._versions = Versions()
        self._cache: dict[str, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()
        self._records: dict[str, MilvusRecords] = {}
        self._computing: dict[str, threading.Lock] = {}  # a lock per cached answer
        if not chosen.uri:
            settings.directory.mkdir(parents=True, exist_ok=True)
        self.client = self._call(connect, self.uri, chosen.token)
        # pymilvus (configured on import) logs every failed request with its traceback, and
        # warns of what milvus-lite lacks (mvccTs): a failure reaches the caller as
        # EngineUnavailable, which says it, and the service logs that once.
        for name in ("pymilvus", "pymilvus.milvus_client"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self.state = MilvusState(self)
        self.leases = MilvusLeases(self.state)
        found = self._stored_manifest()
        try:
            self._manifest = settle(found)
        except IndexMismatch as exc:
            raise IndexMismatch(f"Milvus collection {self.base} at {self.uri}: {exc}") from None
        self._collections(self._manifest.dimension)
        if found is None:
            self.write_manifest(self._manifest)

    @classmethod
    def open(cls, settings: CorpusSettings, settle: Settle) -> MilvusCorpus:
        return cls(settings, settle)

    @property
    def location(self) -> str:
        return f"{self.uri} {self.base}"

    def records(self, name: str) -> MilvusRecords:
        """`<corpus>_<name>`, keyed by record (see milvus_records.py), opened once."""
        with self._cache_lock:
            if name not in self._records:
                self._records[name] = MilvusRecords(self, name)
            return self._records[name]

    # -- talking to the engine --------------------------------------------------------------

    def _call(self, work: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """One request to the engine; any failure to get an answer is EngineUnavailable. An
        engine back from a restart may hold the collections released (milvus-lite does):
        they are loaded again and the request repeated once."""
        for attempt in (1, 2):
            try:
                return work(*args, **kwargs)
            except EngineUnavailable:
                raise
            except Exception as exc:  # pymilvus raises its own, grpc's and plain errors
                if isinstance(exc, IndexMismatch | ValueError | PermissionError):
                    raise
                if attempt == 1 and "load()" in str(exc):
                    self._load()
                    continue
                raise EngineUnavailable(f"Milvus at {self.uri} did not answer: {exc}") from exc
        raise AssertionError("unreachable")

    def _load(self) -> None:
        log.warning("Milvus at %s had released the corpus: loading it again", self.uri)
        for part in PARTS:
            self._call(self.client.load_collection, self._named(part))
        for records in list(self._records.values()):
            records.load()

    def _named(self, part: str) -> str:
        return f"{self.base}_{part}"

    def _insert(self, part: str, rows: list[dict[str, Any]]) -> None:
        for batch in _batched(rows):
            self._call(self.client.insert, self._named(part), batch)

    def _delete(self, part: str, where: str) -> None:
        self._call(self.client.delete, self._named(part), filter=where)

    def _query(
        self, part: str, where: str, fields: list[str], limit: int | None = None
    ) -> list[dict[str, Any]]:
        extra = {} if limit is None else {"limit": limit}
        rows = self._call(
            self.client.query, self._named(part), filter=where, output_fields=fields, **extra
        )
        return [dict(row) for row in rows]

    def _scan(
        self, part: str, where: str, fields: list[str], batch: int = IDS_PER_REQUEST
    ) -> Iterator[dict[str, Any]]:
        """Every row matching `where`, in pages (a query alone is capped at 16,384 rows) in
        primary-key order, each after the last key read. Not pymilvus's query_iterator: it
        puts that key into its filter unquoted, and a document id with a double quote or a
        backslash made the next page's request fail."""
        pk = PRIMARY.get(part, "key")
        after: str | None = None
        while True:
            clauses = [f"({where})"] if where else []
            if after is not None:
                clauses.append(f"{pk} > {_cursor(after)}")
            page = self._call(
                self.client.query,
                self._named(part),
                filter=" and ".join(clauses),
                output_fields=list(dict.fromkeys([pk, *fields])),
                limit=min(batch, IDS_PER_REQUEST),
                iterator="True",  # rows in primary-key order, as the iterator asks for them
            )
            yield from (dict(row) for row in page)
            if len(page) < min(batch, IDS_PER_REQUEST):
                return
            after = page[-1][pk]

    def _cached(self, key: str, ttl: float, compute: Callable[[], Result]) -> Result:
        """`compute()`'s answer, kept `ttl` seconds. One request at a time computes it, the
        others wait for its answer: eight searches that found the newest date expired at
        once had each asked the engine (a few scans of the documents on milvus-lite),
        and eight clients got fewer searches a second than one."""
        hit = self._fresh(key, ttl)
        if hit is not None:
            return cast(Result, hit[1])
        with self._cache_lock:
            if len(self._computing) >= CACHE_MAX:
                self._computing.clear()
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            hit = self._fresh(key, ttl)
            if hit is not None:
                return cast(Result, hit[1])
            started = time.monotonic()
            value = compute()
            with self._cache_lock:
                if len(self._cache) >= CACHE_MAX:  # many different `match` strings: start over
                    self._cache.clear()
                self._cache[key] = (started, value)
            return value

    def _fresh(self, key: str, ttl: float) -> tuple[float, Any] | None:
        with self._cache_lock:
            hit = self._cache.get(key)
        return hit if hit is not None and time.monotonic() - hit[0] < ttl else None

    def _forget(self) -> None:
        """After a write: this process's own write shows in its next counts at once."""
        with self._cache_lock:
            self._cache.clear()

    # -- collections --------------------------------------------------------------------------

    def _collections(self, dimension: int) -> None:
        types = pymilvus().DataType
        made = {
            "chunks": lambda schema, index: self._chunks_schema(schema, index, dimension),
            "docs": self._docs_schema,
            "texts": self._texts_schema,
            "writes": self._writes_schema,
        }
        for part, describe in made.items():
            name = self._named(part)
            if not self._call(self.client.has_collection, name):
                schema = self.client.create_schema(auto_id=part == "chunks")
                index = self.client.prepare_index_params()
                describe(schema, index)
                if part != "chunks":
                    schema.add_field("dummy", types.FLOAT_VECTOR, dim=len(DUMMY))
                    index.add_index("dummy", index_type="FLAT", metric_type="IP")
                self._create(name, schema, index)
            self._call(self.client.load_collection, name)
        self._check_chunks(dimension)

    def _create(self, name: str, schema: Any, index: Any) -> None:
        """Creates a collection; replicas starting together on a new corpus race to it, and
        the one that loses finds it made."""
        try:
            self._call(
                self.client.create_collection,
                name,
                schema=schema,
                index_params=index,
                consistency_level="Strong",
            )
        except EngineUnavailable:
            if not self._call(self.client.has_collection, name):
                raise

    def _chunks_schema(self, schema: Any, index: Any, dimension: int) -> None:
        types, function = pymilvus().DataType, pymilvus().Function
        schema.add_field("key", types.INT64, is_primary=True)
        _document_fields(schema, types)
        schema.add_field("chunk_no", types.INT64)
        schema.add_field("start", types.INT64)
        schema.add_field("end", types.INT64)
        schema.add_field("text", types.VARCHAR, max_length=MAX_VARCHAR)
        # Terms arrive analyzed; `standard` only splits them on spaces (milvus-lite offers no
        # whitespace tokenizer, and its stemmer filter does nothing). enable_match: `known`.
        schema.add_field(
            "terms",
            types.VARCHAR,
            max_length=MAX_VARCHAR,
            enable_analyzer=True,
            enable_match=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field("sparse", types.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", types.FLOAT_VECTOR, dim=dimension)
        schema.add_function(
            function(
                name="bm25",
                function_type=pymilvus().FunctionType.BM25,
                input_field_names=["terms"],
                output_field_names=["sparse"],
            )
        )
        index.add_index("vector", index_type=self.settings.index, metric_type="IP")
        # Lucene's k1 and b, as tantivy scores the local index.
        index.add_index(
            "sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": 1.2, "bm25_b": 0.75},
        )
        for name in ("doc_id", "version", "date", "source_key"):
            index.add_index(name, index_type="INVERTED")

    def _docs_schema(self, schema: Any, index: Any) -> None:
        types = pymilvus().DataType
        schema.add_field("key", types.VARCHAR, is_primary=True, max_length=MAX_ID + 32)
        _document_fields(schema, types)
        schema.add_field("deleted", types.BOOL)
        schema.add_field("hash", types.VARCHAR, max_length=64)
        schema.add_field("id_key", types.VARCHAR, max_length=MAX_ID)
        schema.add_field("title_key", types.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field("opening", types.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field("text", types.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field("parts", types.INT64)
        schema.add_field("chars", types.INT64)
        schema.add_field("chunks", types.INT64)
        schema.add_field("indexed_at", types.VARCHAR, max_length=64)
        for name in ("doc_id", "version", "date", "deleted"):
            index.add_index(name, index_type="INVERTED")

    def _texts_schema(self, schema: Any, index: Any) -> None:
        types = pymilvus().DataType
        schema.add_field("key", types.VARCHAR, is_primary=True, max_length=MAX_ID + 64)
        schema.add_field("doc_id", types.VARCHAR, max_length=MAX_ID)
        schema.add_field("version", types.INT64)
        schema.add_field("n", types.INT64)
        schema.add_field("text", types.VARCHAR, max_length=MAX_VARCHAR)

    def _writes_schema(self, schema: Any, index: Any) -> None:
        types = pymilvus().DataType
        schema.add_field("key", types.VARCHAR, is_primary=True, max_length=MAX_ID + 32)
        schema.add_field("doc_id", types.VARCHAR, max_length=MAX_ID)
        schema.add_field("version", types.INT64)

    def _check_chunks(self, dimension: int) -> None:
        fields = self._call(self.client.describe_collection, self._named("chunks"))["fields"]
        found = next((f.get("params", {}).get("dim") for f in fields if f["name"] == "vector"), 0)
        if int(found) != dimension:
            raise IndexMismatch(
                f"Milvus collection {self._named('chunks')} holds vectors of dimension {found}, "
                f"the model makes {dimension}: point NEWSRAG_MILVUS_COLLECTION elsewhere"
            )

    # -- the manifest ---------------------------------------------------------------------------

    def _stored_manifest(self) -> Manifest | None:
        found = self.state.get("manifest")
        if found is None:
            return None
        lexical = found.pop("lexical", None)
        if lexical is not None and lexical != asdict(self.bm25):
            raise IndexMismatch(
                f"Milvus collection {self.base} at {self.uri} holds terms analyzed with "
                f"{lexical}, settings ask for {asdict(self.bm25)}: use those settings, or "
                "migrate into a new collection"
            )
        return Manifest(**found)

    def manifest(self) -> Manifest | None:
        return self._manifest

    def write_manifest(self, manifest: Manifest) -> None:
        self.state.put("manifest", {**asdict(manifest), "lexical": asdict(self.bm25)})
        self._manifest = manifest

    # -- reading ------------------------------------------------------------------------------

    @contextmanager
    def view(self, filters: Filters) -> Iterator[MilvusView]:
        yield MilvusView(self, expression(filters))

    def current(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each document's newest row (a tombstone included), by id."""
        newest: dict[str, dict[str, Any]] = {}
        for part in _parts(sorted(set(doc_ids))):
            where = f"doc_id in {_list(part)}"
            for row in self._query("docs", where, ["doc_id", "version", "deleted", "hash"]):
                held = newest.get(row["doc_id"])
                if held is None or row["version"] > held["version"]:
                    newest[row["doc_id"]] = row
        return newest

    def switched(self, versions: dict[str, set[int]]) -> dict[str, set[int]]:
        """Of each document's `versions`, those whose document row is there and not a
        tombstone (read by primary key)."""
        keys = [_key(doc_id, version) for doc_id, found in versions.items() for version in found]
        out: dict[str, set[int]] = defaultdict(set)
        for part in _parts(keys):
            where = f"key in [{', '.join(map(_cursor, part))}]"
            for row in self._query("docs", where, ["doc_id", "version", "deleted"]):
                if not row["deleted"]:
                    out[row["doc_id"]].add(row["version"])
        return out

    def _live(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: row for i, row in self.current(doc_ids).items() if not row["deleted"]}

    def hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return {doc_id: row["hash"] for doc_id, row in self._live(doc_ids).items()}

    def document(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        row = self._live([doc_id]).get(doc_id)
        if row is None:
            return None
        version = row["version"]
        where = f"doc_id == {_quote(doc_id)} and version == {version}"
        full = self._query("docs", where, DOC_FIELDS)
        if not full:
            return None  # replaced and dropped since: it is asked again by the caller, if at all
        head = full[0]
        doc = _document(head, self._text(head))
        spans = self._query(
            "chunks",
            f"doc_id == {_quote(doc_id)} and version == {version}",
            ["chunk_no", "start", "end"],
        )
        chunks = [
            Chunk(doc_id, s["chunk_no"], s["start"], s["end"], doc.text[s["start"] : s["end"]])
            for s in sorted(spans, key=lambda s: s["chunk_no"])
        ]
        return doc, chunks

    def _text(self, head: dict[str, Any]) -> str:
        if not head["parts"]:
            return str(head["text"])
        where = f"doc_id == {_quote(head['doc_id'])} and version == {head['version']}"
        rest = sorted(self._query("texts", where, ["n", "text"]), key=lambda r: r["n"])
        return str(head["text"]) + "".join(r["text"] for r in rest)

    def documents(self, limit: int, offset: int, match: str | None) -> list[DocSummary]:
        """In id order (the docs key begins with the id), read by a key cursor."""
        wanted = limit + 8  # a few more: versions of one document sit side by side
        rows = self._scan("docs", _matching(match), SUMMARY_FIELDS, batch=offset + wanted)
        newest: dict[str, dict[str, Any]] = {}
        for row in itertools.islice(rows, offset, offset + wanted):
            held = newest.get(row["doc_id"])
            if held is None or row["version"] > held["version"]:
                newest[row["doc_id"]] = row
        return [_summary(row) for row in list(newest.values())[:limit]]

    def count_matching(self, match: str | None) -> int:
        if not match:
            return self.counts()[0]
        return self._cached(f"match:{match}", COUNTS_TTL, lambda: self._count(_matching(match)))

    def _count(self, where: str) -> int:
        rows = self._query("docs", where, ["count(*)"])
        return int(rows[0]["count(*)"])

    def sources(self) -> list[tuple[str, int]]:
        def count() -> list[tuple[str, int]]:
            named: dict[str, str] = {}
            counts: dict[str, int] = defaultdict(int)
            where = 'deleted == false and source_key != ""'
            for row in self._scan("docs", where, ["source", "source_key"]):
                named.setdefault(row["source_key"], row["source"])
                counts[row["source_key"]] += 1
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            return [(named[key], n) for key, n in ranked]

        return self._cached("sources", SOURCES_TTL, count)

    def counts(self) -> tuple[int, int]:
        def count() -> tuple[int, int]:
            """Document rows less the tombstones among them (a document being replaced
            counts twice for that moment): a filter that matches every document made
            milvus-lite read each whole row, 26 s at 100k, on every probe of /readyz."""
            stats = self._call(self.client.get_collection_stats, self._named("chunks"))
            documents = self._count("") - self._count("deleted == true")
            return documents, int(stats["row_count"])

        return self._cached("counts", COUNTS_TTL, count)

    def latest(self) -> str | None:
        """Milvus has no max(): the newest date is found by asking for later ones until none
        is left (each answer lifts the bar, a few queries in all), kept for a second."""

        def newest() -> str | None:
            bar = 0
            while rows := self._query("docs", f"deleted == false and date > {bar}", ["date"], 256):
                bar = max(int(row["date"]) for row in rows)
            return _iso(bar)

        return self._cached("latest", LATEST_TTL, newest)

    def known(self, terms: Sequence[str]) -> set[str]:
        return {
            term
            for term in set(terms)
            if self._query("chunks", f"text_match(terms, {_quote(term)})", ["key"], 1)
        }

    def ids(self) -> Iterator[str]:
        seen: set[str] = set()  # versions of one document, side by side while it is replaced
        for row in self._scan("docs", "deleted == false", ["doc_id"]):
            if row["doc_id"] not in seen:
                seen.add(row["doc_id"])
                yield row["doc_id"]

    def exported(self, ids: Collection[str] | None = None) -> Iterator[Stored]:
        from index.models import content_hash

        fields = ["doc_id", "indexed_at"]
        if ids is None:
            heads = self._scan("docs", "deleted == false", fields)
        else:  # read by id: a few ungrouped documents are not a scan of the archive
            wanted = (
                f"doc_id in {_list(part)} and deleted == false" for part in _parts(sorted(ids))
            )
            heads = (row for where in wanted for row in self._query("docs", where, fields))
        seen: set[str] = set()
        for row in heads:
            if row["doc_id"] in seen:
                continue
            seen.add(row["doc_id"])
            found = self.document(row["doc_id"])
            if found is None:
                continue
            doc, chunks = found
            version = self._live([doc.id])[doc.id]["version"]
            where = f"doc_id == {_quote(doc.id)} and version == {version}"
            rows = sorted(
                self._query("chunks", where, ["chunk_no", "vector", "terms"]),
                key=lambda r: r["chunk_no"],
            )
            vectors = np.array([r["vector"] for r in rows], dtype=np.float32)
            terms = [r["terms"] for r in rows]
            yield Stored(doc, content_hash(doc), chunks, vectors, terms, row["indexed_at"])

    def health(self) -> str | None:
        try:
            self._call(self.client.query, self._named("docs"), filter="", limit=1, timeout=2.0)
        except EngineUnavailable as exc:
            return str(exc)
        return None

    # -- writing ------------------------------------------------------------------------------

    def replace(self, stored: Sequence[Stored]) -> None:
        if not stored:
            return
        version = self._versions.next()
        for one in stored:
            _check_sizes(one)
        ids = [one.document.id for one in stored]
        self._insert("writes", [_write_row(doc_id, version) for doc_id in ids])
        self._insert("chunks", [row for one in stored for row in _chunk_rows(one, version)])
        self._insert("texts", [row for one in stored for row in _text_rows(one, version)])
        self._insert("docs", [_doc_row(one, version) for one in stored])  # the switch
        self._drop_older(ids)
        self._delete("writes", f"doc_id in {_list(ids)} and version == {version}")
        self._forget()

    def delete(self, doc_id: str) -> bool:
        existed = doc_id in self._live([doc_id])
        if existed:
            self._insert("docs", [_tombstone(doc_id, self._versions.next())])
            self._drop_older([doc_id])
            self._forget()
        return existed

    def _drop_older(self, doc_ids: Sequence[str]) -> None:
        """Drops every version of each document older than the newest now stored (chunks,
        texts, rows): never the newest, which another writer may have just switched to."""
        by_version: dict[int, list[str]] = {}
        for doc_id, row in self.current(doc_ids).items():
            by_version.setdefault(row["version"], []).append(doc_id)
        # One `in` per version (a write's documents share one): milvus-lite evaluates a filter
        # row by row, so 64 or-ed clauses cost 64 comparisons a row where one set lookup does.
        for version, ids in by_version.items():
            for part in _parts(ids):
                where = f"doc_id in {_list(part)} and version < {version}"
                for collection in ("chunks", "texts", "docs"):
                    self._delete(collection, where)

    def checkpoint(self) -> None:
        """Flushes the collections written to: sealed segments keep their indexes between
        searches, while milvus-lite rebuilds a memtable's BM25 index on every search (seconds
        at tens of thousands of rows). A server holds its writes in its WAL either way."""
        for part in ("chunks", "docs", "texts"):
            self._call(self.client.flush, self._named(part))

    def maintain(self) -> None:
        """One process at a time (the `maintenance` lease): finishes writes that died on the
        way (their chunks dropped unless their switch happened), forgets old tombstones, and
        flushes what the minute's writes left unsealed."""
        stale = version_at(time.time() - STALE_WRITE)
        dead = self._query("writes", f"version < {stale}", ["key", "doc_id", "version"], 1000)
        for row in dead:
            self._drop_older([row["doc_id"]])
            newest = self.current([row["doc_id"]]).get(row["doc_id"])
            if newest is None or newest["version"] < row["version"]:  # never switched
                where = f"doc_id == {_quote(row['doc_id'])} and version == {row['version']}"
                for collection in ("chunks", "texts"):
                    self._delete(collection, where)
            where = f"doc_id == {_quote(row['doc_id'])} and version == {row['version']}"
            self._delete("writes", where)
        if dead:
            log.info("finished %d writes that died on the way", len(dead))
        forgotten = version_at(time.time() - TOMBSTONE_TTL)
        self._delete("docs", f"deleted == true and version < {forgotten}")
        self.state.expire()
        self.checkpoint()

    def announce(self, url: str) -> None:
        return None  # every process writes the engine itself

    def close(self) -> None:
        close(self.client)


class MilvusView:
    """One search: its filter as an expression, and the rows its candidates came with."""

    empty = False  # Milvus says so by finding nothing

    def __init__(self, corpus: MilvusCorpus, where: str) -> None:
        self.corpus = corpus
        self.where = where
        self.superseded = False
        self._rows: dict[int, dict[str, Any]] = {}

    def _search(
        self, data: list[Any], field: str, metric: str, k: int, params: dict[str, Any] | None = None
    ) -> Scored:
        k = min(k, MAX_TOP_K)
        if k <= 0:
            return []
        found = self.corpus._call(
            self.corpus.client.search,
            self.corpus._named("chunks"),
            data=data,
            anns_field=field,
            filter=self.where,
            limit=k,
            output_fields=ROW_FIELDS,
            search_params={"metric_type": metric, "params": params or {}},
        )
        scored = []
        for hit in found[0]:
            key = int(hit["key"])
            self._rows[key] = hit["entity"]
            scored.append((key, float(hit["distance"])))
        return scored

    def dense(self, vector: np.ndarray, k: int) -> Scored:
        query = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        # A graph index (AUTOINDEX is HNSW on milvus-lite) explores `ef` candidates: fewer than
        # the k asked for (a fusion asks for hundreds) loses recall, as FAISS's efSearch would.
        return self._search([query], "vector", "IP", k, {"ef": max(k, DENSE_EF)})

    def lexical(self, terms: Sequence[str], k: int) -> Scored:
        # Milvus ranks best first; milvus-lite reports BM25 negated, a server as is.
        scored = self._search([" ".join(terms)], "sparse", "BM25", k)
        return [(key, abs(score)) for key, score in scored]

    def passages(self, keys: Sequence[int]) -> dict[int, Passage]:
        """The candidates of switched versions, each document's newest of them only. A
        version is switched while its document row is there (written after its chunks,
        dropped when a newer one is switched): one read by primary key, where asking for each
        document's newest version is a filter over the documents collection (milvus-lite
        reads all of it: 200–800 ms a search at 100k)."""
        rows = {key: self._rows[key] for key in keys if key in self._rows}
        versions: dict[str, set[int]] = defaultdict(set)
        for row in rows.values():
            versions[row["doc_id"]].add(row["version"])
        switched = self.corpus.switched(versions)
        newest = {doc_id: max(found) for doc_id, found in switched.items()}
        if set(versions) - set(newest):
            # every candidate of a document was of a version dropped since (a newer one was
            # switched after the candidates were read) or not switched yet: ask again
            self.superseded = True
        return {
            key: _passage(row)
            for key, row in rows.items()
            if newest.get(row["doc_id"]) == row["version"]
        }


class MilvusState:
    """Records in the `state` collection, each written whole as a new version (split over rows
    of at most 64 KB) before older versions are dropped: a reader takes the newest version
    whose rows are all there, so a write cut short leaves the previous one readable."""

    def __init__(self, corpus: MilvusCorpus) -> None:
        self.corpus = corpus
        self.name = corpus._named("state")
        types = pymilvus().DataType
        if not corpus._call(corpus.client.has_collection, self.name):
            schema = corpus.client.create_schema(auto_id=False)
            schema.add_field("row", types.VARCHAR, is_primary=True, max_length=2048)
            schema.add_field("key", types.VARCHAR, max_length=1024)
            schema.add_field("version", types.INT64)
            schema.add_field("n", types.INT64)
            schema.add_field("parts", types.INT64)
            schema.add_field("value", types.VARCHAR, max_length=MAX_VARCHAR)
            schema.add_field("dummy", types.FLOAT_VECTOR, dim=len(DUMMY))
            index = corpus.client.prepare_index_params()
            index.add_index("dummy", index_type="FLAT", metric_type="IP")
            index.add_index("key", index_type="INVERTED")
            corpus._create(self.name, schema, index)
        corpus._call(corpus.client.load_collection, self.name)

    def get(self, key: str) -> dict[str, Any] | None:
        rows = self.corpus._query("state", f"key == {_quote(key)}", STATE_FIELDS)
        return _newest(rows)

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        """One scan for every record under `prefix` (a feed of 500 matches: one request)."""
        pattern = _like(prefix)
        rows = self.corpus._scan("state", f"key like {_quote(pattern + '%')}", STATE_FIELDS)
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[row["key"]].append(row)
        found = ((key, _newest(parts)) for key, parts in grouped.items())
        return sorted((key, value) for key, value in found if value is not None)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.put_many([(key, value)])

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Every record's rows at one new version, then older versions dropped (one `in` per
        request's worth of keys)."""
        if not records:
            return
        version = self.corpus._versions.next()
        rows = [row for key, value in records for row in _state_rows(key, value, version)]
        self.corpus._insert("state", rows)
        for part in _parts(list(dict.fromkeys(key for key, _ in records))):
            self.corpus._delete("state", f"key in {_list(part)} and version < {version}")

    def delete(self, key: str) -> None:
        self.corpus._delete("state", f"key == {_quote(key)}")

    def keys(self, prefix: str) -> list[str]:
        rows = self.corpus._scan("state", f"key like {_quote(_like(prefix) + '%')}", ["key"])
        return sorted({row["key"] for row in rows})

    def count(self, prefix: str) -> int:
        return len(self.keys(prefix))  # a key has a row per version and piece

    def expire(self, prefix: str = "conversation/", days: float = 7.0) -> None:
        """Forgets records under `prefix` not written for `days`."""
        old = version_at(time.time() - days * 86400)
        self.corpus._delete("state", f"key like {_quote(prefix + '%')} and version < {old}")

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One query per IDS_PER_REQUEST keys: a hundred hits' records in one request."""
        found: dict[str, dict[str, Any]] = {}
        for part in _parts(list(dict.fromkeys(keys))):
            by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in self.corpus._query("state", f"key in {_list(part)}", STATE_FIELDS):
                by_key[row["key"]].append(row)
            for key, rows in by_key.items():
                value = _newest(rows)
                if value is not None:
                    found[key] = value
        return found


def _state_rows(key: str, value: dict[str, Any], version: int) -> list[dict[str, Any]]:
    pieces = _split(json.dumps(value, ensure_ascii=False))
    return [
        {
            "row": f"{key}{SEP}{version:020d}{SEP}{n:06d}",
            "key": key,
            "version": version,
            "n": n,
            "parts": len(pieces),
            "value": piece,
            "dummy": DUMMY,
        }
        for n, piece in enumerate(pieces)
    ]


DENSE_EF = 64  # a graph search's breadth at least, as the local FAISS store's ef_search
STATE_FIELDS = ["key", "version", "n", "parts", "value"]


def _newest(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A record's newest version whose parts are all there, decoded (see MilvusState)."""
    versions: dict[int, dict[int, str]] = defaultdict(dict)
    parts: dict[int, int] = {}
    for row in rows:
        versions[row["version"]][row["n"]] = row["value"]
        parts[row["version"]] = row["parts"]
    for version in sorted(versions, reverse=True):
        if len(versions[version]) == parts[version]:
            value = json.loads("".join(versions[version][n] for n in range(parts[version])))
            return value if isinstance(value, dict) else None
    return None


class MilvusLeases:
    """A lease is a state record {holder, expires}. Milvus has no compare-and-set, so a free
    lease is claimed as in Fischer's mutual exclusion: write our name, wait LEASE_SETTLE (far
    longer than any contender's read-to-write gap), and hold it only if our name is still
    there (the newest write wins, so exactly one contender reads itself back). A pause of more
    than LEASE_SETTLE between a contender's read and its write could let two hold it for one
    term: what leases guard here (polling a feed, sweeping) is safe to do twice."""

    def __init__(self, state: MilvusState) -> None:
        self.state = state
        self.me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self, name: str, ttl: float) -> bool:
        key = f"lease/{name}"
        now = time.time()
        lease = self.state.get(key)
        mine = lease is not None and lease.get("holder") == self.me
        if lease is not None and not mine and float(lease.get("expires", 0)) > now:
            return False
        self.state.put(key, {"holder": self.me, "expires": now + ttl})
        if mine:
            return True  # a renewal: nobody else writes a lease that has not lapsed
        time.sleep(LEASE_SETTLE)
        lease = self.state.get(key)
        return lease is not None and lease.get("holder") == self.me

    def release(self, name: str) -> None:
        key = f"lease/{name}"
        lease = self.state.get(key)
        if lease is not None and lease.get("holder") == self.me:
            self.state.put(key, {"holder": None, "expires": 0})


# -- rows ------------------------------------------------------------------------------------

DOC_FIELDS = ["doc_id", "version", "title", "date", "source", "url", "text", "parts"]
SUMMARY_FIELDS = ["doc_id", "version", "title", "date", "source", "url", "chars", "chunks"]
SUMMARY_FIELDS += ["indexed_at", "opening"]


def _document_fields(schema: Any, types: Any) -> None:
    """What chunk rows and document rows both carry: a chunk is cited without a second read."""
    schema.add_field("doc_id", types.VARCHAR, max_length=MAX_ID)
    schema.add_field("version", types.INT64)
    schema.add_field("title", types.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("date", types.INT64)  # yyyymmdd; 0 for an undated article
    schema.add_field("source", types.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("source_key", types.VARCHAR, max_length=MAX_VARCHAR)  # lower case
    schema.add_field("url", types.VARCHAR, max_length=MAX_VARCHAR)


def _metadata(doc: Document, version: int) -> dict[str, Any]:
    return {
        "doc_id": doc.id,
        "version": version,
        "title": doc.title or "",
        "date": _day(doc.date),
        "source": doc.source or "",
        "source_key": (doc.source or "").lower(),
        "url": doc.url or "",
    }


def _chunk_rows(one: Stored, version: int) -> Iterator[dict[str, Any]]:
    meta = _metadata(one.document, version)
    vectors = np.asarray(one.vectors, dtype=np.float32)
    for chunk, vector, terms in zip(one.chunks, vectors, one.terms, strict=True):
        yield {
            **meta,
            "chunk_no": chunk.chunk_no,
            "start": chunk.start,
            "end": chunk.end,
            "text": chunk.text,
            "terms": _clip(terms),
            "vector": vector.tolist(),
        }


def _doc_row(one: Stored, version: int) -> dict[str, Any]:
    doc = one.document
    head, rest = _head(doc.text)
    return {
        **_metadata(doc, version),
        "key": _key(doc.id, version),
        "deleted": False,
        "hash": one.hash,
        "id_key": doc.id.lower(),
        "title_key": (doc.title or "").lower(),
        "opening": doc.text[:OPENING_CHARS],
        "text": head,
        "parts": len(rest),
        "chars": len(doc.text),
        "chunks": len(one.chunks),
        "indexed_at": one.indexed_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dummy": DUMMY,
    }


def _tombstone(doc_id: str, version: int) -> dict[str, Any]:
    empty = Document(doc_id, "")
    return {
        **_metadata(empty, version),
        "key": _key(doc_id, version),
        "deleted": True,
        "hash": "",
        "id_key": doc_id.lower(),
        "title_key": "",
        "opening": "",
        "text": "",
        "parts": 0,
        "chars": 0,
        "chunks": 0,
        "indexed_at": "",
        "dummy": DUMMY,
    }


def _text_rows(one: Stored, version: int) -> Iterator[dict[str, Any]]:
    doc_id = one.document.id
    _, rest = _head(one.document.text)
    for n, text in enumerate(rest, 1):
        yield {
            "key": f"{_key(doc_id, version)}{SEP}{n:06d}",
            "doc_id": doc_id,
            "version": version,
            "n": n,
            "text": text,
            "dummy": DUMMY,
        }


def _write_row(doc_id: str, version: int) -> dict[str, Any]:
    return {"key": _key(doc_id, version), "doc_id": doc_id, "version": version, "dummy": DUMMY}


def _passage(row: dict[str, Any]) -> Passage:
    return Passage(
        row["doc_id"],
        int(row["chunk_no"]),
        int(row["start"]),
        int(row["end"]),
        row["text"],
        row["title"] or None,
        row["source"] or None,
        _iso(int(row["date"])),
        row["url"] or None,
    )


def _document(row: dict[str, Any], text: str) -> Document:
    return Document(
        row["doc_id"],
        text,
        row["title"] or None,
        _iso(int(row["date"])),
        row["source"] or None,
        row["url"] or None,
    )


def _summary(row: dict[str, Any]) -> DocSummary:
    return DocSummary(
        row["doc_id"],
        row["title"] or None,
        _iso(int(row["date"])),
        row["source"] or None,
        row["url"] or None,
        int(row["chars"]),
        int(row["chunks"]),
        row["indexed_at"],
        first_words(row["opening"]),
    )


def _key(doc_id: str, version: int) -> str:
    return f"{doc_id}{SEP}{version:020d}"


def _day(iso: str | None) -> int:
    return int(iso.replace("-", "")) if iso else 0


def _iso(day: int) -> str | None:
    if not day:
        return None
    text = f"{day:08d}"
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def expression(filters: Filters) -> str:
    """`filters` in Milvus's expression language, over chunk or document rows ("" for none)."""
    clauses = []
    if filters.doc_ids is not None:
        clauses.append(f"doc_id in {_list(list(filters.doc_ids))}")
    if (sources := filters.sources) is not None:
        clauses.append(f"source_key in {_list([s.lower() for s in sources])}")
    if filters.date_from is not None:
        clauses.append(f"date >= {_day(filters.date_from)}")
    if filters.date_to is not None:
        clauses.append(f"(date > 0 and date <= {_day(filters.date_to)})")
    if filters.as_of is not None:
        clauses.append(f"(date == 0 or date <= {_day(filters.as_of)})")
    if filters.published_from is not None:
        clauses.append(f"(date == 0 or date >= {_day(filters.published_from)})")
    return " and ".join(clauses)


def _matching(match: str | None) -> str:
    """Live documents whose id, title or source contains `match` (case-insensitive)."""
    if not match:
        return "deleted == false"
    escaped = match.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = _quote(f"%{escaped}%")
    keys = " or ".join(f"{field} like {pattern}" for field in ("id_key", "title_key", "source_key"))
    return f"deleted == false and ({keys})"


def _head(text: str) -> tuple[str, list[str]]:
    pieces = _split(text)
    return pieces[0], pieces[1:]


def _clip(terms: str) -> str:
    """Terms past Milvus's VARCHAR limit are dropped (a pathological title repeated in every
    chunk's context): they only weigh a chunk, the text itself is kept whole."""
    if _utf8(terms) <= MAX_VARCHAR:
        return terms
    return terms.encode("utf-8")[:MAX_VARCHAR].decode("utf-8", "ignore").rsplit(" ", 1)[0]


def _check_sizes(one: Stored) -> None:
    """What Milvus cannot hold is refused before anything is written."""
    doc = one.document
    if _utf8(doc.id) > MAX_ID:
        raise ValueError(f"document id {doc.id[:40]!r}… is over {MAX_ID} bytes")
    if any(c < " " for c in doc.id):
        raise ValueError(f"document id {doc.id!r} holds a control character")
    for name in ("title", "source", "url"):
        value = getattr(doc, name) or ""
        if _utf8(value) > MAX_VARCHAR:
            raise ValueError(f"document {doc.id!r}: its {name} is over {MAX_VARCHAR} bytes")
    for chunk in one.chunks:
        if _utf8(chunk.text) > MAX_VARCHAR:
            raise ValueError(f"document {doc.id!r}: chunk {chunk.chunk_no} is over 64 KB")


__all__ = ["EngineUnavailable", "MilvusCorpus", "MilvusSettings", "expression"]
