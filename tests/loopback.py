"""A threaded HTTP server on a free loopback port, serving from a thread while a `with` block
lasts: what the tests' stand-in sites (feeds and pages, an LLM) are built on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Served(ThreadingHTTPServer):
    daemon_threads = True  # a client that left mid-stream must not hold up shutdown
    block_on_close = False  # nor a slow response still sleeping
    owner: Any  # the LoopbackServer subclass whose handler this is


class LoopbackServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.stopping = threading.Event()  # waits in handlers end at once when set
        self._lock = threading.Lock()
        self._server = Served(("127.0.0.1", 0), handler)
        self._server.owner = self
        # A short poll interval, as shutdown() waits for the next poll: 0.5 s a test by default.
        serve = {"poll_interval": 0.01}
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs=serve, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
