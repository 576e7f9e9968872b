"""Near-duplicate collapse: a paragraph syndicated in several articles fills one slot, not k.

Two passages are near-duplicates when most word 3-grams of the shorter one also occur in the
other (containment, not Jaccard: chunk boundaries differ between articles, so a shared
paragraph is often only part of each chunk). 3-grams rather than 5-grams because rewritten
wire copy keeps phrases but changes every few words. On the seeds, the paragraphs 000 and 002
share (and 001/004's shared sentence) score 0.43-0.69 while every other cross-article pair of
chunks scores at most 0.35; over TIME's and SciFact's top candidates, 0.5 ... see THRESHOLD.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

THRESHOLD = 0.4
SHINGLE = 3
MIN_SHINGLES = 5  # below this, containment is noise: only identical passages count

_WORD = re.compile(r"\w+")


class Passage(Protocol):
    @property
    def doc_id(self) -> str: ...

    @property
    def text(self) -> str: ...


P = TypeVar("P", bound=Passage)


@dataclass
class Kept(Generic[P]):
    """The best-scoring passage of a group and the other documents that carried its text."""

    passage: P
    score: float
    shingles: frozenset[tuple[str, ...]]
    also_in: list[str] = field(default_factory=list)

    def absorb(self, doc_id: str) -> None:
        if doc_id != self.passage.doc_id and doc_id not in self.also_in:
            self.also_in.append(doc_id)


def collapse(ranked: Sequence[tuple[P, float]]) -> list[Kept[P]]:
    """Folds each passage (best first) into the first kept one it nearly repeats."""
    kept: list[Kept[P]] = []
    for passage, score in ranked:
        shingles = shingle(passage.text)
        match = next((k for k in kept if repeats(shingles, k.shingles)), None)
        if match is None:
            kept.append(Kept(passage, score, shingles))
        else:
            match.absorb(passage.doc_id)
    return kept


def shingle(text: str, n: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """Word n-grams of the lower-cased text; punctuation and spacing never matter."""
    words = _WORD.findall(text.lower())
    return frozenset(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))


def containment(part: frozenset[tuple[str, ...]], whole: frozenset[tuple[str, ...]]) -> float:
    """The share of `part`'s shingles that also occur in `whole`."""
    return len(part & whole) / len(part) if part else 0.0


def repeats(candidate: frozenset[tuple[str, ...]], kept: frozenset[tuple[str, ...]]) -> bool:
    """Whether the candidate adds little to a passage already shown."""
    if len(candidate) < MIN_SHINGLES:
        return candidate == kept
    return containment(candidate, kept) >= THRESHOLD
