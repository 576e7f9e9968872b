"""Sentence boundaries with character spans, shared by the extractive answerer and the checker."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pysbd

from service.answering.markers import leading_markers


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split(text: str) -> list[Span]:
    """Sentences of `text` (stripped), each with its exact span in `text`."""
    spans = []
    for piece in _segmenter().segment(text):
        stripped = piece.sent.strip()
        if stripped:
            start = text.find(stripped, piece.start)
            spans.append(Span(start, start + len(stripped), stripped))
    return spans


def split_answer(text: str) -> list[str]:
    """Sentences of an answer, with a citation run that opens a sentence given back to the one
    before it: models write "… in 2024. [1] Next …" and the [1] belongs to "… in 2024."."""
    sentences: list[str] = []
    for span in split(text):
        sentence = span.text
        run = leading_markers(sentence)
        if run and sentences:
            sentences[-1] = f"{sentences[-1]} {sentence[:run].strip()}"
            sentence = sentence[run:].strip()
        if sentence:
            sentences.append(sentence)
    return sentences
