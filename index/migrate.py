"""Copying an index into another corpus (a local index into Milvus), vectors and all.

Nothing is embedded again: each document goes over with its chunks, vectors and terms. A
document the target already holds unchanged (same content hash) is skipped, so a run that
was interrupted resumes where it stopped, and running it again copies only what changed.
What the service keeps beside the documents goes too, written over whatever the target has:
feed state, watches and their matches, conversations, and the stories (without them, the first
replica would group the whole archive again, through the engine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from index.corpus.base import StateStore, Stored
from index.newsindex import NewsIndex
from index.sources.feedstate import STATE_KEY
from index.stories import RECORDS
from index.watching.book import MATCHES, WATCH, Match, match_key

BATCH = 256  # documents per write: each write's checks cost the engine a pass over its rows
# Documents between checkpoints: an engine filters sealed segments by their indexes, but scans
# unsealed ones row by row (milvus-lite: each check took 0.12 s at 10k unflushed documents,
# and a copy slowed as it grew; flushed as it goes, 20k documents copied in 54 s).
CHECKPOINT_EVERY = 4096
RECORDS_PER_WRITE = 2000
# The service's records by key prefix: the server's feed state and `newsrag follow`'s, the
# watches (their matches are listed per watch), conversations.
STATE = (STATE_KEY, "follow", WATCH, "conversation/")


@dataclass
class Migration:
    copied: int = 0
    skipped: int = 0  # already in the target, unchanged
    chunks: int = 0
    records: int = 0  # feed state, watches, matches, conversations and story records
    source: tuple[int, int] = (0, 0)  # (documents, chunks) at the end
    target: tuple[int, int] = (0, 0)

    @property
    def matches(self) -> bool:
        """The target holds as many documents and chunks as the source."""
        return self.source == self.target


def migrate(
    source: NewsIndex,
    target: NewsIndex,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> Migration:
    """Copies every document of `source` that `target` does not hold unchanged; `on_batch`
    hears how many documents each batch took."""
    report = Migration()
    unsealed = 0
    for part in _batches(source.exported(), batch):
        held = target.corpus.hashes([one.document.id for one in part])
        todo = [one for one in part if held.get(one.document.id) != one.hash]
        target.corpus.replace(todo)
        report.copied += len(todo)
        report.skipped += len(part) - len(todo)
        report.chunks += sum(len(one.chunks) for one in todo)
        unsealed += len(todo)
        if unsealed >= CHECKPOINT_EVERY:
            target.checkpoint()
            unsealed = 0
        if on_batch is not None:
            on_batch(len(part))
    target.checkpoint()
    report.records = _copy(_state(source.state), target.state)
    stories = source.corpus.records(RECORDS)
    report.records += _copy(stories.items(""), target.corpus.records(RECORDS))
    report.source, report.target = source.counts(), target.counts()
    return report


def _state(state: StateStore) -> list[tuple[str, dict[str, Any]]]:
    found = [item for prefix in STATE for item in state.items(prefix)]
    watches = [key.removeprefix(WATCH) for key, _ in found if key.startswith(WATCH)]
    matches = [value for one in watches for _, value in state.items(f"{MATCHES}{one}/")]
    return found + [(match_key(Match.of(value)), value) for value in matches]


def _copy(records: Iterable[tuple[str, dict[str, Any]]], into: StateStore) -> int:
    copied = 0
    iterator = iter(records)
    while part := list(islice(iterator, RECORDS_PER_WRITE)):
        into.put_many(part)
        copied += len(part)
    return copied


def _batches(stored: Iterator[Stored], size: int) -> Iterator[list[Stored]]:
    while part := list(islice(stored, size)):
        yield part
