"""The request body size limit, enforced before a body is read in full."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error


def too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit} bytes (NEWSRAG_MAX_BODY_BYTES={limit})"


class BodyTooLarge(HTTPException):
    """Raised from `receive`. FastAPI re-raises HTTPExceptions met while reading a body, so the
    app's own JSON error handler answers it; should it escape instead, BodyLimit answers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


class BodyLimit:
    """Pure ASGI (streamed responses pass untouched): a Content-Length over the limit is refused
    without reading a byte, and a body without one is counted as it arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = content_length(scope)
        if length is not None and length > self.max_bytes:
            await error(413, "too_large", too_large(self.max_bytes))(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen, started = 0, False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if started:
                raise
            await error(413, "too_large", too_large(self.max_bytes))(scope, receive, send)


def content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None
