"""OpenAIClient against a real loopback server: the protocol, its variants, every failure."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.llm import (
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMTimeout,
    LLMUpstreamError,
)
from service.llm.openai import OpenAIClient
from tests.fake_llm import FakeLLM, Reply, completion, data, delta_chunk
from tests.service.llm.conftest import MakeClient, Recorded

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
ANSWER = "Paris is the capital of France."


def waits(llm: OpenAIClient) -> list[float]:
    """The seconds the client waited before each retry (see conftest's Recorded)."""
    backoff = llm._backoff
    assert isinstance(backoff, Recorded)
    return backoff.waits


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# The protocol


def test_complete_returns_the_reply_and_speaks_the_protocol(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    assert llm.complete(QUESTION) == ANSWER
    [request] = fake_llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.payload == {
        "model": "test-model",
        "messages": QUESTION,
        "stream": False,
        "temperature": 0.0,
        "max_tokens": 512,
    }
    assert request.headers["accept"] == "application/json"
    assert "authorization" not in request.headers
    assert llm.model == "openai:test-model"


def test_an_api_key_is_sent_as_a_bearer_token(make_client: MakeClient, fake_llm: FakeLLM) -> None:
    make_client(api_key="sk-test").complete(QUESTION)
    assert fake_llm.requests[0].headers["authorization"] == "Bearer sk-test"


def test_unset_options_are_left_to_the_server(make_client: MakeClient, fake_llm: FakeLLM) -> None:
    make_client(temperature=None, max_tokens=None).complete(QUESTION)
    assert "temperature" not in fake_llm.requests[0].payload
    assert "max_tokens" not in fake_llm.requests[0].payload


def test_the_reply_can_depend_on_the_messages(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(text=lambda messages: messages[-1]["content"].upper())
    assert llm.complete(QUESTION) == "WHAT IS THE CAPITAL OF FRANCE?"


def test_stream_yields_deltas_after_a_role_only_first_chunk(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    deltas = list(llm.stream(QUESTION))
    assert deltas == ["Paris", " is", " the", " capital", " of", " France."]
    assert fake_llm.requests[0].payload["stream"] is True
    assert fake_llm.requests[0].headers["accept"] == "text/event-stream"


def test_stream_tolerates_pings_and_crlf(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(ping=True, crlf=True)
    assert "".join(llm.stream(QUESTION)) == ANSWER


def test_stream_skips_what_carries_no_text(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    no_text = [
        "data:",  # empty data line
        "event: message",  # a field we do not use
        data({"choices": [{"index": 0, "delta": {}}]}),  # no content at all
        data({"choices": [{"index": 0, "delta": {"content": None}}]}),
        data({"choices": [{"index": 0}]}),  # no delta
        data({"choices": [], "usage": {"total_tokens": 3}}),  # include_usage's last chunk
    ]
    events = [delta_chunk("Hi"), *no_text, delta_chunk("!"), delta_chunk(finish=True)]
    fake_llm.default = Reply(events=[*events, "data: [DONE]"])
    assert list(llm.stream(QUESTION)) == ["Hi", "!"]


def test_stream_that_finished_without_done_is_complete(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    """Older llama.cpp servers end after the finish_reason chunk, with no [DONE]."""
    fake_llm.default = Reply(done=False)
    assert "".join(llm.stream(QUESTION)) == ANSWER


def test_stream_answered_with_json_yields_the_whole_reply(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    """A server or proxy that ignores stream: true still gives an answer."""
    fake_llm.default = Reply(body=json.dumps(completion("m", ANSWER)).encode())
    assert list(llm.stream(QUESTION)) == [ANSWER]


def test_one_client_serves_threads_at_once(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(text=lambda messages: messages[-1]["content"], trickle=0.01)
    questions = [[{"role": "user", "content": f"question {n}"}] for n in range(8)]
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda q: "".join(llm.stream(q)), questions))
    assert replies == [f"question {n}" for n in range(8)]


def test_the_usage_a_server_reports_is_counted(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    """Whole replies and streams (OpenAI's include_usage chunk); a reply without usage is not
    counted, so that tokens a second are never made up of unknown tokens."""
    usage = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    reply = json.dumps(completion("m", ANSWER) | {"usage": usage}).encode()
    last = data({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
    fake_llm.script(
        Reply(body=reply),
        Reply(events=[delta_chunk("Hi"), delta_chunk(finish=True), last, "data: [DONE]"]),
        Reply(),
    )
    assert llm.complete(QUESTION) == ANSWER and list(llm.stream(QUESTION)) == ["Hi"]
    assert llm.complete(QUESTION) == ANSWER
    total = llm.meter.total
    assert (total.replies, total.prompt_tokens, total.completion_tokens) == (2, 15, 9)
    assert total.seconds > 0 and total.tokens_per_second == 9 / total.seconds


# Retries


def test_503s_are_retried_until_one_succeeds(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(status=503), Reply(status=503))
    assert llm.complete(QUESTION) == ANSWER
    assert len(fake_llm.requests) == 3


def test_a_stream_is_retried_before_its_first_delta(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(status=502))
    assert "".join(llm.stream(QUESTION)) == ANSWER
    assert len(fake_llm.requests) == 2


def test_retry_after_is_honoured_up_to_the_cap(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    """Retry-After: 1 against a 0.3 s cap: waits the cap, far longer than the 10 ms backoff."""
    fake_llm.script(Reply(status=429, headers={"Retry-After": "1"}))
    assert llm.complete(QUESTION) == ANSWER
    assert len(fake_llm.requests) == 2
    assert waits(llm) == [0.3]


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    make_client: MakeClient, fake_llm: FakeLLM
) -> None:
    llm = make_client(deadline=0.5, backoff=Recorded())  # the real cap, 8 s: Retry-After rules
    fake_llm.script(Reply(status=429, headers={"Retry-After": "5"}))
    with pytest.raises(LLMUpstreamError) as caught:
        llm.complete(QUESTION)
    assert caught.value.status == 429
    assert waits(llm) == []  # no wait at all: five seconds would not fit the deadline
    assert len(fake_llm.requests) == 1


def test_gives_up_after_max_retries_with_the_status(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(status=503)
    with pytest.raises(LLMUpstreamError) as caught:
        llm.complete(QUESTION)
    assert caught.value.status == 503
    assert "503" in str(caught.value) and "scripted 503" in str(caught.value)
    assert len(fake_llm.requests) == 3  # the first try and max_retries=2


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(llm: OpenAIClient, fake_llm: FakeLLM, status: int) -> None:
    fake_llm.default = Reply(status=status)
    with pytest.raises(LLMUpstreamError) as caught:
        list(llm.stream(QUESTION))
    assert caught.value.status == status
    assert len(fake_llm.requests) == 1


def test_upstream_errors_carry_the_servers_explanation(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    body = b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}'
    fake_llm.default = Reply(status=401, body=body)
    with pytest.raises(LLMUpstreamError, match="Incorrect API key provided"):
        llm.complete(QUESTION)


def test_a_closed_port_is_an_llm_error_after_quick_retries(make_client: MakeClient) -> None:
    llm = make_client(base_url=f"http://127.0.0.1:{closed_port()}/v1")
    with pytest.raises(LLMConnectionError) as caught:
        llm.complete(QUESTION)
    assert isinstance(caught.value, LLMError)
    assert len(waits(llm)) == 2 and max(waits(llm)) <= 0.02  # max_retries, the quick backoff


# Time


def test_a_slow_first_byte_is_a_timeout(make_client: MakeClient, fake_llm: FakeLLM) -> None:
    llm = make_client(timeout=0.2)
    fake_llm.default = Reply(delay=5)  # were the timeout not kept, the reply would come
    with pytest.raises(LLMTimeout):
        llm.complete(QUESTION)
    assert len(fake_llm.requests) == 1 and waits(llm) == []  # too slow once: too slow again


def test_a_trickling_stream_is_stopped_by_the_deadline(
    make_client: MakeClient, fake_llm: FakeLLM
) -> None:
    llm = make_client(timeout=0.3, deadline=0.5)
    fake_llm.default = Reply(events=[delta_chunk("word ")] * 200, trickle=0.02)
    received: list[str] = []
    with pytest.raises(LLMTimeout, match="0.5s deadline"):
        received.extend(llm.stream(QUESTION))
    assert 0 < len(received) < 200  # it streamed, then the deadline (not the end) stopped it


# Garbage


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"id": "chatcmpl-1"}',
        b'{"choices": []}',
        b'{"choices": [{"message": {"role": "assistant"}}]}',
        b'{"choices": ["Paris"]}',
        b"[1, 2]",
        b"",
    ],
    ids=["not-json", "no-choices", "empty-choices", "no-content", "bad-choice", "array", "empty"],
)
def test_a_malformed_reply_is_a_protocol_error(
    llm: OpenAIClient, fake_llm: FakeLLM, body: bytes
) -> None:
    fake_llm.default = Reply(body=body)
    with pytest.raises(LLMProtocolError):
        llm.complete(QUESTION)


def test_an_error_object_instead_of_a_reply_says_what_went_wrong(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    fake_llm.default = Reply(body=b'{"error": {"message": "model not loaded"}}')
    with pytest.raises(LLMProtocolError, match="model not loaded"):
        llm.complete(QUESTION)


@pytest.mark.parametrize(
    "bad",
    [
        "data: {not json",
        data({"id": "no choices"}),
        data({"error": {"message": "out of memory"}}),
        data({"choices": [{"delta": {"content": 42}}]}),
        data([1, 2]),
    ],
    ids=["not-json", "no-choices", "error-object", "content-not-text", "array"],
)
def test_a_malformed_chunk_fails_after_the_deltas_before_it(
    llm: OpenAIClient, fake_llm: FakeLLM, bad: str
) -> None:
    fake_llm.default = Reply(events=[delta_chunk("Paris"), bad, delta_chunk(" is")])
    received: list[str] = []
    with pytest.raises(LLMProtocolError):
        received.extend(llm.stream(QUESTION))
    assert received == ["Paris"]


def test_a_stream_that_just_stops_is_truncated(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(done=False, finish=False)
    received: list[str] = []
    with pytest.raises(LLMProtocolError, match=r"\[DONE\]"):
        received.extend(llm.stream(QUESTION))
    assert "".join(received) == ANSWER


def test_a_dropped_connection_mid_stream_is_a_protocol_error(
    llm: OpenAIClient, fake_llm: FakeLLM
) -> None:
    fake_llm.default = Reply(events=[delta_chunk("Paris")], cut=True)
    received: list[str] = []
    with pytest.raises(LLMProtocolError):
        received.extend(llm.stream(QUESTION))
    assert received == ["Paris"]


def test_invalid_utf8_in_a_stream_is_a_protocol_error(llm: OpenAIClient, fake_llm: FakeLLM) -> None:
    fake_llm.default = Reply(events=["data: \udcff"])
    with pytest.raises(LLMProtocolError):
        list(llm.stream(QUESTION))


@pytest.mark.parametrize("url", ["ftp://example.com/v1", "localhost:11434", "http://"])
def test_a_base_url_that_cannot_work_fails_at_construction(url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        OpenAIClient("m", url)
