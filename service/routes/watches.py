"""Watches: standing questions, their matches as JSON, an Atom feed and Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from sse_starlette import EventSourceResponse

from index.watching import Match, Watch, Watching
from service import atom
from service.deps import HubDep, SettingsDep, WatchingDep
from service.routes.search import only_parameters
from service.schemas import (
    DeliveryOut,
    MatchList,
    MatchOut,
    WatchFilters,
    WatchList,
    WatchOut,
    WatchRequest,
)
from service.security import principal_of

router = APIRouter(prefix="/watches", tags=["watches"])
NONE = only_parameters()


def watch_out(watching: Watching, watch: Watch, secret: bool = False) -> WatchOut:
    matches = watching.book.matches(watch.id)
    return WatchOut(
        id=watch.id,
        name=watch.name,
        query=watch.query,
        mode=watch.mode,
        threshold=watch.threshold,
        per=watch.per,
        filters=WatchFilters(
            source=watch.sources, date_from=watch.date_from, date_to=watch.date_to
        ),
        webhook=watch.webhook,
        created=watch.created,
        matches=len(matches),
        last_match=matches[-1].seen if matches else None,
        secret=watch.secret if secret else None,
    )


def match_out(match: Match) -> MatchOut:
    fields = match.public()
    fields["deliveries"] = [DeliveryOut(**vars(d)) for d in match.deliveries]
    return MatchOut(**fields)


def found(watching: Watching, watch_id: str) -> Watch:
    watch = watching.book.get(watch_id)
    if watch is None:
        raise HTTPException(404, f"no watch with id {watch_id!r}")
    return watch


@router.post("", response_model=WatchOut, status_code=201)
def create(
    body: WatchRequest, request: Request, watching: WatchingDep, settings: SettingsDep
) -> WatchOut:
    """Follows a question: every article that arrives from now on is checked against it."""
    if body.webhook and settings.admin_keys:
        principal = principal_of(request.scope)
        if principal is None or not principal.admin:
            raise HTTPException(403, "a webhook makes the server call out: admin keys only")
    filters = body.filters or WatchFilters()
    sources = [filters.source] if isinstance(filters.source, str) else filters.source
    try:
        watch = watching.create(
            body.query,
            name=body.name,
            mode=body.mode,
            threshold=body.threshold,
            per=body.per,
            sources=sources,
            date_from=filters.date_from.isoformat() if filters.date_from else None,
            date_to=filters.date_to.isoformat() if filters.date_to else None,
            webhook=body.webhook,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return watch_out(watching, watch, secret=True)


@router.get("", response_model=WatchList, dependencies=[Depends(NONE)])
def list_watches(watching: WatchingDep) -> WatchList:
    """Every watch, oldest first, with how many matches it has kept."""
    return WatchList(watches=[watch_out(watching, w) for w in watching.book.all()])


@router.get("/{watch_id}", response_model=MatchList)
def read(
    watch_id: str,
    watching: WatchingDep,
    limit: int = Query(50, ge=1, le=500, description="Newest matches shown."),
) -> MatchList:
    """A watch and its newest matches."""
    watch = found(watching, watch_id)
    matches = watching.book.matches(watch.id)[::-1][:limit]
    return MatchList(watch=watch_out(watching, watch), matches=[match_out(m) for m in matches])


@router.delete("/{watch_id}", status_code=204, response_class=Response)
def delete(watch_id: str, watching: WatchingDep) -> Response:
    """Stops following the question; its matches go with it."""
    if not watching.book.remove(watch_id):
        raise HTTPException(404, f"no watch with id {watch_id!r}")
    return Response(status_code=204)


@router.get(
    "/{watch_id}/feed",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "An Atom feed."}},
)
def feed(watch_id: str, request: Request, watching: WatchingDep) -> Response:
    """The watch's matches as an Atom feed, newest first: each entry a cited passage."""
    watch = found(watching, watch_id)
    base = str(request.base_url).rstrip("/")
    body = atom.feed(watch, watching.book.matches(watch.id), base)
    return Response(body, media_type="application/atom+xml")


@router.get("/{watch_id}/events", response_class=EventSourceResponse)
async def events(
    watch_id: str,
    watching: WatchingDep,
    hub: HubDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Server-Sent Events: `match` as each one happens (after Last-Event-ID's when given,
    so a reconnecting client misses none)."""
    watch = found(watching, watch_id)

    async def stream() -> AsyncIterator[dict[str, Any]]:
        async for match in hub.stream(watching.book, watch.id, last_event_id):
            yield {
                "event": "match",
                "id": match.id,
                "data": match_out(match).model_dump_json(),
            }

    return EventSourceResponse(stream(), ping=15)
