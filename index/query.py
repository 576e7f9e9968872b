"""One search as every stage of the read path sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.docstore import Filters


@dataclass(frozen=True)
class Query:
    """The question's text (lexical matching), its vector (embedded once, before anything else
    runs; None where no stage needs one) and the filters every stage honours."""

    text: str
    vector: np.ndarray | None = None
    filters: Filters = field(default_factory=Filters)
