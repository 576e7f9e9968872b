"""Feed entries as plain records, the same whichever format (RSS, Atom, JSON Feed) they came in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class FeedItem:
    """One entry as the feed states it; dates are ISO YYYY-MM-DD or None."""

    guid: str | None
    link: str | None
    title: str | None
    published: str | None = None
    updated: str | None = None
    content: str | None = None  # the fullest body the item carries (content, else summary)
    content_is_html: bool = True

    @property
    def fingerprint(self) -> str:
        """Changes when the item is updated or its content changes: then it is fetched again."""
        fields = (self.guid, self.link, self.title, self.published, self.updated, self.content)
        return hashlib.sha256(repr(fields).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: list[FeedItem]
