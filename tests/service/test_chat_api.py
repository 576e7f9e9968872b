"""POST /chat: follow-ups rewritten from the history, answers whole or streamed as SSE."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from service.answering.rewrite import rule_rewrite
from service.config import Settings
from service.main import create_app
from tests.fake_llm import FakeLLM, Reply

FIRST = "Which city will Putin visit to open the China-Russia Expo?"


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def events(response_text: str) -> list[tuple[str, dict[str, object]]]:
    """Parses an SSE body into (event, data) pairs."""
    parsed = []
    for block in response_text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


@pytest.fixture
def llm_client(seeds_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[TestClient]:
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        llm="openai:fake",
        llm_base_url=fake_llm.url,
        llm_timeout=0.5,
        llm_deadline=2.0,
        llm_max_retries=0,
    )
    with TestClient(create_app(settings, index=seeds_index)) as client:
        yield client


def test_rule_rewrite_carries_the_subject_into_a_follow_up() -> None:
    history = [user("How much did China-Russia trade reach in 2024?"), user("And in 2023?")]
    assert rule_rewrite(history) == "How much did China-Russia trade reach in 2023?"
    assert rule_rewrite([user("Who is Ma Youjun?")]) == "Who is Ma Youjun?"
    standalone = [user("Who is Ma Youjun?"), user("Which pipeline was completed in December 2024?")]
    assert rule_rewrite(standalone) == standalone[-1]["content"]


def test_a_follow_up_is_answered_in_context(client: TestClient) -> None:
    first = client.post("/chat", json={"messages": [user(FIRST)]}).json()
    assert "Harbin" in first["answer"] and first["query"] == FIRST
    follow_up = client.post(
        "/chat",
        json={
            "messages": [user("What is the capital of that province?")],
            "conversation_id": first["conversation_id"],
        },
    ).json()
    assert follow_up["conversation_id"] == first["conversation_id"]
    assert "China-Russia Expo" in follow_up["query"]
    assert "Harbin" in follow_up["answer"]


def test_full_history_in_the_request_is_used_as_sent(client: TestClient) -> None:
    messages = [user(FIRST), {"role": "assistant", "content": "Harbin [1]."}, user("Why there?")]
    body = client.post("/chat", json={"messages": messages}).json()
    assert body["query"] == "Why Harbin (city Putin visit open China-Russia Expo)?"


def test_streaming_sends_typed_events_in_order(client: TestClient) -> None:
    response = client.post("/chat", json={"messages": [user(FIRST)], "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    names = [name for name, _ in stream]
    assert names[0] == "passages" and names[-1] == "done"
    assert "delta" in names and "citation" in names and "error" not in names
    passages = stream[0][1]["passages"]
    text = "".join(str(data["text"]) for name, data in stream if name == "delta")
    done = stream[-1][1]
    assert text == done["answer"] and "Harbin" in text
    citation = next(data for name, data in stream if name == "citation")
    assert citation["chunk_id"] == passages[int(citation["n"]) - 1]["chunk_id"]  # type: ignore[index]


def test_streaming_llm_deltas_arrive_as_written(llm_client: TestClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(text="Putin goes to Harbin [1]."))  # one question: no rewrite call
    response = llm_client.post("/chat", json={"messages": [user(FIRST)], "stream": True})
    stream = events(response.text)
    deltas = [data["text"] for name, data in stream if name == "delta"]
    assert len(deltas) > 2 and "".join(map(str, deltas)) == "Putin goes to Harbin [1]."
    assert (stream[-1][1]["model"], stream[-1][1]["fallback"]) == ("openai:fake", False)


def test_a_stream_that_breaks_falls_back_with_an_error_event(
    llm_client: TestClient, fake_llm: FakeLLM
) -> None:
    broken = Reply(events=['data: {"choices": [{"delta": {"content": "Put"}}]}', "data: {oops"])
    fake_llm.script(broken)
    response = llm_client.post("/chat", json={"messages": [user(FIRST)], "stream": True})
    stream = events(response.text)
    names = [name for name, _ in stream]
    assert names.index("error") < len(names) - 1 and names[-1] == "done"
    after = names.index("error")
    text = "".join(str(d["text"]) for n, d in stream[after:] if n == "delta")
    done = stream[-1][1]
    assert done["model"] == "extractive" and text == done["answer"] and "Harbin" in text
    assert done["fallback"] is True and "failed" in str(done["notice"])


def test_the_llm_rewrites_follow_ups_when_configured(
    llm_client: TestClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(text="Harbin Expo opening city"), Reply(text="Harbin [1]."))
    history = [user(FIRST), {"role": "assistant", "content": "Harbin [1]."}, user("Why?")]
    body = llm_client.post("/chat", json={"messages": history}).json()
    assert body["query"] == "Harbin Expo opening city"
    assert "Conversation" in fake_llm.requests[0].messages[-1]["content"]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "user"),
        ({"messages": [user("  ")]}, "content"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
        ({"messages": [user("hi")], "llm": "nope:x"}, "openai"),
        ({"messages": [user("hi")], "llm": "local:nope"}, "known: smollm2"),
        ({}, "messages"),
    ],
)
def test_bad_chat_input_is_a_clear_422(client: TestClient, payload: object, where: str) -> None:
    response = client.post("/chat", json=payload)
    assert response.status_code == 422 and where in response.json()["message"]
