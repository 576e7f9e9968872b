"""Answer quality on gold questions: does the answer say the gold fact, and cite the right articles?

The answering layer is reached only through `AnswerFn`, a plain callable the caller supplies
(the CLI adapts the service's answering layer to it), so eval/ never imports service/.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass

from eval.datasets import Qrels
from index.newsindex import NewsIndex

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class EvalAnswer:
    """What answer metrics need: the answer text and the document id behind each citation.

    A plain record of its own, not the service's Answer: eval/ never imports service/, so the
    caller adapts the service's answer to this at the seam (see `AnswerFn`)."""

    text: str
    cited_doc_ids: Sequence[str] = ()
    answered: bool = True  # False: the answerer said the articles do not answer
    # The sentences the answerer asked for wrote (an LLM's own, even when the extractive
    # answer replaced them) and how many of them the checks marked unsupported or off the
    # question; all 0 when the answerer does not say.
    written: int = 0
    unsupported: int = 0
    off_question: int = 0
    fallback: bool = False  # the extractive answer stood in for the LLM asked for
    tokens: int = 0  # reply tokens the LLM reported for this answer
    llm_seconds: float = 0.0  # what its calls took (the prompt's reading included)
    generating_seconds: float = 0.0  # of which writing the reply, where the server says


AnswerFn = Callable[[str, str | None], EvalAnswer]  # the question, the day it is asked (ISO)
# Given the index a gold set runs against, the retrieval mode and whether questions are read for
# their time (False: as if undated), the function answering on it.
AnswerFactory = Callable[[NewsIndex, str, bool], AnswerFn]


def plain_words(text: str) -> str:
    """Lower case, every run of punctuation or whitespace one space: '244.8bn' ~ '244 8bn'. An
    answer matches gold on its words alone (unlike a quote, checked verbatim by the service)."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def answer_match(answer: str, gold: Sequence[str]) -> bool:
    """True when any gold string appears in the answer as whole words, once both are plain words."""
    padded = f" {plain_words(answer)} "
    return any(f" {g} " in padded for g in map(plain_words, gold) if g)


def citation_precision(cited_doc_ids: Sequence[str], relevant: Mapping[str, int]) -> float:
    """Fraction of citations pointing into a relevant document; an uncited answer scores 0."""
    if not cited_doc_ids:
        return 0.0
    return sum(doc in relevant for doc in cited_doc_ids) / len(cited_doc_ids)


def answer_metrics(
    queries: Mapping[str, str],
    gold: Mapping[str, Sequence[str]],
    qrels: Qrels,
    answer_fn: AnswerFn,
    dates: Mapping[str, str] | None = None,
    unanswerable: Set[str] = frozenset(),
) -> dict[str, float]:
    """Means over the answerable gold questions of answer_match and citation_precision (each
    question asked as of `dates[qid]` where given); with `unanswerable` questions, how well the
    answerer says "the articles don't say": abstention precision (of its abstentions, the
    share on unanswerable questions) and recall (of the unanswerable, the share it declined),
    and the share of answerable questions it answered."""
    matches, precisions = [], []
    declined = {True: 0, False: 0}  # by whether the question is unanswerable
    said, seconds = [], []
    for qid, question in queries.items():
        started = time.perf_counter()
        answer = answer_fn(question, (dates or {}).get(qid))
        seconds.append(time.perf_counter() - started)
        said.append(answer)
        if not answer.answered:
            declined[qid in unanswerable] += 1
        if qid in unanswerable:
            continue
        matches.append(float(answer_match(answer.text, gold.get(qid, []))))
        precisions.append(citation_precision(answer.cited_doc_ids, qrels.get(qid, {})))
    n = max(len(matches), 1)
    metrics = {"answer_match": sum(matches) / n, "citation_precision": sum(precisions) / n}
    if unanswerable:
        abstained = declined[True] + declined[False]
        metrics |= {
            "abstain_precision": declined[True] / abstained if abstained else 1.0,
            "abstain_recall": declined[True] / len(unanswerable),
            "answered_rate": 1 - declined[False] / max(len(queries) - len(unanswerable), 1),
        }
    if any(answer.written or answer.fallback for answer in said):
        metrics |= check_metrics(said, seconds)
    return metrics


def check_metrics(said: Sequence[EvalAnswer], seconds: Sequence[float]) -> dict[str, float]:
    """What the checks made of the answers, where the answerer says: of the sentences the
    answerer asked for wrote, the shares marked unsupported and off the question; of the
    answers given, the share the extractive answer replaced; the median answer time (ms); and,
    where the LLM reported its tokens, the medians over answers of reply tokens a second of
    writing them (where the server timed that) and of the whole LLM call."""
    written = sum(answer.written for answer in said)
    answered = [answer for answer in said if answer.answered]
    metrics = {
        "sentences": float(written),
        "unsupported_share": sum(a.unsupported for a in said) / max(written, 1),
        "off_question_share": sum(a.off_question for a in said) / max(written, 1),
        "fallback_rate": sum(a.fallback for a in answered) / max(len(answered), 1),
        "answer_p50_ms": 1000 * statistics.median(seconds),
    }
    rates = {
        "tokens_per_second": [
            a.tokens / a.generating_seconds for a in said if a.tokens and a.generating_seconds > 0
        ],
        "call_tokens_per_second": [
            a.tokens / a.llm_seconds for a in said if a.tokens and a.llm_seconds > 0
        ],
    }
    return metrics | {name: statistics.median(found) for name, found in rates.items() if found}
