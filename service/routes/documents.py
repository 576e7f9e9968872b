"""Documents: upsert, list, read and delete; every change is visible to the next search."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from pydantic import Field

from index.excerpt import first_words
from index.metadata import extract_metadata
from index.models import Document
from index.newsindex import NewsIndex, UpsertReport
from index.readers import READERS, read_records
from service.deps import IndexDep, SettingsDep
from service.schemas import (
    ChunkSpan,
    Deleted,
    DocumentIn,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    FileReport,
    UploadResponse,
    UpsertResponse,
)
from service.security import require_admin

router = APIRouter(prefix="/documents", tags=["documents"])
READABLE = ", ".join(sorted(READERS))


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
    check_count(len(docs), settings.max_documents_per_upload)
    report = write(index, [to_document(d) for d in docs])
    return UpsertResponse(
        added=report.added,
        replaced=report.replaced,
        unchanged=report.unchanged,
        chunks=report.chunks,
    )


@router.post("/upload", response_model=UploadResponse, dependencies=[Depends(require_admin)])
def upload(
    files: Annotated[
        list[UploadFile], File(description="Article files: " + READABLE, min_length=1)
    ],
    index: IndexDep,
    settings: SettingsDep,
) -> UploadResponse:
    """Adds or replaces the articles in uploaded files, read exactly as `newsrag index` reads
    them; a file that cannot be read is reported beside the others, which are indexed."""
    reports, docs = read_uploads(files)
    if not docs:
        raise HTTPException(422, "no file could be read: " + "; ".join(why_not(reports)))
    check_count(len(docs), settings.max_documents_per_upload)
    report = write(index, docs)
    return UploadResponse(
        added=report.added,
        replaced=report.replaced,
        unchanged=report.unchanged,
        chunks=report.chunks,
        files=reports,
    )


def write(index: NewsIndex, docs: list[Document]) -> UpsertReport:
    """The upsert; what the storage cannot hold (an id or title past Milvus's limits) is the
    request's fault, refused before anything is written."""
    try:
        return index.upsert(docs)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


def check_count(count: int, most: int) -> None:
    """One upload, JSON or files, adds at most NEWSRAG_MAX_DOCUMENTS_PER_UPLOAD documents."""
    if count > most:
        raise HTTPException(
            413,
            f"{count} documents in one upload; the limit is {most} "
            f"(NEWSRAG_MAX_DOCUMENTS_PER_UPLOAD={most})",
        )


def read_uploads(files: list[UploadFile]) -> tuple[list[FileReport], list[Document]]:
    """Each file is written under its own name into a scratch folder and read by the reader
    for its extension, so an upload and a folder on disk become the same documents."""
    reports: list[FileReport] = []
    docs: list[Document] = []
    with tempfile.TemporaryDirectory(prefix="newsrag-upload-") as scratch:
        for n, file in enumerate(files, 1):
            name = Path(file.filename or "").name
            if name in ("", ".", ".."):
                name = f"upload-{n}.txt"
            path = Path(scratch, name)
            path.write_bytes(file.file.read())
            found, problems, error = read_one(path)
            reports.append(
                FileReport(
                    name=name, documents=[d.id for d in found], problems=problems, error=error
                )
            )
            docs.extend(found)
            path.unlink()
    return reports, docs


def read_one(path: Path) -> tuple[list[Document], list[str], str | None]:
    found = read_records(path)
    return found.documents, found.problems, found.failed


def why_not(reports: list[FileReport]) -> list[str]:
    return [f"{r.name}: {r.error or 'no documents'}" for r in reports]


@router.get("", response_model=DocumentList)
def list_documents(
    index: IndexDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**31),
    q: str | None = Query(
        None, max_length=200, description="Only documents whose id, title or source contain it."
    ),
) -> DocumentList:
    """Indexed documents in id order, without their text."""
    page = index.documents(limit, offset, q)
    return DocumentList(
        total=page.total,
        matching=page.matching,
        documents=[DocumentSummary.model_validate(s, from_attributes=True) for s in page.documents],
    )


@router.get("/{doc_id}", response_model=DocumentOut)
def get_document(doc_id: str, index: IndexDep) -> DocumentOut:
    """A document's full text, metadata and chunk spans."""
    found = index.document(doc_id)
    if found is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    doc, chunks = found
    spans = [ChunkSpan.model_validate(c, from_attributes=True) for c in chunks]
    return DocumentOut(
        id=doc.id,
        title=doc.title,
        date=doc.date,
        source=doc.source,
        url=doc.url,
        excerpt=first_words(doc.text),
        text=doc.text,
        chunks=spans,
    )


@router.delete("/{doc_id}", response_model=Deleted, dependencies=[Depends(require_admin)])
def delete_document(doc_id: str, index: IndexDep) -> Deleted:
    """Removes a document and its passages from the index."""
    if not index.delete(doc_id):
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return Deleted(deleted=doc_id)
