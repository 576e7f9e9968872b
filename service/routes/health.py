"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from index.corpus import EngineUnavailable
from index.newsindex import NewsIndex
from service.schemas import Health, NotReady, Ready
from service.startup import RETRY_AFTER, Startup

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and listening (the index may still be loading: see /readyz)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Starting, or start-up failed"}},
)
def readyz(request: Request) -> Any:
    """The index is loaded and its storage answers; until then (or while the engine is away)
    503, the step start-up waits for, and why."""
    startup: Startup = request.app.state.startup
    if not startup.ready:
        body = NotReady(
            status="failed" if startup.failed else "starting",
            waiting_for=startup.waiting_for,
            message=startup.message(),
        )
        return JSONResponse(body.model_dump(), 503, headers={"Retry-After": RETRY_AFTER})
    index: NewsIndex = request.app.state.index
    try:
        problem = index.health()
        documents, chunks = (0, 0) if problem else index.counts()
    except EngineUnavailable as exc:
        problem = str(exc)
    if problem:
        down = NotReady(status="unavailable", waiting_for=None, message=problem)
        down.backend = index.backend
        return JSONResponse(down.model_dump(), 503, headers={"Retry-After": RETRY_AFTER})
    return Ready(status="ready", backend=index.backend, documents=documents, chunks=chunks)
