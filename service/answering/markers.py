"""Citation markers, "[1]", "[2, 3]", "[4; 1]": the one reading of them, so the checker, the
sentence splitter and the stream's citation events never disagree on what a sentence cites."""

from __future__ import annotations

import re

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_SEPARATOR = re.compile(r"\s*[,;]\s*")


def citations_in(text: str) -> list[int]:
    """Citation numbers in order of appearance, without repeats."""
    numbers = (int(n) for m in MARKER.finditer(text) for n in _SEPARATOR.split(m[1]))
    return list(dict.fromkeys(numbers))


def without_markers(text: str) -> str:
    """The text as a reader means it: quotes and judged words never include a marker."""
    return MARKER.sub("", text)


def leading_markers(text: str) -> int:
    """Where a run of markers opening `text` ends ("[1] [2] Next …" -> 7); 0 without one."""
    end, at = 0, len(text) - len(text.lstrip())
    while match := MARKER.match(text, at):
        end = match.end()
        at = end + len(text[end:]) - len(text[end:].lstrip())
    return end
