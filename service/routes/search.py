"""Search: the query in, cited passages out."""

from __future__ import annotations

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


def to_filters(filters: SearchFilters | None) -> Filters:
    if filters is None:
        return Filters()
    return Filters(
        doc_ids=filters.doc_ids,
        source=filters.source,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
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
    hits = index.search(
        request.query, request.k, to_filters(request.filters), request.mode, request.collapse
    )
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
) -> Response:
    """The same search for a browser address bar or curl."""
    request = SearchRequest(query=q, k=k, mode=mode, collapse=collapse)
    return as_json(run_search(request, index, settings))
