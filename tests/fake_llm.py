"""A real chat-completions server on loopback, scripted per test: the one LLM we can run here.

    fake_llm.script(Reply(status=503), Reply(text="Paris."))  # first call fails, the retry works
    client = OpenAIClient("m", fake_llm.url, timeout=0.5)
    assert client.complete(messages) == "Paris." and len(fake_llm.requests) == 2

Replies are served in script order, then `default` for every request after. Each request is
recorded (headers, JSON payload, arrival time). Streams use chunked transfer encoding as
uvicorn-based servers do; waits are interruptible, so stopping never waits out a delay.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.loopback import LoopbackServer, Served

Messages = list[dict[str, str]]
PATH = "/v1/chat/completions"


@dataclass
class Reply:
    """What the server does for one request; fields left alone give a well-behaved reply."""

    text: str | Callable[[Messages], str] = "Paris is the capital of France."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # exact body instead of the JSON made from text (or the error)
    events: list[str] | None = None  # exact SSE lines instead of chunks made from text
    delay: float = 0.0  # seconds before the status line: a slow first byte
    trickle: float = 0.0  # seconds before each streamed line after the first
    done: bool = True  # end a made stream with `data: [DONE]`
    finish: bool = True  # send the finish_reason chunk in a made stream
    ping: bool = False  # a `: ping` keep-alive comment before every made chunk
    crlf: bool = False  # CRLF line endings in the stream
    cut: bool = False  # drop the connection mid-stream, without ending the chunked body

    def reply_text(self, messages: Messages) -> str:
        return self.text(messages) if callable(self.text) else self.text


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]  # names lower-cased
    payload: dict[str, Any]
    at: float  # time.monotonic() on arrival

    @property
    def messages(self) -> Messages:
        messages: Messages = self.payload.get("messages", [])
        return messages


def data(chunk: object) -> str:
    """One SSE `data:` line holding `chunk` as JSON."""
    return f"data: {json.dumps(chunk)}"


def delta_chunk(
    content: str | None = None, *, role: str | None = None, finish: bool = False
) -> str:
    """A chat.completion.chunk line as OpenAI sends it."""
    delta = {k: v for k, v in {"role": role, "content": content}.items() if v is not None}
    choice = {"index": 0, "delta": delta, "finish_reason": "stop" if finish else None}
    return data({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": [choice]})


def stream_events(reply: Reply, text: str) -> list[str]:
    """The SSE lines of a streamed reply: a role-only chunk, one chunk per word, finish, [DONE]."""
    words = text.split(" ")
    chunks = [delta_chunk(role="assistant", content="")]
    chunks += [delta_chunk(word if i == 0 else f" {word}") for i, word in enumerate(words)]
    chunks += [delta_chunk(finish=True)] if reply.finish else []
    if reply.ping:
        chunks = [line for chunk in chunks for line in (": ping", chunk)]
    return chunks + (["data: [DONE]"] if reply.done else [])


def completion(model: str, text: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return {"id": "chatcmpl-fake", "object": "chat.completion", "model": model, "choices": [choice]}


class FakeLLM(LoopbackServer):
    """The server; use as a context manager or through the `fake_llm` fixture."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.default = Reply()
        self.requests: list[Received] = []
        self._script: list[Reply] = []

    @property
    def url(self) -> str:
        """The base URL a client is given, like Ollama's http://127.0.0.1:11434/v1."""
        return f"{self.base_url}/v1"

    def script(self, *replies: Reply) -> None:
        """Serve these replies, in order, to the next requests; then `default` again."""
        with self._lock:
            self._script.extend(replies)

    def receive(self, received: Received) -> Reply:
        """Record a request and choose its reply; a wrong path gets 404 and uses up no script."""
        with self._lock:
            self.requests.append(received)
            if received.path != PATH:
                return Reply(status=404, body=b'{"error": {"message": "no such route"}}')
            return self._script.pop(0) if self._script else self.default


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as real servers do
    server: Served
    timeout = 10  # idle keep-alive connections end on their own

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: pytest shows failures, not access logs."""

    def do_POST(self) -> None:
        fake = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        payload = json.loads(body or b"{}")
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = fake.receive(Received(self.path, headers, payload, time.monotonic()))
        if fake.stopping.wait(reply.delay):
            return
        try:
            self._respond(reply, payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout, deadline): fine

    def _respond(self, reply: Reply, payload: dict[str, Any]) -> None:
        if reply.status == 200 and payload.get("stream") and reply.body is None:
            text = reply.reply_text(payload.get("messages", []))
            self._stream(reply, reply.events or stream_events(reply, text))
        else:
            self._send_json(reply, payload)

    def _send_json(self, reply: Reply, payload: dict[str, Any]) -> None:
        body = reply.body
        if body is None:
            error = {"error": {"message": f"scripted {reply.status}", "code": reply.status}}
            text = reply.reply_text(payload.get("messages", []))
            made = completion(payload.get("model", ""), text) if reply.status < 400 else error
            body = json.dumps(made).encode()
        self.send_response(reply.status)
        self._headers(reply, "application/json", {"Content-Length": str(len(body))})
        self.wfile.write(body)

    def _stream(self, reply: Reply, events: list[str]) -> None:
        self.close_connection = True
        self.send_response(200)
        self._headers(reply, "text/event-stream", {"Transfer-Encoding": "chunked"})
        eol = "\r\n" if reply.crlf else "\n"
        for n, event in enumerate(events):
            if n and self.server.owner.stopping.wait(reply.trickle):
                return
            # surrogateescape lets a test send raw bytes: "\udcff" goes out as 0xff.
            self._chunk(f"{event}{eol}{eol}".encode("utf-8", "surrogateescape"))
        if not reply.cut:
            self._chunk(b"")

    def _headers(self, reply: Reply, content_type: str, extra: dict[str, str]) -> None:
        for name, value in {"Content-Type": content_type, **extra, **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A fresh scripted chat-completions server for one test."""
    with FakeLLM() as server:
        yield server
