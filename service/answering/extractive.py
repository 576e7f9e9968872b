"""The default answerer: the passages' own sentences that answer the question, each cited.

Nothing is invented: the answer is the shortest span of the wanted kind ("$244.8 billion" for
"how much") from the best answering sentence, then that sentence and at most one more, each
with its citation. When no sentence answers (service/answering/judge.py), there is no answer
to give, and the caller says so. A passage is only ever a source of sentences to rank, never of
instructions, so text such as "ignore previous instructions" in an article cannot change what
this answerer does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np

from index.embedding import Embedder
from index.metadata import dateline_end
from index.models import Hit
from index.periods import Window
from service.answering import judge
from service.answering.citations import SentenceCheck
from service.answering.judge import Evidence, Judge
from service.answering.markers import without_markers
from service.answering.reading import DEMONYM
from service.answering.sentences import Span, split
from service.answering.words import shared, terms
from service.llm import EXTRACTIVE

# A statement ends as one; headlines, bylines ("| May 6, 2025") and page furniture do not.
_STATEMENT_END = re.compile(r"[.!?][\"'”’)\]]*$")
MIN_WORDS = 4  # "Bennu is an asteroid."
# A paragraph may end without its mark ("... at work" where the source dropped the period): a
# run of this many words, most of them in lower case, is prose, not a headline or a byline.
PROSE_WORDS = 12
SHORT_ANSWER_WORDS = 6  # "$244.8 billion", "Harbin", "more than 20": a span, not a sentence
# An acronym is a name of its own wherever it stands: "NBA Finals" is unknown when no article
# says "NBA", though many say "finals".
_ACRONYM = re.compile(r"[A-Z]{2,}")
# A year is written one way: a question about 2030 in an archive that never prints it is
# about nothing the archive holds. Other numbers are no such test ("30mph", "3rd").
_YEAR = re.compile(r"(?:19|20)\d\d")


def is_statement(sentence: str, last: bool = False) -> bool:
    """A sentence of the story, not a headline, byline, dateline or page furniture; `last`:
    it ends its passage, where a paragraph may end without its mark (a headline is followed
    by its story)."""
    words = sentence.split()
    if len(words) < MIN_WORDS or "|" in sentence:
        return False
    if _STATEMENT_END.search(sentence):
        return True
    lower = sum(word[:1].islower() for word in words)
    return last and len(words) >= PROSE_WORDS and lower > len(words) / 2


def story_span(span: Span, last: bool = False) -> Span | None:
    """The sentence without a wire dateline that opens it; None when it is no statement
    (`last`: it ends its passage)."""
    cut = dateline_end(span.text)
    text = span.text[cut:]
    return Span(span.start + cut, span.end, text) if is_statement(text, last) else None


def statements(text: str) -> list[str]:
    """The passage's statements, in order."""
    spans = split(text)
    return [s.text for i, span in enumerate(spans) if (s := story_span(span, i == len(spans) - 1))]


@dataclass(frozen=True)
class Candidate:
    passage: int  # 1-based, as cited
    text: str
    score: float  # for ranking: meaning, shared words, the period asked about
    evidence: Evidence
    answers: bool  # the judge's verdict
    spans: tuple[str, ...]  # answers of the wanted kind in it, best first


@dataclass(frozen=True)
class Assessment:
    """Every sentence of the passages, judged against the question, best first; `unknown`:
    names or numbers of the question that no indexed article contains."""

    question: str
    candidates: list[Candidate]
    unknown: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return not self.unknown and any(c.answers for c in self.candidates)


