"""A real Milvus API on loopback for the suite: milvus-lite's server, started once a session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.server import loopback_milvus
from index.corpus.base import CorpusSettings
from index.vectorstores import StoreSettings
from index.vectorstores.milvus import MilvusSettings


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("pymilvus")
    with loopback_milvus(tmp_path_factory.mktemp("milvus")) as uri:
        yield uri


def on_milvus(uri: str, directory: Path, name: str | None = None) -> CorpusSettings:
    """Settings of a corpus of its own (a fresh name unless given) on the server at `uri`."""
    chosen = MilvusSettings(uri=uri, collection=name or f"t{uuid.uuid4().hex[:12]}")
    return CorpusSettings(directory, stores=StoreSettings(milvus=chosen))
