"""Files and folders into the index, in batches; one bad file never stops a run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.models import Document
from index.newsindex import UpsertReport
from index.readers import PartlyRead, ReadError, UnsupportedFile, discover, read_file
from index.sources.base import Sink

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    chunks: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def count(self, upsert: UpsertReport) -> None:
        self.added += len(upsert.added)
        self.replaced += len(upsert.replaced)
        self.unchanged += len(upsert.unchanged)
        self.chunks += upsert.chunks


def ingest(
    index: Sink,
    paths: Iterable[Path],
    batch_size: int = 32,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Reads every supported file under `paths` and upserts it; `on_file` ticks a progress bar."""
    report = IngestReport()
    batch: list[Document] = []
    for path in discover(paths):
        report.files += 1
        batch.extend(_read(path, report))
        if len(batch) >= batch_size:
            report.count(index.upsert(batch))
            batch = []
        if on_file is not None:
            on_file(path)
    report.count(index.upsert(batch))
    return report


def _read(path: Path, report: IngestReport) -> list[Document]:
    try:
        return good_records(path, report)
    except UnsupportedFile:
        log.warning("skipping %s: unsupported file type", path)
        report.skipped.append(str(path))
    except ReadError as exc:
        log.error("cannot read %s", exc)
        report.errors.append((str(path), exc.reason))
    return []


def good_records(path: Path, report: IngestReport) -> list[Document]:
    """The file's documents; of a file with some bad records, the good ones, each bad one
    logged and reported, so one bad line never costs a file its good ones."""
    try:
        return read_file(path)
    except PartlyRead as exc:
        for problem in exc.problems:
            log.error("cannot read %s: %s", path, problem)
            report.errors.append((str(path), problem))
        return exc.documents
