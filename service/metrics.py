"""Prometheus metrics on a registry of the app's own, so apps in one process never clash."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.embedding import Embedder
from service.config import Settings
from service.opening import make_embedder

UNROUTED = "unrouted"  # the route label of requests that never reached a route
# Seconds; answers with an LLM can take a minute or two, searches milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """Everything the service measures, registered on one CollectorRegistry per app."""

    def __init__(self, state: State) -> None:
        self.registry = on = CollectorRegistry()
        self.requests = Counter(
            "newsrag_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=on,
        )
        self.latency = Histogram(
            "newsrag_http_request_duration_seconds",
            "Time to answer, to the last byte of the body (streams included).",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=on,
        )
        self.embedding = Histogram(
            "newsrag_embedding_seconds",
            "Time in the embedding model per call.",
            ["kind"],
            registry=on,
        )
        self.llm_fallbacks = Counter(
            "newsrag_llm_fallbacks",
            "Answers composed from the passages because the LLM failed.",
            registry=on,
        )
        self.registry.register(IndexCollector(state))
        self.registry.register(WatchCollector(state))
        ProcessCollector(registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class IndexCollector:
    """Index size read from the index at scrape time, so it is always current."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        index = getattr(self.state, "index", None)
        if index is None:  # still loading
            return
        documents, chunks = index.counts()
        yield GaugeMetricFamily("newsrag_documents", "Documents in the index.", value=documents)
        yield GaugeMetricFamily("newsrag_chunks", "Passages (chunks) in the index.", value=chunks)
        yield InfoMetricFamily(
            "newsrag_index", "The index's embedding model.", value={"model": index.manifest.model}
        )


class WatchCollector:
    """What matching writes against the watches costs, read from the matcher at scrape time:
    its backlog (a growing one means writes outrun it) and the searches it ran per write."""

    def __init__(self, state: State) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        watching = getattr(self.state, "watching", None)
        if watching is None:  # still loading
            return
        matcher = watching.matcher
        yield GaugeMetricFamily(
            "newsrag_watch_pending",
            "Writes, deletions and new watches not yet matched against the watches.",
            value=matcher.pending(),
        )
        yield CounterMetricFamily(
            "newsrag_watch_writes", "Writes matched against the watches.", matcher.work["writes"]
        )
        searches = CounterMetricFamily(
            "newsrag_watch_searches",
            "Searches the matcher ran: a watch's bar measured, or a candidate watch confirmed.",
            labels=["kind"],
        )
        for kind in ("bar", "confirm"):
            searches.add_metric([kind], matcher.work[kind])
        yield searches


def route_template(scope: Scope) -> str:
    """The template of the route the router chose (`/documents/{doc_id}`), never the raw path,
    so labels stay few; requests no route took (404s, refusals before routing) share one."""
    return str(getattr(scope.get("route"), "path", UNROUTED))


class RequestMetrics:
    """Pure ASGI, outside every refusing middleware: refusals are counted and timed too."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, started = 500, time.perf_counter()

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], route_template(scope), status, seconds)


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def timed_embedder(settings: Settings, metrics: Metrics) -> Embedder:
    """The embedder `make_embedder` would build, each call timed into `metrics`."""
    return make_embedder(
        settings, observe=lambda kind, seconds: metrics.embedding.labels(kind).observe(seconds)
    )
