"""The middleware stack, in one place because its order is the design."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from service.accesslog import HEADER, RequestContext
from service.config import Settings
from service.limits.body import BodyLimit
from service.limits.rate import RateLimit
from service.metrics import Metrics, RequestMetrics
from service.security import ApiKeys, KeyRing
from service.startup import StartingGate, Startup


def install(app: FastAPI, settings: Settings, metrics: Metrics, startup: Startup) -> None:
    """Outermost first: request id and access log, metrics (both see every refusal), CORS (so
    preflights and refusals carry its headers), the start-up gate (503 `starting` until
    loaded), API keys (before any body is read), the rate limit (per key), the body size
    limit. All pure ASGI: the SSE stream of /chat flows through.

    `add_middleware` puts each new one outside the last, hence the reverse order below."""
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit_per_minute:
        app.add_middleware(
            RateLimit, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        )
    ring = KeyRing(settings.api_keys, settings.admin_keys)
    app.add_middleware(ApiKeys, ring=ring, required=bool(settings.api_keys))
    app.add_middleware(StartingGate, startup=startup)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", HEADER],
            expose_headers=[HEADER, "Retry-After"],
        )
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(RequestContext)
