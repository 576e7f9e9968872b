"""The client pool: reused per spec, bounded, and never closing a client a request still uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.llm.base import Message
from service.llm.pool import ClientPool


class Client:
    """A stand-in ChatClient that only records being closed."""

    def __init__(self, spec: str) -> None:
        self.model = spec
        self.closed = 0

    def complete(self, messages: list[Message]) -> str:
        assert not self.closed, f"{self.model} used after close"
        return "ok"

    def stream(self, messages: list[Message]) -> Iterator[str]:
        yield self.complete(messages)

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def made() -> dict[str, Client]:
    return {}


@pytest.fixture
def pool(made: dict[str, Client]) -> ClientPool:
    def make(spec: str) -> Client | None:
        if spec == "extractive":
            return None
        made[spec] = Client(spec)
        return made[spec]

    return ClientPool(make, size=2)


def test_a_spec_reuses_its_client(pool: ClientPool, made: dict[str, Client]) -> None:
    with pool.lease("openai:a") as first:
        pass
    with pool.lease("openai:a") as again:
        pass
    assert first is again and list(made) == ["openai:a"] and made["openai:a"].closed == 0


def test_extractive_leases_no_client(pool: ClientPool, made: dict[str, Client]) -> None:
    with pool.lease("extractive") as client:
        assert client is None
    assert made == {}


def test_the_least_recently_used_idle_client_is_closed(
    pool: ClientPool, made: dict[str, Client]
) -> None:
    for spec in ("openai:a", "openai:b", "openai:a", "openai:c"):
        with pool.lease(spec):
            pass
    assert {spec: c.closed for spec, c in made.items()} == {
        "openai:a": 0,
        "openai:b": 1,
        "openai:c": 0,
    }


def test_a_client_in_use_is_closed_only_when_its_last_user_is_done(
    pool: ClientPool, made: dict[str, Client]
) -> None:
    with pool.lease("openai:a") as streaming, pool.lease("openai:a"):
        for spec in ("openai:b", "openai:c", "openai:d"):  # "a" leaves the pool meanwhile
            with pool.lease(spec):
                pass
        assert streaming is not None and streaming.complete([]) == "ok"
        assert made["openai:a"].closed == 0
    assert made["openai:a"].closed == 1
    with pool.lease("openai:a") as fresh:
        assert fresh is not streaming and fresh is not None and made["openai:a"].closed == 0


def test_closing_the_pool_waits_for_clients_in_use(
    pool: ClientPool, made: dict[str, Client]
) -> None:
    with pool.lease("openai:a"):
        pass
    with pool.lease("openai:b") as busy:
        pool.close()
        assert made["openai:a"].closed == 1 and busy is not None and made["openai:b"].closed == 0
    assert made["openai:b"].closed == 1
