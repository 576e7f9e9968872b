"""A rate limit per caller: a token bucket per API key, or per client address without keys."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from service.errors import error
from service.security import is_open, principal_of

MAX_CALLERS = 10_000  # buckets kept; the longest idle are forgotten (a full bucket, re-made)


@dataclass
class Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """`burst` requests at once, refilled at `per_minute`; `take` says how long to wait."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = per_minute / 60, burst, clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, caller: str) -> float:
        """0 when a token was taken, else the seconds until one will be there."""
        bucket = self._refilled(caller)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _refilled(self, caller: str) -> Bucket:
        now = self.clock()
        bucket = self._buckets.pop(caller, None) or Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self._buckets[caller] = bucket  # most recent last
        if len(self._buckets) > MAX_CALLERS:
            self._buckets.popitem(last=False)
        return bucket


class RateLimit:
    """Pure ASGI, inside ApiKeys: callers are told apart by the key it found for them.

    Runs on the event loop only, so the buckets need no lock."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int) -> None:
        self.app, self.per_minute, self.burst = app, per_minute, burst
        self.buckets = TokenBuckets(per_minute, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(caller(scope))
        if wait:
            await self.refusal(wait)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, wait: float) -> ASGIApp:
        seconds = math.ceil(wait)
        message = (
            f"too many requests: the limit is NEWSRAG_RATE_LIMIT_PER_MINUTE={self.per_minute} "
            f"with NEWSRAG_RATE_LIMIT_BURST={self.burst}; retry in {seconds} s"
        )
        return error(429, "rate_limited", message, headers={"Retry-After": str(seconds)})


def caller(scope: Scope) -> str:
    """The key's name when there is one, else the client address (uvicorn puts X-Forwarded-For
    there for the proxies in FORWARDED_ALLOW_IPS, loopback only by default)."""
    principal = principal_of(scope)
    if principal is not None:
        return principal.id
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"
