"""Request ids and the access log: one line per request, its id echoed in X-Request-ID."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.logs import request_id

log = logging.getLogger("newsrag.access")

HEADER = "X-Request-ID"
# A caller's id goes into every log line: short and plain, or we make our own.
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def pick_request_id(given: str | None) -> str:
    """The caller's id when it is safe to log, else a fresh one."""
    if given is not None and SAFE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestContext:
    """Pure ASGI, so streamed responses (the SSE /chat) pass through untouched.

    The id is set in a contextvar and deliberately not reset: the request's task ends with the
    request, and the 500 handler, which runs outside this middleware, still logs under it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = pick_request_id(Headers(scope=scope).get(HEADER))
        request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_line(scope, status, time.perf_counter() - started)


def access_line(scope: Scope, status: int, seconds: float) -> None:
    duration_ms = round(seconds * 1000, 2)
    method, path = scope["method"], scope["path"]
    log.info(
        "%s %s %d %.1f ms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )
