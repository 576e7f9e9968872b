"""Request and response models at the HTTP edge."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from index.retrievers import SearchMode as Mode
from service.limits.caps import DEFAULT_K, MAX_K, MAX_QUERY_CHARS
from service.llm import SPEC_PATTERN

__all__ = ["DEFAULT_K", "MAX_K", "MAX_QUERY_CHARS", "Mode"]  # re-exported for the routes

# At least one character that is not white space. Spelled out rather than \S, because regex
# engines disagree on what \s holds (U+0085, U+001C..U+001F), and the schema must mean
# exactly what the server enforces.
SPACE = " \t\n\r\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"[^{SPACE}]"
# A document id is a URL path segment: no slash, and it does not start with white space.
DOC_ID = f"^[^/{SPACE}][^/]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The day a question is asked: nothing published after it is used (undated articles are kept).
AsOf = Annotated[
    dt.datetime | dt.date | None,
    Field(
        description="Ask as of this day (ISO date or datetime): articles dated later are left "
        "out. Default: today.",
        examples=["2025-05-06"],
    ),
]


Source = Annotated[str, Field(min_length=1, max_length=200)]
# How many passages: up to the hard cap here, NEWSRAG_MAX_K's lower one in `allowed_k`.
K = Annotated[int, Field(ge=1, le=MAX_K)]


class SearchFilters(Strict):
    doc_ids: list[str] | None = Field(None, max_length=1000)
    source: Source | list[Source] | None = Field(
        None, description="One source or a list: any of them (case-insensitive).", max_length=100
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def a_range_that_holds_days(self) -> SearchFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    @property
    def sources(self) -> list[str] | None:
        return [self.source] if isinstance(self.source, str) else self.source


class SearchRequest(Strict):
    query: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        pattern=NOT_BLANK,
        description="What to look for.",
        examples=["China-Russia trade 2024"],
    )
    k: K = Field(DEFAULT_K, description="How many passages to return.")
    filters: SearchFilters | None = None
    as_of: AsOf = None
    mode: Mode | None = Field(None, description="Retrieval mode; the server default when absent.")
    collapse: bool | None = Field(
        None,
        description="Fold near-duplicate passages into one hit; the server default when absent.",
    )


class TimeNote(BaseModel):
    """A relative time in a passage ("this year", "on Thursday") read against its article's
    date; the passage text itself stays verbatim."""

    text: str
    start: int = Field(..., description="Offset in the passage (or sentence) text.")
    end: int
    date_from: dt.date
    date_to: dt.date
    label: str = Field(..., examples=["8 May 2025"])


class TimeWindow(BaseModel):
    start: dt.date | None = Field(..., description='None: open ("before 2020").')
    end: dt.date | None
    text: str = Field(..., description="The words of the question that named it.")
    label: str


class RecencyOut(BaseModel):
    weight: float
    half_life_days: float


class TimeOut(BaseModel):
    """What the search read about time, so that a ranking can be explained."""

    as_of: dt.date = Field(..., description="The day the question was asked.")
    window: TimeWindow | None = Field(
        None,
        description="The period the question names: nothing published before it is used, and "
        "passages reporting on it (dated in it, or naming a time inside it) rank first.",
    )
    prior: RecencyOut | None = Field(
        None, description="Newer articles preferred: the question is about the present."
    )


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
    also_in: list[str] = Field(
        default_factory=list,
        description="Other documents carrying a near-duplicate of this passage (folded into it).",
    )
    times: list[TimeNote] = Field(
        default_factory=list,
        description="Relative times in `text` read against the article's date.",
    )


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    time: TimeOut
    results: list[SearchHit]


class EventSource(BaseModel):
    """Where an event's sentence stands: `start`/`end` are offsets in the article's text."""

    doc_id: str
    chunk_id: str
    start: int
    end: int
    title: str | None
    source: str | None
    date: str | None = Field(..., description="The article's publication date.")
    url: str | None


class TimelineEvent(BaseModel):
    date: dt.date
    label: str = Field(..., examples=["21 January 2025", "March 2025"])
    dated_by: Literal["sentence", "article"] = Field(
        ..., description="`sentence`: the date the sentence states; `article`: its publication."
    )
    text: str = Field(..., description="The sentence, verbatim.")
    cited: EventSource
    also_in: list[EventSource] = Field(
        default_factory=list, description="Other articles saying the same (folded into it)."
    )


class TimelineResponse(BaseModel):
    query: str
    took_ms: float
    time: TimeOut
    events: list[TimelineEvent] = Field(..., description="Oldest first.")


class DocumentIn(Strict):
    id: str = Field(..., min_length=1, max_length=200, pattern=DOC_ID)
    text: str = Field(..., min_length=1, pattern=NOT_BLANK)
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None


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
    excerpt: str = Field(
        ..., description="The text's first words (~100 characters), after a wire dateline."
    )


class DocumentList(BaseModel):
    total: int = Field(..., description="Documents in the index.")
    matching: int = Field(..., description="Documents matching `q` (all of them without one).")
    documents: list[DocumentSummary]


class FileReport(BaseModel):
    """One uploaded file: the documents read from it, or why it could not be read."""

    name: str
    documents: list[str]
    problems: list[str] = Field(..., description="Records skipped, each with its line or number.")
    error: str | None = Field(None, description="Why nothing could be read from the file.")


class UploadResponse(UpsertResponse):
    files: list[FileReport]


class SourceCount(BaseModel):
    name: str
    documents: int


class SourceList(BaseModel):
    sources: list[SourceCount]


class Access(BaseModel):
    keys_required: bool = Field(..., description="Whether reading takes an API key.")
    role: Literal["user", "admin"] = Field(
        ..., description="What the key sent may do: admin may change documents."
    )


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
    excerpt: str = Field(..., description="As in the listing: a name when there is no title.")
    text: str
    chunks: list[ChunkSpan]


class Deleted(BaseModel):
    deleted: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    """Counts only: the probe is open even with API keys (the model is on /metrics)."""

    status: str
    backend: str = Field(..., description="Where the corpus lives: local or milvus.")
    documents: int
    chunks: int


class NotReady(BaseModel):
    status: Literal["starting", "failed", "unavailable"] = Field(
        ..., description="unavailable: started, but the engine holding the corpus does not answer."
    )
    waiting_for: str | None = Field(..., description="The start-up step under way.")
    message: str
    backend: str | None = None


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: list[dict[str, object]] | None = None


class AnswerRequest(Strict):
    question: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        pattern=NOT_BLANK,
        description="The question.",
        examples=["Who is Ma Youjun?"],
    )
    k: K = Field(DEFAULT_K, description="How many passages to answer from.")
    filters: SearchFilters | None = None
    as_of: AsOf = None
    mode: Mode | None = Field(None, description="Retrieval mode; the server default when absent.")
    llm: str | None = Field(
        None,
        pattern=SPEC_PATTERN,
        max_length=200,
        description='"extractive" or "provider:model"; the server default when absent.',
    )


class CheckedSentence(BaseModel):
    text: str
    citations: list[int] = Field(..., description="1-based positions in `passages`.")
    supported: bool = Field(..., description="Every citation valid and every quote verbatim.")
    answers_question: bool = Field(
        ..., description="It answers what was asked (not only quoted faithfully)."
    )
    problems: list[str]
    times: list[TimeNote] = Field(
        default_factory=list,
        description="Relative times in `text` read against the date of the article it cites.",
    )


class FigurePeriod(BaseModel):
    start: dt.date | None = Field(
        ..., description='None for a relative time an undated article names ("this year").'
    )
    end: dt.date | None
    label: str = Field(..., examples=["2024", "29 March 2025"])
    text: str | None = Field(
        ..., description="The words that name it; null when it is the article's date."
    )
    stated: bool = Field(
        ..., description="Named in the figure's sentence (true), or its article's date (false)."
    )


class Figure(BaseModel):
    """An amount a passage gives, as written and normalized, with what it is for."""

    value: float = Field(
        ..., description='Normalized: 244.8e9 for "244.8 billion U.S. dollars".', examples=[244.8e9]
    )
    unit: str = Field(
        ...,
        description='A currency code, "%", "pp", "km", … ("USD/barrel" for a price per '
        'barrel); for a count, what it counts ("people"), or "" for a bare number.',
        examples=["USD"],
    )
    low: float | None = Field(
        ...,
        description="The least value the figure allows as written: its significant figures and "
        'any hedge ("nearly", "about", "at least"); null: no lower bound.',
    )
    high: float | None = Field(..., description="The greatest; null: no upper bound.")
    approximate: bool = Field(
        ..., description='Hedged as written: "nearly", "about", "more than", "up to" …'
    )
    period: FigurePeriod | None = Field(
        ...,
        description="What it is for: the time its sentence names for it, else its article's "
        "date (null in an undated article).",
    )
    text: str = Field(
        ..., description="The figure as written: the cited passage's `text[start:end]`."
    )
    start: int = Field(..., description="Offset in the cited passage's text.")
    end: int
    measure: str = Field(..., description="What it measures, in its sentence's words.")
    citation: int = Field(..., description="1-based position in `passages`, as answers cite.")
    doc_id: str
    source: str | None
    date: str | None = Field(..., description="The article's publication date.")


class FigureGroup(BaseModel):
    """The figures for one quantity (one measure, one kind of unit, one period), compared."""

    measure: str = Field(..., examples=["bilateral trade"])
    unit: str
    period: FigurePeriod | None = Field(
        ...,
        description="The period every figure here is for; null: each figure holds as of its "
        "article's date (or the day it names), so later articles may update earlier ones.",
    )
    verdict: Literal["agree", "update", "conflict", "single"] = Field(
        ...,
        description="`agree`: one value fits every figure within the precision each states "
        "(significant figures; hedges reach at least 2.5%); `update`: they differ and come from "
        "articles of different days, the latest standing; `conflict`: reports of the same day "
        "(or undated) differ; `single`: the only figure for this period, kept apart from the "
        "same measure's figures for other periods.",
    )
    note: str = Field(..., description="The verdict as a sentence, with citations.")
    figures: list[Figure] = Field(..., description="Oldest article first.")


class AnswerResponse(BaseModel):
    answer: str = Field(
        ..., description='Opens with "As of <date>:" when an article it cites is dated.'
    )
    holds_as_of: dt.date | None = Field(
        None, description="The date of the newest article the answer cites: when it holds."
    )
    answered: bool = Field(
        ...,
        description="False: the passages do not answer the question; the answer says so and "
        "`passages` are only related.",
    )
    sentences: list[CheckedSentence]
    passages: list[SearchHit]
    model: str = Field(..., description='The answerer: "extractive" or "provider:model".')
    fallback: bool = Field(
        False,
        description="The LLM asked for failed: `model` is the extractive answer standing in, "
        "and `notice` says why.",
    )
    took_ms: float
    time: TimeOut
    notice: str | None = None
    rejected: list[CheckedSentence] = Field(
        default_factory=list,
        description="With `fallback`: the LLM's own sentences, checked, when it cited none of "
        "the passages and the extractive answer replaced them (for inspection: not the answer).",
    )
    figures: list[FigureGroup] = Field(
        default_factory=list,
        description="The figures the answer states beside every passage's figures for the same "
        "quantity, grouped by period, each group with its verdict; empty when no other passage "
        "gives a figure for what the answer states.",
    )


class ChatMessage(Strict):
    role: Literal["user", "assistant", "system"]
    content: str = Field(..., min_length=1, max_length=20000, pattern=NOT_BLANK)


HAS_USER_MESSAGE: JsonDict = {
    "contains": {"type": "object", "properties": {"role": {"const": "user"}}}
}


class ChatRequest(Strict):
    messages: list[ChatMessage] = Field(
        ...,
        min_length=1,
        max_length=100,
        json_schema_extra=HAS_USER_MESSAGE,
        description="The conversation so far; the last user message is the one answered.",
    )
    conversation_id: str | None = Field(None, min_length=1, max_length=100)
    stream: bool = False
    k: K = DEFAULT_K
    filters: SearchFilters | None = None
    as_of: AsOf = None
    mode: Mode | None = None
    llm: str | None = Field(None, pattern=SPEC_PATTERN, max_length=200)

    @field_validator("messages")
    @classmethod
    def has_a_user_message(cls, value: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" for m in value):
            raise ValueError("the conversation needs a user message to answer")
        return value


class ChatResponse(AnswerResponse):
    conversation_id: str
    query: str = Field(..., description="The standalone query the follow-up was rewritten into.")


class WatchFilters(Strict):
    """What a watch's search is restricted to (a standing question has no `as_of`: it is
    always asked now, of what arrives)."""

    source: Source | list[Source] | None = Field(
        None, description="One source or a list: any of them (case-insensitive).", max_length=100
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def a_range_that_holds_days(self) -> WatchFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self


class WatchRequest(Strict):
    query: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        pattern=NOT_BLANK,
        description="The question asked again of every article that arrives.",
    )
    name: str | None = Field(None, max_length=200, description="Default: the question.")
    filters: WatchFilters | None = None
    mode: Mode | None = Field(None, description="Retrieval mode; the server default when absent.")
    threshold: float | None = Field(
        None,
        ge=-1.0,
        le=1000.0,
        description="A passage its search scores at least this matches. Default: halfway between "
        "what one side of hybrid search can give and what both give (0.75 with the default "
        "fusion); dense: a cosine of 0.5; bm25 needs one.",
    )
    per: Literal["article", "story"] = Field(
        "article", description="Notify for every article, or for the first of each story."
    )
    webhook: str | None = Field(
        None,
        max_length=2000,
        pattern=r"^https?://\S+$",
        description="POSTed each match as JSON, signed: X-Newsrag-Signature: sha256=HMAC-SHA256 "
        "of the body with the watch's `secret` (shown once, in this reply). Admin keys only.",
    )


class WatchOut(BaseModel):
    id: str
    name: str
    query: str
    mode: str | None
    threshold: float
    per: str
    filters: WatchFilters
    webhook: str | None
    created: str
    matches: int = Field(..., description="Matches kept (the newest 500).")
    last_match: str | None = Field(None, description="When the newest match was seen.")
    secret: str | None = Field(
        None, description="The webhook's signing secret: in the reply that made it, only."
    )


class WatchList(BaseModel):
    watches: list[WatchOut]


class DeliveryOut(BaseModel):
    at: str
    attempt: int
    status: int | None
    error: str | None


class MatchOut(BaseModel):
    id: str
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str = Field(..., description="The passage: document.text[start:end].")
    score: float
    title: str | None
    source: str | None
    date: str | None
    url: str | None
    story_id: str | None
    seen: str
    deliveries: list[DeliveryOut]


class MatchList(BaseModel):
    watch: WatchOut
    matches: list[MatchOut] = Field(..., description="Newest first.")
