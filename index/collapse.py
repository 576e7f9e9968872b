"""Near-duplicate collapse: a paragraph syndicated in several articles fills one slot, not k.

Two passages are near-duplicates when most word 3-grams of the shorter one also occur in the
other (containment, not Jaccard: chunk boundaries differ between articles, so a shared
paragraph is often only part of each chunk). 3-grams rather than 5-grams because rewritten
wire copy keeps phrases but changes every few words. The threshold sits between what shared
paragraphs score and what any other pair of chunks does (docs/tuning.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

SHINGLE = 3
THRESHOLD = 0.4  # share of the candidate's shingles already shown
MIN_SHARED = 10  # about a 12-word run: below it a shared phrase is chance, not copy

_WORD = re.compile(r"\w+")
Shingle = int  # the hash of a word n-gram: set operations on ints skip rehashing tuples


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
    shingles: frozenset[Shingle]
    also_in: list[str] = field(default_factory=list)

    def absorb(self, doc_id: str) -> None:
        if doc_id != self.passage.doc_id and doc_id not in self.also_in:
            self.also_in.append(doc_id)


def collapse(ranked: Sequence[tuple[P, float]]) -> list[Kept[P]]:
    """Folds each passage (best first) into the best kept one it nearly repeats."""
    kept: list[Kept[P]] = []
    shown: set[Shingle] = set()  # every kept passage's shingles
    for passage, score in ranked:
        shingles = shingle(passage.text)
        match = _repeated(shingles, shown, kept)
        if match is not None:
            kept[match].absorb(passage.doc_id)
            continue
        shown |= shingles
        kept.append(Kept(passage, score, shingles))
    return kept


def _repeated(
    shingles: frozenset[Shingle], shown: set[Shingle], kept: Sequence[Kept[P]]
) -> int | None:
    """The best-ranked kept passage that `shingles` nearly repeats. A passage shares no more
    with any one kept passage than with all of them, so most candidates are cleared by one set
    intersection (in C) against everything shown; only likely copies are compared one by one."""
    common = len(shingles & shown)
    if not repeats(len(shingles), len(shingles), common):
        return None
    for i, other in enumerate(kept):
        if repeats(len(shingles), len(other.shingles), len(shingles & other.shingles)):
            return i
    return None


def repeats(candidate: int, kept: int, shared: int) -> bool:
    """Whether a candidate with `shared` of its `candidate` shingles in a kept passage of
    `kept` shingles adds little to it; passages too short to share MIN_SHARED must be equal."""
    if shared == candidate == kept:
        return True
    return shared >= MIN_SHARED and shared / candidate >= THRESHOLD


@lru_cache(maxsize=8192)  # the same passages come back query after query
def shingle(text: str, n: int = SHINGLE) -> frozenset[Shingle]:
    """Word n-grams of the lower-cased text; punctuation and spacing never matter."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return frozenset({hash(tuple(words))})
    return frozenset(map(hash, zip(*(words[i:] for i in range(n)), strict=False)))