class ExtractiveAnswerer:
    model = EXTRACTIVE

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int = 2,
        overlap_weight: float = 0.3,
        relative_floor: float = 0.85,
        time_weight: float = 0.1,
        focus_weight: float = 0.15,
        rank_weight: float = 0.25,
        verdict: Judge | None = None,
        unknown_words: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.overlap_weight = overlap_weight
        # A further sentence must score within 15% of the best: on the seeds gold set this
        # keeps 11 of 12 answers right with 18 sentences instead of 24 (0.95 loses one).
        self.relative_floor = relative_floor
        # A sentence naming a time inside the period asked about ranks ahead of one that
        # does not ("In 2024, trade reached…" for "… in 2024?").
        self.time_weight = time_weight
        # A sentence naming the kind of thing a "which …" question asks for, with a name in it.
        self.focus_weight = focus_weight
        # The search ranked the passages on the whole question (its period, recency, every
        # word): a sentence of the first passage is worth this much more, of the n-th 1/n.
        self.rank_weight = rank_weight
        self.judge = verdict or Judge()
        # Which of a question's names no article contains (the lexical index knows): a
        # question about "Lavrov" in an archive that never names him is not answered.
        self.unknown_words = unknown_words

    def answer(self, question: str, passages: list[Hit]) -> str:
        return "".join(self.stream(question, passages))

    def stream(self, question: str, passages: list[Hit]) -> Iterator[str]:
        return self.compose(self.assess(question, passages))

    def assess(
        self, question: str, passages: list[Hit], window: Window | None = None
    ) -> Assessment:
        """Every statement in the passages, scored and judged; `window` is the period the
        question names (its words then left out of what is matched)."""
        topic = judge.as_asked(question if window is None else window.topic)
        unknown = self._unknown_names(topic)
        found = [
            (n, hit, text)
            for n, hit in enumerate(passages, start=1)
            for text in statements(hit.text)
        ]
        if not found:
            return Assessment(question, [], unknown)
        texts = [text for _, _, text in found]
        vectors = self.embedder.embed_documents(texts)
        cosine = vectors @ self.embedder.embed_query(topic)
        scores = self.scores(topic, texts, vectors, cosine)
        asked = judge.as_asked(question)
        kind = judge.wanted(asked)
        named = judge.named_focus(asked)
        candidates = []
        for (n, hit, text), cos, score in zip(found, cosine, scores, strict=True):
            published = date.fromisoformat(hit.date) if hit.date else None
            evidence = judge.measure(topic, text, float(cos), published, window)
            if window is not None and judge.names_time_in(text, published, window):
                score += self.time_weight
            spans = tuple(judge.answer_spans(kind, text, asked, published))
            if named is not None and spans and named in terms(text):
                score += self.focus_weight  # "Premier Li Qiang" for "which premier"
            score += self.rank_weight / n
            verdict = self.judge.answers(evidence)
            candidates.append(Candidate(n, text, float(score), evidence, verdict, spans))
        candidates.sort(key=lambda c: -c.score)
        return Assessment(question, candidates, unknown)

    def _unknown_names(self, question: str) -> tuple[str, ...]:
        """The question's names whose head (last word) or acronym no article holds ("Foreign
        Minister Sergei Lavrov", "World Cup", "NBA Finals"; not "Hillary Clinton" where articles
        say "Clinton"), or a year no article prints."""
        if self.unknown_words is None:
            return ()
        names = [
            n
            for n in judge.anchor_names(_asking_sentence(question))
            if (_YEAR.fullmatch(n) or not any(c.isdigit() for c in n))
            and not (" " not in n and DEMONYM.search(n))  # "Maltese": articles say "Malta"
        ]
        unknown = set(self.unknown_words([word for name in names for word in name.split()]))
        return tuple(
            name
            for name in names
            if name.split()[-1] in unknown
            or any(_ACRONYM.fullmatch(w) for w in unknown & set(name.split()))
        )

    def select(self, assessment: Assessment) -> list[Candidate]:
        """The best answering sentences, without repeats, within a share of the best."""
        answering = [c for c in assessment.candidates if c.answers]
        chosen: list[Candidate] = []
        for candidate in answering:
            if candidate.score < self.relative_floor * answering[0].score:
                break
            if all(candidate.text != c.text for c in chosen):
                chosen.append(candidate)
            if len(chosen) == self.max_sentences:
                break
        return chosen

    def compose(self, assessment: Assessment) -> Iterator[str]:
        """The answer as deltas: the shortest answer first ("$244.8 billion [2]."), then the
        sentences that say it; nothing when no sentence answers."""
        chosen = self.select(assessment)
        if chosen and chosen[0].spans and chosen[0].spans[0] != chosen[0].text:
            yield f"{_capitalised(chosen[0].spans[0])} [{chosen[0].passage}]. "
        for i, candidate in enumerate(chosen):
            yield f"{' ' if i else ''}{candidate.text} [{candidate.passage}]"

    def judge_answer(
        self,
        question: str,
        sentences: list[SentenceCheck],
        passages: list[Hit],
        window: Window | None,
        assessment: Assessment | None = None,
    ) -> list[bool]:
        """Whether each sentence of a written answer (any answerer's) answers the question,
        judged against the passages it cites; a bare short answer ("$244.8 billion [2].")
        answers when its cited passage says it and it is of the wanted kind. A sentence
        `assessment` already judged (the extractive answer's own) is not embedded again."""
        question = judge.as_asked(question)
        topic = question if window is None else judge.as_asked(window.topic)
        judged = {
            (c.passage, c.text.rstrip(".")): c.answers
            for c in (assessment.candidates if assessment else [])
        }
        kind = judge.wanted(question)
        verdicts: list[bool | None] = []
        unjudged: list[int] = []
        for i, check in enumerate(sentences):
            text = without_markers(check.text).strip().rstrip(".").strip()
            cited = [passages[n - 1] for n in check.citations if 1 <= n <= len(passages)]
            if not cited:
                verdicts.append(False)
            elif (check.citations[0], text) in judged:
                verdicts.append(judged[(check.citations[0], text)])
            elif len(text.split()) <= SHORT_ANSWER_WORDS and any(
                text.lower() in h.text.lower() for h in cited
            ):
                verdicts.append(_a_wanted_span(kind, text, question, cited))
            else:
                verdicts.append(None)
                unjudged.append(i)
        if unjudged:
            texts = [without_markers(sentences[i].text).strip() for i in unjudged]
            cosine = self.embedder.embed_documents(texts) @ self.embedder.embed_query(topic)
            for i, text, cos in zip(unjudged, texts, cosine, strict=True):
                cited = [passages[n - 1] for n in sentences[i].citations if 1 <= n <= len(passages)]
                published = _published(cited)
                evidence = judge.measure(topic, text, float(cos), published, window)
                verdicts[i] = self.judge.answers(evidence)
        return [bool(v) for v in verdicts]

    def scores(
        self, question: str, texts: list[str], vectors: np.ndarray, cosine: np.ndarray | None = None
    ) -> np.ndarray:
        """How well each sentence (with its embedding) speaks to the question: meaning
        (cosine) plus the share of the question's content words it contains."""
        if cosine is None:
            cosine = vectors @ self.embedder.embed_query(question)
        asked = judge.asked_part(question)  # not the context a follow-up carries
        wanted = max(1, len(terms(asked)))
        held = [len(shared(asked, text)) / wanted for text in texts]
        result: np.ndarray = cosine + self.overlap_weight * np.array(held)
        return result


def _asking_sentence(question: str) -> str:
    """The question's last sentence that asks ("Where did this happen?"), or all of it: the
    sentences before it tell the story asked about, often in words no article uses ("the oil
    tanker Nave Andromeda"), so a name of theirs no article holds leaves the question open."""
    asking = [s.text for s in split(question) if judge.asks(s.text)]
    return asking[-1] if asking else question


def _a_wanted_span(kind: str | None, text: str, question: str, cited: list[Hit]) -> bool:
    """A short answer of the wanted kind, read alone ("$244.8 billion") or where a cited
    passage says it: "Harbin" alone opens a sentence, where no capital marks a name."""
    published = _published(cited)
    if judge.answer_spans(kind, text, question, published):
        return True
    return any(
        span.lower() == text.lower()
        for hit in cited
        for span in judge.answer_spans(kind, hit.text, question, published)
    )


def _published(cited: list[Hit]) -> date | None:
    """The date of the first dated article cited: what a sentence's times are read against."""
    day = next((h.date for h in cited if h.date), None)
    return date.fromisoformat(day) if day else None


def _capitalised(span: str) -> str:
    return span[:1].upper() + span[1:]
