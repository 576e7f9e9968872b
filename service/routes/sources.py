"""The sources the index holds, for a source filter to offer."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import IndexDep
from service.schemas import SourceCount, SourceList

router = APIRouter(tags=["documents"])


@router.get("/sources", response_model=SourceList)
def sources(index: IndexDep) -> SourceList:
    """Each source with its document count, most documents first."""
    return SourceList(sources=[SourceCount(name=n, documents=c) for n, c in index.sources()])
