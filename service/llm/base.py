"""The LLM seam: one small protocol and the only errors a caller has to catch.

Every way an upstream can fail becomes an `LLMError`, so the answering layer can fall
back to the extractive answer with a notice instead of leaking a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

Message = dict[str, str]


class ChatClient(Protocol):
    """A chat model behind some server; sync, because endpoints run in a threadpool."""

    model: str  # display id such as "openai:gpt-4o-mini", shown next to answers

    def complete(self, messages: list[Message]) -> str:
        """The whole reply at once."""
        ...

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The reply as text deltas, in order; raises LLMError mid-way if the stream breaks."""
        ...

    def close(self) -> None:
        """Release connections; called once from the app's lifespan."""
        ...


class LLMError(Exception):
    """Any failure to get a reply; the message is fit to show next to a fallback answer."""


class LLMTimeout(LLMError):
    """The server was too slow: to connect, to send the next bytes, or to finish at all."""


class LLMConnectionError(LLMError):
    """The server could not be reached (refused, reset, DNS), even after retries."""


class LLMUpstreamError(LLMError):
    """The server answered with an HTTP error status, after any retries."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[type[LLMUpstreamError], tuple[int, str]]:
        """Pickle by (status, message), like ReadError, so it survives process boundaries."""
        return (type(self), (self.status, str(self)))


class LLMProtocolError(LLMError):
    """The server spoke, but not the protocol: bad JSON, no choices, a truncated stream."""
