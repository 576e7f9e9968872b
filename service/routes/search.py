"""Search: the query in, cited passages out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from index import periods
from index.filters import Filters
from index.models import Hit
from index.query import TimeSense
from service.config import Settings
from service.deps import IndexDep, SettingsDep
from service.schemas import (
    DEFAULT_K,
    MAX_K,
    MAX_QUERY_CHARS,
    NOT_BLANK,
    AnswerRequest,
    ChatRequest,
    Mode,
    RecencyOut,
    SearchFilters,
    SearchHit,
    SearchRequest,
    SearchResponse,
    Source,
    TimeNote,
    TimeOut,
    TimeWindow,
)

router = APIRouter(prefix="/search", tags=["search"])


def to_filters(
    filters: SearchFilters | None, as_of: dt.date | dt.datetime | None = None
) -> Filters:
    """The request's filters, with the day it is asked as of (today when it says none)."""
    asked = periods.asked_on(as_of)
    if filters is None:
        return Filters(as_of=asked)
    return Filters(
        doc_ids=filters.doc_ids,
        source=filters.sources,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        as_of=asked,
    )


def time_notes(text: str, published: str | None) -> list[TimeNote]:
    """Relative times in `text` ("this year", "on Thursday") read against `published`."""
    return notes(periods.relative_in(text, published))


def notes(found: Iterable[periods.Period]) -> list[TimeNote]:
    """Relative times as read, each with its place in the text it was read in."""
    return [
        TimeNote(
            text=p.text, start=p.at[0], end=p.at[1], date_from=p.start, date_to=p.end, label=p.label
        )
        for p in found
    ]


def hit_out(hit: Hit) -> SearchHit:
    out = SearchHit.model_validate(hit, from_attributes=True)
    out.times = time_notes(hit.text, hit.date)
    return out


def time_out(time: TimeSense) -> TimeOut:
    window = time.window
    prior = time.prior
    return TimeOut(
        as_of=time.as_of,
        window=None
        if window is None
        else TimeWindow(start=window.start, end=window.end, text=window.text, label=window.label),
        prior=None
        if prior is None
        else RecencyOut(weight=prior.weight, half_life_days=prior.half_life),
    )


def allowed_k(request: SearchRequest | AnswerRequest | ChatRequest, settings: Settings) -> int:
    """The request's k under NEWSRAG_MAX_K: a k asked for above it is refused; the default
    (DEFAULT_K) is lowered to it."""
    k = request.k
    if "k" not in request.model_fields_set:
        return min(k, settings.max_k)
    if k > settings.max_k:
        raise HTTPException(422, f"k is {k}; the limit is {settings.max_k} (NEWSRAG_MAX_K)")
    return k


def run_search(request: SearchRequest, index: IndexDep, settings: SettingsDep) -> SearchResponse:
    if len(request.query) > settings.max_query_chars:
        raise HTTPException(
            422,
            f"query is {len(request.query)} characters; the limit is {settings.max_query_chars}",
        )
    k = allowed_k(request, settings)
    started = perf_counter()
    filters = to_filters(request.filters, request.as_of)
    found = index.search(request.query, k, filters, request.mode, request.collapse)
    took_ms = (perf_counter() - started) * 1000
    return SearchResponse(
        query=request.query,
        took_ms=round(took_ms, 2),
        time=time_out(found.time),
        results=[hit_out(hit) for hit in found.hits],
    )


def as_json(response: SearchResponse) -> Response:
    """The response serialized once: a returned model would be validated against
    response_model again before serializing, a second pass over every hit of every search."""
    return Response(response.model_dump_json(), media_type="application/json")


@router.post("", response_model=SearchResponse)
def search(request: SearchRequest, index: IndexDep, settings: SettingsDep) -> Response:
    """Passages most relevant to the query, each with its article, span, date and source."""
    return as_json(run_search(request, index, settings))


def only_parameters(*names: str) -> Callable[[Request], None]:
    """A dependency refusing any other query parameter: a misspelt filter must not pass
    silently as no filter at all."""
    allowed = frozenset(names)

    def known_parameters(request: Request) -> None:
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            message = f"unknown query parameter(s) {', '.join(unknown)}; known: {known}"
            raise HTTPException(422, message)

    return known_parameters


AsOfQuery = Annotated[
    dt.datetime | dt.date | None, Query(description="Leave out articles dated later.")
]


def query_filters(
    date_from: Annotated[dt.date | None, Query(description="Published on or after.")] = None,
    date_to: Annotated[dt.date | None, Query(description="Published on or before.")] = None,
    source: Annotated[
        list[Source] | None,
        Query(description="Only these sources; repeat for several.", max_length=100),
    ] = None,
    doc_id: Annotated[list[str] | None, Query(description="Only these documents.")] = None,
) -> SearchFilters:
    """A GET request's filters, checked as a JSON body's are (an inverted range is a 422)."""
    try:
        return SearchFilters(doc_ids=doc_id, source=source, date_from=date_from, date_to=date_to)
    except ValidationError as exc:  # the range's own check: say it of the query, not a body
        said = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise HTTPException(422, said) from exc


FiltersQuery = Annotated[SearchFilters, Depends(query_filters)]
FILTER_PARAMETERS = ("as_of", "date_from", "date_to", "source", "doc_id")
GET_PARAMETERS = only_parameters("q", "k", "mode", "collapse", *FILTER_PARAMETERS)


@router.get("", response_model=SearchResponse, dependencies=[Depends(GET_PARAMETERS)])
def search_get(
    index: IndexDep,
    settings: SettingsDep,
    filters: FiltersQuery,
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, pattern=NOT_BLANK),
    k: int = Query(DEFAULT_K, ge=1, le=MAX_K),
    mode: Annotated[Mode | None, Query(description="dense, bm25 or hybrid.")] = None,
    collapse: Annotated[bool | None, Query(description="Fold near-duplicates.")] = None,
    as_of: AsOfQuery = None,
) -> Response:
    """The same search for a browser address bar or curl, filters included."""
    try:
        request = SearchRequest(
            query=q, k=k, mode=mode, collapse=collapse, as_of=as_of, filters=filters
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    return as_json(run_search(request, index, settings))
