"""Vectors in Milvus: one collection reached by URI, a milvus-lite file or a Milvus server.

The docstore stays the source of truth; the collection holds only (chunk vid, vector) pairs,
so `NewsIndex._reconcile` can refill it from SQLite, and BM25 stays local either way.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from index.manifest import IndexMismatch

if TYPE_CHECKING:
    from index.vectorstores.base import StoreSettings

log = logging.getLogger(__name__)

LOCAL_FILE = "milvus.db"  # default URI: a milvus-lite database inside the index directory
COLLECTION = "newsrag_chunks"


def default_collection(directory: Path) -> str:
    """One collection per index directory, so indexes sharing a server (the eval harness makes
    one per dataset) never reconcile each other's vectors away."""
    digest = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:12]
    return f"{COLLECTION}_{digest}"


MilvusIndex = Literal["AUTOINDEX", "FLAT"]  # Milvus picks and tunes an ANN index / exact search
INDEXES: tuple[str, ...] = get_args(MilvusIndex)


@dataclass(frozen=True)
class MilvusSettings:
    """Where the vectors live (NEWSRAG_MILVUS_*): unset `uri` is milvus-lite in milvus.db
    inside the index directory; unset `collection` is one per index directory."""

    uri: str | None = None
    collection: str | None = None
    token: str | None = field(default=None, repr=False)  # user:password or an API key
    index: MilvusIndex = "AUTOINDEX"


PRIMARY, VECTOR = "id", "vector"
STRONG = {"consistency_level": "Strong"}  # a write is visible to the very next read
# Ids per delete or `id in [...]` filter: bounds each expression (parsing costs ~15 µs an id
# in milvus-lite) and each request, whatever the size of a filter's allowed set.
IDS_PER_REQUEST = 4096
REQUEST_BYTES = 16 << 20  # vectors per upsert: well under gRPC's 64 MB message cap
MAX_TOP_K = 16384  # Milvus refuses a larger limit


class MilvusStore:
    """Chunk vectors in one collection: int64 primary key = chunk vid, inner product."""

    def __init__(self, client: Any, collection: str, dimension: int, index: str, uri: str):
        if index not in INDEXES:
            raise ValueError(f"unknown Milvus index {index!r}; known: {', '.join(INDEXES)}")
        self.client = client
        self.collection = collection
        self.dimension = dimension
        self.index = index
        self.uri = uri
        # pymilvus's own rule: a URI ending in .db is an embedded milvus-lite database.
        self.local = uri.endswith(".db")
        self._open()

    @classmethod
    def open(cls, directory: Path, dimension: int, settings: StoreSettings) -> MilvusStore:
        chosen = settings.milvus
        uri = chosen.uri or str(directory / LOCAL_FILE)
        collection = chosen.collection or default_collection(directory)
        return cls(connect(uri, chosen.token), collection, dimension, chosen.index, uri)

    def _open(self) -> None:
        if self.client.has_collection(self.collection):
            self._check()
        else:
            self._create()
        self.client.load_collection(self.collection)

    def _create(self) -> None:
        types = pymilvus().DataType
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(PRIMARY, types.INT64, is_primary=True)
        schema.add_field(VECTOR, types.FLOAT_VECTOR, dim=self.dimension)
        index = self.client.prepare_index_params()
        index.add_index(VECTOR, index_type=self.index, metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=index, **STRONG)

    def _check(self) -> None:
        """Refuses a collection built for another model: its vectors cannot be compared."""
        fields = self.client.describe_collection(self.collection)["fields"]
        found = next((f.get("params", {}).get("dim") for f in fields if f["name"] == VECTOR), None)
        if found is None or int(found) != self.dimension:
            raise IndexMismatch(
                f"Milvus collection {self.collection!r} holds vectors of dimension {found}, "
                f"the model makes {self.dimension}. Point NEWSRAG_MILVUS_COLLECTION at another "
                "collection (it is filled from the docstore on open) or drop this one."
            )
        found_index = self.client.describe_index(self.collection, VECTOR).get("index_type")
        if found_index != self.index:
            log.warning(
                "Milvus collection %r keeps its %s index (settings ask for %s); drop the "
                "collection to rebuild it",
                self.collection,
                found_index,
                self.index,
            )

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Upserts rather than inserts: a retried request after a lost reply stays one row."""
        per_request = max(1, REQUEST_BYTES // (4 * self.dimension))
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), per_request):
            part = slice(start, start + per_request)
            rows = zip(ids[part].tolist(), vectors[part].tolist(), strict=True)
            self.client.upsert(self.collection, [{PRIMARY: i, VECTOR: v} for i, v in rows])

    def remove(self, ids: np.ndarray) -> None:
        for part in batches(ids):
            self.client.delete(self.collection, ids=part)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Pushes `allowed` down as `id in [...]` filters, one search per IDS_PER_REQUEST ids,
        then keeps the best k of their merged hits: exact for FLAT, and the cost grows with
        the allowed set (a filter matching most of a large corpus costs many searches)."""
        k = min(k, MAX_TOP_K)
        if k <= 0:
            return []
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        if allowed is None:
            return self._search(vector, k, "")
        parts = batches(np.unique(allowed))
        hits = [hit for part in parts for hit in self._search(vector, k, _in(part))]
        return sorted(hits, key=lambda hit: -hit[1])[:k]

    def _search(self, vector: list[float], k: int, where: str) -> list[tuple[int, float]]:
        found = self.client.search(
            self.collection,
            data=[vector],
            filter=where,
            limit=k,
            output_fields=[PRIMARY],
            search_params={"metric_type": "IP"},
            **STRONG,
        )
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def ids(self) -> np.ndarray:
        """Every primary key, ascending. One pass over the collection on each open (through
        `_reconcile`): about 8 bytes an id on the wire, so seconds for millions of chunks."""
        return np.sort(np.fromiter(self._primary_keys(), dtype=np.int64))

    def _primary_keys(self) -> Iterator[int]:
        pages = self.client.query_iterator(
            self.collection, batch_size=IDS_PER_REQUEST, output_fields=[PRIMARY], **STRONG
        )
        try:
            while page := pages.next():
                yield from (int(row[PRIMARY]) for row in page)
        finally:
            pages.close()

    def save(self) -> None:
        """milvus-lite: flush seals the memtable into an indexed, fsynced segment (searching
        an unsealed memtable is ~20x slower). A server already holds every acknowledged write
        in its WAL and rate-limits flush (0.1/s per collection by default), so nothing to do."""
        if self.local:
            self.client.flush(self.collection)

    def close(self) -> None:
        close(self.client)

    def __len__(self) -> int:
        rows = self.client.query(self.collection, output_fields=["count(*)"], **STRONG)
        return int(rows[0]["count(*)"])


