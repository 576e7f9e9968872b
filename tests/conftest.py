"""Shared fixtures: the real model and the seeds index, built once per session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.embedding import Embedder, EmbedOptions
from index.ingest import ingest
from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.fake_llm import fake_llm  # noqa: F401  (a fixture, for every test)
from tests.feed_server import feed_server  # noqa: F401  (a fixture, for every test)
from tests.local_llm import local_llm  # noqa: F401  (a fixture, for every test)
from tests.milvus_fixture import milvus_uri  # noqa: F401  (a fixture, for every test)
from tests.service.live import serve

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "seeds-qa.jsonl"
DATED = ROOT / "tests" / "corpora" / "dated"  # 16 articles, Nov 2024 - Sep 2025, one undated


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Settings-built embedders (app, CLI) export NEWSRAG_EMBED_BACKEND's model once per
    session here, rather than once per temporary data directory."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("data") / "models"
        patch.setenv("NEWSRAG_MODEL_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def embedded_milvus_stopped() -> Iterator[None]:
    """milvus-lite files opened and never closed have servers pymilvus stops at exit, logging
    as it does, into streams pytest has closed by then: stop them while logging still works."""
    yield
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_all()


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """What the service runs by default (openvino-int8 documents, onnx-int8 queries), exported
    once per session: behaviour is tested on what ships."""
    return Embedder(options=EmbedOptions(cache_dir=model_cache))


@pytest.fixture(scope="session")
def seeds_index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex(tmp_path_factory.mktemp("seeds-index"), embedder)
    report = ingest(index, [SEEDS])
    assert report.added == 5 and not report.errors
    return index


@pytest.fixture(scope="session")
def dated_index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex(tmp_path_factory.mktemp("dated-index"), embedder)
    report = ingest(index, [DATED])
    assert report.added == 16 and not report.errors
    return index


@pytest.fixture(scope="session")
def dated_client(dated_index: NewsIndex) -> Iterator[TestClient]:
    """The real app over the dated corpus: read-only tests only."""
    settings = Settings(index_dir=dated_index.corpus.directory, seed_dir=None)
    with TestClient(create_app(settings, index=dated_index)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def client(seeds_index: NewsIndex) -> Iterator[TestClient]:
    """The real app over the shared seeds index: read-only tests only."""
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None)
    with TestClient(create_app(settings, index=seeds_index)) as test_client:
        yield test_client


@pytest.fixture
def fresh_index(embedder: Embedder, tmp_path: Path) -> Iterator[NewsIndex]:
    """An empty index of its own, for tests that write."""
    index = NewsIndex(tmp_path / "index", embedder)
    yield index
    index.close()


@pytest.fixture
def fresh_client(fresh_index: NewsIndex) -> Iterator[TestClient]:
    settings = Settings(index_dir=fresh_index.corpus.directory, seed_dir=None)
    with TestClient(create_app(settings, index=fresh_index)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def gold() -> list[dict[str, object]]:
    return [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def live_server(seeds_index: NewsIndex) -> Iterator[str]:
    """The real app served by uvicorn on a loopback port, in a thread: for browsers and load."""
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None)
    with serve(create_app(settings, index=seeds_index)) as (host, port):
        yield f"http://{host}:{port}"
