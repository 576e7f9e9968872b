"""Throwaway servers on loopback ports, for load, benchmark and replica runs: newsrag, and
milvus-lite's Milvus-API server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base_url: str, process: subprocess.Popen[bytes], seconds: float = 180.0) -> None:
    """Until /readyz answers 200; a server that dies or never gets ready is an error."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it was ready")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server at {base_url} was not ready after {seconds:.0f} s")


@contextmanager
def local_server(
    command: Sequence[str],
    url: str | None = None,
    env: dict[str, str] | None = None,
    index_dir: Path | None = None,
    ready_within: float = 180.0,
) -> Iterator[str]:
    """`url` as given, or a fresh server over `index_dir` (default: its own index of seeds/),
    stopped afterwards. `command` starts a server on NEWSRAG_PORT (the caller knows how: the
    command line, `newsrag serve`), so that measuring knows nothing of serving."""
    if url:
        yield url.rstrip("/")
        return
    if not command:
        raise ValueError("no command to start a server with")
    with tempfile.TemporaryDirectory(prefix="newsrag-load-") as tmp:
        port = free_port()
        index = index_dir or Path(tmp) / "index"
        settings = {"NEWSRAG_INDEX_DIR": str(index), "NEWSRAG_PORT": str(port)}
        base_url = f"http://127.0.0.1:{port}"
        environment = {**os.environ, **settings, **(env or {})}
        with child(list(command), Path(tmp) / "server.log", stop, environment) as process:
            wait_ready(base_url, process, ready_within)
            yield base_url


@contextmanager
def child(
    command: list[str],
    log_path: Path,
    end: Callable[[subprocess.Popen[bytes]], None],
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process logging to `log_path`, ended by `end` afterwards; a RuntimeError raised
    meanwhile (it did not start) carries the log's last lines."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            yield process
        except RuntimeError as exc:
            tail = log_path.read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{exc}; its log ends with:\n{tail}") from exc
        finally:
            end(process)


def stop(process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Asks the server to stop, then kills it if it does not within `seconds` (closing saves the
    vector index first: seconds at a million chunks; a killed index is crash-safe)."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def loopback_milvus(
    data_dir: Path | None = None, workers: int = 1, port: int | None = None
) -> Iterator[str]:
    """milvus-lite's Milvus-API server on a loopback port (pure Python, PyPI `milvus-lite`),
    over `data_dir` (default: a temporary one), stopped afterwards; yields its URI.

    `workers` is its request threads. milvus-lite does not serialize writers to one collection
    itself (its README: "concurrent writers are not supported safely"), and several replicas
    write at once, so one thread by default: requests queue, as they would on a real Milvus's
    single write path for a collection, and nothing is corrupted."""
    with tempfile.TemporaryDirectory(prefix="newsrag-milvus-") as tmp:
        port = port or free_port()
        folder = data_dir or Path(tmp) / "milvus"
        command = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(folder)]
        command += ["--host", "127.0.0.1", "--port", str(port), "--max-workers", str(workers)]
        with child(command, Path(tmp) / "milvus.log", _interrupt) as process:
            _wait_listening(port, process)
            yield f"http://127.0.0.1:{port}"


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """milvus-lite's own shutdown (Ctrl-C): it drains and closes its data dir."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"milvus-lite exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"milvus-lite did not listen on port {port} after {seconds:.0f} s")
