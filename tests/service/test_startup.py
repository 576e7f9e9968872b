"""Start-up behind an open port: probes answer at once, other routes say what is awaited."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from index.embedding import Embedder
from index.models import Document
from index.newsindex import NewsIndex
from newsrag.cli import app as cli
from service.config import Settings
from service.main import create_app
from service.remote import RemoteIndex
from tests.service.live import loopback_socket, serve, wait_ready

SEEDS = Path(__file__).parents[2] / "seeds"


def until(url: str, check: str, seconds: float = 60.0) -> dict[str, object]:
    """Polls /readyz until what start-up waits for starts with `check`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body: dict[str, object] = httpx.get(f"{url}/readyz").json()
        if str(body.get("waiting_for") or "").startswith(check):
            return body
        time.sleep(0.05)
    raise AssertionError(f"start-up never reached {check!r}")


def test_the_port_answers_while_the_index_loads(embedder: Embedder, tmp_path: Path) -> None:
    """Another writer holds the index, so start-up waits at "opening the index": a state a
    test can rely on, where a fast model load would race it."""
    holder = NewsIndex(tmp_path / "index", embedder)
    settings = Settings(index_dir=holder.corpus.directory, seed_dir=SEEDS)
    sock = loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serve(create_app(settings), sock):
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        waiting = until(url, "opening the index")
        assert waiting["status"] == "starting" and "starting" in str(waiting["message"])
        refused = httpx.post(f"{url}/search", json={"query": "Harbin"})
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert refused.json()["error"] == "starting"
        assert "opening the index" in refused.json()["message"]
        assert httpx.get(url).status_code == 200  # the page loads and polls /readyz
        assert httpx.get(f"{url}/openapi.json").status_code == 200
        remote = RemoteIndex(url, timeout=60)  # what `newsrag index` writes through: it waits
        sent = ThreadPoolExecutor(1).submit(remote.upsert, [Document("memo", "Zorblat memo.")])
        holder.close()  # the writer leaves: the server opens the index and seeds it
        until(url, "indexing the seed articles")
        wait_ready(lambda path: httpx.get(url + path))
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["status"] == "ready" and ready["documents"] >= 5  # the memo may be in
        hits = httpx.post(f"{url}/search", json={"query": "Expo in Harbin"}).json()["results"]
        assert hits
        assert sent.result(timeout=60).added == ["memo"]
        assert httpx.get(f"{url}/readyz").json()["documents"] == 6
        remote.close()


def test_a_failed_start_up_says_why_and_is_reported(tmp_path: Path) -> None:
    failures: list[BaseException] = []
    settings = Settings(index_dir=tmp_path / "index", seed_dir=None, model=str(tmp_path / "nope"))
    sock = loopback_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serve(create_app(settings, on_failure=failures.append), sock):
        deadline = time.monotonic() + 60
        while not failures and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "failed"
        assert "cannot load embedding model" in ready.json()["message"]
        refused = httpx.get(f"{url}/documents")
        assert refused.status_code == 503 and refused.json()["error"] == "start_failed"
    assert len(failures) == 1


def test_serve_exits_non_zero_when_start_up_fails(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSRAG_MODEL", str(index_dir / "no-such-model"))
    port = str(loopback_socket().getsockname()[1])
    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1", "--port", port])
    assert result.exit_code == 1
    assert "could not start" in result.output and "cannot load embedding model" in result.output
