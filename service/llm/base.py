"""The LLM seam: one small protocol and the only errors a caller has to catch.

Every way an upstream can fail becomes an `LLMError`, so the answering layer can fall
back to the extractive answer with a notice instead of leaking a 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class Startable(Protocol):
    """A client that runs its own server (a local model): `newsrag serve` starts it before it
    says ready, so that the first question waits for no model to load."""

    def start(self) -> None:
        """The server up now (started if it is not running); LLMError when it cannot be."""
        ...


@dataclass(frozen=True)
class Usage:
    """What replies cost, as the server counted tokens, and the seconds their calls took
    (prompt reading included): only replies whose server reported their tokens count."""

    replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    # Of those seconds, the server's own time writing the reply tokens, where it says
    # (llama.cpp's `timings`); 0 where it does not.
    generating_seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.replies + other.replies,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.seconds + other.seconds,
            self.generating_seconds + other.generating_seconds,
        )

    def __sub__(self, other: Usage) -> Usage:
        negated = (-other.replies, -other.prompt_tokens, -other.completion_tokens)
        return self + Usage(*negated, -other.seconds, -other.generating_seconds)

    @property
    def tokens_per_second(self) -> float | None:
        """Reply tokens a second of call time, the prompt's reading included; None before
        any reply was counted."""
        return self.completion_tokens / self.seconds if self.replies and self.seconds else None

    @property
    def generating_per_second(self) -> float | None:
        """Reply tokens a second of writing them, where the server said how long that took."""
        seconds = self.generating_seconds
        return self.completion_tokens / seconds if self.replies and seconds else None


class Meter:
    """A running total of Usage, added to from any thread."""

    def __init__(self) -> None:
        self._total = Usage()
        self._lock = threading.Lock()

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total += usage

    @property
    def total(self) -> Usage:
        return self._total


@runtime_checkable
class Metered(Protocol):
    """A client that counts what its replies cost (OpenAIClient does, from `usage`)."""

    meter: Meter


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
