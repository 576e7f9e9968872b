"""Chat: follow-ups rewritten into standalone queries, answered whole or as Server-Sent Events."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from service.answering.answers import Answer
from service.answering.conversations import Conversations
from service.deps import AnswersDep, ConversationsDep, SettingsDep
from service.metrics import Metrics, MetricsDep
from service.routes.answer import check_length, check_llm, note_fallback, to_response
from service.routes.search import allowed_k, hit_out, time_out, to_filters
from service.schemas import ChatRequest, ChatResponse

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `stream: true`: Server-Sent Events `passages`, `delta`, `citation`, "
        "`error` (the LLM failed; the deltas that follow restart the answer from the passages) "
        "and `done` (the final, checked answer, as in the JSON response: `fallback` true after "
        "an `error`).",
        "content": {"text/event-stream": {}},
    }
}


def chat_response(result: Answer, conversation_id: str, query: str) -> ChatResponse:
    return ChatResponse(
        **to_response(result).model_dump(), conversation_id=conversation_id, query=query
    )


@router.post("/chat", response_model=ChatResponse, responses=STREAM_DOC)
def chat(
    request: ChatRequest,
    answers: AnswersDep,
    conversations: ConversationsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> ChatResponse | EventSourceResponse:
    """Answers the last user message in the light of the conversation before it."""
    k = allowed_k(request, settings)
    asked = next(m for m in reversed(request.messages) if m.role == "user")
    check_length(asked.content, settings.max_query_chars)
    check_llm(request.llm, answers)
    conversation_id, history = conversations.history(
        request.conversation_id, [m.model_dump() for m in request.messages]
    )
    # The message is within the limit; the context a rewrite adds may not be, and is cut.
    query = answers.standalone_query(history, request.llm)[: settings.max_query_chars]
    args = (query, k, to_filters(request.filters, request.as_of), request.mode, request.llm)
    if request.stream:
        events = answers.stream(*args)
        sse = guarded(sse_events(events, conversations, conversation_id, history, query, metrics))
        return EventSourceResponse(sse, ping=15)
    result = answers.answer(*args)
    note_fallback(metrics, result)
    remember(conversations, conversation_id, history, result)
    return chat_response(result, conversation_id, query)


def remember(
    conversations: Conversations,
    conversation_id: str,
    history: list[dict[str, str]],
    result: Answer,
) -> None:
    conversations.save(conversation_id, [*history, {"role": "assistant", "content": result.answer}])


def sse_events(
    events: Iterator[tuple[str, Any]],
    conversations: Conversations,
    conversation_id: str,
    history: list[dict[str, str]],
    query: str,
    metrics: Metrics,
) -> Iterator[dict[str, str]]:
    for name, data in events:
        if name == "passages":
            passages, time = data
            data = {
                "conversation_id": conversation_id,
                "query": query,
                "time": time_out(time).model_dump(mode="json"),
                "passages": [hit_out(p).model_dump(mode="json") for p in passages],
            }
        elif name == "done":
            note_fallback(metrics, data)
            remember(conversations, conversation_id, history, data)
            data = chat_response(data, conversation_id, query).model_dump(mode="json")
        yield {"event": name, "data": json.dumps(data)}


def guarded(events: Iterator[dict[str, str]]) -> Iterator[dict[str, str]]:
    """A failure mid-stream ends it with an `error` event, not a cut connection."""
    try:
        yield from events
    except Exception:
        log.exception("chat stream failed")
        body = {"error": "internal_error", "message": "the answer failed; the error is in the log"}
        yield {"event": "error", "data": json.dumps(body)}
