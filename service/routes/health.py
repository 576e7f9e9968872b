"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import IndexDep
from service.schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (the index may still be loading)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses={503: {"description": "Still loading"}})
def readyz(index: IndexDep) -> Ready:
    """The index is loaded and searchable."""
    documents, chunks = index.counts()
    return Ready(status="ready", documents=documents, chunks=chunks)
