"""Retrieve, answer, check: the one path behind /answer, /chat, `newsrag ask` and the chat page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter
from typing import Any

from index.filters import Filters
from index.models import Hit
from index.newsindex import NewsIndex
from index.periods import Period, Window, label, relative_in
from index.query import TimeSense
from service.answering.base import Answerer
from service.answering.citations import SentenceCheck, check
from service.answering.extractive import Assessment, ExtractiveAnswerer
from service.answering.figures import FigureGroup, compare
from service.answering.llm import LLMAnswerer
from service.answering.markers import citations_in
from service.answering.rewrite import llm_rewrite, rule_rewrite
from service.config import Settings
from service.llm import EXTRACTIVE, get_client
from service.llm.base import LLMError, Metered, Startable, Usage
from service.llm.pool import ClientPool

NO_PASSAGES = "No passage in the index matches the question, so there is nothing to answer from."
RELATED = "The closest passages are listed as related."
# When the first k passages hold no answer, the next ones of the same search are read, up to
# this many times k, before declining: an answer ranked sixth is still the archive's answer.
READ_FURTHER = 3
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
    # Per sentence: its relative times ("this year") read against the article it cites.
    times: list[tuple[Period, ...]] = field(default_factory=list)
    notice: str | None = None
    # The LLM asked for failed and the extractive answer stands in (`notice` says why): a flag,
    # since no model name tells a stand-in from what was asked for.
    fallback: bool = False
    # The LLM's own sentences, checked, when it cited no passage and the extractive answer
    # replaced them: for inspection, and counted by eval (the unsupported LLM sentences).
    rejected: tuple[SentenceCheck, ...] = ()
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
    cited: set[int] = field(default_factory=set)  # valid citation numbers written so far
    answered: bool = True
    fallback: bool = False
    rejected: str = ""  # what the LLM wrote, when it cited no passage and was replaced

    def fall_back(self, answerer: Answerer, reason: str) -> None:
        """The LLM failed: the extractive answer is written instead, from the start."""
        self.model, self.text, self.cited = EXTRACTIVE, "", set()
        self.notice = (
            f"The language model {answerer.model} failed ({reason}); "
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
        """ValueError unless `spec` (or the default) names an answerer this server can run:
        an unknown LLM, or a local model that is not installed, is refused before any work.
        The client is made (nothing is started or sent) and kept for the answer."""
        with self.clients.lease(spec or self.settings.llm):
            pass

    def warm(self) -> None:
        """The default answerer ready before the first question: a local model's server
        starts now (ValueError or LLMError when it cannot)."""
        with self.clients.lease(self.settings.llm) as client:
            if isinstance(client, Startable):
                client.start()

    def usage(self, spec: str | None = None) -> Usage | None:
        """What the replies of `spec`'s LLM client have cost so far, if it counts them."""
        with self.clients.lease(spec or self.settings.llm) as client:
            return client.meter.total if isinstance(client, Metered) else None

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

    def read(
        self, question: str, found: list[Hit], k: int, window: Window | None
    ) -> tuple[list[Hit], Assessment]:
        """The first `k` passages and their assessment; when none of them answers, the next
        ones are read too, and the passages go as deep as the answer's best sentence."""
        assessment = self.extractive.assess(question, found[:k], window)
        if assessment.answered or assessment.unknown or len(found) <= k:
            return found[:k], assessment
        further = self.extractive.assess(question, found, window)
        if not further.answered:
            return found[:k], assessment
        deepest = max(c.passage for c in self.extractive.select(further))
        return found[:deepest], further

    def answer(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str | None = None,
        llm: str | None = None,
        timed: bool = True,
    ) -> Answer:
        """A checked answer, or a plain "the articles don't say"; an LLM that fails or cites
        no passage gives way to the extractive answer, with a notice. The LLM is asked for the
        whole reply at once; otherwise this is `stream`, the last event taken. `timed=False`
        reads no time in the question (eval's undated runs)."""
        *_, (_, done) = self._events(question, k, filters, mode, llm, False, timed)
        assert isinstance(done, Answer)
        return done

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
        return self._events(question, k, filters, mode, llm, streaming=True)

    def _events(
        self,
        question: str,
        k: int,
        filters: Filters | None,
        mode: str | None,
        llm: str | None,
        streaming: bool,
        timed: bool = True,
    ) -> Iterator[tuple[str, Any]]:
        """The one decision tree behind `answer` and `stream`. Whether there is an answer is
        decided from the evidence (the extractive assessment) before any LLM is asked, so no
        LLM turns "the articles don't say" into an answer."""
        started = perf_counter()
        with self.answerer(llm) as answerer:
            found, time = self.retrieve(question, k * READ_FURTHER, filters, mode, timed)
            passages, assessment = self.read(question, found, k, time.window)
            yield "passages", (passages, time)
            draft = Draft(answerer.model, notice=None if passages else NO_PASSAGES)
            if not passages or not assessment.answered:
                draft.answered = False
                if passages:
                    draft.text = abstention(question, assessment.unknown)
                    yield "delta", {"text": draft.text}
            elif answerer is self.extractive:
                yield from self._deltas(self.extractive.compose(assessment), passages, draft)
            else:
                yield from self._llm_draft(
                    answerer, question, passages, draft, assessment, streaming
                )
        yield "done", self._finish(question, draft, passages, time, started, assessment)

    def _llm_draft(
        self,
        answerer: Answerer,
        question: str,
        passages: list[Hit],
        draft: Draft,
        assessment: Assessment,
        streaming: bool,
    ) -> Iterator[tuple[str, Any]]:
        """The LLM's answer; when it fails, says nothing or cites none of the passages, an
        `error` event and the extractive answer, written from the start."""
        error, reason = "llm_failed", None
        try:
            if streaming:
                deltas = answerer.stream(question, passages)
            else:
                deltas = iter([answerer.answer(question, passages)])
            yield from self._deltas(deltas, passages, draft)
        except LLMError as exc:
            reason = str(exc)
        if reason is None and not draft.text.strip():
            reason = "it returned an empty answer"
        elif reason is None and not draft.cited:
            error, reason = "llm_uncited", f"it cited none of the {len(passages)} passages given"
            draft.rejected = draft.text
        if reason is not None:
            draft.fall_back(answerer, reason)
            # After an error with a fallback, the deltas start the answer over.
            yield "error", {"error": error, "message": draft.notice, "fallback": EXTRACTIVE}
            yield from self._deltas(self.extractive.compose(assessment), passages, draft)

    def _finish(
        self,
        question: str,
        draft: Draft,
        passages: list[Hit],
        time: TimeSense,
        started: float,
        assessment: Assessment,
    ) -> Answer:
        """The answer as it leaves, the same for every answerer, whole or streamed: each
        sentence checked (citations, quotes), judged against the question and its relative
        times read against the article it cites. Whatever is computed from the final sentences
        and their passages belongs here, so that no path can leave it out."""
        texts = [p.text for p in passages]
        sentences = check(draft.text, texts) if draft.answered else []
        relevant = self.extractive.judge_answer(
            question, sentences, passages, time.window, assessment
        )
        times = [relative_in(s.text, cited_date(s.citations, passages)) for s in sentences]
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
            times=times,
            notice=draft.notice,
            fallback=draft.fallback,
            rejected=tuple(check(draft.rejected, texts)),
            figures=figures,
        )

    def _deltas(
        self, deltas: Iterable[str], passages: list[Hit], draft: Draft
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
