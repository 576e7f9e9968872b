"""The names an article mentions: what two reports of one event share besides their meaning.

No model: a name is a capitalized word inside a sentence ("Putin", "Kremlin", "SAG-AFTRA"),
lower-cased and without its possessive. A sentence's first word is capitalized whatever it is,
so it counts only when the article also capitalizes it elsewhere; words capitalized for what
they are (days, months, titles such as "President", function words) never count. Words, not
whole names: "Xi Jinping" in one report and "Xi" in another share "xi".
"""

from __future__ import annotations

import re

# Capitalized for grammar or the calendar, or titles that precede names of every kind.
NOT_NAMES = frozenset(
    """a about according after against also although an and another any as at because before
    both but by despite during each even every first for former from following he her here
    his how however i if in into it its just last many meanwhile more most my new next no not
    now of on once only or other our over since so some still such than that the their then
    there these they this those though through to today too under until very we what when
    where which while who whom whose why with yet yesterday you your monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august
    september october november december mr mrs ms dr sir president prime minister secretary
    gov governor sen senator rep chief executive vice king queen prince princess pope justice
    judge general officials official image credit photo read see find learn sign click watch
    home""".split()
)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")
MOST = 200  # an article's names kept (a long one repeats its main ones early)


def names(text: str) -> frozenset[str]:
    """The names `text` mentions, lower-cased: the first MOST it names."""
    found: dict[str, None] = {}  # in order of appearance
    for sentence in _SENTENCE.split(text):
        for match in list(_WORD.finditer(sentence))[1:]:
            word = match.group(0).strip("’'-")
            if len(word) < 2 or not word[0].isupper():
                continue
            name = word.lower().removesuffix("’s").removesuffix("'s")
            if name not in NOT_NAMES:
                found[name] = None
                if len(found) == MOST:
                    return frozenset(found)
    return frozenset(found)
