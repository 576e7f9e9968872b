"""The app under uvicorn on a loopback port, for tests a TestClient cannot do (browsers, raw
sockets: TestClient reads a request body whole before the app sees a byte of it)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


def loopback_socket() -> socket.socket:
    """A socket bound to a free loopback port, for an app that must know its port up front."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve(app: FastAPI, sock: socket.socket | None = None) -> Iterator[tuple[str, int]]:
    """Serves `app` in a thread until the block ends; yields the (host, port) it listens on."""
    sock = sock or loopback_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(10)


def wait_ready(get: Callable[[str], Any], seconds: float = 120.0) -> None:
    """Until GET /readyz says ready (a server that opens its own index loads it behind an
    open port); a failed start-up fails at once with its message."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = get("/readyz")
        if response.status_code == 200:
            return
        if response.json()["status"] == "failed":
            raise AssertionError(response.json()["message"])
        time.sleep(0.05)
    raise AssertionError(f"not ready after {seconds:.0f} s")
