"""Records by the hundred thousand in one SQLite file: the local corpus's `records(name)`.

The index directory's FileState keeps a file per record, right for a few feeds and watches and
wrong for a record per document (100k files, a directory listing per lookup). Here every
record is a row of one table, keyed; a lookup of a hundred keys is one SELECT. WAL mode: a
process reading the index beside its writer (`newsrag search` beside a server) reads the last
commit without waiting.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

SCHEMA = "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
KEYS_PER_SELECT = 500  # well under SQLite's limit of bound parameters


class SqliteState:
    """A StateStore in one SQLite file. `read_only` (beside the process that writes it) reads
    whatever the writer committed, and nothing at all before the file exists."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if not read_only:
            self._open()

    def _open(self) -> sqlite3.Connection | None:
        """The connection, opened on first need (a reader waits for the writer's file)."""
        if self._db is not None:
            return self._db
        if self.read_only and not self.path.exists():
            return None
        target = f"file:{self.path}?mode=ro" if self.read_only else str(self.path)
        db = sqlite3.connect(target, uri=True, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout=5000")
        if not self.read_only:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(SCHEMA)
        self._db = db
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection | None]:
        with self._lock:
            yield self._open()

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        with self._connection() as db:
            if db is None:
                return found
            wanted = iter(dict.fromkeys(keys))
            while part := list(islice(wanted, KEYS_PER_SELECT)):
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT key, value FROM records WHERE key IN ({marks})", part)
                found.update((key, json.loads(value)) for key, value in rows)
        return found

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._writable()
        text = json.dumps(value, ensure_ascii=False)
        with self._connection() as db:
            assert db is not None
            db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", (key, text))

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        self._writable()
        rows = [(key, json.dumps(value, ensure_ascii=False)) for key, value in records]
        with self._connection() as db:
            assert db is not None
            with db:  # one transaction
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", rows)

    def delete(self, key: str) -> None:
        self._writable()
        with self._connection() as db:
            assert db is not None
            db.execute("DELETE FROM records WHERE key = ?", (key,))

    def keys(self, prefix: str) -> list[str]:
        return [key for (key,) in self._rows("key", prefix)]

    def count(self, prefix: str) -> int:
        rows = self._rows("COUNT(*)", prefix, ordered=False)
        return int(rows[0][0]) if rows else 0

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        return [(key, json.loads(value)) for key, value in self._rows("key, value", prefix)]

    def _rows(self, columns: str, prefix: str, ordered: bool = True) -> list[tuple[Any, ...]]:
        order = " ORDER BY key" if ordered else ""
        with self._connection() as db:
            if db is None:
                return []
            if not prefix:
                return db.execute(f"SELECT {columns} FROM records{order}").fetchall()
            # a range on the primary key: an index search, not a scan
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            query = f"SELECT {columns} FROM records WHERE key >= ? AND key < ?{order}"
            return db.execute(query, (prefix, after)).fetchall()

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError(f"{self.path} was opened read-only")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
