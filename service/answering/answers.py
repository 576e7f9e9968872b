"""Retrieve, answer, check: the one path behind /answer, /chat, `newsrag ask` and the chat page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter
from typing import Any

from index.filters import Filters
from index.models import Hit
from index.newsindex import NewsIndex
from index.periods import label
from index.query import TimeSense
from service.answering.base import Answerer
from service.answering.citations import SentenceCheck, check
from service.answering.extractive import Assessment, ExtractiveAnswerer
from service.answering.figures import FigureGroup, compare
from service.answering.llm import LLMAnswerer
from service.answering.markers import citations_in
from service.answering.rewrite import llm_rewrite, rule_rewrite
from service.config import Settings
from service.llm import EXTRACTIVE, get_client, resolve
from service.llm.base import LLMError
from service.llm.pool import ClientPool

NO_PASSAGES = "No passage in the index matches the question, so there is nothing to answer from."
RELATED = "The closest passages are listed as related."
_WH = re.compile(r"^(?:who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
_WH_BE = re.compile(
    r"^((?:who|what|when|where|which|why|how)(?: \w+)?) (is|was|are|were) (.+)$", re.I
)
_WH_DO = re.compile(
    r"^\w+(?: \w+)? (?:did|does|do|has|have|had|will|can|could|should|would)\b", re.I
)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # as the answerer wrote it; `stated` is what is shown
    sentences: list[SentenceCheck]
    passages: list[Hit]
    model: str
    took_ms: float
    time: TimeSense
    answered: bool = True  # False: the passages do not answer; they are only related
    relevant: list[bool] = field(default_factory=list)  # per sentence: it answers the question
    notice: str | None = None
    # The LLM asked for failed and the extractive answer stands in (`notice` says why): a flag,
    # since no model name tells a stand-in from what was asked for.
    fallback: bool = False
    # The figures the answer states beside the passages' figures for the same quantities.
    figures: list[FigureGroup] = field(default_factory=list)

    @property
    def holds_as_of(self) -> str | None:
        """The newest date among the articles the answer cites: when what it says held."""
        cited = {n for s in self.sentences for n in s.citations if 1 <= n <= len(self.passages)}
        return max((d for n in cited if (d := self.passages[n - 1].date)), default=None)

    @property
    def stated(self) -> str:
        """The answer as shown: "As of 6 May 2025: …" when a cited article is dated."""
        day = self.holds_as_of
        if day is None or not self.answer:
            return self.answer
        when = date.fromisoformat(day)
        return f"As of {label(when, when)}: {self.answer}"


@dataclass
class Draft:
    """An answer being written: the text so far and who is writing it."""

    model: str
    text: str = ""
    notice: str | None = None
    cited: set[int] = field(default_factory=set)
    answered: bool = True
    fallback: bool = False

    def fall_back(self, answerer: Answerer, exc: LLMError) -> None:
        """The LLM failed: the extractive answer is written instead, from the start."""
        self.model, self.text, self.cited = EXTRACTIVE, "", set()
        self.notice = (
            f"The language model {answerer.model} failed ({exc}); "
            "this answer was composed from the passages themselves."
        )
        self.fallback = True


class AnswerService:
    """Holds the answerers over one index: the extractive one, and LLM clients (one per spec,
    pooled for reuse)."""

    def __init__(self, index: NewsIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.extractive = ExtractiveAnswerer(index.embedder, unknown_words=index.unknown_words)
        self.clients = ClientPool(lambda spec: get_client(spec, settings))

    def check(self, spec: str | None) -> None:
        """ValueError unless `spec` (or the default) names an answerer, found without making
        one: an unknown LLM is refused before any work."""
        resolve(spec or self.settings.llm)

    @contextmanager
    def answerer(self, spec: str | None = None) -> Iterator[Answerer]:
        """The answerer for `spec` ("extractive" or "provider:model"; ValueError if unknown),
        its LLM client held until the block ends."""
        with self.clients.lease(spec or self.settings.llm) as client:
            yield self.extractive if client is None else LLMAnswerer(client)

    def standalone_query(self, history: list[dict[str, str]], llm: str | None = None) -> str:
        """The conversation's last question as a query that stands on its own."""
        with self.clients.lease(llm or self.settings.llm) as client:
            return rule_rewrite(history) if client is None else llm_rewrite(history, client)

    def retrieve(
        self, question: str, k: int, filters: Filters | None, mode: str | None, timed: bool = True
    ) -> tuple[list[Hit], TimeSense]:
        """The passages, and what the search read about time in the question (nothing when
        not `timed`)."""
        found = self.index.search(question, k, filters, mode=mode, timed=timed)
        return found.hits, found.time

    def answer(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        llm: str | None = None,
        timed: bool = True,
    ) -> Answer:
        """A checked answer, or a plain "the articles don't say"; an LLM failure degrades to
        the extractive answer with a notice. `timed=False` reads no time in the question."""
        started = perf_counter()
        with self.answerer(llm) as answerer:
            passages, time = self.retrieve(question, k, filters, mode, timed)
            assessment = self.extractive.assess(question, passages, time.window)
            draft = self._write(answerer, question, passages, assessment)
        return self._finish(question, draft, passages, time, started, assessment)

    def _write(
        self, answerer: Answerer, question: str, passages: list[Hit], assessment: Assessment
    ) -> Draft:
        if not passages:
            return Draft(answerer.model, notice=NO_PASSAGES, answered=False)
        if not assessment.answered:  # nothing to say: no LLM is asked to say it anyway
            return Draft(answerer.model, abstention(question, assessment.unknown), answered=False)
        if answerer is self.extractive:
            return Draft(answerer.model, "".join(self.extractive.compose(assessment)))
        try:
            text = answerer.answer(question, passages)
            if not text.strip():
                raise LLMError("it returned an empty answer")
            return Draft(answerer.model, text)
        except LLMError as exc:
            draft = Draft(answerer.model)
            draft.fall_back(answerer, exc)
            draft.text = "".join(self.extractive.compose(assessment))
            return draft

    def _finish(
        self,
        question: str,
        draft: Draft,
        passages: list[Hit],
        time: TimeSense,
        started: float,
        assessment: Assessment,
    ) -> Answer:
        sentences = check(draft.text, [p.text for p in passages]) if draft.answered else []
        relevant = self.extractive.judge_answer(
            question, sentences, passages, time.window, assessment
        )
        figures = compare(sentences, passages)
        return Answer(
            question=question,
            answer=draft.text,
            sentences=sentences,
            passages=passages,
            model=draft.model,
            took_ms=round((perf_counter() - started) * 1000, 2),
            time=time,
            answered=draft.answered,
            relevant=relevant,
            notice=draft.notice,
            fallback=draft.fallback,
            figures=figures,
        )

    def stream(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        llm: str | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Typed events: passages (with the time read), delta*, citation*, error?, done (whose
        answer is final)."""
        started = perf_counter()
        with self.answerer(llm) as answerer:
            passages, time = self.retrieve(question, k, filters, mode)
            yield "passages", (passages, time)
            assessment = self.extractive.assess(question, passages, time.window)
            draft = Draft(answerer.model, notice=None if passages else NO_PASSAGES)
            if not passages or not assessment.answered:
                draft.answered = False
                if passages:
                    draft.text = abstention(question, assessment.unknown)
                    yield "delta", {"text": draft.text}
            elif answerer is self.extractive:
                yield from self._deltas(self.extractive.compose(assessment), passages, draft)
            else:
                yield from self._stream_draft(answerer, question, passages, draft, assessment)
        yield "done", self._finish(question, draft, passages, time, started, assessment)

    def _stream_draft(
        self,
        answerer: Answerer,
        question: str,
        passages: list[Hit],
        draft: Draft,
        assessment: Assessment,
    ) -> Iterator[tuple[str, Any]]:
        try:
            yield from self._deltas(answerer.stream(question, passages), passages, draft)
            if not draft.text.strip():
                raise LLMError("it returned an empty answer")
        except LLMError as exc:
            draft.fall_back(answerer, exc)
            # After an error with a fallback, the deltas start the answer over.
            yield "error", {"error": "llm_failed", "message": draft.notice, "fallback": EXTRACTIVE}
            yield from self._deltas(self.extractive.compose(assessment), passages, draft)

    def _deltas(
        self, deltas: Iterator[str], passages: list[Hit], draft: Draft
    ) -> Iterator[tuple[str, Any]]:
        for delta in deltas:
            draft.text += delta
            yield "delta", {"text": delta}
            for n in new_citations(draft, len(passages)):
                yield "citation", {"n": n, "chunk_id": passages[n - 1].chunk_id}

    def close(self) -> None:
        self.clients.close()


def abstention(question: str, unknown: tuple[str, ...] = ()) -> str:
    """ "The indexed articles don't say who won the 2022 World Cup. No article mentions …" """
    said = _said(question)
    if unknown:
        said += f" No article mentions {', '.join(unknown)}."
    return f"{said} {RELATED}"


def _said(question: str) -> str:
    asked = " ".join(question.split()).rstrip("?. ")
    if inverted := _WH_BE.match(asked):  # "what is X" -> "what X is"
        asked = f"{inverted[1]} {inverted[3]} {inverted[2]}"
    elif not _WH.match(asked) or _WH_DO.match(asked):
        return f'The indexed articles don\'t answer "{asked}?".'
    return f"The indexed articles don't say {asked[0].lower()}{asked[1:]}."


def cited_date(citations: tuple[int, ...], passages: list[Hit]) -> str | None:
    """The date of the first dated article among those a sentence cites: what its relative
    times ("this year", "on Thursday") are read against."""
    dates = (passages[n - 1].date for n in citations if 1 <= n <= len(passages))
    return next((d for d in dates if d), None)


def new_citations(draft: Draft, count: int) -> list[int]:
    """Valid citation numbers that appear in the draft for the first time."""
    found = [n for n in citations_in(draft.text) if 1 <= n <= count and n not in draft.cited]
    draft.cited.update(found)
    return found
