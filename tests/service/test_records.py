"""The HTTP records are the index's records with their descriptions: they cannot drift apart."""

from __future__ import annotations

from dataclasses import fields

from index.models import DocSummary, Hit, Passage
from service.answering import timeline
from service.schemas import DocumentSummary, EventSource, SearchHit


def test_a_search_hit_carries_every_field_of_a_hit() -> None:
    """What the index adds to a hit reaches the JSON (the chunk's number as its id)."""
    index_side = {f.name for f in fields(Hit)} - {"chunk_no"} | {"chunk_id"}
    assert set(SearchHit.model_fields) == index_side | {"times"}


def test_a_document_summary_is_the_index_summary() -> None:
    assert set(DocumentSummary.model_fields) == {f.name for f in fields(DocSummary)}


def test_a_hit_is_its_passage_ranked() -> None:
    passage = Passage("a", 3, 0, 4, "text", "T", "S", "2025-01-02", None)
    hit = Hit.of(passage, rank=1, score=0.5, also_in=("b",))
    assert (hit.chunk_id, hit.text, hit.date, hit.also_in) == ("a:3", "text", "2025-01-02", ("b",))
    body = SearchHit.model_validate(hit, from_attributes=True).model_dump()
    assert body["chunk_id"] == "a:3" and body["also_in"] == ["b"] and body["rank"] == 1


def test_an_event_source_is_the_timelines_source() -> None:
    assert set(EventSource.model_fields) == {f.name for f in fields(timeline.Source)}
