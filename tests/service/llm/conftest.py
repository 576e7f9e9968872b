"""OpenAIClients pointed at the fake server, with timeouts sized for tests, not for the world."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.llm.openai import OpenAIClient
from service.llm.retry import Backoff
from tests.fake_llm import FakeLLM

MakeClient = Callable[..., OpenAIClient]


@dataclass(frozen=True)
class Recorded(Backoff):
    """A backoff that says how long the client waited before each retry (and waits that long):
    what a test asserts, rather than wall-clock windows a busy machine stretches."""

    waits: list[float] = field(default_factory=list)

    def pause(self, seconds: float) -> None:
        self.waits.append(seconds)
        super().pause(seconds)


@pytest.fixture
def make_client(fake_llm: FakeLLM) -> Iterator[MakeClient]:
    """Build clients with fast defaults (0.5 s timeout, 10 ms backoff); all closed afterwards."""
    clients: list[OpenAIClient] = []

    def make(base_url: str | None = None, **options: Any) -> OpenAIClient:
        fast: dict[str, Any] = {
            "timeout": 0.5,
            "deadline": 3.0,
            "backoff": Recorded(base=0.01, cap=0.3),
        }
        client = OpenAIClient("test-model", base_url or fake_llm.url, **(fast | options))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def llm(make_client: MakeClient) -> OpenAIClient:
    return make_client()
