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


# Words news copy uses for one fact: "hit earlier than planned" is "achieved ahead of
# schedule", "grew 5.2 percent" is "an increase of 5.2 percent".
_SAME_MEANING = [
    "grow grew grown growth rise rose risen increase climb gain surge jump expand",
    "fall fell fallen decline drop decrease shrink shrank slump plunge contract",
    "reach reached hit achieve attain top surpass exceed",
    "begin began begun start started commence launch",
    "complete completed finish finished conclude",
    "early earlier ahead advance",
    "plan planned schedule scheduled",
]
_MEANING = {stem: f"~{n}" for n, group in enumerate(_SAME_MEANING) for stem in terms(group)}


def meanings(text: str) -> set[str]:
    """Content words, stemmed, with a mark for each fact they say in words of the same
    meaning: "grow" and "increase" share one."""
    found = terms(text)
    return found | {_MEANING[stem] for stem in found if stem in _MEANING}


def shared(asked: str, said: str) -> set[str]:
    """The content words of `asked` that `said` has, itself or in words of the same meaning."""
    theirs = meanings(said)
    return {stem for stem in terms(asked) if stem in theirs or _MEANING.get(stem) in theirs}
