"""Approximate FAISS indexes: chosen by size, exact enough, filtered, deletable, rebuilt when
they drift, saved and mapped back, and kept in step with the docstore by NewsIndex."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from index.chunking import ChunkerSettings
from index.corpus import CorpusSettings
from index.embedding import Embedder, EmbedOptions
from index.filters import Filters
from index.lexical import BM25Settings
from index.models import Document
from index.newsindex import NewsIndex
from index.retrievers import RetrievalSettings
from index.vectorstores import StoreSettings, ann, open_vector_store
from index.vectorstores.ann import AnnSettings
from index.vectorstores.faiss import FILENAME, FaissStore, one_thread
from service.config import Settings

DIM = 32
APPROXIMATE = list(ann.APPROXIMATE)
KINDS = ["flat", *APPROXIMATE]
FAST = {"hnsw_m": 16, "ef_construction": 40}  # small graphs build quickly at 32 dimensions


@pytest.fixture(autouse=True)
def single_threaded() -> Iterator[None]:
    """Tiny builds: on a busy two-core machine OpenMP's thread team makes them ~5x slower."""
    with one_thread():
        yield


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, seed: int = 0, centers: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """`n` corpus vectors around random topic centres, and 100 held-out queries near them."""
    rng = np.random.default_rng(seed)
    middle = unit(rng.standard_normal((centers, DIM)))

    def around(count: int) -> np.ndarray:
        rows = rng.integers(0, centers, count)
        return unit(middle[rows] + 0.5 / np.sqrt(DIM) * rng.standard_normal((count, DIM)))

    return around(n), around(100)


CORPUS, QUERIES = clustered(3_000)
IDS = np.arange(1, len(CORPUS) + 1, dtype=np.int64)  # docstore vids start at 1


