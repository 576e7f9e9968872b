"""Request ids and JSON log lines: echoed, generated, and on every line a request writes."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from newsrag import writing
from service import logs
from service.config import Settings
from service.main import create_app
from tests.fake_llm import FakeLLM, Reply

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the root logger writes through the JSON handler, at INFO, during the test."""
    out = io.StringIO()
    handler, root = logs.handler("json", out), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def records(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def access(out: io.StringIO) -> list[dict[str, Any]]:
    return [r for r in records(out) if r["logger"] == "newsrag.access"]


def test_a_given_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-42.a:b"})
    assert response.headers["X-Request-ID"] == "trace-42.a:b"


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 65, "<script>", "a;b"])
def test_a_missing_or_unsafe_request_id_is_replaced(client: TestClient, given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given}
    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_each_request_writes_one_json_access_line(client: TestClient, lines: io.StringIO) -> None:
    client.get("/search", params={"q": "Harbin"}, headers={"X-Request-ID": "trace-1"})
    client.get("/nowhere", headers={"X-Request-ID": "trace-2"})
    first, second = access(lines)
    assert first["request_id"] == "trace-1" and first["level"] == "INFO"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/search", 200)
    assert first["duration_ms"] >= 0 and first["time"].endswith("+00:00")
    assert "GET /search 200" in first["message"]
    assert (second["request_id"], second["status"]) == ("trace-2", 404)
    assert "Harbin" not in json.dumps(access(lines))  # the query string stays out of the log


def test_refusals_are_logged_with_their_request_id(
    seeds_index: NewsIndex, lines: io.StringIO
) -> None:
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None, api_keys=["k" * 16])
    with TestClient(create_app(settings, index=seeds_index)) as keyed:
        rid = keyed.get("/documents").headers["X-Request-ID"]
    (line,) = access(lines)
    assert (line["request_id"], line["status"]) == (rid, 401)


def test_lines_written_inside_a_request_carry_its_id(
    seeds_index: NewsIndex, fake_llm: FakeLLM, lines: io.StringIO
) -> None:
    """The route runs in a worker thread; the LLM client's retry warning still has the id."""
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        llm_base_url=fake_llm.url,
        llm_timeout=0.5,
    )
    fake_llm.script(Reply(status=503), Reply(text="Harbin [1]."))
    with TestClient(create_app(settings, index=seeds_index)) as client:
        question = {"question": "Where is the Expo?", "llm": "openai:fake"}
        client.post("/answer", json=question, headers={"X-Request-ID": "ask-7"})
    inner = [r for r in records(lines) if r["logger"].startswith("service.llm")]
    assert inner and all(r["request_id"] == "ask-7" for r in inner)
    assert inner[0]["level"] == "WARNING"


def test_the_text_format_carries_the_request_id_too() -> None:
    out = io.StringIO()
    logger = logging.getLogger("newsrag.test-text")
    logger.addHandler(logs.handler("text", out))
    token = logs.request_id.set("trace-9")
    try:
        logger.warning("hello")
    finally:
        logs.request_id.reset(token)
        logger.handlers.clear()
    assert re.fullmatch(r"\S+ \S+ WARNING newsrag.test-text \[trace-9\] hello\n", out.getvalue())


def test_serve_logs_in_the_chosen_format_without_uvicorns_access_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    ran: dict[str, Any] = {}

    def run(server: Any) -> None:
        ran.update(log_config=server.config.log_config, access_log=server.config.access_log)

    monkeypatch.setattr("uvicorn.Server.run", run)
    settings = Settings(index_dir=tmp_path, seed_dir=None, log_format="json")
    monkeypatch.setattr("service.config.get_settings", lambda: settings)
    root, uvicorn_error = logging.getLogger(), logging.getLogger("uvicorn.error")
    saved = root.handlers[:], root.level, uvicorn_error.level
    # As in a fresh process: earlier uvicorn.Server()s in this one configured uvicorn's loggers.
    monkeypatch.setattr(logging.getLogger("uvicorn"), "propagate", True)
    monkeypatch.setattr(logging.getLogger("uvicorn"), "handlers", [])
    uvicorn_error.setLevel(logging.NOTSET)
    try:
        writing.serve(host=None, port=None)
        uvicorn_error.info("Uvicorn running")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        uvicorn_error.setLevel(saved[2])
    assert ran["log_config"] is None and ran["access_log"] is False
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["logger"] == "uvicorn.error" and line["message"] == "Uvicorn running"


def test_an_unhandled_error_is_logged_under_its_request_id(
    fresh_index: NewsIndex, lines: io.StringIO
) -> None:
    app = create_app(
        Settings(index_dir=fresh_index.corpus.directory, seed_dir=None), index=fresh_index
    )

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/boom", headers={"X-Request-ID": "rid-500"}).status_code == 500
    (failure,) = [r for r in records(lines) if r["level"] == "ERROR"]
    assert failure["request_id"] == "rid-500" and "RuntimeError: boom" in failure["exception"]
    assert access(lines)[0]["status"] == 500
