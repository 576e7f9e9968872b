"""A text's opening words on one line: how a document, a passage or an error body is shown
where the whole text does not fit (a listing, a terminal, a log line)."""

from __future__ import annotations

ELLIPSIS = "…"


def excerpt(text: str, width: int) -> str:
    """`text` with its white space folded to single spaces, cut after the last whole word that
    fits when longer than `width`; the "…" that says so counts towards `width`."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[: width - len(ELLIPSIS)].rsplit(" ", 1)[0] + ELLIPSIS
