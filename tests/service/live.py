"""The app under uvicorn on a loopback port, for tests a TestClient cannot do (browsers, raw
sockets: TestClient reads a request body whole before the app sees a byte of it)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
