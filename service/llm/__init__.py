"""LLM clients, chosen by a "provider:model" spec such as "openai:llama3.1:8b".

A new provider is one file and one line in PROVIDERS: a module with a class that satisfies
ChatClient and a factory `(model, settings) -> ChatClient`, registered below by name.
"openai" names the protocol, not the company: its client speaks to any OpenAI-compatible
server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio) at NEWSRAG_LLM_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Callable

from service.config import Settings
from service.llm import openai
from service.llm.base import (
    ChatClient,
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMTimeout,
    LLMUpstreamError,
    Message,
)

PROVIDERS: dict[str, Callable[[str, Settings], ChatClient]] = {
    "openai": openai.from_settings,
}


def get_client(spec: str, settings: Settings) -> ChatClient:
    """The client for "provider:model"; the model may hold colons itself ("llama3.1:8b")."""
    provider, _, model = spec.partition(":")
    known = ", ".join(sorted(PROVIDERS))
    if provider not in PROVIDERS:
        raise ValueError(
            f"unknown LLM {spec!r}: expected provider:model (e.g. openai:gpt-4o-mini) "
            f"with a known provider ({known})"
        )
    if not model.strip():
        raise ValueError(f"LLM {spec!r} names no model: expected {provider}:MODEL")
    return PROVIDERS[provider](model, settings)


__all__ = [
    "PROVIDERS",
    "ChatClient",
    "LLMConnectionError",
    "LLMError",
    "LLMProtocolError",
    "LLMTimeout",
    "LLMUpstreamError",
    "Message",
    "get_client",
]
