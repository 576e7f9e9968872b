"""`newsrag migrate`: a local index into Milvus, vectors and all, resumable, counts checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from index.corpus.base import CorpusSettings
from index.embedding import Embedder
from index.migrate import migrate
from index.models import Document, Reported
from index.newsindex import NewsIndex
from index.watching.book import Match, Watch, WatchBook
from newsrag.cli import app as cli
from tests.milvus_fixture import on_milvus

pytestmark = pytest.mark.slow


def test_a_migration_copies_everything_resumes_and_searches_alike(
    seeds_index: NewsIndex, embedder: Embedder, milvus_uri: str, tmp_path: Path
) -> None:
    target = NewsIndex(
        on_milvus(milvus_uri, tmp_path), embedder, backend="milvus", like=seeds_index.manifest
    )
    calls = []

    def cut_short(count: int) -> None:
        calls.append(count)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the operator's Ctrl-C after the first batch

    with pytest.raises(KeyboardInterrupt):
        migrate(seeds_index, target, batch=2, on_batch=cut_short)
    assert target.counts()[0] == 2
    report = migrate(seeds_index, target, batch=2)
    assert (report.copied, report.skipped) == (3, 2) and report.matches
    assert report.target == seeds_index.counts()
    again = migrate(seeds_index, target)
    assert (again.copied, again.skipped) == (0, 5)
    for summary in seeds_index.documents().documents:
        assert target.document(summary.id) == seeds_index.document(summary.id)
    question = "Which city will Putin visit to open the China-Russia Expo?"
    local, moved = (
        seeds_index.search(question, 3, mode="dense"),
        target.search(question, 3, mode="dense"),
    )
    # The vectors came over as they were: the same neighbours, the same scores.
    assert [(h.chunk_id, round(h.score, 4)) for h in moved.hits] == [
        (h.chunk_id, round(h.score, 4)) for h in local.hits
    ]
    # BM25 differs by a few percent (tantivy stores lengths in one lossy byte): the best agree.
    assert (
        target.search(question, 1).hits[0].chunk_id
        == seeds_index.search(question, 1).hits[0].chunk_id
    )
    target.close()


def test_the_command_copies_into_a_named_corpus_and_says_the_counts(
    embedder: Embedder, milvus_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = NewsIndex(CorpusSettings(tmp_path / "index"), embedder)
    local.upsert([Document("a", "The zorblat ferry runs on Mondays.", source="Wire")])
    local.close()
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(tmp_path / "index"))
    to = milvus_uri.replace("http://", "milvus://")
    result = CliRunner().invoke(cli, ["migrate", "--to", to, "--collection", "moved"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "1 document copied (1 chunk), 0 already there" in said
    assert "kept beside them" in said
    assert f"{milvus_uri} moved: 1 documents, 1 chunks" in said
    result = CliRunner().invoke(cli, ["migrate", "--to", to])
    assert result.exit_code == 2 and "--collection" in result.output


def test_what_the_service_keeps_beside_the_documents_goes_too(
    embedder: Embedder, milvus_uri: str, tmp_path: Path
) -> None:
    """Feed state, watches with their matches, conversations and stories: a replica on the
    moved corpus follows the same feeds and watches, and groups nothing again."""
    local = NewsIndex(CorpusSettings(tmp_path / "index"), embedder)
    local.upsert([Document("a", "The zorblat ferry runs on Mondays.", source="Wire")])
    assert local.stories.wait(30)  # the article grouped: its story records exist
    kept: dict[str, dict[str, Any]] = {
        "feeds": {"etags": {"https://example.org/rss": "x1"}},
        "conversation/c1": {"turns": [{"q": "ferry?"}]},
    }
    for key, value in kept.items():
        local.state.put(key, value)
    watch = WatchBook(local.state).add(Watch.made("ferry", ["ferri"], [0.1] * 8, threshold=0.5))
    seen = "2026-12-06T10:00:00.000001Z"  # a file store keeps it as a file name without ":"
    match = Match("a:0:" + seen, watch.id, "a", "a:0", 0, 10, "The zorblat", 0.9, None, "Wire",
                  None, None, None, seen)  # fmt: skip
    WatchBook(local.state).record(match)
    stories = local.corpus.records("stories")
    stories.put("story/s1", {"label": "Ferry"})
    target = NewsIndex(
        on_milvus(milvus_uri, tmp_path), embedder, backend="milvus", like=local.manifest
    )
    report = migrate(local, target)
    assert report.matches
    for key, value in kept.items():
        assert target.state.get(key) == value, key
    moved_book = WatchBook(target.state)
    assert moved_book.all() == [watch] and moved_book.matches(watch.id) == [match]
    moved_book.also_reported(match, Reported("b", "AP", None))  # found under its own key
    updated = moved_book.matches(watch.id)
    assert [m.also_reported_by for m in updated] == [[Reported("b", "AP", None)]]
    grouped = dict(stories.items(""))  # the article's story records, and the one put here
    assert grouped["story/s1"] == {"label": "Ferry"} and len(grouped) > 1
    assert target.corpus.records("stories").get_many(list(grouped)) == grouped
    assert report.records == len(kept) + 2 + len(grouped)  # and the watch and its match
    local.close()
    target.close()
