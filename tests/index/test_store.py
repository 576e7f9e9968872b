"""The index on disk: upsert, replace, delete, reopen, refuse a mismatch, survive a crash."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.chunking import ChunkerSettings
from index.corpus import CorpusSettings
from index.embedding import Embedder
from index.filters import Filters
from index.manifest import IndexMismatch
from index.models import Document
from index.newsindex import NewsIndex
from tests.index import corpus
from tests.index.corpus import EXPO

PIPELINE = replace(corpus.PIPELINE, title="Pipeline done")


def consistent(index: NewsIndex) -> bool:
    """Every vector has its docstore row and every row its vector."""
    return bool(
        np.array_equal(np.sort(index.corpus.vectors.ids()), index.corpus.docstore.all_ids())
    )


def test_upsert_then_search_finds_the_document(fresh_index: NewsIndex) -> None:
    report = fresh_index.upsert([PIPELINE, EXPO])
    assert report.added == ["pipeline", "expo"] and report.chunks == 2
    hit = fresh_index.search("When was the gas pipeline completed?", k=1).hits[0]
    assert (hit.doc_id, hit.title, hit.date, hit.source) == (
        "pipeline",
        "Pipeline done",
        "2024-12-02",
        "Xinhua",
    )
    assert PIPELINE.text[hit.start : hit.end] == hit.text and hit.rank == 1
    assert consistent(fresh_index)


def test_unchanged_content_is_skipped(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([PIPELINE])
    report = fresh_index.upsert([PIPELINE])
    assert report.unchanged == ["pipeline"] and report.chunks == 0
    assert fresh_index.counts() == (1, 1)


def test_same_id_replaces_old_chunks(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([PIPELINE])
    new = Document(id="pipeline", text="Harbin hosts an ice festival every winter.")
    report = fresh_index.upsert([new])
    assert report.replaced == ["pipeline"]
    assert fresh_index.counts() == (1, 1)
    hit = fresh_index.search("gas pipeline completed", k=5).hits[0]
    assert hit.text == new.text and hit.title is None
    assert consistent(fresh_index)


def test_delete_removes_vectors_and_rows(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([PIPELINE, EXPO])
    assert fresh_index.delete("pipeline") is True
    assert fresh_index.delete("pipeline") is False
    assert [h.doc_id for h in fresh_index.search("gas pipeline", k=5).hits] == ["expo"]
    assert fresh_index.document("pipeline") is None and consistent(fresh_index)


def test_filters_restrict_results(fresh_index: NewsIndex) -> None:
    fresh_index.upsert([PIPELINE, EXPO])
    by_source = fresh_index.search("pipeline", k=5, filters=Filters(source="china daily")).hits
    assert [h.doc_id for h in by_source] == ["expo"]
    by_date = fresh_index.search("pipeline", k=5, filters=Filters(date_from="2024-06-01")).hits
    assert [h.doc_id for h in by_date] == ["pipeline"]
    by_ids = fresh_index.search("pipeline", k=5, filters=Filters(doc_ids=["expo"])).hits
    assert [h.doc_id for h in by_ids] == ["expo"]
    none = fresh_index.search("pipeline", k=5, filters=Filters(date_to="2000-01-01")).hits
    assert none == []


def test_date_bounds_that_keep_every_article_list_no_ids(fresh_index: NewsIndex) -> None:
    """A period named in a question bounds the articles from below; over an archive that
    starts later (or is undated) the bound keeps everything and is not listed chunk by chunk."""
    undated = Document(id="undated", text="Harbour cranes were repaired over the weekend.")
    fresh_index.upsert([PIPELINE, EXPO, undated])  # dated 2024-12-02 and 2024-05-16
    docstore = fresh_index.corpus.docstore
    assert docstore.date_range() == ("2024-05-16", "2024-12-02")
    for keeps_all in (
        Filters(published_from="2024-05-16"),
        Filters(as_of="2024-12-02"),
        Filters(published_from="2020-01-01", as_of="2030-01-01"),
    ):
        assert docstore.filter_ids(keeps_all) is None, keeps_all
    for narrows, kept in (
        (Filters(published_from="2024-05-17"), {"pipeline", "undated"}),
        (Filters(as_of="2024-12-01"), {"expo", "undated"}),
        (Filters(published_from="2020-01-01", as_of="2024-12-01"), {"expo", "undated"}),
        (Filters(published_from="2020-01-01", source="xinhua"), {"pipeline"}),
    ):
        ids = docstore.filter_ids(narrows)
        assert ids is not None and {p.doc_id for p in docstore.rows(ids.tolist()).values()} == kept
    later = Filters(published_from="2024-01-01", as_of="2025-01-01")
    assert {h.doc_id for h in fresh_index.search("harbour pipeline expo", 5, later).hits} == {
        "pipeline",
        "expo",
        "undated",
    }


def test_reopening_gives_identical_results(embedder: Embedder, tmp_path: Path) -> None:
    first = NewsIndex(tmp_path, embedder)
    first.upsert([PIPELINE, EXPO])
    assert first.stories.wait(30)  # story ids are given on a thread after the commit
    before = first.search("Harbin expo", k=2).hits
    first.close()
    again = NewsIndex(tmp_path, embedder)
    assert again.search("Harbin expo", k=2).hits == before
    assert again.counts() == (2, 2)


def test_a_different_model_is_refused(embedder: Embedder, tmp_path: Path) -> None:
    NewsIndex(tmp_path, embedder).close()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest.update(model="intfloat/e5-base-v2", dimension=768)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="e5-base-v2.*Rebuild"):
        NewsIndex(tmp_path, embedder)


def test_other_chunk_settings_are_refused(embedder: Embedder, tmp_path: Path) -> None:
    NewsIndex(tmp_path, embedder).close()
    with pytest.raises(IndexMismatch, match="chunk_size"):
        NewsIndex(tmp_path, embedder, ChunkerSettings(size=100, overlap=10))


def test_chunks_larger_than_the_model_window_are_refused(
    embedder: Embedder, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="window"):
        NewsIndex(tmp_path, embedder, ChunkerSettings(size=1000, overlap=10))


def test_a_lost_vector_file_is_rebuilt_from_the_docstore(
    embedder: Embedder, tmp_path: Path
) -> None:
    index = NewsIndex(tmp_path, embedder)
    index.upsert([PIPELINE, EXPO])
    index.close()
    (tmp_path / "vectors.faiss").unlink()
    again = NewsIndex(tmp_path, embedder)
    assert consistent(again) and again.search("Harbin", k=1).hits[0].doc_id == "expo"


def test_a_crash_between_docstore_and_vectors_is_reconciled(
    embedder: Embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = NewsIndex(
        CorpusSettings(tmp_path, checkpoint_seconds=0), embedder
    )  # saved after every write
    index.upsert([PIPELINE])
    shutil.copy(tmp_path / "vectors.faiss", tmp_path / "old.faiss")
    index.upsert([EXPO])
    index.delete("pipeline")
    index.close()
    # The vector file as it was two writes ago: one vector too many, one missing.
    shutil.move(tmp_path / "old.faiss", tmp_path / "vectors.faiss")
    with caplog.at_level(logging.INFO, logger="index.corpus.local"):
        reader = NewsIndex(
            CorpusSettings(tmp_path, read_only=True), embedder
        )  # as beside a server: routine
        assert not caplog.records
        again = NewsIndex(tmp_path, embedder)  # as its writer: a repair, and said so
    assert consistent(reader) and consistent(again)
    assert [r.getMessage() for r in caplog.records] == ["reconciling vectors: 1 stale, 1 missing"]
    assert [h.doc_id for h in again.search("gas pipeline Harbin", k=5).hits] == ["expo"]


def test_lexical_text_is_title_neighbours_and_the_chunk_twice(
    embedder: Embedder, tmp_path: Path
) -> None:
    """Every chunk is found by its title's words; the chunk itself outranks its neighbours."""
    sentences = [f"Sentence {word} about the harbour reopening." for word in ("one", "two", "six")]
    doc = Document(id="harbour", text=" ".join(sentences), title="Quayside")
    index = NewsIndex(tmp_path, embedder, ChunkerSettings(size=10, overlap=0))
    index.upsert([doc])
    chunks = index.corpus.docstore.chunked()
    (stored,) = list(chunks)
    titled = index.search("quayside", k=10, mode="bm25", collapse=False).hits
    two = index.search("two", k=10, mode="bm25", collapse=False).hits
    index.close()
    assert len(stored.vids) >= 3 and len(titled) == len(stored.vids)
    assert "two" in two[0].text and len(two) >= 2  # its neighbours match it too, below it
