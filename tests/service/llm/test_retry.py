"""How long to wait before trying again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from service.llm.base import LLMTimeout
from service.llm.retry import Backoff, Deadline, is_retryable, retry_after


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, True), (500, True), (503, True), (400, False), (401, False), (404, False)],
)
def test_only_rate_limits_and_server_errors_are_retried(status: int, expected: bool) -> None:
    assert is_retryable(status) is expected


def test_retry_after_reads_seconds_dates_and_openais_milliseconds() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "2"}) == 0.25
    assert 25 < (retry_after({"retry-after": soon}) or 0) <= 30
    assert retry_after({"retry-after": "-3"}) == 0.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=3.0)
    assert 0.5 <= backoff.delay(0) <= 1.0
    assert 1.0 <= backoff.delay(1) <= 2.0
    assert 1.5 <= backoff.delay(5) <= 3.0
    assert backoff.delay(0, {"retry-after": "60"}) == 3.0


def test_a_spent_deadline_raises_timeout() -> None:
    assert Deadline(0.05).clamp(10.0) <= 0.05
    deadline = Deadline(0.05, start=time.monotonic() - 0.06)  # begun 60 ms ago: spent
    assert not deadline.allows(0.0)
    with pytest.raises(LLMTimeout, match="0.05s deadline"):
        deadline.check()
