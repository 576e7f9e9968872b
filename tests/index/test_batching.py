"""Queries that arrive together are embedded together, and each caller gets its own vector."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.batching import QueryBatcher
from index.embedding import Embedder, EmbedOptions


def test_queries_waiting_while_the_model_is_busy_go_in_one_batch() -> None:
    busy, release, sizes = threading.Event(), threading.Event(), []

    def encode(texts: list[str]) -> np.ndarray:
        sizes.append(len(texts))
        if len(sizes) == 1:
            busy.set()
            release.wait(10)
        return np.array([[float(len(t))] for t in texts])

    batcher = QueryBatcher(encode, max_batch=4)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher.embed, "a")
        assert busy.wait(10)
        rest = [pool.submit(batcher.embed, "b" * n) for n in range(1, 7)]
        while len(batcher._pending) < 6:
            threading.Event().wait(0.01)
        release.set()
        assert first.result(10)[0] == 1.0
        assert [f.result(10)[0] for f in rest] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert sizes == [1, 4, 2]


def test_a_failed_batch_fails_its_callers_and_the_next_one_works() -> None:
    calls = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        if len(calls) == 1:
            raise RuntimeError("model crashed")
        if len(calls) == 2:
            return np.ones((0, 2))
        return np.ones((len(texts), 2))

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError, match="model crashed"):
        batcher.embed("first")
    with pytest.raises(RuntimeError, match="0 vectors for 1 queries"):
        batcher.embed("second")
    assert batcher.embed("third").tolist() == [1.0, 1.0]


@pytest.mark.parametrize("backend", ["onnx-int8", "torch"])
def test_concurrent_queries_get_the_vectors_they_would_get_alone(
    backend: str, model_cache: Path
) -> None:
    """Batched together under load or asked alone, a query gets one vector (and so one
    ranking), on the shipped query runtime too, whose int8 scales depend on the batch."""
    options = EmbedOptions(backend, model_cache, query_cache_size=0)
    queries = [f"harbour reopening number {n} after the storm" for n in range(12)] + ["Expo"]
    embedder = Embedder(options=options)
    alone = np.stack([embedder.embed_query(q) for q in queries])
    with ThreadPoolExecutor(8) as pool:
        together = np.stack(list(pool.map(embedder.embed_query, queries)))
    assert np.allclose(together, alone, atol=1e-5)
