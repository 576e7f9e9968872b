"""A bounded load over HTTP: fixed concurrency for a fixed time, loopback only.

Talks to the service the way a client does, so it measures the whole path (HTTP, JSON,
retrieval, answering) and never imports the service's internals.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

GOLD = Path(__file__).with_name("seeds-qa.jsonl")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class Call:
    """One kind of request in the mix."""

    name: str
    path: str
    bodies: Sequence[dict[str, Any]]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class LoadReport:
    name: str
    requests: int
    errors: dict[str, int]
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def check_loopback(base_url: str) -> None:
    """Load goes to this machine only: anything else is refused, not attempted."""
    host = urlparse(base_url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"load targets loopback only, not {host!r}")


def summarize(name: str, tally: Tally, seconds: float) -> LoadReport:
    ms = np.asarray(tally.latencies or [0.0]) * 1000.0
    p50, p95, p99 = (float(v) for v in np.percentile(ms, [50, 95, 99]))
    count = len(tally.latencies)
    return LoadReport(
        name, count, dict(tally.errors), round(seconds, 2), round(count / seconds, 2),
        round(p50, 2), round(p95, 2), round(p99, 2),
    )  # fmt: skip


async def _worker(
    client: httpx.AsyncClient, call: Call, bodies: itertools.cycle[dict[str, Any]], tally: Tally,
    until: float,
) -> None:  # fmt: skip
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.post(call.path, json=next(bodies))
            if response.status_code != 200:
                tally.errors[f"HTTP {response.status_code}"] += 1
                continue
        except httpx.HTTPError as exc:
            tally.errors[type(exc).__name__] += 1
            continue
        tally.latencies.append(time.perf_counter() - started)


async def _run(
    base_url: str, calls: Sequence[Call], seconds: float, concurrency: int, headers: dict[str, str]
) -> list[LoadReport]:
    tallies = [Tally() for _ in calls]
    limits = httpx.Limits(max_connections=concurrency * len(calls))
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0), headers=headers
    ) as client:
        started = time.monotonic()
        until = started + seconds
        workers = [
            _worker(client, call, itertools.cycle(call.bodies), tally, until)
            for call, tally in zip(calls, tallies, strict=True)
            for _ in range(concurrency)
        ]
        await asyncio.gather(*workers)
        elapsed = time.monotonic() - started
    return [summarize(c.name, t, elapsed) for c, t in zip(calls, tallies, strict=True)]


def run_load(
    base_url: str,
    calls: Sequence[Call],
    seconds: float = 60.0,
    concurrency: int = 4,
    headers: dict[str, str] | None = None,
) -> list[LoadReport]:
    """`concurrency` clients per call, all at once, back to back for `seconds`; then stops."""
    check_loopback(base_url)
    return asyncio.run(_run(base_url, calls, seconds, concurrency, headers or {}))


def seeds_mix(gold: Path = GOLD) -> list[Call]:
    """/search and /answer over the gold questions: what a user of the seeds index asks."""
    questions = [json.loads(line)["question"] for line in gold.read_text("utf-8").splitlines()]
    return [
        Call("search", "/search", [{"query": q, "k": 5} for q in questions]),
        Call("answer", "/answer", [{"question": q, "k": 5} for q in questions]),
    ]
