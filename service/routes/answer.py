"""Answers: a question in, a checked answer with numbered citations out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from service.answering.answers import Answer, AnswerService
from service.deps import AnswersDep, SettingsDep
from service.metrics import MetricsDep
from service.routes.search import to_filters
from service.schemas import AnswerRequest, AnswerResponse, CheckedSentence, SearchHit

router = APIRouter(tags=["answers"])


def to_response(result: Answer) -> AnswerResponse:
    return AnswerResponse(
        answer=result.answer,
        sentences=[
            CheckedSentence(
                text=s.text,
                citations=list(s.citations),
                supported=s.supported,
                problems=list(s.problems),
            )
            for s in result.sentences
        ],
        passages=[SearchHit.model_validate(p, from_attributes=True) for p in result.passages],
        model=result.model,
        took_ms=result.took_ms,
        notice=result.notice,
    )


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        message = f"question is {len(text)} characters; the limit is {limit}"
        raise HTTPException(422, f"{message} (NEWSRAG_MAX_QUERY_CHARS)")


def check_llm(llm: str | None, answers: AnswerService) -> None:
    """An unknown LLM is refused before any retrieval work is done."""
    try:
        answers.answerer(llm)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/answer", response_model=AnswerResponse)
def answer(
    request: AnswerRequest, answers: AnswersDep, settings: SettingsDep, metrics: MetricsDep
) -> AnswerResponse:
    """An answer whose every sentence cites the passages it rests on, checked before it leaves."""
    check_length(request.question, settings.max_query_chars)
    check_llm(request.llm, answers)
    result = answers.answer(
        request.question,
        request.k,
        to_filters(request.filters, request.as_of),
        request.mode,
        request.llm,
    )
    metrics.note_answer(request.llm or settings.llm, result.model)
    return to_response(result)
