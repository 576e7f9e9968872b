"""Both vector stores, one suite: FAISS in the index folder, Milvus (milvus-lite here) by URI.

Everything the index promises (writes visible to the next search, filters in every mode,
reopening, reconciling after a crash) must hold whichever store keeps the vectors.
"""

from __future__ import annotations

import fcntl
import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.corpus import CorpusSettings
from index.embedding import Embedder
from index.filters import Filters
from index.manifest import IndexMismatch
from index.models import Document
from index.newsindex import NewsIndex
from index.vectorstores import StoreSettings, VectorStore, milvus, open_vector_store
from index.vectorstores.milvus import MilvusSettings
from tests.index.corpus import EXPO, PART, PIPELINE

STORES = ["faiss", "milvus"]
QUERY = "Harbin gas pipeline shipment"
collections = itertools.count()


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One milvus-lite database for the module (it starts in about a second); each index
    gets a collection of its own, as separate deployments would."""
    return str(tmp_path_factory.mktemp("milvus") / "milvus.db")


def options(store: str, uri: str) -> StoreSettings:
    """FLAT: exact search on both sides, so their rankings can be compared id for id."""
    if store == "faiss":
        return StoreSettings()
    return StoreSettings(milvus=MilvusSettings(uri, f"c{next(collections)}", index="FLAT"))


Opener = Callable[..., NewsIndex]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_index(store: str, milvus_uri: str, embedder: Embedder, tmp_path: Path) -> Iterator[Opener]:
    """Opens NewsIndex on `store`; opening again reaches the same folder and collection."""
    chosen, opened = options(store, milvus_uri), []

    def open_one() -> NewsIndex:
        opened.append(
            NewsIndex(CorpusSettings(tmp_path, vector_store=store, stores=chosen), embedder)
        )
        return opened[-1]

    yield open_one
    for index in opened:
        index.close()


@pytest.fixture
def three(open_index: Opener) -> NewsIndex:
    index = open_index()
    index.upsert([PIPELINE, EXPO, PART])
    return index


def consistent(index: NewsIndex) -> bool:
    return bool(
        np.array_equal(np.sort(index.corpus.vectors.ids()), index.corpus.docstore.all_ids())
    )


def doc_ids(index: NewsIndex, query: str, mode: str = "dense", **kwargs: Any) -> list[str]:
    return [hit.doc_id for hit in index.search(query, 5, mode=mode, **kwargs).hits]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_upsert_replace_and_delete_show_in_the_next_search(three: NewsIndex, mode: str) -> None:
    assert doc_ids(three, "When was the gas pipeline finished?", mode)[0] == "pipeline"
    three.upsert([Document(id="pipeline", text="Harbin hosts an ice festival every winter.")])
    replaced = three.search("ice festival in winter", 1, mode=mode).hits[0]
    assert (replaced.doc_id, replaced.text) == (
        "pipeline",
        "Harbin hosts an ice festival every winter.",
    )
    assert three.delete("expo")
    assert "expo" not in doc_ids(three, "Putin opens the China-Russia Expo", mode)
    assert three.counts() == (2, 2) and len(three.corpus.vectors) == 2 and consistent(three)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_filters_hold_in_dense_and_hybrid_modes(three: NewsIndex, mode: str) -> None:
    by_source = doc_ids(three, QUERY, mode, filters=Filters(source="xinhua"))
    assert sorted(by_source) == ["part", "pipeline"]
    assert doc_ids(three, QUERY, mode, filters=Filters(doc_ids=["expo"])) == ["expo"]
    assert doc_ids(three, QUERY, mode, filters=Filters(date_from="2024-12-01")) == ["pipeline"]
    assert doc_ids(three, QUERY, mode, filters=Filters(date_to="2000-01-01")) == []


def test_reopening_gives_identical_results(open_index: Opener) -> None:
    first = open_index()
    first.upsert([PIPELINE, EXPO, PART])
    assert first.stories.wait(30)  # story ids are given on a thread after the commit
    before = [first.search(QUERY, 3, mode=mode).hits for mode in ("dense", "hybrid")]
    first.close()
    again = open_index()
    assert [again.search(QUERY, 3, mode=mode).hits for mode in ("dense", "hybrid")] == before
    assert consistent(again)


def test_a_crash_between_docstore_and_vectors_is_reconciled(open_index: Opener) -> None:
    index = open_index()
    index.upsert([PIPELINE, EXPO])
    corpus = index.corpus
    lost = corpus.docstore.all_ids()[:1]
    # As if the process died mid-write: one row lost its vector, one vector has no row.
    corpus.vectors.remove(lost)
    corpus.vectors.add(np.array([10**9]), corpus.docstore.vectors(lost, index.embedder.dimension))
    corpus.vectors.save()
    index.close()
    again = open_index()
    assert consistent(again) and len(again.corpus.vectors) == 2
    assert doc_ids(again, "gas pipeline completed")[0] == "pipeline"


def test_an_index_switched_to_milvus_ranks_like_faiss(
    seeds_index: NewsIndex, milvus_uri: str, tmp_path: Path, gold: list[dict[str, Any]]
) -> None:
    """The seeds index reopened on Milvus fills the collection from the docstore (no
    re-embedding); with exact search on both, the same ids in the same order."""
    shutil.copytree(seeds_index.corpus.directory, tmp_path / "index")
    chosen = options("milvus", milvus_uri)
    switched = NewsIndex(
        CorpusSettings(tmp_path / "index", vector_store="milvus", stores=chosen),
        seeds_index.embedder,
    )
    assert consistent(switched)
    assert len(switched.corpus.vectors) == len(seeds_index.corpus.vectors)
    for question in [str(g["question"]) for g in gold[:4]]:  # query embedding dominates
        for mode in ("dense", "hybrid"):
            faiss, lite = (i.search(question, 8, mode=mode).hits for i in (seeds_index, switched))
            assert [h.chunk_id for h in faiss] == [h.chunk_id for h in lite], (question, mode)
            assert [h.score for h in faiss] == pytest.approx([h.score for h in lite], abs=1e-5)
    switched.close()


# The store itself, on random unit vectors against a brute-force reference.
DIM = 16


@pytest.fixture
def vectors() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    data = rng.normal(size=(40, DIM)).astype(np.float32)
    return np.arange(1000, 1080, 2, dtype=np.int64), data / np.linalg.norm(data, axis=1)[:, None]


@pytest.fixture
def filled(
    store: str, milvus_uri: str, tmp_path: Path, vectors: tuple[np.ndarray, np.ndarray]
) -> VectorStore:
    opened = open_vector_store(store, tmp_path, DIM, options(store, milvus_uri))
    opened.add(*vectors)
    opened.save()
    return opened


def best(ids: np.ndarray, data: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return [int(ids[i]) for i in np.argsort(-(data @ query), kind="stable")[:k]]


def test_store_search_is_exact_and_honours_allowed(
    filled: VectorStore, vectors: tuple[np.ndarray, np.ndarray]
) -> None:
    ids, data = vectors
    query = data[5]
    assert [i for i, _ in filled.search(query, 5)] == best(ids, data, query, 5)
    allowed = ids[::3]
    expected = best(allowed, data[::3], query, 4)
    assert [i for i, _ in filled.search(query, 4, allowed)] == expected
    assert [i for i, _ in filled.search(query, 4, np.array([ids[7], 5]))] == [ids[7]]
    assert filled.search(query, 0) == [] and len(filled.search(query, 100)) == len(ids)
    scores = [s for _, s in filled.search(query, 40)]
    assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(1.0)


def test_store_remove_and_ids(filled: VectorStore, vectors: tuple[np.ndarray, np.ndarray]) -> None:
    ids, data = vectors
    assert len(filled) == len(ids) and np.array_equal(np.sort(filled.ids()), ids)
    filled.remove(ids[:10])
    filled.remove(np.zeros(0, np.int64))
    filled.save()
    assert len(filled) == 30 and np.array_equal(np.sort(filled.ids()), ids[10:])
    assert ids[5] not in {i for i, _ in filled.search(data[5], 40)}


# Milvus only: what FAISS has no counterpart for.


def lite(uri: str, dimension: int = DIM, index: str = "FLAT") -> VectorStore:
    chosen = MilvusSettings(uri, "store", index=index)  # type: ignore[arg-type]
    return open_vector_store("milvus", Path(uri).parent, dimension, StoreSettings(milvus=chosen))


def test_a_large_allowed_set_is_pushed_down_in_chunks(
    tmp_path: Path, vectors: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, data = vectors
    monkeypatch.setattr(milvus, "IDS_PER_REQUEST", 3)
    store = lite(str(tmp_path / "milvus.db"))
    store.add(ids, data)
    allowed = ids[1::2]  # 20 ids: seven filtered searches, their hits merged
    assert [i for i, _ in store.search(data[0], 6, allowed)] == best(
        allowed, data[1::2], data[0], 6
    )
    store.remove(ids[:8])  # deleted three ids at a time
    assert np.array_equal(store.ids(), ids[8:])  # read back three ids a page


def test_a_collection_of_another_dimension_is_refused(tmp_path: Path) -> None:
    uri = str(tmp_path / "milvus.db")
    lite(uri).save()
    with pytest.raises(IndexMismatch, match="dimension 16.*makes 384.*NEWSRAG_MILVUS_COLLECTION"):
        lite(uri, 384)
    with pytest.raises(ValueError, match="known: AUTOINDEX, FLAT"):
        lite(uri, index="HNSW")


def test_a_milvus_lite_file_held_by_another_process_says_so(tmp_path: Path) -> None:
    (tmp_path / "milvus.db").mkdir()
    with (tmp_path / "milvus.db" / "LOCK").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another process's milvus-lite would
        with pytest.raises(RuntimeError, match="one process at a time.*NEWSRAG_MILVUS_URI"):
            lite(str(tmp_path / "milvus.db"))


def test_milvus_lite_keeps_its_data_across_a_restart(
    tmp_path: Path, vectors: tuple[np.ndarray, np.ndarray]
) -> None:
    from milvus_lite import server_manager_instance

    ids, data = vectors
    store = open_vector_store("milvus", tmp_path, DIM, StoreSettings())
    store.add(ids, data)
    store.save()
    before = store.search(data[3], 5)
    server_manager_instance.release_server(str(tmp_path / milvus.LOCAL_FILE))  # a new process
    again = open_vector_store("milvus", tmp_path, DIM, StoreSettings())
    assert (tmp_path / "milvus.db").is_dir() and np.array_equal(again.ids(), ids)
    assert [i for i, _ in again.search(data[3], 5)] == [i for i, _ in before]
