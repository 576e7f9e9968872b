"""Words as the lexical index sees them: lowercased, English stopwords out, Snowball-stemmed.

Text is analyzed here, in Python, and the index stores the resulting terms split on spaces, so
chunks and queries go through one function and their terms always meet. The rules are those the
bm25s index used before (scikit-learn's token pattern, bm25s's English stopword list), so its
measured quality carries over.
"""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = {"en": frozenset(STOPWORDS_EN), "none": frozenset()}


class Analyzer:
    def __init__(self, stemmer: str | None = "english", stopwords: str = "en") -> None:
        if stopwords not in STOPWORDS:
            raise ValueError(f"unknown stopword list {stopwords!r}; known: {', '.join(STOPWORDS)}")
        self._stopwords = STOPWORDS[stopwords]
        self._stemmer = Stemmer.Stemmer(stemmer) if stemmer else None

    def terms(self, text: str) -> list[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in self._stopwords]
        return self._stemmer.stemWords(words) if self._stemmer else words
