"""The reference backend: sentence-transformers' own PyTorch forward pass, in float32."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from index.embedders.base import Backend, BackendOptions

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class TorchBackend:
    def __init__(self, model: SentenceTransformer, threads: int) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)  # process-wide: torch has no per-model setting
        self.model = model

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    return TorchBackend(model, options.threads)
