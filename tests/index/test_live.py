"""A live index: searches never wait for writes, see whole documents, and see them at once."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from index.chunking import ChunkerSettings
from index.corpus import CorpusSettings
from index.embedding import Embedder
from index.epochs import Epochs
from index.lock import IndexBusy, WriterLock, read_owner
from index.models import Document
from index.newsindex import NewsIndex

WAIT = 30  # seconds before a thread that should have finished counts as stuck


def version(doc_id: str, word: str, paragraphs: int = 6) -> Document:
    text = "\n\n".join(
        f"Paragraph {n} of the {word} report: the harbour authority met the ministry about "
        f"shipping, cranes and the {word} schedule for the coming months."
        for n in range(paragraphs)
    )
    return Document(doc_id, text, title=f"{word} report")


@pytest.fixture
def small_chunks(embedder: Embedder, tmp_path: Path) -> NewsIndex:
    index = NewsIndex(tmp_path / "index", embedder, ChunkerSettings(size=32, overlap=0))
    yield index
    index.close()


def test_a_write_is_visible_to_the_next_search(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([version("a", "alpha")])
    for mode in ("dense", "bm25", "hybrid"):
        assert fresh_index.search("alpha report harbour", 3, mode=mode).hits[0].doc_id == "a"
    fresh_index.upsert([Document("b", "Zorblat quintex was seen over the harbour.")])
    assert fresh_index.search("zorblat quintex", 1, mode="bm25").hits[0].doc_id == "b"
    assert fresh_index.search("zorblat quintex", 1, mode="hybrid").hits[0].doc_id == "b"


def test_a_replaced_document_is_seen_whole_old_or_whole_new(small_chunks: NewsIndex) -> None:
    """All of a document's chunks change at once: no search sees old and new mixed, or part
    of either."""
    versions = {word: version("doc", word) for word in ("alpha", "omega")}
    small_chunks.upsert([versions["alpha"]])
    sizes = {w: len(small_chunks.chunker.chunk("doc", d.text)) for w, d in versions.items()}
    assert min(sizes.values()) >= 3
    problems: list[str] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            for mode in ("bm25", "hybrid", "dense"):
                hits = small_chunks.search(
                    "report harbour schedule", 50, mode=mode, collapse=False
                ).hits
                seen = {w for h in hits for w in versions if f"{w} report" in h.title}
                if len(seen) != 1:
                    problems.append(f"{mode}: versions {sorted(seen)} in one result")
                elif len(hits) != sizes[seen.pop()]:
                    problems.append(f"{mode}: {len(hits)} chunks of a document")

    readers = [threading.Thread(target=search) for _ in range(2)]
    for reader in readers:
        reader.start()
    for n in range(8):
        small_chunks.upsert([versions["omega" if n % 2 == 0 else "alpha"]])
    stop.set()
    for reader in readers:
        reader.join(WAIT)
    assert problems == []


def test_a_search_does_not_wait_for_a_write_in_progress(
    fresh_index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_index.upsert([version("a", "alpha")])
    inside, release = threading.Event(), threading.Event()
    publish = fresh_index.corpus.lexical.publish

    def held() -> None:  # the writer stops halfway: terms staged, docstore not committed
        inside.set()
        release.wait(WAIT)
        publish()

    monkeypatch.setattr(fresh_index.corpus.lexical, "publish", held)
    writer = threading.Thread(target=fresh_index.upsert, args=([version("b", "omega")],))
    writer.start()
    try:
        assert inside.wait(WAIT)
        found: list[set[str]] = []
        reader = threading.Thread(
            target=lambda: found.append({h.doc_id for h in fresh_index.search("report", 9).hits})
        )
        reader.start()
        reader.join(WAIT)
        assert not reader.is_alive(), "the search waited for the write"
        assert found == [{"a"}]  # the state before the write: nothing of "b" yet
    finally:
        release.set()
        writer.join(WAIT)
    assert {h.doc_id for h in fresh_index.search("report", 9, collapse=False).hits} == {"a", "b"}


def test_replaced_chunks_go_only_after_earlier_searches_end(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([version("a", "alpha")])
    before = fresh_index.corpus.lexical.ids()
    done = threading.Event()
    with fresh_index.corpus.epochs.reading():  # a search that started before the replace
        writer = threading.Thread(
            target=lambda: (fresh_index.upsert([version("a", "omega")]), done.set())
        )
        writer.start()
        assert not done.wait(0.5)  # committed, but waiting to drop what this search may read
        assert set(before) <= set(fresh_index.corpus.lexical.ids())
        assert set(before) <= set(fresh_index.corpus.vectors.ids())
    writer.join(WAIT)
    assert done.is_set()
    assert np.array_equal(fresh_index.corpus.lexical.ids(), fresh_index.corpus.docstore.all_ids())
    assert not set(before) & set(fresh_index.corpus.vectors.ids())


def test_epochs_wait_only_for_older_searches() -> None:
    epochs = Epochs()
    with epochs.reading():
        generation = epochs.advance()
        assert not epochs.drain(generation, 0.05)
        with epochs.reading():  # started after the commit: not waited for
            pass
    assert epochs.drain(generation, 0.05)


def test_a_failed_write_leaves_nothing_findable(
    fresh_index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_index.upsert([version("a", "alpha")])

    def broken() -> None:
        raise OSError("disk full")

    publish = fresh_index.corpus.lexical.publish
    monkeypatch.setattr(fresh_index.corpus.lexical, "publish", broken)
    with pytest.raises(OSError, match="disk full"):
        fresh_index.upsert([version("b", "omega")])
    monkeypatch.setattr(fresh_index.corpus.lexical, "publish", publish)
    assert fresh_index.counts()[0] == 1
    assert np.array_equal(
        np.sort(fresh_index.corpus.vectors.ids()), fresh_index.corpus.docstore.all_ids()
    )
    fresh_index.upsert([version("c", "gamma")])  # the chunk ids handed out again
    assert np.array_equal(fresh_index.corpus.lexical.ids(), fresh_index.corpus.docstore.all_ids())
    found = fresh_index.search("report", 20, mode="bm25", collapse=False).hits
    assert {h.doc_id for h in found} == {"a", "c"}


def test_one_writer_per_index(embedder: Embedder, tmp_path: Path) -> None:
    first = NewsIndex(tmp_path, embedder)
    with pytest.raises(IndexBusy, match="open for writing by process"):
        NewsIndex(tmp_path, embedder)
    first.announce("http://127.0.0.1:9")
    with pytest.raises(IndexBusy, match="served at http://127.0.0.1:9") as busy:
        WriterLock(tmp_path)
    assert busy.value.owner.url == "http://127.0.0.1:9" == read_owner(tmp_path).url
    first.close()
    NewsIndex(tmp_path, embedder).close()  # released on close (and by the kernel on a crash)


def test_read_only_sees_writes_the_writer_has_not_saved(embedder: Embedder, tmp_path: Path) -> None:
    writer = NewsIndex(tmp_path, embedder)  # vectors saved once a minute, not per write
    writer.upsert([version("a", "alpha"), Document("b", "Zorblat quintex over the harbour.")])
    reader = NewsIndex(CorpusSettings(tmp_path, read_only=True), embedder)
    for mode in ("dense", "bm25", "hybrid"):
        assert reader.search("zorblat quintex", 1, mode=mode).hits[0].doc_id == "b"
    with pytest.raises(PermissionError, match="read-only"):
        reader.delete("a")
    reader.close()
    writer.close()
    with pytest.raises(ValueError, match="no index at"):
        NewsIndex(CorpusSettings(tmp_path / "missing", read_only=True), embedder)
