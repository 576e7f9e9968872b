"""An answerer backed by any chat-completions client."""

from __future__ import annotations

from collections.abc import Iterator

from index.models import Hit
from service.answering.prompt import build_messages
from service.llm.base import ChatClient


class LLMAnswerer:
    def __init__(self, client: ChatClient) -> None:
        self.client = client
        self.model = client.model

    def answer(self, question: str, passages: list[Hit]) -> str:
        return self.client.complete(build_messages(question, passages))

    def stream(self, question: str, passages: list[Hit]) -> Iterator[str]:
        return self.client.stream(build_messages(question, passages))
