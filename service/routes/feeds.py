"""Feeds: what the background poller follows and how each feed is faring."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from index.sources.feedstate import FeedState
from service.feeds import FeedPoller

router = APIRouter(prefix="/feeds", tags=["feeds"])


class FeedStatus(BaseModel):
    url: str
    title: str | None = Field(description="The feed's own title; documents take it as source.")
    last_poll: dt.datetime | None
    last_success: dt.datetime | None
    next_poll: dt.datetime | None = Field(description="null: at once.")
    added: int = Field(description="Documents added since the feed was first followed.")
    replaced: int = Field(description="Documents replaced because their item changed.")
    skipped: int = Field(description="Items seen before, or whose document was unchanged.")
    errors: int = Field(description="Failed polls and items (page 404, timeout, too big, …).")
    failures: int = Field(description="Failed polls in a row; each doubles the wait, to 1 hour.")
    last_error: str | None


class FeedList(BaseModel):
    feeds: list[FeedStatus]
    polling: bool = Field(
        description="This process polls them now: replicas of one corpus take turns, one "
        "at a time (it holds their lease)."
    )


@router.get("", response_model=FeedList)
async def list_feeds(request: Request) -> FeedList:
    """Every feed of NEWSRAG_FEEDS with its poll times and counters (none when unset)."""
    poller: FeedPoller | None = getattr(request.app.state, "feeds", None)
    states = poller.feeds() if poller is not None else []
    polling = poller is not None and poller.holding
    return FeedList(feeds=[_status(state) for state in states], polling=polling)


def _status(state: FeedState) -> FeedStatus:
    return FeedStatus(
        url=state.url,
        title=state.title,
        last_poll=_time(state.last_poll),
        last_success=_time(state.last_success),
        next_poll=_time(state.next_poll),
        added=state.added,
        replaced=state.replaced,
        skipped=state.skipped,
        errors=state.errors,
        failures=state.failures,
        last_error=state.last_error,
    )


def _time(seconds: float | None) -> dt.datetime | None:
    """UTC, to the second; 0 and None (never) are null."""
    if not seconds:
        return None
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)
