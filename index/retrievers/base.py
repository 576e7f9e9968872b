"""The retrieval seam: a query in, scored chunk ids out."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from index.query import Query


class Retriever(Protocol):
    """Finds the best chunks for a query, restricted to `allowed` chunk ids when given."""

    def retrieve(
        self, query: Query, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]: ...
