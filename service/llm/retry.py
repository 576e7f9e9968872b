"""When to try an upstream again, and for how long a whole call may run.

Shared by providers so each one only decides *what* failed, never how long to wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from service.llm.base import LLMTimeout


def is_retryable(status: int) -> bool:
    """Rate limits and server errors pass; any other 4xx will fail the same way again."""
    return status == 429 or 500 <= status <= 599


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, overridden by the server's Retry-After, always capped."""

    base: float = 0.5
    cap: float = 8.0

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry)."""
        hinted = retry_after(headers) if headers is not None else None
        if hinted is not None:
            return min(hinted, self.cap)
        # Jitter spreads clients that failed together, so they do not return together.
        return min(self.cap, self.base * 2.0**attempt) * random.uniform(0.5, 1.0)

    def pause(self, seconds: float) -> None:
        """The wait itself (a test records it instead of timing it)."""
        time.sleep(seconds)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked for: `retry-after-ms` (OpenAI), else Retry-After secs or date."""
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    seconds = _seconds(value)
    return seconds if seconds is not None else _until(value)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _until(value: str | None) -> float | None:
    """Seconds until an HTTP date, or None when the value is not one."""
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass
class Deadline:
    """The overall budget of one call, so a trickling server cannot hold a request forever."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def allows(self, wait: float) -> bool:
        """Whether sleeping `wait` seconds still leaves time to try again."""
        return wait < self.remaining()

    def check(self) -> None:
        """Raise LLMTimeout once the budget is spent."""
        if self.remaining() <= 0:
            raise LLMTimeout(f"no complete reply within the {self.seconds:g}s deadline")

    def clamp(self, timeout: float) -> float:
        """A per-read timeout that never reaches past the deadline."""
        self.check()
        return min(timeout, self.remaining())
