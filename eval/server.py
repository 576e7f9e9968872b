"""A throwaway newsrag server on a loopback port, for load and benchmark runs."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
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
        log = (Path(tmp) / "server.log").open("wb")
        process = subprocess.Popen(
            list(command), env={**os.environ, **settings, **(env or {})}, stdout=log, stderr=log
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base_url, process)
            yield base_url
        except RuntimeError as exc:
            tail = (Path(tmp) / "server.log").read_text("utf-8", "replace")[-2000:]
            raise RuntimeError(f"{exc}; its log ends with:\n{tail}") from exc
        finally:
            stop(process)
            log.close()


def stop(process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Asks the server to stop, then kills it if it does not within `seconds` (closing saves the
    vector index first: seconds at a million chunks; a killed index is crash-safe)."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
