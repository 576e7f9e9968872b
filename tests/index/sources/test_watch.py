"""Folders followed into a real index: a first sync, then every change within seconds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.newsindex import NewsIndex
from index.sources.watch import STATE_FILE, FolderSync, SyncReport, watch_folders

RECORDS = [
    {"id": "gas", "text": "The east-route gas pipeline was completed in December 2024."},
    {"id": "expo", "text": "Putin will open the China-Russia Expo in Harbin."},
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    (root / "world").mkdir(parents=True)
    (root / "harbin.txt").write_text("Harbin hosts the ice and snow festival every January.\n")
    (root / "world" / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS))
    (root / ".draft.txt").write_text("Not ready to be found.\n")
    (root / "scan.pdf").write_bytes(b"%PDF-1.4")
    return root


def ids(index: NewsIndex) -> list[str]:
    return [doc.id for doc in index.documents().documents]


def test_a_sync_follows_new_changed_and_deleted_files(folder: Path, fresh_index: NewsIndex) -> None:
    state = fresh_index.corpus.directory / STATE_FILE
    report = FolderSync([folder], fresh_index, state).sync()
    assert (report.files, report.added, report.errors) == (2, 3, [])
    assert ids(fresh_index) == ["expo", "gas", "harbin"]

    assert not FolderSync([folder], fresh_index, state).sync().changed  # stamps remembered

    (folder / "harbin.txt").write_text("Harbin's festival opens with record crowds.\n")
    (folder / "world" / "feed.jsonl").write_text(json.dumps(RECORDS[0]))
    report = FolderSync([folder], fresh_index, state).sync()
    assert (report.files, report.replaced, report.unchanged, report.deleted) == (2, 1, 1, 1)
    assert ids(fresh_index) == ["gas", "harbin"]

    (folder / "world" / "feed.jsonl").unlink()
    report = FolderSync([folder], fresh_index, state).sync()
    assert (report.files, report.deleted, ids(fresh_index)) == (0, 1, ["harbin"])
    assert list(json.loads(state.read_text())["files"]) == [str(folder / "harbin.txt")]


def test_a_file_that_stops_reading_keeps_its_documents(
    folder: Path, fresh_index: NewsIndex
) -> None:
    synced = FolderSync([folder], fresh_index, fresh_index.corpus.directory / STATE_FILE)
    synced.sync()
    (folder / "world" / "feed.jsonl").write_text('{"id": "gas", "text": ')  # half written
    report = synced.sync()
    assert report.errors and "invalid JSON" in report.errors[0][1]
    assert ids(fresh_index) == ["expo", "gas", "harbin"]


def test_an_id_another_file_still_holds_is_not_deleted(
    folder: Path, fresh_index: NewsIndex
) -> None:
    (folder / "world" / "harbin.md").write_text("# Harbin\n\nThe same story, in Markdown.\n")
    synced = FolderSync([folder], fresh_index, fresh_index.corpus.directory / STATE_FILE)
    synced.sync()
    (folder / "world" / "harbin.md").unlink()
    assert synced.update([folder / "world" / "harbin.md"]).deleted == 0
    assert "harbin" in ids(fresh_index)


def text_of(index: NewsIndex, doc_id: str) -> str:
    found = index.document(doc_id)
    return found[0].text if found else ""


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time limit"
        time.sleep(0.05)


@pytest.fixture
def watching(folder: Path, fresh_index: NewsIndex) -> Iterator[list[SyncReport]]:
    """The watcher in a thread, as `newsrag watch` runs it; the reports it made, in order."""
    reports: list[SyncReport] = []
    stop = threading.Event()
    synced = FolderSync([folder], fresh_index, fresh_index.corpus.directory / STATE_FILE)
    thread = threading.Thread(target=watch_folders, args=(synced, reports.append, stop))
    thread.start()
    eventually(lambda: bool(reports))  # the first sync
    yield reports
    stop.set()
    thread.join(5)
    assert not thread.is_alive()


def test_the_watcher_picks_up_added_changed_and_deleted_files(
    watching: list[SyncReport], folder: Path, fresh_index: NewsIndex
) -> None:
    assert watching[0].added == 3

    (folder / "world" / "rail.txt").write_text("A rail bridge links Heihe and Blagoveshchensk.\n")
    eventually(lambda: "rail" in ids(fresh_index))
    assert fresh_index.search("rail bridge", 1).hits[0].doc_id == "rail"

    (folder / "harbin.txt").write_text("Harbin's festival opens with record crowds.\n")
    eventually(lambda: "record crowds" in text_of(fresh_index, "harbin"))

    (folder / "world" / "feed.jsonl").unlink()
    eventually(lambda: sum(report.deleted for report in watching) == 2)
    assert ids(fresh_index) == ["harbin", "rail"]
