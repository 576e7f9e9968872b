"""Request and response models at the HTTP edge."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchFilters(Strict):
    doc_ids: list[str] | None = Field(None, max_length=1000)
    source: str | None = Field(None, min_length=1, max_length=200)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class SearchRequest(Strict):
    query: str = Field(..., description="What to look for.", examples=["China-Russia trade 2024"])
    k: int = Field(5, ge=1, le=100, description="How many passages to return.")
    filters: SearchFilters | None = None

    @field_validator("query")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be empty or only whitespace")
        return value


class SearchHit(BaseModel):
    rank: int
    score: float
    doc_id: str
    title: str | None
    source: str | None
    date: str | None
    url: str | None
    chunk_id: str
    start: int = Field(..., description="Character offset of the passage in the document text.")
    end: int
    text: str


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[SearchHit]


class DocumentIn(Strict):
    id: str = Field(..., min_length=1, max_length=200, pattern=r"^[^\s/][^/]*$")
    text: str = Field(..., min_length=1)
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None

    @field_validator("text")
    @classmethod
    def has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty or only whitespace")
        return value


class UpsertResponse(BaseModel):
    added: list[str]
    replaced: list[str]
    unchanged: list[str]
    chunks: int


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    chars: int
    chunks: int
    indexed_at: str


class DocumentList(BaseModel):
    total: int
    documents: list[DocumentSummary]


class ChunkSpan(BaseModel):
    chunk_id: str
    chunk_no: int
    start: int
    end: int


class DocumentOut(BaseModel):
    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    text: str
    chunks: list[ChunkSpan]


class Deleted(BaseModel):
    deleted: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    documents: int
    chunks: int
    model: str


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: list[dict[str, object]] | None = None
