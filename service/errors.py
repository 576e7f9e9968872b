"""Every refusal is JSON that says what was wrong; user input never yields a 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.corpus import EngineUnavailable
from service.schemas import NOT_BLANK

log = logging.getLogger(__name__)


def error(
    status: int,
    code: str,
    message: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(status_code=status, content=body, headers=headers)


_BRANCH_TYPES = {"list_type", "model_type", "model_attributes_type", "dict_type"}


def _describe(errors: list[Any]) -> str:
    """One readable line; for a union body only the errors of the branch the input aimed at."""
    specific = [e for e in errors if e.get("type") not in _BRANCH_TYPES] or errors
    parts = []
    for err in specific[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if not _is_branch(p)) or "body"
        parts.append(f"{where}: {_message(err)}")
    return "; ".join(dict.fromkeys(parts))


def _message(err: dict[str, Any]) -> str:
    if (
        err.get("type") == "string_pattern_mismatch"
        and err.get("ctx", {}).get("pattern") == NOT_BLANK
    ):
        return "must not be empty or only whitespace"
    return str(err.get("msg", "invalid"))


def _is_branch(part: object) -> bool:
    """`body` and union-branch names such as `DocumentIn` or `list[DocumentIn]`."""
    return part == "body" or (isinstance(part, str) and (part[:1].isupper() or "[" in part))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    raw = list(exc.errors())
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in raw]
    return error(422, "invalid_request", _describe(raw), errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        422: "invalid_request",
        429: "rate_limited",
        503: "unavailable",
    }.get(exc.status_code, "error")
    return error(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _engine_down(request: Request, exc: Exception) -> JSONResponse:
    """The engine holding the corpus did not answer: this request cannot be served now, the
    next one may be (nothing to restart)."""
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return error(503, "engine_unavailable", str(exc), headers={"Retry-After": "2"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error(500, "internal_error", "the server failed; the error is in its log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(EngineUnavailable, _engine_down)
    app.add_exception_handler(Exception, _unexpected)
