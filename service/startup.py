"""Listening before loading: the port opens at once and the model, the index and the seeds load
on a thread behind it. Probes, the chat page and the API docs answer meanwhile; every other
route says 503 `starting` and what it waits for, instead of a refused connection."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import error
from service.security import is_open

log = logging.getLogger(__name__)
RETRY_AFTER = "2"  # seconds: a second start-up takes several, a first one tens


class Startup:
    """Where start-up is: the step it waits for, done, or failed (and why)."""

    def __init__(self) -> None:
        self.waiting_for: str | None = "starting"
        self.failed: str | None = None
        self.cancelled = threading.Event()  # the server stops: a wait in start-up ends
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self.waiting_for is None and self.failed is None

    def step(self, what: str) -> None:
        log.info("start-up: %s", what)
        self.waiting_for = what

    def done(self) -> None:
        self.waiting_for = None

    def message(self) -> str:
        if self.failed:
            return f"newsrag could not start: {self.failed}"
        return f"newsrag is starting ({self.waiting_for}); retry in a few seconds"

    def run(
        self,
        load: Callable[[Startup], None],
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Runs `load` on a thread; a failure is kept (and handed to `on_failure`, which a
        server uses to exit non-zero), not raised into a thread nobody joins."""

        def target() -> None:
            try:
                load(self)
                self.done()
            except BaseException as exc:
                self.failed = f"{self.waiting_for}: {exc}"
                log.error("start-up failed while %s", self.failed, exc_info=exc)
                if on_failure is not None:
                    on_failure(exc)

        self._thread = threading.Thread(target=target, name="start-up", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


class StartingGate:
    """503 `starting` (with Retry-After) for every route but the open ones until loaded."""

    def __init__(self, app: ASGIApp, startup: Startup) -> None:
        self.app, self.startup = app, startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.startup.ready and not is_open(scope["path"]):
            code = "start_failed" if self.startup.failed else "starting"
            refuse = error(503, code, self.startup.message(), headers={"Retry-After": RETRY_AFTER})
            await refuse(scope, receive, send)
            return
        await self.app(scope, receive, send)
