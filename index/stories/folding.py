"""A search's hits with their stories: each hit's `story_id`, and one hit per story on request.

Near-duplicate collapse (index/collapse.py) folds passages that repeat each other's text;
folding by story goes one level up, to articles: a wire story rewritten by several outlets
fills one slot, its best passage, and the others are named in `also_reported_by` (with the
search's filters applied to them too: folding never shows what the filters leave out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.filters import Filters
from index.models import Hit, Reported
from index.stories.records import StoryRecords


def annotated(hits: Sequence[Hit], records: StoryRecords) -> list[Hit]:
    """`hits` with their articles' story ids (one read; None for an article not grouped)."""
    placed = records.story_ids({hit.doc_id for hit in hits})
    return [replace(hit, story_id=placed.get(hit.doc_id)) for hit in hits]


def folded(hits: Sequence[Hit], records: StoryRecords, filters: Filters, k: int) -> list[Hit]:
    """The first `k` hits once each story's later hits fold into its first (annotated hits,
    best first); ranks follow the folded order."""
    kept: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.story_id is not None and hit.story_id in seen:
            continue
        if hit.story_id is not None:
            seen.add(hit.story_id)
        kept.append(hit)
        if len(kept) == k:
            break
    stories = records.stories({hit.story_id for hit in kept if hit.story_id is not None})
    out = []
    for rank, hit in enumerate(kept, 1):
        story = stories.get(hit.story_id) if hit.story_id is not None else None
        others = (
            ()
            if story is None
            else tuple(
                Reported(m.doc_id, m.source, m.date)
                for m in story.members
                if m.doc_id != hit.doc_id and filters.allows(m.doc_id, m.source, m.date)
            )
        )
        out.append(replace(hit, rank=rank, also_reported_by=others))
    return out
