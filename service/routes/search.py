"""Search: the query in, cited passages out."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from index.docstore import Filters
from service.deps import IndexDep, SettingsDep
from service.schemas import (
    MAX_QUERY_CHARS,
    NOT_BLANK,
    Mode,
    SearchFilters,
    SearchHit,
    SearchRequest,
    SearchResponse,
)

router = APIRouter(prefix="/search", tags=["search"])


def to_filters(
    filters: SearchFilters | None, as_of: dt.date | dt.datetime | None = None
) -> Filters:
    """The request's filters, with the day it is asked as of (today when it says none)."""
    day = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    asked = (day or dt.datetime.now(dt.UTC).date()).isoformat()
    if filters is None:
        return Filters(as_of=asked)
    return Filters(
        doc_ids=filters.doc_ids,
        source=filters.source,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        as_of=asked,
    )


def run_search(request: SearchRequest, index: IndexDep, settings: SettingsDep) -> SearchResponse:
    if len(request.query) > settings.max_query_chars:
        raise HTTPException(
            422,
            f"query is {len(request.query)} characters; the limit is {settings.max_query_chars}",
        )
    if request.k > settings.max_k:
        raise HTTPException(422, f"k is {request.k}; the limit is {settings.max_k}")
    started = time.perf_counter()
    filters = to_filters(request.filters, request.as_of)
    hits = index.search(request.query, request.k, filters, request.mode, request.collapse)
    took_ms = (time.perf_counter() - started) * 1000
    results = [SearchHit.model_validate(hit, from_attributes=True) for hit in hits]
    return SearchResponse(query=request.query, took_ms=round(took_ms, 2), results=results)


def as_json(response: SearchResponse) -> Response:
    """The response serialized once: a returned model would be validated against
    response_model again before serializing, a second pass over every hit of every search."""
    return Response(response.model_dump_json(), media_type="application/json")


@router.post("", response_model=SearchResponse)
def search(request: SearchRequest, index: IndexDep, settings: SettingsDep) -> Response:
    """Passages most relevant to the query, each with its article, span, date and source."""
    return as_json(run_search(request, index, settings))


@router.get("", response_model=SearchResponse)
def search_get(
    index: IndexDep,
    settings: SettingsDep,
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, pattern=NOT_BLANK),
    k: int = Query(5, ge=1, le=100),
    mode: Annotated[Mode | None, Query(description="dense, bm25 or hybrid.")] = None,
    collapse: Annotated[bool | None, Query(description="Fold near-duplicates.")] = None,
    as_of: Annotated[
        dt.datetime | dt.date | None, Query(description="Leave out articles dated later.")
    ] = None,
) -> Response:
    """The same search for a browser address bar or curl."""
    request = SearchRequest(query=q, k=k, mode=mode, collapse=collapse, as_of=as_of)
    return as_json(run_search(request, index, settings))
