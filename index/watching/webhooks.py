"""A watch's webhook: each match POSTed as JSON, signed, retried with capped backoff, and every
attempt recorded on the match; on a thread of its own, so no write waits for a slow receiver.

The signature is `X-Newsrag-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact body with
the watch's secret (returned once, when the watch is made): a receiver recomputes it over the
bytes it got and compares in constant time (`hmac.compare_digest`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time

import httpx

from index.watching.book import Delivery, Match, Watch, WatchBook, now

log = logging.getLogger(__name__)
HEADER = "X-Newsrag-Signature"
ATTEMPTS = 6  # the first try and five retries
FIRST_WAIT, MOST_WAIT = 1.0, 60.0  # seconds: doubled per retry, never more than MOST_WAIT
TIMEOUT = 10.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(watch: Watch, match: Match) -> bytes:
    """What is POSTed: the match and which watch it answers, as compact JSON."""
    payload = {"watch": {"id": watch.id, "name": watch.name, "query": watch.query}}
    payload["match"] = {k: v for k, v in match.public().items() if k != "deliveries"}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class Webhooks:
    """Deliveries in order of arrival; each match's retries wait without holding up the
    others' first tries for longer than one attempt."""

    def __init__(self, book: WatchBook, first_wait: float = FIRST_WAIT) -> None:
        self.book = book
        self.first_wait = first_wait
        self._queue: queue.PriorityQueue[tuple[float, int, Watch, Match, int]] = (
            queue.PriorityQueue()
        )
        self._count = 0
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self._thread = threading.Thread(target=self._run, name="newsrag-webhooks", daemon=True)
        self._thread.start()

    def __call__(self, watch: Watch, match: Match) -> None:
        """A match to deliver (a `notify` of the matcher)."""
        if watch.webhook:
            self._push(time.monotonic(), watch, match, 1)

    def _push(self, due: float, watch: Watch, match: Match, attempt: int) -> None:
        self._count += 1  # ties in `due` keep their order; Watch and Match never compared
        self._queue.put((due, self._count, watch, match, attempt))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                due, n, watch, match, attempt = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            wait = due - time.monotonic()
            if wait > 0:  # not yet: back in line, and sleep only until something may be due
                self._queue.put((due, n, watch, match, attempt))
                self._stop.wait(min(wait, 0.2))
                continue
            self._deliver(watch, match, attempt)

    def _deliver(self, watch: Watch, match: Match, attempt: int) -> None:
        assert watch.webhook is not None
        body = body_of(watch, match)
        headers = {"Content-Type": "application/json", HEADER: signature(watch.secret, body)}
        status, error = None, None
        try:
            status = self._client.post(watch.webhook, content=body, headers=headers).status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        if not ok and error is None:
            error = f"HTTP {status}"
        self.book.delivered(match, Delivery(now(), attempt, status, error))
        if not ok and attempt < ATTEMPTS:
            backoff = min(MOST_WAIT, self.first_wait * 2 ** (attempt - 1))
            self._push(time.monotonic() + backoff, watch, match, attempt + 1)
        elif not ok:
            log.warning(
                "webhook of watch %s: gave up on %s after %d tries", watch.id, match.id, attempt
            )

    def close(self, wait: float = 10.0) -> None:
        """Stops after the deliveries due now (a first try, say) or within `wait` seconds;
        retries due later are given up (recorded on their match as tried so far)."""
        deadline = time.monotonic() + wait
        while not self._queue.empty() and time.monotonic() < deadline:
            if self._queue.queue[0][0] > deadline:  # the next is a retry due after the wait
                break
            time.sleep(0.05)
        self._stop.set()
        self._thread.join()
        self._client.close()
