"""The milvus corpus against a real Milvus API (milvus-lite's server on loopback): the same
answers as the local index, and what sharing one engine between writers demands of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from index.corpus.base import CorpusSettings
from index.corpus.milvus import MilvusCorpus, MilvusLeases, version_at
from index.embedding import Embedder
from index.filters import Filters
from index.ingest import ingest
from index.models import Document
from index.newsindex import NewsIndex
from tests.conftest import DATED, GOLD, SEEDS
from tests.milvus_fixture import on_milvus

pytestmark = pytest.mark.slow
MODES = ("dense", "bm25", "hybrid")


@pytest.fixture(scope="module")
def milvus_seeds(
    embedder: Embedder, milvus_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NewsIndex]:
    index = NewsIndex(
        on_milvus(milvus_uri, tmp_path_factory.mktemp("m")), embedder, backend="milvus"
    )
    assert ingest(index, [SEEDS]).added == 5
    yield index
    index.close()


@pytest.fixture(scope="module")
def dated_pair(
    embedder: Embedder, milvus_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[NewsIndex, NewsIndex]]:
    local = NewsIndex(tmp_path_factory.mktemp("dated-local"), embedder)
    shared = NewsIndex(
        on_milvus(milvus_uri, tmp_path_factory.mktemp("dated-m")), embedder, backend="milvus"
    )
    for index in (local, shared):
        assert ingest(index, [DATED]).added == 16
    yield local, shared
    local.close()
    shared.close()


@pytest.fixture(scope="module")
def shared_corpus(milvus_uri: str, tmp_path_factory: pytest.TempPathFactory) -> CorpusSettings:
    """A corpus the tests below share (creating one costs seconds on milvus-lite): each
    writes documents of its own ids."""
    return on_milvus(milvus_uri, tmp_path_factory.mktemp("m"))


@pytest.fixture(scope="module")
def milvus_index(embedder: Embedder, shared_corpus: CorpusSettings) -> Iterator[NewsIndex]:
    index = NewsIndex(shared_corpus, embedder, backend="milvus")
    yield index
    index.close()


def questions() -> list[str]:
    import json

    return [json.loads(line)["question"] for line in GOLD.read_text().splitlines() if line]


def test_the_seeds_questions_find_what_the_local_index_finds(
    seeds_index: NewsIndex, milvus_seeds: NewsIndex
) -> None:
    for mode in MODES:
        for question in questions():
            local = seeds_index.search(question, 5, mode=mode)
            shared = milvus_seeds.search(question, 5, mode=mode)
            assert shared.time == local.time
            here = [h.chunk_id for h in local.hits]
            there = [h.chunk_id for h in shared.hits]
            assert there[0] == here[0], (mode, question)
            assert len(set(here) & set(there)) >= 4, (mode, question, here, there)
            for hit in shared.hits:  # citations as exact as the local index's
                doc, _ = milvus_seeds.document(hit.doc_id) or pytest.fail(hit.doc_id)
                assert doc.text[hit.start : hit.end] == hit.text


def test_filters_keep_the_same_articles(dated_pair: tuple[NewsIndex, NewsIndex]) -> None:
    local, shared = dated_pair
    sources = [name for name, _ in local.sources()]
    assert shared.sources() == local.sources()
    cases = [
        Filters(date_from="2025-03-01", date_to="2025-06-30"),
        Filters(date_to="2025-01-31"),
        Filters(as_of="2025-04-15"),  # undated articles stay
        Filters(source=sources[0].upper()),  # case folded
        Filters(source=sources[:2], as_of="2025-09-01"),
        Filters(doc_ids=[d.id for d in local.documents(3).documents]),
        Filters(published_from="2025-05-01"),
    ]
    for filters in cases:
        wanted = {h.doc_id for h in local.search("central bank rates", 50, filters, "dense").hits}
        got = {h.doc_id for h in shared.search("central bank rates", 50, filters, "dense").hits}
        assert got == wanted, filters
    asked = shared.search("What did the ECB decide in March 2025?", 3, Filters(as_of="2025-09-30"))
    assert asked.time.window is not None and asked.hits


def test_listing_reading_and_counting_agree(
    seeds_index: NewsIndex, milvus_seeds: NewsIndex
) -> None:
    assert milvus_seeds.counts() == seeds_index.counts()
    assert milvus_seeds.sources() == seeds_index.sources()
    mine, theirs = milvus_seeds.documents(100), seeds_index.documents(100)
    assert [d.id for d in mine.documents] == [d.id for d in theirs.documents]
    assert [(d.chars, d.chunks, d.excerpt) for d in mine.documents] == [
        (d.chars, d.chunks, d.excerpt) for d in theirs.documents
    ]
    assert mine.documents[0].excerpt.startswith("Amid growing global uncertainties")  # no dateline
    assert milvus_seeds.documents(2, 2).documents == mine.documents[2:4]
    page = milvus_seeds.documents(10, 0, "xinhua")
    assert page.matching == seeds_index.documents(10, 0, "xinhua").matching >= 1
    for summary in theirs.documents:
        assert milvus_seeds.document(summary.id) == seeds_index.document(summary.id)
    words = ["Harbin", "Lavrov", "pipeline", "Cup"]
    assert milvus_seeds.unknown_words(words) == seeds_index.unknown_words(words)
    assert seeds_index.unknown_words(words) == ["Lavrov", "Cup"]


def test_a_long_article_and_its_metadata_come_back_whole(milvus_index: NewsIndex) -> None:
    text = "Zorblat quarterly figures. " + "Le port a déplacé céréales et minerai. " * 4000
    doc = Document("long/1", text, title="Grain « ore »", date="2025-02-03", source="Wire")
    chunks = milvus_index.chunker.chunk(doc.id, text)  # ~160 KB of UTF-8: three rows of text
    vectors = np.eye(len(chunks), milvus_index.manifest.dimension, dtype=np.float32)
    milvus_index.upsert_embedded([doc], [chunks], vectors)  # no need to embed it all
    found = milvus_index.document("long/1") or pytest.fail("gone")
    assert found == (doc, chunks)
    assert milvus_index.search("zorblat quarterly", 1, mode="bm25").hits[0].doc_id == "long/1"


def test_a_replaced_article_never_shows_old_and_new_chunks_nor_goes_missing(
    milvus_index: NewsIndex,
) -> None:
    versions = [
        Document("x", " ".join(f"Zorblat {word} paragraph {n}." for n in range(60)))
        for word in ("amber", "cobalt")
    ]
    chunked = [milvus_index.chunker.chunk(d.id, d.text) for d in versions]
    vectors = [milvus_index.embedder.embed_documents([c.text for c in cs]) for cs in chunked]
    milvus_index.upsert_embedded([versions[0]], [chunked[0]], vectors[0])
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        n = 1
        while not stop.is_set():
            milvus_index.upsert_embedded([versions[n % 2]], [chunked[n % 2]], vectors[n % 2])
            written[0] = n = n + 1

    thread = threading.Thread(target=writer)
    thread.start()
    seen = set()
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            only = Filters(doc_ids=["x"])
            hits = milvus_index.search("zorblat paragraph", 10, only, "bm25", False).hits
            words = {("amber" in h.text, "cobalt" in h.text) for h in hits}
            assert hits and len(words) == 1, words  # one version in any one result list
            seen |= words
    finally:
        stop.set()
        thread.join()
    assert written[0] > 10 and len(seen) == 2  # both versions were seen, while they changed
    rows = milvus_index.corpus._query("chunks", 'doc_id == "x"', ["version"])  # type: ignore[attr-defined]
    assert len({r["version"] for r in rows}) == 1 and len(rows) == len(chunked[0])


def test_two_writers_of_one_id_leave_one_whole_version(
    embedder: Embedder, shared_corpus: CorpusSettings
) -> None:
    writers = [NewsIndex(shared_corpus, embedder, backend="milvus") for _ in range(2)]
    texts = {w: [f"Writer {w} says zorblat {n}. " * (5 + n) for n in range(8)] for w in range(2)}
    docs = {w: [Document("same", t) for t in texts[w]] for w in range(2)}
    chunks = {w: [writers[w].chunker.chunk("same", d.text) for d in docs[w]] for w in range(2)}
    made = {
        w: [embedder.embed_documents([c.text for c in cs]) for cs in chunks[w]] for w in range(2)
    }
    start = threading.Barrier(2)

    def write(w: int) -> None:
        start.wait()
        for doc, cs, vectors in zip(docs[w], chunks[w], made[w], strict=True):
            writers[w].upsert_embedded([doc], [cs], vectors)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    corpus = writers[0].corpus
    assert isinstance(corpus, MilvusCorpus)
    doc, kept = writers[1].document("same") or pytest.fail("gone")
    assert doc.text in {texts[0][-1], texts[1][-1]}  # a whole last write of one of them
    rows = corpus._query("docs", 'doc_id == "same"', ["version"])
    chunk_rows = corpus._query("chunks", 'doc_id == "same"', ["version", "chunk_no"])
    assert len(rows) == 1  # no other version, no tombstone
    assert {r["version"] for r in chunk_rows} == {rows[0]["version"]}  # no orphan chunk
    assert sorted(r["chunk_no"] for r in chunk_rows) == [c.chunk_no for c in kept]
    for writer in writers:
        writer.close()


def test_a_write_that_died_on_the_way_is_invisible_then_swept(milvus_index: NewsIndex) -> None:
    corpus = milvus_index.corpus
    assert isinstance(corpus, MilvusCorpus)
    milvus_index.upsert([Document("alive", "The zorblat ferry runs on Mondays.")])
    corpus._forget()
    before = milvus_index.counts()
    dead = version_at(time.time() - 3600)  # a writer killed an hour ago, before its switch
    vector = milvus_index.embedder.embed_documents(["The zorblat ferry sank."])[0].tolist()
    row = {"doc_id": "alive", "version": dead, "title": "", "date": 0, "source": "", "url": ""}
    row |= {
        "source_key": "",
        "chunk_no": 0,
        "start": 0,
        "end": 21,
        "text": "The zorblat ferry sank.",
    }
    corpus._insert(
        "writes",
        [{"key": f"alive\x1f{dead:020d}", "doc_id": "alive", "version": dead, "dummy": [1.0, 0.0]}],
    )
    corpus._insert("chunks", [row | {"terms": "zorblat ferri sank", "vector": vector}])
    corpus._forget()
    found = milvus_index.search("zorblat ferry sank", 5, Filters(doc_ids=["alive"])).hits
    assert [h.text for h in found] == ["The zorblat ferry runs on Mondays."]
    corpus.maintain()
    corpus._forget()
    assert milvus_index.counts() == before
    assert corpus._query("writes", "version > 0", ["doc_id"]) == []


def test_a_deleted_article_is_gone_everywhere(milvus_index: NewsIndex) -> None:
    before = milvus_index.counts()
    milvus_index.upsert([Document("gone", "Zorblat pier closed.", source="Pier Wire")])
    assert milvus_index.delete("gone") and not milvus_index.delete("gone")
    assert milvus_index.document("gone") is None and milvus_index.counts() == before
    assert "gone" not in {h.doc_id for h in milvus_index.search("zorblat pier", 5).hits}
    assert milvus_index.upsert([Document("gone", "Zorblat pier reopened.")]).added == ["gone"]


def test_state_records_of_any_size_and_one_lease_holder(milvus_index: NewsIndex) -> None:
    state = milvus_index.state
    big = {"items": {f"doc-{n}": "f" * 64 for n in range(3000)}}  # ~250 KB: several rows
    state.put("feeds", big)
    assert state.get("feeds") == big
    state.put("feeds", {"small": True})
    assert state.get("feeds") == {"small": True}
    state.delete("feeds")
    assert state.get("feeds") is None
    state.put_many([("moved/a", {"n": 1}), ("moved/b", big)])  # a migration's many at once
    state.put_many([("moved/a", {"n": 2})])
    assert state.items("moved/") == [("moved/a", {"n": 2}), ("moved/b", big)]
    state.delete("moved/a")
    state.delete("moved/b")

    contenders = [MilvusLeases(milvus_index.corpus.state) for _ in range(3)]  # type: ignore[attr-defined]
    held: list[bool] = [False] * 3
    threads = [
        threading.Thread(target=lambda i=i: held.__setitem__(i, contenders[i].hold("x", 30)))
        for i in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(held) == 1
    holder = held.index(True)
    assert contenders[holder].hold("x", 30)  # renewed
    assert not contenders[(holder + 1) % 3].hold("x", 30)
    contenders[holder].release("x")
    assert contenders[(holder + 1) % 3].hold("x", 30)  # released: taken at once


def test_ids_with_quotes_and_backslashes_are_listed_and_paged_past(
    milvus_index: NewsIndex,
) -> None:
    odd = ['zq"uoted', "zq\\back", "zq'single"]
    milvus_index.upsert([Document(i, f"Zorblat quay story {n}.") for n, i in enumerate(odd)])
    corpus = milvus_index.corpus
    assert set(odd) <= set(corpus.ids())
    listed = [d.id for n in range(12) for d in corpus.documents(1, n, "zq")]
    assert sorted(listed) == sorted(odd)  # each page begins after the last one's key
    assert {one.document.id for one in corpus.exported(odd)} == set(odd)
    found = milvus_index.search("Zorblat quay story", 10, Filters(doc_ids=odd), "bm25").hits
    assert {h.doc_id for h in found} == set(odd)  # their versions checked by primary key
    for doc_id in odd:
        assert milvus_index.delete(doc_id)


def test_an_expired_count_is_asked_of_the_engine_once_however_many_wait(
    milvus_index: NewsIndex,
) -> None:
    asked = []

    def newest() -> str:
        asked.append(1)
        time.sleep(0.3)  # a scan, while seven more searches arrive
        return "2025-01-01"

    corpus = milvus_index.corpus
    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(corpus._cached("t-newest", 60, newest)))  # type: ignore[attr-defined]
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["2025-01-01"] * 8 and len(asked) == 1


def test_keyed_records_read_by_key_and_list_by_prefix(milvus_index: NewsIndex) -> None:
    records = milvus_index.corpus.records("t_records")
    big = {"members": [f"doc-{n}" * 8 for n in range(5000)]}  # ~250 KB: a head and pieces
    other = {"members": ["x" * 70_000, "y"]}  # two rows, its key begins with story/b's
    odd = 'story-of/o\'brien \\ "quoted"'  # quotes and a backslash in a document id
    records.put_many([("story/a", {"n": 1}), ("story/b", big), ("story/bb", other), (odd, {})])
    wanted = ["story/a", "story/b", "story/bb", odd, "nope"]
    assert records.get_many(wanted) == {
        "story/a": {"n": 1},
        "story/b": big,
        "story/bb": other,
        odd: {},
    }
    assert records.keys("story/") == ["story/a", "story/b", "story/bb"]  # pieces are not keys
    assert records.count("story/") == 3 and records.count("") == 4
    assert records.items("story-of/") == [(odd, {})]
    records.put("story/b", {"small": True})  # the long version's pieces go, story/bb's stay
    assert records.get_many(["story/b", "story/bb"]) == {
        "story/b": {"small": True},
        "story/bb": other,
    }
    pieces = milvus_index.corpus._query("t_records", "n > 0", ["of"])  # type: ignore[attr-defined]
    assert [row["of"] for row in pieces] == ["story/bb"]
    records.delete("story/bb")
    records.delete(odd)
    assert records.get("story/bb") is None and records.keys("") == ["story/a", "story/b"]
    assert milvus_index.corpus._query("t_records", "n > 0", ["of"]) == []  # type: ignore[attr-defined]
    assert milvus_index.corpus.records("t_records") is records


def test_vectors_come_back_as_written(milvus_index: NewsIndex) -> None:
    milvus_index.upsert([Document("v", "Zorblat tides rose. " * 40)])
    stored = [one for one in milvus_index.exported() if one.document.id == "v"]
    assert len(stored) == 1
    again = milvus_index.embedder.embed_documents([c.text for c in stored[0].chunks])
    assert np.allclose(stored[0].vectors, again, atol=1e-6)
