"""One search as every stage of the read path sees it."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.periods import Window
from index.recency import RecencyPrior


@dataclass(frozen=True)
class TimeSense:
    """What a search understood of time: the day it is asked, the period the question names
    (a filter) and whether newer articles are preferred (the prior). Shown to the user so a
    ranking can be explained."""

    as_of: date
    window: Window | None = None
    prior: RecencyPrior | None = None


@dataclass(frozen=True)
class Query:
    """The question's text, its analyzed terms (lexical matching) and its embedding (started
    once, before anything else runs; None where no stage needs a vector)."""

    text: str
    terms: list[str]
    embedding: Future[np.ndarray] | None = None

    @property
    def vector(self) -> np.ndarray | None:
        """The vector, once the embedding started up front is done (None without one)."""
        return None if self.embedding is None else self.embedding.result()
