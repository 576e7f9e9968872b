"""Timeline: dated events about a topic across the articles, oldest first, each cited."""

from __future__ import annotations

from time import perf_counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.answering.timeline import timeline
from service.deps import AnswersDep, SettingsDep
from service.routes.answer import check_length
from service.routes.search import (
    FILTER_PARAMETERS,
    AsOfQuery,
    FiltersQuery,
    only_parameters,
    time_out,
    to_filters,
)
from service.schemas import (
    MAX_QUERY_CHARS,
    NOT_BLANK,
    EventSource,
    Mode,
    TimelineEvent,
    TimelineResponse,
)

router = APIRouter(tags=["timeline"])


@router.get(
    "/timeline",
    response_model=TimelineResponse,
    dependencies=[Depends(only_parameters("q", "limit", "mode", *FILTER_PARAMETERS))],
)
def get_timeline(
    answers: AnswersDep,
    settings: SettingsDep,
    filters: FiltersQuery,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=NOT_BLANK, description="Topic."),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="Most events shown.")] = 12,
    as_of: AsOfQuery = None,
    mode: Annotated[Mode | None, Query(description="dense, bm25 or hybrid.")] = None,
) -> TimelineResponse:
    """What the articles say happened about `q`, oldest first: each event a sentence with its
    citation and date (the one it states, else its article's), repeats folded together."""
    check_length(q, settings.max_query_chars)
    started = perf_counter()
    found = timeline(answers.index, answers.extractive, q, limit, to_filters(filters, as_of), mode)
    events = [
        TimelineEvent(
            date=e.day,
            label=e.label,
            dated_by=e.dated_by,
            text=e.text,
            cited=EventSource.model_validate(e.cited, from_attributes=True),
            also_in=[EventSource.model_validate(s, from_attributes=True) for s in e.also_in],
        )
        for e in found.events
    ]
    took_ms = round((perf_counter() - started) * 1000, 2)
    return TimelineResponse(query=q, took_ms=took_ms, time=time_out(found.time), events=events)
