"""Timeline: dated events about a topic across the articles, oldest first, each cited."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from time import perf_counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from service.answering.timeline import timeline
from service.deps import AnswersDep, SettingsDep
from service.routes.answer import check_length
from service.routes.search import FILTER_PARAMETERS, only_parameters, time_out, to_filters
from service.schemas import (
    MAX_QUERY_CHARS,
    NOT_BLANK,
    EventSource,
    Mode,
    SearchFilters,
    Source,
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
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=NOT_BLANK, description="Topic."),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="Most events shown.")] = 12,
    as_of: Annotated[
        dt.datetime | dt.date | None, Query(description="Leave out articles dated later.")
    ] = None,
    mode: Annotated[Mode | None, Query(description="dense, bm25 or hybrid.")] = None,
    date_from: Annotated[dt.date | None, Query(description="Published on or after.")] = None,
    date_to: Annotated[dt.date | None, Query(description="Published on or before.")] = None,
    source: Annotated[
        list[Source] | None,
        Query(description="Only these sources; repeat for several.", max_length=100),
    ] = None,
) -> TimelineResponse:
    """What the articles say happened about `q`, oldest first: each event a sentence with its
    citation and date (the one it states, else its article's), repeats folded together."""
    check_length(q, settings.max_query_chars)
    started = perf_counter()
    try:
        chosen = SearchFilters(source=source, date_from=date_from, date_to=date_to)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    found = timeline(answers.index, answers.extractive, q, limit, to_filters(chosen, as_of), mode)
    events = [
        TimelineEvent(
            date=e.day,
            label=e.label,
            dated_by=e.dated_by,
            text=e.text,
            cited=EventSource(**asdict(e.cited)),
            also_in=[EventSource(**asdict(s)) for s in e.also_in],
        )
        for e in found.events
    ]
    took_ms = round((perf_counter() - started) * 1000, 2)
    return TimelineResponse(query=q, took_ms=took_ms, time=time_out(found.time), events=events)
