"""All configuration in one validated place; every field is a NEWSRAG_* environment variable."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.chunking import ChunkerSettings
from index.embedding import DEFAULT_MODEL
from index.retrievers import RetrievalSettings, SearchMode

MIN_KEY_CHARS = 16
Item = TypeVar("Item")
# A list read from `a,b,c` in the environment (see split_commas) rather than from JSON.
CommaList = Annotated[list[Item], NoDecode]


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected API key must not be echoed into a start-up log.
    model_config = SettingsConfigDict(
        env_prefix="NEWSRAG_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    index_dir: Path = Field(Path("data/index"), description="Where the index lives.")
    model: str = Field(DEFAULT_MODEL, description="Sentence-transformers model name or path.")
    chunk_size: int = Field(96, ge=16, description="Chunk size in model tokens.")
    chunk_overlap: int = Field(16, ge=0, description="Overlap between chunks in tokens.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    vector_store: str = Field("faiss", description="Vector store implementation.")
    seed_dir: Path | None = Field(
        Path("seeds"), description="Indexed on start when the index is empty (unset to skip)."
    )
    host: str = Field("127.0.0.1", description="Address `newsrag serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `newsrag serve` listens on.")
    max_query_chars: int = Field(2000, ge=1, le=2000, description="Longest accepted query.")
    max_k: int = Field(100, ge=1, le=100, description="Largest accepted k.")
    search_mode: SearchMode = Field(
        "hybrid", description="Default retrieval: dense, bm25 or hybrid (both, fused)."
    )
    collapse_duplicates: bool = Field(
        True, description="Fold near-duplicate passages (syndicated copy) into one hit."
    )
    llm: str = Field(
        "extractive",
        description="'extractive' (no LLM) or provider:model, e.g. openai:llama3.1:8b.",
    )
    llm_base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        description="OpenAI-compatible server (default: local Ollama); vLLM, llama.cpp, LM Studio.",
    )
    llm_api_key: SecretStr | None = Field(None, description="Sent as a Bearer token when set.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to connect or for the next bytes.")
    llm_deadline: float = Field(
        120.0, gt=0, description="Longest one answer may take, retries and streaming included."
    )
    llm_max_retries: int = Field(2, ge=0, description="Retries on 429, 5xx and connection errors.")
    llm_max_tokens: int = Field(512, ge=1, description="Longest LLM reply, in tokens.")
    api_keys: CommaList[SecretStr] = Field(
        default_factory=list, description="Comma-separated keys; when set, the API needs one."
    )
    admin_keys: CommaList[SecretStr] = Field(
        default_factory=list, description="Comma-separated keys; when set, only they may write."
    )
    cors_origins: CommaList[str] = Field(
        default_factory=list, description="Comma-separated origins browsers may call from ('*')."
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1, description="Largest request body.")
    max_documents_per_upload: int = Field(1000, ge=1, description="Most documents per upload.")
    rate_limit_per_minute: int = Field(
        0, ge=0, description="Requests per minute per key (or client address); 0 is no limit."
    )
    rate_limit_burst: int = Field(20, ge=1, description="Requests at once before the rate bites.")
    log_format: Literal["json", "text"] = Field("json", description="Log lines of `serve`.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Least severe log level written."
    )

    @field_validator("api_keys", "admin_keys", "cors_origins", mode="before")
    @classmethod
    def split_commas(cls, value: object) -> object:
        """Environment values are `a,b` (a JSON list also works), not only JSON as by default."""
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        if any(len(key.get_secret_value()) < MIN_KEY_CHARS for key in keys):
            raise ValueError(f"every API key needs at least {MIN_KEY_CHARS} characters")
        return keys

    @property
    def chunking(self) -> ChunkerSettings:
        return ChunkerSettings(size=self.chunk_size, overlap=self.chunk_overlap)

    @property
    def retrieval(self) -> RetrievalSettings:
        return RetrievalSettings(mode=self.search_mode, collapse=self.collapse_duplicates)


@lru_cache
def get_settings() -> Settings:
    return Settings()
