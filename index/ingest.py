"""Files and folders into the index, in batches; one bad file never stops a run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.models import Document
from index.newsindex import UpsertReport
from index.readers import FileRead, discover, read_records
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
    found = read_records(path)
    if found.unsupported:
        log.warning("skipping %s: unsupported file type", path)
        report.skipped.append(str(path))
        return []
    reported(path, found, report)
    return found.documents


def reported(path: Path, found: FileRead, report: IngestReport) -> None:
    """Each bad record of the file, or why it could not be read at all, logged and counted."""
    for reason in [*found.problems, *([found.failed] if found.failed else [])]:
        log.error("cannot read %s: %s", path, reason)
        report.errors.append((str(path), reason))
