"""All configuration in one validated place; every field is a NEWSRAG_* environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunking import ChunkerSettings
from index.embedding import DEFAULT_MODEL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", env_file=".env", extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Where the index lives.")
    model: str = Field(DEFAULT_MODEL, description="Sentence-transformers model name or path.")
    chunk_size: int = Field(96, ge=16, description="Chunk size in model tokens.")
    chunk_overlap: int = Field(16, ge=0, description="Overlap between chunks in tokens.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    vector_store: str = Field("faiss", description="Vector store implementation.")
    seed_dir: Path | None = Field(
        Path("seeds"), description="Indexed on start when the index is empty (unset to skip)."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    max_query_chars: int = Field(2000, ge=1, description="Longest accepted query.")
    max_k: int = Field(100, ge=1, description="Largest accepted k.")

    @property
    def chunking(self) -> ChunkerSettings:
        return ChunkerSettings(size=self.chunk_size, overlap=self.chunk_overlap)


@lru_cache
def get_settings() -> Settings:
    return Settings()
