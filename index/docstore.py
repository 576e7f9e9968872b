"""SQLite docstore: the source of truth for documents, chunk spans and their vectors.

Vectors are kept here too, so the FAISS file is a derived index that can always be
reconciled or rebuilt after a crash, without re-embedding anything.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.excerpt import OPENING_CHARS, first_words
from index.filters import Filters
from index.models import Chunk, DocSummary, Document, Passage

if TYPE_CHECKING:
    from index.corpus.base import Stored

FILENAME = "docstore.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    title TEXT, date TEXT, source TEXT, url TEXT,
    hash TEXT NOT NULL,
    indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS chunks (
    vid INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    chunk_no INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (doc_id, chunk_no)
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
"""

# A Passage's fields, in order.
PASSAGE_COLUMNS = """c.doc_id, c.chunk_no, c.start, c.end,
    substr(d.text, c.start + 1, c.end - c.start), d.title, d.source, d.date, d.url"""


@dataclass(frozen=True)
class Chunked:
    """A document's chunk ids and spans, in chunk order, with what their lexical text needs."""

    doc_id: str
    title: str | None
    text: str
    vids: list[int]
    spans: list[tuple[int, int]]


class DocStore:
    """One SQLite file in WAL mode: one writer connection, which the index's single writer
    uses, and a connection per reading thread, so reads never wait for a write in progress
    (WAL readers see the last commit) and `snapshot` can hold one commit for a whole search."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILENAME
        self._db = self._connect()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)

    def _read(self) -> sqlite3.Connection:
        """This thread's reading connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            db.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(db)
        return db

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read on this thread inside the block sees one commit: the latest at its start
        (an inner block shares the outer one's)."""
        db = self._read()
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN")
        try:
            db.execute("SELECT 1 FROM documents LIMIT 1").fetchall()  # the snapshot starts here
            yield
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a crash inside leaves the previous state."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def hash_of(self, doc_id: str) -> str | None:
        row = self._read().execute("SELECT hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, stored: Stored) -> np.ndarray:
        """Inserts the document and its chunks (inside a transaction); returns the new ids."""
        doc = stored.document
        self._db.execute(
            "INSERT INTO documents (id, text, title, date, source, url, hash, indexed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, "
            "coalesce(?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))",
            (doc.id, doc.text, doc.title, doc.date, doc.source, doc.url, stored.hash)
            + (stored.indexed_at,),
        )
        vids = []
        for chunk, vector in zip(stored.chunks, stored.vectors, strict=True):
            cur = self._db.execute(
                "INSERT INTO chunks (doc_id, chunk_no, start, end, vector) VALUES (?, ?, ?, ?, ?)",
                (
                    doc.id,
                    chunk.chunk_no,
                    chunk.start,
                    chunk.end,
                    vector.astype(np.float32).tobytes(),
                ),
            )
            vids.append(cur.lastrowid)
        return np.array(vids, dtype=np.int64)

    def delete(self, doc_ids: Sequence[str]) -> np.ndarray:
        """Deletes documents and their chunks; returns the chunk ids that went with them."""
        vids = self._ids_of(doc_ids)
        for doc_id in doc_ids:
            self._db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return vids

    def _ids_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        rows = [
            r[0]
            for doc_id in doc_ids
            for r in self._db.execute("SELECT vid FROM chunks WHERE doc_id = ?", (doc_id,))
        ]
        return np.array(rows, dtype=np.int64)

    def all_ids(self) -> np.ndarray:
        rows = self._read().execute("SELECT vid FROM chunks ORDER BY vid").fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def chunked(self, vids: np.ndarray | None = None) -> Iterator[Chunked]:
        """Every document (or those owning any of `vids`) with its chunk ids and spans in chunk
        order: what the lexical index is rebuilt or repaired from."""
        where = ""
        args: tuple[str, ...] = ()
        if vids is not None:
            ids = json.dumps([int(v) for v in vids])
            where = "WHERE c.doc_id IN (SELECT doc_id FROM chunks WHERE vid IN "
            where += "(SELECT value FROM json_each(?)))"
            args = (ids,)
        rows = self._read().execute(
            "SELECT c.doc_id, d.title, d.text, c.vid, c.start, c.end FROM chunks c "
            f"JOIN documents d ON d.id = c.doc_id {where} ORDER BY c.doc_id, c.chunk_no",
            args,
        )
        current: Chunked | None = None
        for doc_id, title, text, vid, start, end in rows:
            if current is None or current.doc_id != doc_id:
                if current is not None:
                    yield current
                current = Chunked(doc_id, title, text, [], [])
            current.vids.append(vid)
            current.spans.append((start, end))
        if current is not None:
            yield current

    def ids(self) -> Iterator[str]:
        db = self._read()
        with self.snapshot():
            yield from (doc_id for (doc_id,) in db.execute("SELECT id FROM documents ORDER BY id"))

    def exported(
        self, ids: Collection[str] | None = None
    ) -> Iterator[tuple[Document, str, list[Chunk], np.ndarray]]:
        """Every document (or those of `ids`) in id order with when it was indexed, its chunks
        and their vectors: what a migration copies (one read transaction, so a concurrent
        write is seen whole or not at all)."""
        db = self._read()
        select = "SELECT id, text, title, date, source, url, indexed_at FROM documents"
        with self.snapshot():
            if ids is None:
                docs = db.execute(f"{select} ORDER BY id")
            else:
                wanted = json.dumps(sorted(ids))
                docs = db.execute(
                    f"{select} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", (wanted,)
                )
            for *fields, indexed_at in docs:
                doc = Document(*fields)
                rows = db.execute(
                    "SELECT chunk_no, start, end, vector FROM chunks WHERE doc_id = ? "
                    "ORDER BY chunk_no",
                    (doc.id,),
                ).fetchall()
                chunks = [Chunk(doc.id, n, s, e, doc.text[s:e]) for n, s, e, _ in rows]
                vectors = np.array(
                    [np.frombuffer(blob, dtype=np.float32) for *_, blob in rows], dtype=np.float32
                )
                yield doc, str(indexed_at), chunks, vectors

    def vectors(self, vids: np.ndarray, dimension: int) -> np.ndarray:
        """The stored vectors of `vids`, in that order."""
        out = np.zeros((len(vids), dimension), dtype=np.float32)
        blobs = dict(self._by_vid("SELECT vid, vector FROM chunks c", vids.tolist()))
        for i, vid in enumerate(vids.tolist()):
            out[i] = np.frombuffer(blobs[vid], dtype=np.float32)
        return out

    def rows(self, vids: Sequence[int]) -> dict[int, Passage]:
        """Citation-ready passages for chunk ids; missing ids are simply absent."""
        select = (
            f"SELECT c.vid, {PASSAGE_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.doc_id"
        )
        found = {row[0]: Passage(*row[1:]) for row in self._by_vid(select, vids)}
        return {vid: found[vid] for vid in vids if vid in found}

    def _by_vid(self, select: str, vids: Iterable[int]) -> list[tuple[Any, ...]]:
        """`select` (over chunks as `c`) for the rows of `vids`, in one statement: the ids go
        in as one JSON parameter, so no count reaches SQLite's limit on bound variables."""
        ids = json.dumps([int(v) for v in vids])
        return (
            self._read()
            .execute(f"{select} WHERE c.vid IN (SELECT value FROM json_each(?))", (ids,))
            .fetchall()
        )

    def filter_ids(self, filters: Filters) -> np.ndarray | None:
        """Chunk ids that pass `filters`, or None when they would pass every chunk."""
        filters = self._narrowing(filters)
        if not filters:
            return None
        where, args = _where(filters)
        rows = (
            self._read()
            .execute(
                f"SELECT c.vid FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {where}",
                args,
            )
            .fetchall()
        )
        return np.array([r[0] for r in rows], dtype=np.int64)

    def _narrowing(self, filters: Filters) -> Filters:
        """`filters` without the bounds that keep every document: an as-of day no article is
        later than, or a published-from day no article is earlier than (undated articles pass
        both). A question naming a period adds the second, usually to an archive that starts
        later, where listing every chunk id that passes costs many searches' CPU to exclude
        nothing (docs/tuning.md, "Date bounds that exclude nothing")."""
        if filters.as_of is None and filters.published_from is None:
            return filters
        earliest, latest = self.date_range()
        if filters.as_of is not None and (latest is None or latest <= filters.as_of):
            filters = replace(filters, as_of=None)
        if filters.published_from is not None and (
            earliest is None or earliest >= filters.published_from
        ):
            filters = replace(filters, published_from=None)
        return filters

    def date_range(self) -> tuple[str | None, str | None]:
        """The oldest and newest publication dates stored (two index lookups)."""
        row = (
            self._read()
            .execute("SELECT (SELECT min(date) FROM documents), (SELECT max(date) FROM documents)")
            .fetchone()
        )
        return row[0], row[1]

    def latest(self) -> str | None:
        """The newest publication date stored (an index lookup)."""
        row = self._read().execute("SELECT max(date) FROM documents").fetchone()
        return None if row[0] is None else str(row[0])

    def get(self, doc_id: str) -> tuple[Document, list[Chunk]] | None:
        db = self._read()
        row = db.execute(
            "SELECT id, text, title, date, source, url FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            return None
        doc = Document(*row)
        spans = db.execute(
            "SELECT chunk_no, start, end FROM chunks WHERE doc_id = ? ORDER BY chunk_no", (doc_id,)
        ).fetchall()
        return doc, [Chunk(doc_id, n, s, e, doc.text[s:e]) for n, s, e in spans]

    def summaries(self, limit: int, offset: int, match: str | None = None) -> list[DocSummary]:
        """Documents in id order, without their text; `match` keeps those whose id, title or
        source contains it (case-insensitive): what a person scanning the archive types."""
        where, args = _matching(match)
        rows = (
            self._read()
            .execute(
                "SELECT d.id, d.title, d.date, d.source, d.url, length(d.text), "
                "(SELECT count(*) FROM chunks c WHERE c.doc_id = d.id), d.indexed_at, "
                f"substr(d.text, 1, {OPENING_CHARS}) "
                f"FROM documents d WHERE {where} ORDER BY d.id LIMIT ? OFFSET ?",
                (*args, limit, offset),
            )
            .fetchall()
        )
        return [
            DocSummary(id, title, day, source, url, chars, chunks, at, first_words(opening))
            for id, title, day, source, url, chars, chunks, at, opening in rows
        ]

    def count_matching(self, match: str | None) -> int:
        where, args = _matching(match)
        row = self._read().execute(f"SELECT count(*) FROM documents d WHERE {where}", args)
        return int(row.fetchone()[0])

    def sources(self) -> list[tuple[str, int]]:
        """Each source (sources differing only in case are one, as filters match them) with
        its document count, most documents first: what a source filter can offer."""
        rows = self._read().execute(
            "SELECT source, count(*) FROM documents WHERE source IS NOT NULL AND source != '' "
            "GROUP BY source COLLATE NOCASE ORDER BY count(*) DESC, source COLLATE NOCASE"
        )
        return [(str(name), int(n)) for name, n in rows.fetchall()]

    def count_documents(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM documents").fetchone()[0])

    def count_chunks(self) -> int:
        return int(self._read().execute("SELECT count(*) FROM chunks").fetchone()[0])


def _matching(match: str | None) -> tuple[str, list[object]]:
    """A substring test on id, title and source; LIKE's own wildcards in `match` are literal."""
    if not match:
        return "1", []
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", match) + "%"
    clause = " OR ".join(f"{col} LIKE ? ESCAPE '\\'" for col in ("d.id", "d.title", "d.source"))
    return f"({clause})", [pattern] * 3


def _where(filters: Filters) -> tuple[str, list[object]]:
    clauses: list[str] = []
    args: list[object] = []
    if filters.doc_ids is not None:
        clauses.append(f"d.id IN ({', '.join('?' * len(filters.doc_ids)) or 'NULL'})")
        args.extend(filters.doc_ids)
    if (sources := filters.sources) is not None:
        clauses.append(f"d.source COLLATE NOCASE IN ({', '.join('?' * len(sources)) or 'NULL'})")
        args.extend(sources)
    if filters.date_from is not None:
        clauses.append("d.date >= ?")
        args.append(filters.date_from)
    if filters.date_to is not None:
        clauses.append("d.date <= ?")
        args.append(filters.date_to)
    if filters.as_of is not None:
        clauses.append("(d.date IS NULL OR d.date <= ?)")
        args.append(filters.as_of)
    if filters.published_from is not None:
        clauses.append("(d.date IS NULL OR d.date >= ?)")
        args.append(filters.published_from)
    return " AND ".join(clauses), args
