"""A killed indexer leaves an index that opens, is consistent, and finishes on the next run;
searches that run during writes never see a half-written state."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index.docstore import FILENAME as DOCSTORE
from index.embedding import Embedder
from index.models import Document
from index.newsindex import NewsIndex

pytestmark = pytest.mark.slow

TOPICS = ["trade", "energy", "culture", "security", "science", "finance", "sport", "travel"]


def article(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    paragraphs = [
        f"Report {n} on {topic}. Officials met on day {n} to review {topic} cooperation "
        f"and agreed on {n % 7 + 2} new measures for the coming year."
        for _ in range(4)
    ]
    return "\n\n".join(paragraphs)


def documents_in(index_dir: Path) -> int:
    path = index_dir / DOCSTORE
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def newsrag_index(folder: Path, index_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSRAG_INDEX_DIR": str(index_dir)}
    command = [sys.executable, "-m", "newsrag", "index", str(folder)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigkill_mid_run_then_a_second_run_finishes(embedder: Embedder, tmp_path: Path) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    total = 64  # two batches of the indexer: the kill lands after the first
    for n in range(total):
        (folder / f"a{n:04d}.txt").write_text(article(n))

    process = newsrag_index(folder, index_dir)
    deadline = time.monotonic() + 120
    while documents_in(index_dir) == 0 and process.poll() is None:
        assert time.monotonic() < deadline, "the indexer wrote nothing in 120 s"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL, "the indexer finished before it was killed"
    written = documents_in(index_dir)
    assert 0 < written < total

    index = NewsIndex(index_dir, embedder)
    stored = index.corpus.docstore.all_ids()
    assert np.array_equal(np.sort(index.corpus.vectors.ids()), stored)
    assert index.search("energy cooperation measures", k=3).hits
    index.close()

    second = newsrag_index(folder, index_dir)
    output = second.communicate(timeout=300)[0].decode()
    assert second.returncode == 0, output
    assert f"{total} files: {total - written} added" in " ".join(output.split())
    index = NewsIndex(index_dir, embedder)
    assert index.counts()[0] == total
    assert np.array_equal(np.sort(index.corpus.vectors.ids()), index.corpus.docstore.all_ids())
    index.close()


def test_searches_during_writes_see_whole_documents(fresh_index: NewsIndex) -> None:
    versions = {
        f"d{n}": [article(n), article(n + 100), article(n + 200).replace("Report", "Update")]
        for n in range(6)
    }
    fresh_index.upsert([Document(doc_id, texts[0]) for doc_id, texts in versions.items()])
    problems: list[str] = []
    stop = threading.Event()

    def search_until_stopped() -> None:
        while not stop.is_set():
            try:
                for hit in fresh_index.search("cooperation measures", k=10).hits:
                    whole = [t for t in versions[hit.doc_id] if t[hit.start : hit.end] == hit.text]
                    if not whole:
                        problems.append(f"{hit.chunk_id} matches no version of its document")
            except Exception as exc:  # any error at all is a failure of isolation
                problems.append(repr(exc))

    threads = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in threads:
        thread.start()
    for round_ in range(1, 4):
        for doc_id, texts in versions.items():
            fresh_index.upsert([Document(doc_id, texts[round_ % 3])])
        fresh_index.delete("d0")
        fresh_index.upsert([Document("d0", versions["d0"][round_ % 3])])
    stop.set()
    for thread in threads:
        thread.join(30)
    assert problems == []
    assert np.array_equal(
        np.sort(fresh_index.corpus.vectors.ids()), fresh_index.corpus.docstore.all_ids()
    )
