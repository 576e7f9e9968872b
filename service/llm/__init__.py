"""LLM clients, chosen by a "provider:model" spec such as "openai:llama3.1:8b", or none at all
for "extractive" (answers composed from the passages themselves).

A provider is a factory `(model, settings) -> ChatClient` registered under its name as a
`newsrag.llm` entry point (index/plugins.py): the built-ins in newsrag's pyproject.toml, others
by any installed package, with no edit here (docs/plugins.md).
"openai" names the protocol, not the company: its client speaks to any OpenAI-compatible
server (OpenAI, vLLM, llama.cpp, Ollama, LM Studio) at NEWSRAG_LLM_BASE_URL. "local" serves a
model packaged on PyPI on this machine (llama.cpp on loopback) and speaks to it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from index import plugins
from service.config import Settings
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
GROUP = "newsrag.llm"
Provider = Callable[[str, Settings], ChatClient]
# The specs the HTTP API accepts: a provider's name, then a model as servers spell them
# (gpt-4o-mini, llama3.1:8b, Qwen/Qwen2.5-7B-Instruct); `resolve` says whether it is known.
SPEC_PATTERN = rf"^({EXTRACTIVE}|[a-z][a-z0-9_-]*:[A-Za-z0-9_.:/@+-]+)$"


def providers() -> list[str]:
    """The providers installed: the built-ins and any plugin's."""
    return plugins.names(GROUP)


def resolve(spec: str) -> Callable[[Settings], ChatClient] | None:
    """What `spec` names: None for "extractive", else the factory of its client (the model may
    hold colons itself, "llama3.1:8b"); ValueError for anything else, before any client is
    made, so a request naming an unknown LLM is refused before any work."""
    if spec == EXTRACTIVE:
        return None
    provider, _, model = spec.partition(":")
    if provider not in providers():
        raise ValueError(
            f"unknown LLM {spec!r}: expected {EXTRACTIVE!r} or provider:model "
            f"(e.g. openai:gpt-4o-mini) with a known provider ({', '.join(providers())})"
        )
    if not model.strip():
        raise ValueError(f"LLM {spec!r} names no model: expected {provider}:MODEL")
    factory: Provider = plugins.load(GROUP, provider)
    return partial(factory, model)


def get_client(spec: str, settings: Settings) -> ChatClient | None:
    """The client for "provider:model"; None for "extractive", which needs none."""
    make = resolve(spec)
    return None if make is None else make(settings)


__all__ = [
    "EXTRACTIVE",
    "providers",
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
