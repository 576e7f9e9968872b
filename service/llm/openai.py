"""OpenAI chat completions over httpx: one client for OpenAI, vLLM, llama.cpp, Ollama, LM Studio.

Lenient where those servers differ (role-only or content-less chunks, keep-alive comments,
CRLF, usage chunks with no choices, no [DONE] after a finish_reason as older llama.cpp
servers do), strict where a guess would show users garbage: a payload that is not the
protocol is an LLMProtocolError, and a stream that just stops is a truncated reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Any

import httpx

from index.excerpt import excerpt
from service.config import Settings
from service.llm.base import (
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMTimeout,
    LLMUpstreamError,
    Message,
    Meter,
    Usage,
)
from service.llm.retry import Backoff, Deadline, is_retryable
from service.llm.sse import iter_data, iter_lines

log = logging.getLogger(__name__)

MAX_BODY = 8 << 20  # bytes; far beyond any reply of max_tokens, short of exhausting memory
# Failures before any reply byte, where trying again is safe and often works.
_TRANSIENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class _Retry(Exception):
    """One attempt failed in a way worth another; carries the error to raise if none is left."""

    def __init__(self, error: LLMError, headers: httpx.Headers | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


class OpenAIClient:
    """A ChatClient for any server that answers POST {base_url}/chat/completions."""

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        deadline: float = 120.0,
        max_retries: int = 2,
        temperature: float | None = 0.0,
        max_tokens: int | None = 512,
        backoff: Backoff | None = None,
        meter: Meter | None = None,
    ) -> None:
        self.model = f"openai:{model}"
        self.meter = meter or Meter()  # what replies cost, from the `usage` servers report
        self._name = model
        self._url = endpoint(base_url)
        self._timeout = timeout
        self._deadline = deadline
        self._max_retries = max_retries
        self._backoff = backoff or Backoff()
        options = {"temperature": temperature, "max_tokens": max_tokens}
        self._options = {name: value for name, value in options.items() if value is not None}
        self._http = httpx.Client(headers=_headers(api_key), timeout=timeout)

    def complete(self, messages: list[Message]) -> str:
        """The whole reply; retried on 429, 5xx and connection errors within the deadline."""
        deadline = Deadline(self._deadline)
        with closing(self._open(self._payload(messages, stream=False), deadline)) as response:
            data = _json_object(self._read(response, deadline), "reply")
        self._count(data, deadline)
        return _completion_text(data)

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Text deltas as they arrive; retries happen only before the first one."""
        deadline = Deadline(self._deadline)
        with closing(self._open(self._payload(messages, stream=True), deadline)) as response:
            if not response.headers.get("content-type", "").startswith("application/json"):
                usage: dict[str, Any] = {}
                yield from _deltas(iter_data(iter_lines(self._chunks(response, deadline))), usage)
                self._count(usage, deadline)
                return
            # A server (or proxy) that ignored stream: true sent the whole reply at once.
            data = _json_object(self._read(response, deadline), "reply")
        self._count(data, deadline)
        if text := _completion_text(data):
            yield text

    def close(self) -> None:
        self._http.close()

    def _count(self, data: dict[str, Any], deadline: Deadline) -> None:
        """Adds a reply's `usage` (when its server reported one) to the meter, with the time
        spent writing it where the server says (llama.cpp's `timings.predicted_ms`)."""
        usage, timings = data.get("usage"), data.get("timings")
        if not isinstance(usage, dict):
            return
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        writing = timings.get("predicted_ms") if isinstance(timings, dict) else None
        generating = writing / 1000 if isinstance(writing, int | float) else 0.0
        if isinstance(prompt, int) and isinstance(completion, int):
            self.meter.add(Usage(1, prompt, completion, deadline.elapsed(), generating))

    def _payload(self, messages: list[Message], *, stream: bool) -> dict[str, Any]:
        return {"model": self._name, "messages": messages, "stream": stream, **self._options}

    def _open(self, payload: dict[str, Any], deadline: Deadline) -> httpx.Response:
        """POST until a 2xx arrives: an open response the caller must close."""
        attempt = 0
        while True:
            try:
                return self._attempt(payload, deadline)
            except _Retry as retry:
                wait = self._backoff.delay(attempt, retry.headers)
                if attempt >= self._max_retries or not deadline.allows(wait):
                    raise retry.error from retry.__cause__
                attempt += 1
                log.warning(
                    "%s: %s; retry %d of %d in %.2fs",
                    self.model,
                    retry.error,
                    attempt,
                    self._max_retries,
                    wait,
                )
                self._backoff.pause(wait)

    def _attempt(self, payload: dict[str, Any], deadline: Deadline) -> httpx.Response:
        """One POST: an open 2xx response, _Retry when another go may help, else LLMError."""
        request = self._http.build_request(
            "POST",
            self._url,
            json=payload,
            headers={"Accept": "text/event-stream" if payload["stream"] else "application/json"},
            timeout=deadline.clamp(self._timeout),
        )
        try:
            response = self._http.send(request, stream=True)
        except _TRANSIENT as exc:
            raise _Retry(self._translate(exc)) from exc
        except httpx.HTTPError as exc:
            raise self._translate(exc) from exc
        if response.is_success:
            return response
        error = self._status_error(response, deadline)
        if is_retryable(response.status_code):
            raise _Retry(error, response.headers)
        raise error

    def _status_error(self, response: httpx.Response, deadline: Deadline) -> LLMUpstreamError:
        """The status with the server's own explanation, which says what to fix (key, model)."""
        with closing(response):
            try:
                body = self._read(response, deadline)
            except LLMError:
                body = b""
        status = response.status_code
        return LLMUpstreamError(status, f"{self._url} answered HTTP {status}: {_explain(body)}")

    def _read(self, response: httpx.Response, deadline: Deadline) -> bytes:
        body = bytearray()
        for chunk in self._chunks(response, deadline):
            body += chunk
            if len(body) > MAX_BODY:
                raise LLMProtocolError(f"reply larger than {MAX_BODY} bytes")
        return bytes(body)

    def _chunks(self, response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
        """The body as it arrives, held to the deadline; httpx failures become LLMErrors."""
        try:
            for chunk in response.iter_bytes():
                deadline.check()
                yield chunk
        except httpx.HTTPError as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: httpx.HTTPError) -> LLMError:
        """The LLMError a caller can act on, naming the server, for an httpx failure."""
        if isinstance(exc, httpx.TimeoutException):
            return LLMTimeout(f"{self._url} timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.RemoteProtocolError):
            return LLMProtocolError(f"{self._url} broke off the reply: {exc}")
        if isinstance(exc, httpx.TransportError):
            return LLMConnectionError(f"cannot reach {self._url}: {exc}")
        return LLMError(f"request to {self._url} failed: {exc}")


def from_settings(model: str, settings: Settings) -> OpenAIClient:
    """The PROVIDERS factory: every knob comes from the NEWSRAG_LLM_* settings."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAIClient(
        model,
        settings.llm_base_url,
        api_key=key,
        timeout=settings.llm_timeout,
        deadline=settings.llm_deadline,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
    )


def endpoint(base_url: str) -> str:
    """{base_url}/chat/completions; a URL that can never work fails at start-up, not per call."""
    try:
        url = httpx.URL(base_url.rstrip("/") + "/chat/completions")
    except httpx.InvalidURL as exc:
        raise ValueError(f"bad LLM base URL {base_url!r}: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"LLM base URL must look like http://host:port/v1, got {base_url!r}")
    return str(url)


def _headers(api_key: str | None) -> dict[str, str]:
    headers = {"User-Agent": "newsrag"}
    if api_key:  # local servers need none; an empty key must not send "Bearer "
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def _deltas(payloads: Iterable[str], usage: dict[str, Any]) -> Iterator[str]:
    """Text deltas until [DONE]; a stream that stops before any finish_reason is truncated.
    `usage` is given the chunk that carries the reply's usage, if one does."""
    finished = False
    for payload in payloads:
        if payload.strip() == "[DONE]":
            return
        if payload.strip():
            text, done = _delta(payload, usage)
            finished = finished or done
            if text:
                yield text
    if not finished:
        raise LLMProtocolError("the stream ended without [DONE]: the reply is truncated")


def _delta(payload: str, usage: dict[str, Any]) -> tuple[str, bool]:
    """(text, finished) of one chunk; role-only, usage-only and content-less chunks give ""."""
    chunk = _json_object(payload, "stream chunk")
    if isinstance(chunk.get("usage"), dict):
        usage.update(chunk)
    choice = _choice(chunk, "stream chunk")
    if choice is None:
        return "", False
    delta = choice.get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    if content is not None and not isinstance(content, str):
        raise LLMProtocolError(f"stream chunk content is not text: {payload[:200]}")
    return content or "", choice.get("finish_reason") is not None


def _completion_text(data: dict[str, Any]) -> str:
    choice = _choice(data, "reply")
    message = choice.get("message") if choice else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise LLMProtocolError(f"reply has no message content: {_shown(json.dumps(data))}")
    return content


def _choice(data: dict[str, Any], what: str) -> dict[str, Any] | None:
    """choices[0]; None for an empty list (usage chunks); an error object or garbage raises."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        error = _error_message(data)
        if error:
            raise LLMProtocolError(f"server sent an error instead of a {what}: {error}")
        raise LLMProtocolError(f"{what} has no choices: {_shown(json.dumps(data))}")
    if choices and not isinstance(choices[0], dict):
        raise LLMProtocolError(f"{what} has a malformed choice: {_shown(json.dumps(data))}")
    return choices[0] if choices else None


def _json_object(text: str | bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise LLMProtocolError(f"{what} is not JSON: {_shown(text)}") from exc
    if not isinstance(data, dict):
        raise LLMProtocolError(f"{what} is not a JSON object: {_shown(text)}")
    return data


def _explain(body: bytes) -> str:
    """The server's words: OpenAI's error.message, Ollama's error string, FastAPI's detail."""
    try:
        message = _error_message(json.loads(body))
    except (ValueError, RecursionError):
        message = None
    return message or _shown(body) or "(empty body)"


def _error_message(data: object) -> str | None:
    if not isinstance(data, dict):
        return None
    error = data.get("error", data.get("detail"))
    if isinstance(error, dict):
        error = error.get("message")
    return error[:300] if isinstance(error, str) and error else None


def _shown(text: str | bytes) -> str:
    """A body in an error message: decoded however broken, on one line, cut short."""
    return excerpt(text.decode("utf-8", "replace") if isinstance(text, bytes) else text, 200)
