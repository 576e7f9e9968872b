"""Words as every lexical index sees them, analyzed here in Python once for all backends.

Text is lowercased, English stopwords dropped and Snowball-stemmed, and each chunk is indexed
with its context (below). Chunks and queries go through the same function, so their terms
always meet, and tantivy (local) and Milvus (scale-out) receive the same terms: a backend's own
analyzer only splits them on spaces. The rules are those the bm25s index used before
(scikit-learn's token pattern, bm25s's English stopword list), so its measured quality carries
over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = {"en": frozenset(STOPWORDS_EN), "none": frozenset()}


@dataclass(frozen=True)
class BM25Settings:
    """What each chunk's indexed text is made of; saved with the index, so a change rebuilds it.
    (Scoring is Lucene's BM25, k1 1.2 and b 0.75, in every backend.)"""

    # Snowball stemming lifts SciFact nDCG@10 from ~0.66 to ~0.69.
    stemmer: str | None = "english"
    stopwords: str = "en"
    # Each chunk is indexed with its title and one neighbour on each side, though hits stay
    # chunks: 96 tokens are too few for term statistics. Two neighbours a side measured no
    # better, so one keeps passages local.
    context: int = 1
    # The chunk's own words count twice, its neighbours' once: without it a neighbour of the
    # passage that matches ranks beside it, and a passage syndicated elsewhere loses first place
    # to the paragraph next to it (measured: docs/retrieval-quality.md).
    own_weight: int = 2


class Analyzer:
    def __init__(self, stemmer: str | None = "english", stopwords: str = "en") -> None:
        if stopwords not in STOPWORDS:
            raise ValueError(f"unknown stopword list {stopwords!r}; known: {', '.join(STOPWORDS)}")
        self._stopwords = STOPWORDS[stopwords]
        self._stemmer = Stemmer.Stemmer(stemmer) if stemmer else None

    @classmethod
    def of(cls, settings: BM25Settings) -> Analyzer:
        return cls(settings.stemmer, settings.stopwords)

    def terms(self, text: str) -> list[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in self._stopwords]
        return self._stemmer.stemWords(words) if self._stemmer else words


def contexts(
    title: str | None,
    text: str,
    spans: Sequence[tuple[int, int]],
    settings: BM25Settings,
) -> list[str]:
    """What to index for each of a document's chunks (`spans`, in chunk order): the title, the
    text from `context` chunks before to `context` chunks after, and the chunk's own text
    `own_weight` times in all (a field weight, as BM25F does)."""
    head = f"{title}\n\n" if title else ""
    around, last = settings.context, len(spans) - 1
    out = []
    for n, (start, end) in enumerate(spans):
        window = spans[max(0, n - around) : min(last, n + around) + 1]
        low, high = min(s for s, _ in window), max(e for _, e in window)
        out.append(
            "\n".join([head + text[low:high], *[text[start:end]] * (settings.own_weight - 1)])
        )
    return out


def chunk_terms(
    title: str | None,
    text: str,
    spans: Sequence[tuple[int, int]],
    settings: BM25Settings,
    analyzer: Analyzer | None = None,
) -> list[str]:
    """Each chunk's analyzed terms, space-separated: what a lexical index stores for it."""
    analyzer = analyzer or Analyzer.of(settings)
    return [" ".join(analyzer.terms(t)) for t in contexts(title, text, spans, settings)]