def exact(query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    ids, vectors = IDS, CORPUS
    if allowed is not None:
        keep = np.isin(IDS, allowed)
        ids, vectors = IDS[keep], CORPUS[keep]
    return [int(i) for i in ids[np.argsort(-(vectors @ query), kind="stable")[:k]]]


def store(path: Path, kind: str, **options: Any) -> FaissStore:
    """A store holding the corpus as `kind` (threshold 0: approximate from the first vector)."""
    settings = AnnSettings(ann=kind, ann_threshold=0, **{**FAST, **options})
    built = FaissStore(path, DIM, settings)
    built.add(IDS, CORPUS)
    return built


def recall(
    found: FaissStore, allowed: np.ndarray | None = None, among: np.ndarray | None = None
) -> float:
    """recall@10 of searches (filtered by `allowed`) against exact search over `among`."""
    truth = allowed if among is None else among
    hits = [
        len({i for i, _ in found.search(q, 10, allowed)} & set(exact(q, 10, truth))) / 10
        for q in QUERIES
    ]
    return float(np.mean(hits))


def nlist(vectors: FaissStore) -> int:
    return int(faiss.extract_index_ivf(vectors._index).nlist)


def test_auto_is_exact_below_the_threshold_and_hnsw_above(tmp_path: Path) -> None:
    vectors = FaissStore(tmp_path, DIM, AnnSettings(ann="auto", ann_threshold=2_000, **FAST))
    vectors.add(IDS[:1_500], CORPUS[:1_500])
    assert vectors.kind == "flat"
    vectors.add(IDS[1_500:], CORPUS[1_500:])
    assert vectors.kind == ann.AUTO == "hnsw" and len(vectors) == len(IDS)
    assert np.array_equal(np.sort(vectors.ids()), IDS)
    vectors.save()
    # The file records the switch: reopened with the same settings, it is still HNSW.
    assert FaissStore(tmp_path, DIM, AnnSettings(ann_threshold=2_000)).kind == "hnsw"


def test_auto_goes_ivf_for_large_corpora_and_back_only_at_half(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ann, "AUTO_IVF_ABOVE", 100_000)
    auto = AnnSettings(ann_threshold=1_000)
    assert ann.target_kind(auto, 100_000, "hnsw") == "hnsw"
    assert ann.target_kind(auto, 100_001, "hnsw") == ann.AUTO_LARGE == "ivf-sq8"
    assert ann.target_kind(auto, 60_000, "ivf-sq8") == "ivf-sq8"
    assert ann.target_kind(auto, 50_000, "ivf-sq8") == "hnsw"
    assert ann.target_kind(auto, 400, "ivf-sq8") == "flat"
    assert ann.target_kind(AnnSettings(ann="hnsw", ann_threshold=1_000), 10**6, "flat") == "hnsw"


def test_falling_to_half_the_threshold_goes_back_to_flat(tmp_path: Path) -> None:
    vectors = FaissStore(tmp_path, DIM, AnnSettings(ann_threshold=2_000, **FAST))
    vectors.add(IDS, CORPUS)
    vectors.remove(IDS[:1_500])  # 1,500 left: under the threshold, above half of it
    assert vectors.kind == ann.AUTO
    vectors.remove(IDS[1_500:2_100])
    assert vectors.kind == "flat" and np.array_equal(np.sort(vectors.ids()), IDS[2_100:])


def test_flat_setting_never_goes_approximate_and_unknown_kinds_are_refused(
    tmp_path: Path,
) -> None:
    assert store(tmp_path, "flat").kind == "flat"
    with pytest.raises(ValueError, match="known: auto, flat, hnsw"):
        open_vector_store("faiss", tmp_path, DIM, StoreSettings(AnnSettings(ann="annoy")))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_recall_at_10_against_exact_search(kind: str, tmp_path: Path) -> None:
    vectors = store(tmp_path, kind)
    assert vectors.kind == kind
    assert recall(vectors) >= 0.95


@pytest.mark.parametrize("kind", KINDS)
def test_selective_and_broad_filters(kind: str, tmp_path: Path) -> None:
    vectors = store(tmp_path, kind, exact_filter_max=100)
    rng = np.random.default_rng(1)
    selective = rng.choice(IDS, 40, replace=False)  # at most exact_filter_max: exact search
    broad = rng.choice(IDS, 1_500, replace=False)  # through the index, with a selector
    for query in QUERIES[:20]:
        assert {i for i, _ in vectors.search(query, 10, broad)} <= set(broad.tolist())
    # Exact search over the allowed vectors: exactly exact where the index stores them whole.
    assert recall(vectors, allowed=selective) >= (1.0 if kind in ("flat", "hnsw") else 0.95)
    assert recall(vectors, allowed=broad) >= 0.95
    assert vectors.search(QUERIES[0], 10, np.array([10**9], dtype=np.int64)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_deleted_ids_are_never_returned(kind: str, tmp_path: Path) -> None:
    vectors = store(tmp_path, kind)
    gone = IDS[::10]  # 10%: tombstoned in approximate kinds, not yet compacted
    vectors.remove(gone)
    assert len(vectors) == len(IDS) - len(gone)
    assert not np.isin(vectors.ids(), gone).any()
    for query in QUERIES:
        assert not np.isin([i for i, _ in vectors.search(query, 20)], gone).any()
    assert vectors.search(QUERIES[0], 10, gone) == []
    vectors.add(gone[:5], CORPUS[gone[:5] - 1])  # an id may come back after a delete
    assert np.isin(gone[:5], vectors.ids()).all()


@pytest.mark.parametrize("kind", APPROXIMATE)
def test_deleting_past_the_bound_compacts_the_index(kind: str, tmp_path: Path) -> None:
    vectors = store(tmp_path, kind)
    vectors.remove(IDS[: len(IDS) // 10])
    assert vectors._index.ntotal == len(IDS)  # tombstones still in place
    vectors.remove(IDS[: int(len(IDS) * 0.25)])  # past MAX_DEAD: rebuilt from live vectors
    assert vectors._index.ntotal == len(vectors) == len(IDS) - int(len(IDS) * 0.25)
    assert vectors.kind == kind and recall(vectors, among=vectors.ids()) >= 0.95


def test_ivf_retrains_when_it_outgrows_its_cells(tmp_path: Path) -> None:
    vectors = FaissStore(tmp_path, DIM, AnnSettings(ann="ivf-sq8", ann_threshold=0))
    vectors.add(IDS[:1_000], CORPUS[:1_000])
    assert nlist(vectors) == ann.cells(1_000) and ann.drift(vectors._index, 1_000, 0) is None
    vectors.add(IDS[1_000:], CORPUS[1_000:])  # 3x: still within GROWTH
    assert nlist(vectors) == ann.cells(1_000)
    more, _ = clustered(2_000, seed=2)
    vectors.add(np.arange(10_001, 12_001), more)  # 5x what it was sized for
    assert nlist(vectors) == ann.cells(5_000) and len(vectors) == 5_000


def test_settings_pass_every_option_with_the_same_defaults() -> None:
    """Settings takes its defaults from the index's typed settings and hands every one back."""
    settings = Settings(_env_file=None, model_cache_dir=None)  # type: ignore[call-arg]
    assert settings.stores == StoreSettings()
    assert settings.retrieval == RetrievalSettings()
    assert settings.bm25 == BM25Settings()  # was part of RetrievalSettings
    assert settings.chunking == ChunkerSettings()
    assert settings.embed_options == EmbedOptions()
    assert ann.KINDS == ("auto", "flat", *APPROXIMATE)
    with pytest.raises(ValueError, match="unknown ANN kind 'annoy'"):
        AnnSettings(ann="annoy")  # type: ignore[arg-type]


def test_sizing_follows_the_guidelines() -> None:
    assert ann.cells(1_000_000) == 4_000  # 4·sqrt(N)
    assert ann.cells(2_000) == 51  # at least 39 training vectors per cell
    assert ann.sized_for(ann.cells(1_000_000)) == 1_000_000


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mmap", [False, True])
def test_save_and_reopen(kind: str, mmap: bool, tmp_path: Path) -> None:
    vectors = store(tmp_path, kind)
    vectors.remove(IDS[:100])
    before = [vectors.search(q, 10) for q in QUERIES[:10]]
    vectors.save()
    again = FaissStore(tmp_path, DIM, AnnSettings(ann=kind, ann_threshold=0, mmap=mmap, **FAST))
    assert again._mapped is mmap and again.kind == kind
    assert [again.search(q, 10) for q in QUERIES[:10]] == before
    assert np.array_equal(again.ids(), vectors.ids())
    few = IDS[95:120]  # exact search over reconstructed vectors, after a reload too
    assert [i for i, _ in again.search(QUERIES[0], 5, few)] == [
        i for i, _ in vectors.search(QUERIES[0], 5, few)
    ]
    again.add(IDS[:100], CORPUS[:100])  # a write to a mapped index reads it into RAM first
    again.remove(IDS[100:110])
    assert {i for i, _ in again.search(QUERIES[0], 30, few)} == set(IDS[95:100]) | set(IDS[110:120])
    again.save()
    assert len(FaissStore(tmp_path, DIM, AnnSettings(ann=kind, ann_threshold=0))) == 2_990
    assert [p.name for p in tmp_path.iterdir()] == [FILENAME]  # no temp file left behind


def test_changing_the_kind_setting_rebuilds_on_open(tmp_path: Path) -> None:
    store(tmp_path, "hnsw").save()
    switched = FaissStore(tmp_path, DIM, AnnSettings(ann="ivf-sq8", ann_threshold=0))
    assert switched.kind == "ivf-sq8" and len(switched) == len(IDS)
    assert FaissStore(tmp_path, DIM, AnnSettings(ann="ivf-sq8", ann_threshold=0)).kind == "ivf-sq8"


TOPICS = [
    "gas pipeline",
    "ice festival",
    "space launch",
    "wheat harvest",
    "chess final",
    "solar farm",
    "museum opening",
    "rail strike",
    "flood warning",
    "vaccine trial",
    "film award",
    "bank merger",
]


def article(n: int, topic: str) -> Document:
    source = "Xinhua" if n % 2 else "Reuters"
    text = f"Report {n}: news about the {topic}, with officials commenting on the {topic}."
    return Document(id=f"d{n}", text=text, source=source, date=f"2024-01-{n + 1:02d}")


def test_news_index_end_to_end_on_hnsw(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ann, "MIN_APPROXIMATE", 4)  # a dozen real chunks stand in for thousands
    options = StoreSettings(faiss=AnnSettings(ann="hnsw", ann_threshold=6))
    index = NewsIndex(CorpusSettings(tmp_path, stores=options, checkpoint_seconds=0), embedder)
    index.upsert([article(n, topic) for n, topic in enumerate(TOPICS)])
    assert isinstance(index.corpus.vectors, FaissStore) and index.corpus.vectors.kind == "hnsw"
    assert index.search("the chess final", k=1, mode="dense").hits[0].doc_id == "d4"
    only = index.search("chess", k=3, mode="dense", filters=Filters(source="xinhua")).hits
    assert only and all(h.source == "Xinhua" for h in only)
    assert index.delete("d4")
    assert "d4" not in {h.doc_id for h in index.search("the chess final", k=12, mode="dense").hits}
    shutil.copy(tmp_path / FILENAME, tmp_path / "old.faiss")
    index.upsert([article(20, "chess final rematch")])
    index.delete("d5")
    index.close()
    # A crash that lost the last two writes of the vector file: reconciled on open.
    shutil.move(tmp_path / "old.faiss", tmp_path / FILENAME)
    again = NewsIndex(CorpusSettings(tmp_path, stores=options), embedder)
    assert isinstance(again.corpus.vectors, FaissStore) and again.corpus.vectors.kind == "hnsw"
    assert np.array_equal(np.sort(again.corpus.vectors.ids()), again.corpus.docstore.all_ids())
    found = [h.doc_id for h in again.search("the chess final", k=12, mode="dense").hits]
    assert found[0] == "d20" and "d4" not in found and "d5" not in found
    again.close()
