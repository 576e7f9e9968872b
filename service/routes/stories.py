"""Stories: the articles that report one event, newest first, and one story's articles."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from index.stories import Story
from service.deps import IndexDep
from service.routes.search import only_parameters
from service.schemas import StoryArticle, StoryList, StoryOut

router = APIRouter(prefix="/stories", tags=["stories"])
MAX_LIMIT = 100


@router.get(
    "", response_model=StoryList, dependencies=[Depends(only_parameters("since", "q", "limit"))]
)
def list_stories(
    index: IndexDep,
    since: Annotated[
        dt.date | None, Query(description="Only stories updated on or after this day.")
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="In the label or a source's name."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many stories.")] = 20,
) -> StoryList:
    """Stories, last updated first: each with its label, dates, sources and articles."""
    if not index.stories_on:
        return StoryList(stories=[])
    found = index.stories.recent(since.isoformat() if since else None, q, limit)
    return StoryList(stories=[story_out(story) for story in found])


@router.get("/{story_id}", response_model=StoryOut, dependencies=[Depends(only_parameters())])
def get_story(story_id: str, index: IndexDep) -> StoryOut:
    """One story and every article in it."""
    story = index.stories.story(story_id) if index.stories_on else None
    if story is None:
        raise HTTPException(404, f"no story with id {story_id!r}")
    return story_out(story)


def story_out(story: Story) -> StoryOut:
    return StoryOut(
        id=story.id,
        label=story.label,
        label_doc=story.label_doc,
        first_seen=dt.date.fromisoformat(story.first_seen),
        last_updated=dt.date.fromisoformat(story.last_updated),
        sources=story.sources,
        articles=[
            StoryArticle(doc_id=m.doc_id, headline=m.headline, source=m.source, date=m.date)
            for m in story.members
        ],
    )
