"""Answers: a question in, a checked answer with numbered citations out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from index.periods import Period
from service.answering.answers import Answer, AnswerService
from service.answering.citations import SentenceCheck
from service.answering.figures import Figure as FoundFigure
from service.answering.figures import FigureGroup as FoundGroup
from service.answering.figures import FigurePeriod as FoundPeriod
from service.deps import AnswersDep, SettingsDep
from service.metrics import Metrics, MetricsDep
from service.routes.search import allowed_k, hit_out, notes, time_out, to_filters
from service.schemas import (
    AnswerRequest,
    AnswerResponse,
    CheckedSentence,
    Figure,
    FigureGroup,
    FigurePeriod,
)

router = APIRouter(tags=["answers"])


def to_response(result: Answer) -> AnswerResponse:
    return AnswerResponse(
        answer=result.stated,
        holds_as_of=result.holds_as_of,
        answered=result.answered,
        sentences=[
            checked(s, relevant, times)
            for s, relevant, times in zip(
                result.sentences, result.relevant, result.times, strict=True
            )
        ],
        passages=[hit_out(p) for p in result.passages],
        model=result.model,
        fallback=result.fallback,
        took_ms=result.took_ms,
        time=time_out(result.time),
        notice=result.notice,
        rejected=[checked(s, False, ()) for s in result.rejected],  # none cites a passage
        figures=[figure_group(g) for g in result.figures],
    )


def figure_group(group: FoundGroup) -> FigureGroup:
    return FigureGroup(
        measure=group.measure,
        unit=group.unit,
        period=figure_period(group.period),
        verdict=group.verdict,
        note=group.note,
        figures=[figure(f) for f in group.figures],
    )


def figure(found: FoundFigure) -> Figure:
    amount, hit = found.amount, found.hit
    return Figure(
        value=amount.value,
        unit=amount.unit or amount.counted or "",
        low=amount.low,
        high=amount.high,
        approximate=amount.approximate,
        period=figure_period(found.period),
        text=found.text,
        start=found.start,
        end=found.end,
        measure=found.measure.text,
        citation=found.passage,
        doc_id=hit.doc_id,
        source=hit.source,
        date=hit.date,
    )


def figure_period(period: FoundPeriod | None) -> FigurePeriod | None:
    if period is None:
        return None
    return FigurePeriod(
        start=period.start,
        end=period.end,
        label=period.label,
        text=period.text,
        stated=period.stated,
    )


def checked(sentence: SentenceCheck, relevant: bool, times: tuple[Period, ...]) -> CheckedSentence:
    """The check, the judgement and the relative times the answer read in the sentence."""
    return CheckedSentence(
        text=sentence.text,
        citations=list(sentence.citations),
        supported=sentence.supported,
        answers_question=relevant,
        problems=list(sentence.problems),
        times=notes(times),
    )


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        message = f"question is {len(text)} characters; the limit is {limit}"
        raise HTTPException(422, f"{message} (NEWSRAG_MAX_QUERY_CHARS)")


def check_llm(llm: str | None, answers: AnswerService) -> None:
    """An unknown LLM is refused before any retrieval work is done."""
    try:
        answers.check(llm)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/answer", response_model=AnswerResponse)
def answer(
    request: AnswerRequest, answers: AnswersDep, settings: SettingsDep, metrics: MetricsDep
) -> AnswerResponse:
    """An answer whose every sentence cites the passages it rests on, checked before it leaves."""
    check_length(request.question, settings.max_query_chars)
    k = allowed_k(request, settings)
    check_llm(request.llm, answers)
    result = answers.answer(
        request.question,
        k,
        to_filters(request.filters, request.as_of),
        request.mode,
        request.llm,
    )
    note_fallback(metrics, result)
    return to_response(result)


def note_fallback(metrics: Metrics, result: Answer) -> None:
    """Counted by the answer's own flag: no model name tells a stand-in from what was asked."""
    if result.fallback:
        metrics.llm_fallbacks.inc()
