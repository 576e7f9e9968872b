"""A text's opening words on one line: how a document, a passage or an error body is shown
where the whole text does not fit (a listing, a terminal, a log line)."""

from __future__ import annotations

from index.metadata import dateline_end

ELLIPSIS = "…"
EXCERPT_CHARS = 100  # a document summary's excerpt: enough words to tell untitled articles apart
OPENING_CHARS = 2 * EXCERPT_CHARS  # what a store reads to make one: room for a dateline


def excerpt(text: str, width: int) -> str:
    """`text` with its white space folded to single spaces, cut after the last whole word that
    fits when longer than `width`; the "…" that says so counts towards `width`."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[: width - len(ELLIPSIS)].rsplit(" ", 1)[0] + ELLIPSIS


def first_words(text: str) -> str:
    """A document's excerpt, its name when it has no title: the first words of its first
    OPENING_CHARS characters, after the wire dateline ("BEIJING, May 5, 2025 /PRNewswire/ --")
    it may open with, which says where and when but not what."""
    head = text[:OPENING_CHARS].lstrip()
    story = head[dateline_end(head) :]
    return excerpt(story if story.strip() else head, EXCERPT_CHARS)
