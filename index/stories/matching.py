"""Whether an article reports a story's event: its meaning, the names it shares, its date.

An article is scored against a story it might join (one its nearest passages belong to):

    score = cos(article, story centroid) + NAME_WEIGHT * min(shared names, NAMES_COUNTED)
            - DAY_PENALTY * days outside the story's dates

and joins the best story scoring at least THRESHOLD, if its date is within WINDOW_DAYS of the
story's. Meaning alone cannot tell this week's storm from last week's, nor a wire story
from a feature on the same subject: a shared name ("Hilary", "Kamchatka") and closeness in
time can. The weights were chosen on half of the labelled pairs in eval/story-pairs.jsonl and
measured on the other half (see docs/stories.md).

Without a date on either side, time cannot separate this year's report from last year's
(recycled background paragraphs are common), so only a copy joins: an article whose meaning
is nearly the same (COPY_SIMILARITY) and which repeats COPY_SHARE of its word 3-grams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from index.collapse import shingle


@dataclass(frozen=True)
class Matching:
    """The grouping's thresholds (the defaults are the tuned ones)."""

    window_days: int = 10  # "follow-ups within days": later news of an event is another story
    threshold: float = 0.55
    name_weight: float = 0.05
    names_counted: int = 3  # more shared names add nothing: a long article shares many
    day_penalty: float = 0.02
    copy_similarity: float = 0.9
    copy_share: float = 0.5


@dataclass(frozen=True)
class Sketch:
    """What matching needs of a story."""

    story_id: str
    centroid: np.ndarray  # the mean of its articles' vectors, normalized
    names: frozenset[str]  # the names its articles mention most
    span: tuple[date, date] | None  # its dated articles' first and last day


def score(
    vector: np.ndarray,
    names: frozenset[str],
    published: date | None,
    story: Sketch,
    matching: Matching,
) -> float | None:
    """How well an article fits `story`, or None when time rules it out (no date on either
    side, or more than the window apart)."""
    if published is None or story.span is None:
        return None
    gap = days_outside(published, story.span)
    if gap > matching.window_days:
        return None
    shared = min(len(names & story.names), matching.names_counted)
    similarity = float(np.dot(vector, story.centroid))
    return similarity + matching.name_weight * shared - matching.day_penalty * gap


def days_outside(day: date, span: tuple[date, date]) -> int:
    """0 within the span, else the days to its nearer end."""
    first, last = span
    return max((first - day).days, (day - last).days, 0)


def is_copy(text: str, other: str, matching: Matching) -> bool:
    """`text` repeats `other` (or the reverse): the share of the shorter one's word 3-grams
    found in the longer one reaches COPY_SHARE."""
    mine, theirs = shingle.__wrapped__(text), shingle.__wrapped__(other)  # whole articles: uncached
    shorter = min(len(mine), len(theirs))
    return shorter > 0 and len(mine & theirs) / shorter >= matching.copy_share
