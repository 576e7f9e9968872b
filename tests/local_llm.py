"""The real local model, SmolLM2-135M served by llama.cpp on loopback, shared by the session.

It is what `NEWSRAG_LLM=local:smollm2` runs (service/llm/local.py), started once: tests talk to
it through OpenAIClient, as users talk to vLLM or Ollama, or through `openai:smollm2` with
NEWSRAG_LLM_BASE_URL set to `local_llm`. A 135M model writes what it likes, so tests assert on
the protocol, the structure and the checks, never on its words; replies stay short (max_tokens)
and prompts small, so that each takes a second or two on a busy machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from service.llm.local import LocalServer, model_file

MODEL = "smollm2"
CONTEXT = 4096  # tokens, all slots: the seeds' five passages take about 900


@pytest.fixture(scope="session")
def local_llm() -> Iterator[str]:
    """The base URL (…/v1) of the session's SmolLM2 server, stopped when the session ends.
    Without the llm extra the tests that need it are skipped, except in CI, where they fail."""
    try:
        gguf = model_file(MODEL)
        import xllamacpp  # noqa: F401
    except (ValueError, ImportError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the local model is missing ({exc}); make test installs it")
        pytest.skip(f"the local model is not installed: {exc}")
    server = LocalServer(gguf, context=CONTEXT)
    base_url = server.start()
    try:
        yield f"{base_url}/v1"
    finally:
        server.stop()
