"""Choosing a client from the NEWSRAG_LLM spec."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from service.config import Settings
from service.llm import EXTRACTIVE, SPEC_PATTERN, ChatClient, get_client, providers, resolve
from service.llm.openai import OpenAIClient
from tests.fake_llm import FakeLLM


@pytest.fixture
def settings(fake_llm: FakeLLM) -> Settings:
    return Settings(llm_base_url=fake_llm.url, llm_api_key=SecretStr("sk-test"), seed_dir=None)


@pytest.fixture
def ollama_client(settings: Settings) -> Iterator[ChatClient]:
    client = get_client("openai:llama3.1:8b", settings)
    assert client is not None
    yield client
    client.close()


def test_a_spec_resolves_to_a_configured_client(
    ollama_client: ChatClient, fake_llm: FakeLLM
) -> None:
    assert isinstance(ollama_client, OpenAIClient)
    assert ollama_client.model == "openai:llama3.1:8b"
    ollama_client.complete([{"role": "user", "content": "hi"}])
    [request] = fake_llm.requests
    assert request.payload["model"] == "llama3.1:8b"  # Ollama tags keep their colon
    assert request.headers["authorization"] == "Bearer sk-test"


def test_extractive_is_a_spec_that_needs_no_client(settings: Settings) -> None:
    assert resolve(EXTRACTIVE) is None and get_client(EXTRACTIVE, settings) is None
    assert re.fullmatch(SPEC_PATTERN, EXTRACTIVE) and re.fullmatch(SPEC_PATTERN, "openai:m")


@pytest.mark.parametrize(
    "spec", ["Extractive", "extractive:x", "anthropic:claude-3", "OpenAI:gpt-4o", "", "gpt-4o"]
)
def test_an_unknown_provider_lists_the_known_ones(settings: Settings, spec: str) -> None:
    known = r"'extractive' or .* known provider \(local, openai\)"
    with pytest.raises(ValueError, match=known) as caught:
        get_client(spec, settings)
    assert repr(spec) in str(caught.value)


@pytest.mark.parametrize("spec", ["openai:", "openai: "])
def test_a_spec_without_a_model_is_refused(settings: Settings, spec: str) -> None:
    with pytest.raises(ValueError, match="names no model"):
        get_client(spec, settings)


def test_every_provider_is_a_factory_of_chat_clients(settings: Settings) -> None:
    """Made, not started: a local model's server starts on first use (or at serve start-up)."""
    models = {"openai": "some-model", "local": "smollm2"}
    assert set(models) <= set(providers())  # the built-ins (plugins may add more)
    for name, model in models.items():
        make = resolve(f"{name}:{model}")
        assert make is not None
        client = make(settings)
        assert client.model == f"{name}:{model}"
        client.close()
