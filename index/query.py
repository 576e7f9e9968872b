"""One search as every stage of the read path sees it."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index.docstore import Filters
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
    """The question's text (lexical matching), its embedding (started once, before anything
    else runs; None where no stage needs a vector) and the filters every stage honours."""

    text: str
    embedding: Future[np.ndarray] | None = None
    filters: Filters = field(default_factory=Filters)

    @classmethod
    def embedded(cls, text: str, vector: np.ndarray, filters: Filters | None = None) -> Query:
        """A query whose vector is already known."""
        done: Future[np.ndarray] = Future()
        done.set_result(vector)
        return cls(text, done, filters or Filters())

    @property
    def vector(self) -> np.ndarray | None:
        """The vector, once the embedding started up front is done (None without one)."""
        return None if self.embedding is None else self.embedding.result()