def connect(uri: str, token: str | None = None) -> Any:
    """A client for `uri` (a `.db` path starts milvus-lite in this process)."""
    module = pymilvus()
    try:
        # Keep-alive pings only while a request is open: pymilvus pings every 10 s by default,
        # idle or not, and a server that allows fewer (milvus-lite's gRPC defaults) answers
        # "too_many_pings" by closing the connection (GOAWAY) during every idle spell.
        quiet = {"grpc.keepalive_permit_without_calls": 0}
        return module.MilvusClient(uri=uri, token=token or "", grpc_options=quiet)
    except module.MilvusException as exc:
        if not uri.endswith(".db"):
            raise
        # pymilvus only says "Open local milvus failed"; the usual cause is milvus-lite's lock.
        raise RuntimeError(
            f"milvus-lite could not open {uri} ({exc.message}). It allows one process at a "
            "time: stop the other newsrag process using this index, or run a Milvus server "
            "and set NEWSRAG_MILVUS_URI."
        ) from exc


def close(client: Any) -> None:
    """Closes a client (one whose server is gone too: there is nothing left to do then). A
    milvus-lite file's server, shared by every client of the file, stops when the process
    exits."""
    try:
        client.close()
    except Exception as exc:
        log.debug("closing the Milvus client: %s", exc)


def pymilvus() -> ModuleType:
    """Imported on first use: it takes over a second, and FAISS users never need it."""
    try:
        return importlib.import_module("pymilvus")
    except ImportError as exc:
        raise ImportError(
            "the milvus vector store needs pymilvus (and milvus-lite for a local file): "
            "pip install 'newsrag[milvus]'"
        ) from exc


def batches(ids: np.ndarray) -> Iterator[list[int]]:
    """`ids` as plain ints, IDS_PER_REQUEST at a time."""
    values = np.asarray(ids, dtype=np.int64).tolist()
    for start in range(0, len(values), IDS_PER_REQUEST):
        yield values[start : start + IDS_PER_REQUEST]


def _in(ids: list[int]) -> str:
    return f"{PRIMARY} in [{', '.join(map(str, ids))}]"
