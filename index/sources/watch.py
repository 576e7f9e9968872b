"""Folders kept in step with the index: files added, changed or deleted show up within seconds.

A file may hold many documents (.jsonl), so which ids came from which file is kept in a JSON
file in the index directory; a deleted file deletes exactly its documents.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from index.files import read_json, write_json
from index.ingest import IngestReport, reported
from index.models import Document
from index.readers import discover, read_records
from index.sources.base import Sink

log = logging.getLogger(__name__)

STATE_FILE = "watch.json"  # in the index directory


@dataclass
class SyncReport(IngestReport):
    """An ingest report that also counts documents deleted with their files."""

    deleted: int = 0

    @property
    def changed(self) -> bool:
        """Anything read, deleted or failed (a change to a skipped file is nothing)."""
        return bool(self.files or self.deleted or self.errors)


@dataclass
class _Entry:
    stamp: tuple[int, int]  # (mtime_ns, size): a file whose stamp is unchanged is not read again
    ids: list[str]


class FolderSync:
    """Brings the documents of the files under `roots` in line with those files, via `sink`."""

    def __init__(self, roots: Iterable[Path], sink: Sink, state_file: Path) -> None:
        self.roots = [root.resolve() for root in roots]
        self.sink, self.state_file = sink, state_file
        stored = (read_json(state_file) or {}).get("files", {})
        self.files = {path: _entry(record) for path, record in stored.items()}

    def sync(self) -> SyncReport:
        """Everything under the roots: new and changed files read, vanished ones deleted."""
        return self.update(self.roots)

    def update(self, paths: Iterable[Path]) -> SyncReport:
        """Bring these files (or folders, recursively) in line; one bad file never stops it."""
        report = SyncReport()
        for path in sorted(set(self._files(paths))):
            if path.is_file():
                self._index(path, report)
            else:
                gone = self.files.pop(str(path), None)
                self._drop(gone.ids if gone else [], report)
        write_json(self.state_file, {"version": 1, "files": self._stored()})
        return report

    def _files(self, paths: Iterable[Path]) -> Iterator[Path]:
        """Each visible file at or under each path, on disk or remembered (then deleted)."""
        for path in (Path(p).resolve() for p in paths):
            if not self._visible(path):
                continue
            yield from (discover([path]) if path.is_dir() else [path])
            prefix = f"{path}{os.sep}"
            yield from (Path(p) for p in self.files if p == str(path) or p.startswith(prefix))

    def _visible(self, path: Path) -> bool:
        """Under a root and not hidden (.git, .DS_Store, editor swap files), as `discover` does."""
        for root in self.roots:
            if path.is_relative_to(root):
                return not any(part.startswith(".") for part in path.relative_to(root).parts)
        return False

    def _index(self, path: Path, report: SyncReport) -> None:
        """Upsert a new or changed file's documents and delete those it no longer holds."""
        stamp, old = _stamp(path), self.files.get(str(path))
        if old is not None and old.stamp == stamp:
            return
        docs = self._read(path, report)
        if docs is None:
            return  # unreadable: its old documents stay until it reads again
        report.files += 1
        ids = [doc.id for doc in docs]
        self.files[str(path)] = _Entry(stamp, ids)
        self._drop([i for i in (old.ids if old else []) if i not in ids], report)

    def _read(self, path: Path, report: SyncReport) -> list[Document] | None:
        """The file's documents, upserted; None when it could not be read or stored."""
        found = read_records(path)
        if found.unsupported:
            return None
        reported(path, found, report)
        if found.failed:
            return None
        docs = found.documents
        try:
            upserted = self.sink.upsert(docs)
        except Exception as exc:  # a sink failure on one file must not end the watch
            log.exception("cannot index %s", path)
            report.errors.append((str(path), f"{type(exc).__name__}: {exc}"))
            return None
        report.count(upserted)
        return docs

    def _drop(self, ids: list[str], report: SyncReport) -> None:
        """Delete these ids, except one another file still holds (a.txt and a.md share 'a')."""
        held = {doc_id for entry in self.files.values() for doc_id in entry.ids}
        for doc_id in ids:
            if doc_id not in held and self.sink.delete(doc_id):
                report.deleted += 1

    def _stored(self) -> dict[str, dict[str, object]]:
        return {p: {"stamp": list(e.stamp), "ids": e.ids} for p, e in sorted(self.files.items())}


def _stamp(path: Path) -> tuple[int, int]:
    """(mtime_ns, size); (0, 0) for a file gone since it was listed (its read then fails)."""
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def _entry(record: dict[str, list[object]]) -> _Entry:
    mtime, size = record["stamp"]
    return _Entry((int(str(mtime)), int(str(size))), [str(i) for i in record["ids"]])


def watch_folders(
    folders: FolderSync,
    on_sync: Callable[[SyncReport], None],
    stop: threading.Event | None = None,
) -> None:
    """Sync once, then after every batch of changes, until `stop` is set (or Ctrl-C).

    The watcher is started before the first sync (its first idle timeout says it is up), so
    a file changed while the first sync runs is not missed."""
    synced = False
    changes: set[tuple[watchfiles.Change, str]]
    for changes in watchfiles.watch(
        *folders.roots, stop_event=stop, rust_timeout=500, yield_on_timeout=True
    ):
        if not synced:
            on_sync(folders.sync())
            synced = True
        report = folders.update(Path(path) for _, path in changes) if changes else None
        if report is not None and report.changed:
            on_sync(report)
