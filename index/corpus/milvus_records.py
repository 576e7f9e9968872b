"""Records by the hundred thousand in Milvus: the milvus corpus's `records(name)`.

The `state` collection (MilvusState) keeps a few feeds, watches and leases, each record a row
per version, so it is read by filtering on its key. A record per document (a story's
`story-of/<doc id>`) is read on every search for each hit, and a filter costs what the
collection holds on an engine that scans (milvus-lite reads every row of the collection for
any filter: 2.4 s for a hundred hits among 400k records); a read by primary key costs what it
returns on any engine. So here a record's key is the primary key of its row, written by
upsert (the last write wins) and read by primary key (`key in [...]`).

A record longer than one VARCHAR (a story of a few hundred articles) keeps its first piece in
that row and the rest in rows of their own (`of` names the record), written before the head
row switches to the new version and dropped after it; a reader whose pieces are gone meanwhile
reads the head again. Keys go into expressions quoted by us: pymilvus's own `get` puts them
between quotes unescaped, so an id with an apostrophe would break it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from index.corpus.milvus_wire import (
    DUMMY,
    MAX_VARCHAR,
    SEP,
    _batched,
    _like,
    _list,
    _parts,
    _quote,
    _split,
)
from index.vectorstores.milvus import pymilvus

if TYPE_CHECKING:
    from index.corpus.milvus import MilvusCorpus

FIELDS = ["key", "version", "n", "parts", "value"]
PIECE = ["n", "value"]
RETRIES = 3  # times a record being rewritten is read again


class MilvusRecords:
    """A StateStore in its own collection, `<corpus>_<name>`, keyed by record."""

    def __init__(self, corpus: MilvusCorpus, name: str) -> None:
        self.corpus = corpus
        self.part = name
        self.name = corpus._named(name)
        types = pymilvus().DataType
        if not corpus._call(corpus.client.has_collection, self.name):
            schema = corpus.client.create_schema(auto_id=False)
            schema.add_field("key", types.VARCHAR, is_primary=True, max_length=2048)
            schema.add_field("of", types.VARCHAR, max_length=2048)  # a piece's record
            schema.add_field("version", types.INT64)
            schema.add_field("n", types.INT64)  # 0: the head row, read by key
            schema.add_field("parts", types.INT64)
            schema.add_field("value", types.VARCHAR, max_length=MAX_VARCHAR)
            schema.add_field("dummy", types.FLOAT_VECTOR, dim=len(DUMMY))
            index = corpus.client.prepare_index_params()
            index.add_index("dummy", index_type="FLAT", metric_type="IP")
            corpus._create(self.name, schema, index)
        self.load()

    def load(self) -> None:
        self.corpus._call(self.corpus.client.load_collection, self.name)

    # -- reading ------------------------------------------------------------------------------

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Heads by primary key, a request per IDS_PER_REQUEST keys; a long record's other
        pieces by the record they belong to."""
        found: dict[str, dict[str, Any]] = {}
        for part in _parts(list(dict.fromkeys(keys))):
            heads = self._get(part)
            for key, value in self._whole(heads).items():
                found[key] = value
        return found

    def _get(self, keys: Sequence[str], fields: list[str] = FIELDS) -> list[dict[str, Any]]:
        """Head rows by primary key."""
        return self.corpus._query(self.part, f"key in {_list(list(keys))}", fields)

    def _whole(self, heads: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Each head's record decoded, its other pieces read when it has more (read again
        from the head when a newer version dropped them meanwhile)."""
        out: dict[str, dict[str, Any]] = {}
        for attempt in range(RETRIES):
            again: list[str] = []
            for head in heads:
                pieces = [head["value"]]
                if head["parts"] > 1:
                    rest = {row["n"]: row["value"] for row in self._pieces(head)}
                    if len(rest) < head["parts"] - 1:
                        again.append(head["key"])
                        continue
                    pieces += [rest[n] for n in range(1, head["parts"])]
                value = json.loads("".join(pieces))
                if isinstance(value, dict):
                    out[head["key"]] = value
            if not again or attempt == RETRIES - 1:
                return out
            heads = self._get(again)
        return out

    def _pieces(self, head: dict[str, Any]) -> list[dict[str, Any]]:
        where = f"of == {_quote(head['key'])} and version == {head['version']} and n > 0"
        return self.corpus._query(self.part, where, PIECE)

    def keys(self, prefix: str) -> list[str]:
        return sorted(row["key"] for row in self._heads(prefix, ["key"]))

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        """One scan of the heads under `prefix`; long records' pieces read after."""
        heads = list(self._heads(prefix, FIELDS))
        return sorted(self._whole(heads).items())

    def count(self, prefix: str) -> int:
        where = self._under(prefix)
        rows = self.corpus._query(self.part, where, ["count(*)"])
        return int(rows[0]["count(*)"])

    def _heads(self, prefix: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        return self.corpus._scan(self.part, self._under(prefix), fields)

    def _under(self, prefix: str) -> str:
        if not prefix:
            return "n == 0"
        return f"key like {_quote(_like(prefix) + '%')} and n == 0"

    # -- writing ------------------------------------------------------------------------------

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.put_many([(key, value)])

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """A long record's other pieces first, then every head at once (the switch), then the
        pieces of the versions they replaced."""
        if not records:
            return
        latest = dict(records)  # a key given twice: its last value
        version = self.corpus._versions.next()
        heads, pieces, long = [], [], self._long(list(latest))
        for key, value in latest.items():
            parts = _split(json.dumps(value, ensure_ascii=False))
            heads.append(_row(key, version, 0, len(parts), parts[0]))
            pieces += [_row(key, version, n, len(parts), parts[n]) for n in range(1, len(parts))]
            if len(parts) > 1:
                long.add(key)  # its own older pieces too: a rival writer's left behind
        if pieces:
            self.corpus._insert(self.part, pieces)
        self._upsert(heads)
        for key in long:
            self._drop_pieces(key, below=version)

    def delete(self, key: str) -> None:
        long = self._long([key])
        self.corpus._delete(self.part, f"key == {_quote(key)}")
        if long:
            self._drop_pieces(key, below=None)

    def _long(self, keys: list[str]) -> set[str]:
        """Those of `keys` whose current record has pieces beyond its head."""
        out: set[str] = set()
        for part in _parts(keys):
            out.update(row["key"] for row in self._get(part, ["key", "parts"]) if row["parts"] > 1)
        return out

    def _drop_pieces(self, key: str, below: int | None) -> None:
        """A long record's pieces of older versions (all, with `below` None)."""
        where = f"of == {_quote(key)} and n > 0"
        if below is not None:
            where += f" and version < {below}"
        self.corpus._delete(self.part, where)

    def _upsert(self, rows: list[dict[str, Any]]) -> None:
        for batch in _batched(rows):
            self.corpus._call(self.corpus.client.upsert, self.name, batch)


def _row(key: str, version: int, n: int, parts: int, value: str) -> dict[str, Any]:
    """The head row (n 0) keyed by the record's key; a piece's by key, version and n (a
    control character apart: never a record's key, which has none, see _check_sizes)."""
    row_key = key if n == 0 else f"{key}{SEP}{version:020d}{SEP}{n:06d}"
    return {
        "key": row_key,
        "of": key,
        "version": version,
        "n": n,
        "parts": parts,
        "value": value,
        "dummy": DUMMY,
    }


__all__ = ["MilvusRecords"]
