"""The default answerer: the passages' own most relevant sentences, each cited; nothing invented.

A passage is only ever a source of sentences to rank, never of instructions, so text such as
"ignore previous instructions" in an article cannot change what this answerer does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import Stemmer

from index.embedding import Embedder
from index.metadata import dateline_end
from index.models import Hit
from service.answering.sentences import Span, split

STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from had has have how in is it its many much "
    "of on or that the their them they this to was were what when where which who whom why will "
    "with".split()
)
_stemmer = Stemmer.Stemmer("english")


# A statement ends as one; headlines, bylines ("| May 6, 2025") and page furniture do not.
_STATEMENT_END = re.compile(r"[.!?][\"'”’)\]]*$")
MIN_WORDS = 6


def is_statement(sentence: str) -> bool:
    """A sentence of the story, not a headline, byline, dateline or page furniture."""
    return (
        len(sentence.split()) >= MIN_WORDS
        and "|" not in sentence
        and bool(_STATEMENT_END.search(sentence))
    )


def story_span(span: Span) -> Span | None:
    """The sentence without a wire dateline that opens it; None when it is no statement."""
    cut = dateline_end(span.text)
    text = span.text[cut:]
    return Span(span.start + cut, span.end, text) if is_statement(text) else None


@dataclass(frozen=True)
class Candidate:
    passage: int  # 1-based, as cited
    text: str


def terms(text: str) -> set[str]:
    """Stemmed content words: lets "met" in a question reward "meet" in a sentence."""
    words = [w for w in re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.lower()) if w not in STOPWORDS]
    return set(_stemmer.stemWords(words))


class ExtractiveAnswerer:
    model = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int = 2,
        overlap_weight: float = 0.3,
        relative_floor: float = 0.85,
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.overlap_weight = overlap_weight
        # A further sentence must score within 15% of the best: on the seeds gold set this
        # keeps 11 of 12 answers right with 18 sentences instead of 24 (0.95 loses one).
        self.relative_floor = relative_floor

    def answer(self, question: str, passages: list[Hit]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: list[Hit]) -> Iterator[str]:
        for i, candidate in enumerate(self.select(question, passages)):
            yield f"{' ' if i else ''}{candidate.text} [{candidate.passage}]"

    def select(self, question: str, passages: list[Hit]) -> list[Candidate]:
        """The best sentences: meaning (cosine) plus shared content words, without repeats."""
        candidates = [
            Candidate(n, story.text)
            for n, hit in enumerate(passages, start=1)
            for span in split(hit.text)
            if (story := story_span(span)) is not None
        ]
        if not candidates:
            return []
        texts = [c.text for c in candidates]
        scores = self.scores(question, texts, self.embedder.embed_documents(texts))
        chosen: list[Candidate] = []
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] < self.relative_floor * scores.max():
                break
            if all(candidates[i].text != c.text for c in chosen):
                chosen.append(candidates[i])
            if len(chosen) == self.max_sentences:
                break
        return chosen

    def scores(self, question: str, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """How well each sentence (with its embedding) speaks to the question: meaning
        (cosine) plus the share of the question's content words it contains."""
        cosine = vectors @ self.embedder.embed_query(question)
        wanted = terms(question)
        shared = [len(wanted & terms(text)) / max(1, len(wanted)) for text in texts]
        result: np.ndarray = cosine + self.overlap_weight * np.array(shared)
        return result
