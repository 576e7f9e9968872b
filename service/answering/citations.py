"""Checks an answer before it leaves: citations point at given passages, quotes are verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.answering.markers import citations_in, without_markers
from service.answering.sentences import split_answer

QUOTE = re.compile(r"\"([^\"]{3,})\"|“([^”]{3,})”")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[int, ...]
    supported: bool
    problems: tuple[str, ...] = ()


def quotes_in(sentence: str) -> list[str]:
    return [a or b for a, b in QUOTE.findall(without_markers(sentence))]


def folded(text: str) -> str:
    """Whitespace and typographic quotes/dashes folded, so a faithful quote is not failed on
    a curly apostrophe; words, case and order still have to match exactly (unlike eval's
    `plain_words`, which grades an answer on its words alone)."""
    return " ".join(text.translate(_FOLD).split())


def check_sentence(sentence: str, passages: list[str]) -> SentenceCheck:
    cited = citations_in(sentence)
    valid = [n for n in cited if 1 <= n <= len(passages)]
    problems = [
        f"[{n}] is not one of the {len(passages)} passages" for n in cited if n not in valid
    ]
    if not cited:
        problems.append("no citation")
    sources = [folded(passages[n - 1]) for n in valid]
    for quote in quotes_in(sentence):
        if not any(folded(quote) in source for source in sources):
            problems.append(f'quote "{quote}" is not in the cited passages')
    return SentenceCheck(sentence, tuple(cited), bool(valid) and not problems, tuple(problems))


def check(answer: str, passages: list[str]) -> list[SentenceCheck]:
    """One check per sentence of `answer`; `passages` are numbered from 1 as in the prompt."""
    return [check_sentence(s, passages) for s in split_answer(answer)]
