"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

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
    """The index is loaded and searchable; until then 503 and the step start-up waits for."""
    startup: Startup = request.app.state.startup
    if not startup.ready:
        body = NotReady(
            status="failed" if startup.failed else "starting",
            waiting_for=startup.waiting_for,
            message=startup.message(),
        )
        return JSONResponse(body.model_dump(), 503, headers={"Retry-After": RETRY_AFTER})
    documents, chunks = request.app.state.index.counts()
    return Ready(status="ready", documents=documents, chunks=chunks)
