"""Vector store settings reach the store: NEWSRAG_* variables → Settings.stores → NewsIndex."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from index.embedding import Embedder
from index.vectorstores.milvus import MilvusSettings, MilvusStore, default_collection
from service.config import Settings
from service.opening import open_index


def test_milvus_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSRAG_VECTOR_STORE", "milvus")
    monkeypatch.setenv("NEWSRAG_MILVUS_URI", "http://milvus:19530")
    monkeypatch.setenv("NEWSRAG_MILVUS_TOKEN", "root:Milvus")
    monkeypatch.setenv("NEWSRAG_MILVUS_INDEX", "FLAT")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.vector_store == "milvus"
    assert settings.stores.milvus == MilvusSettings(
        uri="http://milvus:19530", collection=None, token="root:Milvus", index="FLAT"
    )
    assert "root:Milvus" not in repr(settings)


def test_by_default_milvus_means_milvus_lite_in_the_index_directory(
    embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(index_dir=tmp_path / "index", vector_store="milvus", seed_dir=None)
    assert settings.stores.milvus.uri is None
    index = open_index(settings, embedder)
    assert isinstance(index.corpus.vectors, MilvusStore)
    assert index.corpus.vectors.collection == default_collection(tmp_path / "index")
    assert index.corpus.vectors.collection.startswith("newsrag_chunks_")
    assert index.corpus.vectors.index == "AUTOINDEX"
    assert (tmp_path / "index" / "milvus.db").is_dir()
    index.close()


def test_an_unknown_milvus_index_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="AUTOINDEX"):
        Settings(milvus_index="HNSW")  # type: ignore[arg-type]
