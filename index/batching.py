"""Concurrent queries embedded together: one model call for every query waiting.

Each model call has a fixed cost (tokenizer, graph dispatch, thread wake-ups) that a batch
shares (docs/tuning.md, "Queries embedded one at a time"), and one worker keeps concurrent
requests from contending for the model's threads. Runtimes whose vectors depend on the batch
do not come here (index.embedding.BATCH_DEPENDENT). A lone query does not wait for company:
the worker takes whatever is queued the moment it is free, so one client sees only a thread
hand-off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


class QueryBatcher:
    """Queues queries from any thread and embeds them in batches on one worker thread."""

    def __init__(self, encode: Encode, max_batch: int = 32) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._pending: list[tuple[str, Future[np.ndarray]]] = []
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None

    def embed(self, text: str) -> np.ndarray:
        done: Future[np.ndarray] = Future()
        with self._ready:
            self._pending.append((text, done))
            if self._worker is None:  # started on first use: an idle embedder costs no thread
                self._worker = threading.Thread(target=self._run, name="query-batcher", daemon=True)
                self._worker.start()
            self._ready.notify()
        return done.result()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
            try:
                vectors = self._encode([text for text, _ in batch])
                if len(vectors) != len(batch):
                    raise RuntimeError(f"{len(vectors)} vectors for {len(batch)} queries")
            except BaseException as exc:  # each caller gets the error, the worker lives on
                for _, done in batch:
                    done.set_exception(exc)
                continue
            for (_, done), vector in zip(batch, vectors, strict=True):
                done.set_result(vector)
