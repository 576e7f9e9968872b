"""The answerer seam: question and passages in, answer text with [n] citations out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from index.models import Hit


class Answerer(Protocol):
    """Writes an answer citing `passages` by their 1-based position."""

    model: str

    def answer(self, question: str, passages: list[Hit]) -> str: ...

    def stream(self, question: str, passages: list[Hit]) -> Iterator[str]:
        """The same answer as text deltas, for streaming to a person as it is written."""
        ...
