"""What every embedding backend provides, and the pooling the exported-graph backends share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# The graph's output for a batch of tokenized inputs: one hidden state per token.
RunGraph = Callable[[dict[str, np.ndarray]], np.ndarray]
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Fast tokenizers reset truncation/padding state on each call and raise "Already borrowed" when
# two threads do so at once (huggingface/tokenizers#537); tokenizing is cheap next to the model.
TOKENIZER_LOCK = threading.Lock()


class MissingDependency(ImportError):
    """An optional package a backend needs is not installed."""


class Backend(Protocol):
    """Turns texts into L2-normalized float32 vectors, one row per text, in order."""

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray: ...


@dataclass(frozen=True)
class BackendOptions:
    cache_dir: Path  # exported models live here, never beside the installed package
    threads: int = 0  # 0: the runtime's own choice
    source: Path | None = None  # the model's local folder, when it has one


Factory = Callable[["SentenceTransformer", str, BackendOptions], Backend]


Tokenize = Callable[[list[str]], dict[str, np.ndarray]]


class PooledBackend:
    """Runs an exported transformer graph the way sentence-transformers runs the torch one:
    the model's own tokenizer, longest texts first (so batches pad little), mean pooling."""

    def __init__(self, tokenize: Tokenize, run: RunGraph) -> None:
        self.tokenize = tokenize
        self.run = run

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        from tqdm import trange

        order = np.argsort([-len(text) for text in texts], kind="stable")
        parts = [
            self._batch([texts[i] for i in order[start : start + batch_size]])
            for start in trange(0, len(texts), batch_size, desc="Batches", disable=not progress)
        ]
        vectors = np.empty_like(parts[0], shape=(len(texts), parts[0].shape[1]))
        vectors[order] = np.concatenate(parts)
        return vectors

    def _batch(self, texts: list[str]) -> np.ndarray:
        feeds = self.tokenize(texts)
        return mean_pool(self.run(feeds), feeds["attention_mask"])


def model_tokenizer(model: SentenceTransformer) -> Tokenize:
    """The loaded model's tokenizer (transformers), truncating at the model's window."""
    check_mean_pooling(model)
    tokenizer: Any = model.tokenizer
    max_length: int = model.max_seq_length or 512

    def tokenize(texts: list[str]) -> dict[str, np.ndarray]:
        with TOKENIZER_LOCK:
            tokens = tokenizer(
                texts,
                padding=True,
                truncation="longest_first",
                max_length=max_length,
                return_tensors="np",
            )
        return {name: tokens[name].astype(np.int64) for name in INPUT_NAMES if name in tokens}

    return tokenize


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the real tokens' states, L2-normalized (sentence-transformers' Pooling+Normalize)."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    mean = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(mean / norms, dtype=np.float32)


def check_mean_pooling(model: SentenceTransformer) -> None:
    """Exported graphs stop at the transformer: only Transformer + mean Pooling is rebuilt here."""
    modules: list[Any] = list(model)
    kinds = [type(module).__name__ for module in modules]
    pooling = modules[1].get_config_dict().get("pooling_mode") if len(kinds) > 1 else None
    if kinds[:2] != ["Transformer", "Pooling"] or pooling != "mean" or len(kinds) > 3:
        raise ValueError(
            f"exported backends support Transformer + mean Pooling (+ Normalize) models; this "
            f"one is {' + '.join(kinds)} (pooling {pooling!r}): use NEWSRAG_EMBED_BACKEND=torch"
        )
