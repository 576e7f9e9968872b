"""OpenAIClient against a real server: llama.cpp serving SmolLM2 on loopback, as
`NEWSRAG_LLM=local:smollm2` runs it. The protocol as a real server speaks it; faults that a
real server will not make on demand are injected with the fake (test_openai_client.py)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.llm import LLMUpstreamError
from service.llm.openai import OpenAIClient

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
COLOUR = [{"role": "user", "content": "Name a colour."}]
MAX_TOKENS = 16


@pytest.fixture
def real(local_llm: str) -> Iterator[OpenAIClient]:
    """A client of the session's server; timeouts for a busy two-core machine, not a test."""
    client = OpenAIClient("smollm2", local_llm, timeout=60, deadline=120, max_tokens=MAX_TOKENS)
    yield client
    client.close()


def test_a_real_server_replies_and_says_what_the_reply_cost(real: OpenAIClient) -> None:
    assert real.complete(QUESTION).strip()
    usage = real.meter.total
    assert usage.replies == 1 and usage.prompt_tokens > 5
    assert 0 < usage.completion_tokens <= MAX_TOKENS  # max_tokens reached the server
    assert usage.tokens_per_second is not None and usage.tokens_per_second > 0
    assert 0 < usage.generating_seconds < usage.seconds  # llama.cpp says how long it wrote


def test_a_real_server_streams_its_reply_in_deltas(real: OpenAIClient) -> None:
    deltas = list(real.stream(QUESTION))
    assert len(deltas) > 1 and "".join(deltas).strip()


def test_one_client_streams_from_a_real_server_on_two_threads(real: OpenAIClient) -> None:
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda q: "".join(real.stream(q)), [QUESTION, COLOUR]))
    assert all(reply.strip() for reply in replies)


def test_a_prompt_beyond_the_context_is_the_servers_own_4xx(real: OpenAIClient) -> None:
    """Refused before any token is computed, with the server's reason, and not retried."""
    with pytest.raises(LLMUpstreamError, match="context") as caught:
        real.complete([{"role": "user", "content": "word " * 6000}])
    assert caught.value.status == 400
