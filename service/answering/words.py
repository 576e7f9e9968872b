"""Content words, stemmed: how a question's words are found in a sentence ("met" ~ "meet")."""

from __future__ import annotations

import re

import Stemmer

# Words that carry no content of a question, wherever a question's content words are wanted.
STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from had has have how in is it its many much "
    "of on or that the their them they this to was were what when where which who whom why will "
    "with".split()
)
# With the words of asking ("can you tell me about …"): none is a conversation's subject.
NOT_SUBJECT = STOPWORDS | frozenset(
    "about can could i me please tell then there these those us would you".split()
)
_stemmer = Stemmer.Stemmer("english")


def terms(text: str) -> set[str]:
    """Stemmed content words: lets "met" in a question reward "meet" in a sentence."""
    words = [w for w in re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.lower()) if w not in STOPWORDS]
    return set(_stemmer.stemWords(words))
