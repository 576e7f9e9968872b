"""/answer and /chat with a real LLM: SmolLM2 on loopback, the session's server reached as
`openai:smollm2` (the client users point at vLLM or Ollama), and `local:smollm2` started and
stopped by the app itself. A 135M model invents freely and seldom cites: whatever it writes,
the answer that leaves is checked, or is the extractive one with `fallback: true`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from service.answering.answers import AnswerService
from service.config import Settings
from service.llm.local import LocalClient
from service.main import create_app
from tests.service.llm.test_local import alive

CITY = "Which city will Putin visit to open the China-Russia Expo?"
SPEC = "openai:smollm2"
FEW = 1  # passage: a prompt of ~300 tokens, a second or two to read


@pytest.fixture(scope="module")
def real_app(seeds_index: NewsIndex, local_llm: str) -> Iterator[TestClient]:
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        llm_base_url=local_llm,
        llm_max_tokens=48,
        llm_timeout=60,
        llm_deadline=120,
    )
    with TestClient(create_app(settings, index=seeds_index)) as client:
        yield client


def assert_checked(body: dict[str, Any], asked: str) -> None:
    """The LLM's own answer with every sentence checked, or the extractive one standing in."""
    assert body["answered"] is True
    if body["fallback"]:
        assert body["model"] == "extractive" and asked in body["notice"]
        assert body["sentences"] and all(s["supported"] for s in body["sentences"])
        return
    assert body["model"] == asked and body["notice"] is None
    count = len(body["passages"])
    assert any(1 <= n <= count for s in body["sentences"] for n in s["citations"])
    for sentence in body["sentences"]:
        assert sentence["supported"] == (not sentence["problems"])
        assert isinstance(sentence["answers_question"], bool)


def test_a_real_llm_answer_leaves_checked(real_app: TestClient) -> None:
    body = real_app.post("/answer", json={"question": CITY, "k": FEW, "llm": SPEC}).json()
    assert_checked(body, SPEC)


def test_a_real_llm_stream_ends_with_the_checked_answer(real_app: TestClient) -> None:
    request = {"messages": [{"role": "user", "content": CITY}], "k": FEW, "llm": SPEC}
    text = real_app.post("/chat", json=request | {"stream": True}).text
    events = [
        (block.split("\n")[0].removeprefix("event: "), json.loads(block.split("data: ", 1)[1]))
        for block in text.replace("\r\n", "\n").split("\n\n")
        if block.startswith("event: ")
    ]
    names = [name for name, _ in events]
    assert names[0] == "passages" and names[-1] == "done"
    done = events[-1][1]
    assert_checked(done, SPEC)
    assert names.count("error") == int(done["fallback"])
    restart = names.index("error") if done["fallback"] else 0
    written = "".join(data["text"] for name, data in events[restart:] if name == "delta")
    assert done["answer"].endswith(written) and "times" in done["sentences"][0]


def test_no_real_llm_is_asked_when_the_articles_do_not_say(real_app: TestClient) -> None:
    answers: AnswerService = real_app.app.state.answers  # type: ignore[attr-defined]
    before = answers.usage(SPEC)
    body = real_app.post(
        "/answer", json={"question": "Who won the 2022 World Cup?", "llm": SPEC}
    ).json()
    assert body["answered"] is False and not body["fallback"]
    assert answers.usage(SPEC) == before


def test_the_app_starts_its_local_model_and_stops_it(
    seeds_index: NewsIndex, local_llm: str
) -> None:
    """NEWSRAG_LLM=local:smollm2: loaded before the app is ready, gone when it stops."""
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        llm="local:smollm2",
        llm_max_tokens=24,
        llm_timeout=60,
        llm_deadline=120,
        llm_local_context=2048,
    )
    with TestClient(create_app(settings, index=seeds_index)) as client:
        answers: AnswerService = client.app.state.answers  # type: ignore[attr-defined]
        with answers.clients.lease("local:smollm2") as llm:
            assert isinstance(llm, LocalClient)
            pid = llm.pid
        assert pid is not None and alive(pid)  # before any question
        body = client.post("/answer", json={"question": CITY, "k": 1}).json()
        assert_checked(body, "local:smollm2")
    assert not alive(pid)
