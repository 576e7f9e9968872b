"""Documents: upsert, list, read and delete; every change is visible to the next search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import Field

from index.metadata import extract_metadata
from index.models import Document
from service.deps import IndexDep, SettingsDep
from service.schemas import (
    ChunkSpan,
    Deleted,
    DocumentIn,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    UpsertResponse,
)
from service.security import require_admin

router = APIRouter(prefix="/documents", tags=["documents"])


def to_document(doc: DocumentIn) -> Document:
    """The document as sent; what the caller leaves out, the article's own header may give
    (a wire dateline, a byline), read by the same extractor as files are."""
    meta = extract_metadata(doc.text)
    return Document(
        id=doc.id,
        text=doc.text,
        title=doc.title or meta.title,
        date=doc.date.isoformat() if doc.date else meta.date,
        source=doc.source or meta.source,
        url=doc.url,
    )


@router.post("", response_model=UpsertResponse, dependencies=[Depends(require_admin)])
def upsert(
    body: DocumentIn | Annotated[list[DocumentIn], Field(min_length=1)],
    index: IndexDep,
    settings: SettingsDep,
) -> UpsertResponse:
    """Adds or replaces one document or a list of them (same id = replace)."""
    docs = body if isinstance(body, list) else [body]
    most = settings.max_documents_per_upload
    if len(docs) > most:
        raise HTTPException(
            413,
            f"{len(docs)} documents in one upload; the limit is {most} "
            f"(NEWSRAG_MAX_DOCUMENTS_PER_UPLOAD={most})",
        )
    report = index.upsert([to_document(d) for d in docs])
    return UpsertResponse(
        added=report.added,
        replaced=report.replaced,
        unchanged=report.unchanged,
        chunks=report.chunks,
    )


@router.get("", response_model=DocumentList)
def list_documents(
    index: IndexDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**31),
) -> DocumentList:
    """Indexed documents in id order, without their text."""
    summaries = index.documents(limit, offset)
    return DocumentList(
        total=index.counts()[0],
        documents=[DocumentSummary.model_validate(s, from_attributes=True) for s in summaries],
    )


@router.get("/{doc_id}", response_model=DocumentOut)
def get_document(doc_id: str, index: IndexDep) -> DocumentOut:
    """A document's full text, metadata and chunk spans."""
    found = index.get(doc_id)
    if found is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    doc, chunks = found
    spans = [
        ChunkSpan(chunk_id=c.id, chunk_no=c.chunk_no, start=c.start, end=c.end) for c in chunks
    ]
    return DocumentOut(
        id=doc.id,
        title=doc.title,
        date=doc.date,
        source=doc.source,
        url=doc.url,
        text=doc.text,
        chunks=spans,
    )


@router.delete("/{doc_id}", response_model=Deleted, dependencies=[Depends(require_admin)])
def delete_document(doc_id: str, index: IndexDep) -> Deleted:
    """Removes a document and its passages from the index."""
    if not index.delete(doc_id):
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return Deleted(deleted=doc_id)
