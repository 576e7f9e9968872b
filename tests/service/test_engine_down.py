"""A replica whose Milvus goes away says so (503 and why) and serves again once it is back,
without a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from eval.server import loopback_milvus
from index.corpus.base import EngineUnavailable
from index.embedding import Embedder
from index.models import Document
from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.milvus_fixture import on_milvus

pytestmark = pytest.mark.slow


def test_an_engine_that_goes_away_is_a_503_with_why_then_served_again(
    embedder: Embedder, tmp_path: Path
) -> None:
    data = tmp_path / "engine"
    with loopback_milvus(data) as uri:
        index = NewsIndex(on_milvus(uri, tmp_path, "down"), embedder, backend="milvus")
        index.upsert([Document("a", "The zorblat lighthouse was repainted.")])
    port = int(uri.rsplit(":", 1)[1])
    settings = Settings(index_dir=tmp_path, seed_dir=None, backend="milvus", milvus_uri=uri)
    with TestClient(create_app(settings, index=index)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        assert ready.json()["status"] == "unavailable" and str(port) in ready.json()["message"]
        searched = client.get("/search", params={"q": "zorblat lighthouse"})
        assert searched.status_code == 503 and searched.json()["error"] == "engine_unavailable"
        with pytest.raises(EngineUnavailable):
            index.search("zorblat lighthouse", 1)
        with loopback_milvus(data, port=port):  # back, on the same port and data
            deadline = time.monotonic() + 30  # the client reconnects on its own, in its time
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, client.get("/readyz").json()
                time.sleep(0.2)
            assert client.get("/readyz").json()["backend"] == "milvus"
            hits = client.get("/search", params={"q": "zorblat lighthouse"}).json()["results"]
            assert hits[0]["doc_id"] == "a"
    index.close()
