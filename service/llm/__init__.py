"""LLM clients, chosen by a "provider:model" spec such as "openai:llama3.1:8b", or none at all
for "extractive" (answers composed from the passages themselves).

A new provider is one file and one line in PROVIDERS: a module with a class that satisfies
ChatClient and a factory `(model, settings) -> ChatClient`, registered below by name.
"openai" names the protocol, not the company: its client speaks to any OpenAI-compatible
server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio) at NEWSRAG_LLM_BASE_URL. "local" serves a
model packaged on PyPI on this machine (llama.cpp on loopback) and speaks to it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from service.config import Settings
from service.llm import local, openai
from service.llm.base import (
    ChatClient,
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMTimeout,
    LLMUpstreamError,
    Message,
)

EXTRACTIVE = "extractive"  # no language model: a spec like any other, resolved here alone
PROVIDERS: dict[str, Callable[[str, Settings], ChatClient]] = {
    "openai": openai.from_settings,
    "local": local.from_settings,
}
# The specs the HTTP API accepts: model names as servers spell them (gpt-4o-mini, llama3.1:8b,
# Qwen/Qwen2.5-7B-Instruct).
SPEC_PATTERN = rf"^({EXTRACTIVE}|({'|'.join(PROVIDERS)}):[A-Za-z0-9_.:/@+-]+)$"


def resolve(spec: str) -> Callable[[Settings], ChatClient] | None:
    """What `spec` names: None for "extractive", else the factory of its client (the model may
    hold colons itself, "llama3.1:8b"); ValueError for anything else, before any client is
    made, so a request naming an unknown LLM is refused before any work."""
    if spec == EXTRACTIVE:
        return None
    provider, _, model = spec.partition(":")
    known = ", ".join(sorted(PROVIDERS))
    if provider not in PROVIDERS:
        raise ValueError(
            f"unknown LLM {spec!r}: expected {EXTRACTIVE!r} or provider:model "
            f"(e.g. openai:gpt-4o-mini) with a known provider ({known})"
        )
    if not model.strip():
        raise ValueError(f"LLM {spec!r} names no model: expected {provider}:MODEL")
    return partial(PROVIDERS[provider], model)


def get_client(spec: str, settings: Settings) -> ChatClient | None:
    """The client for "provider:model"; None for "extractive", which needs none."""
    make = resolve(spec)
    return None if make is None else make(settings)


__all__ = [
    "EXTRACTIVE",
    "PROVIDERS",
    "SPEC_PATTERN",
    "ChatClient",
    "LLMConnectionError",
    "LLMError",
    "LLMProtocolError",
    "LLMTimeout",
    "LLMUpstreamError",
    "Message",
    "get_client",
    "resolve",
]
