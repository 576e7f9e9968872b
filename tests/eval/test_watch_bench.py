"""bench-watches reads the server's matcher from /metrics: it times the steady state only once
every new watch's bar is measured, and counts the watch searches each write cost."""

from __future__ import annotations

import httpx

from eval.watch_bench import _per, _settle, _work


def test_the_matchers_work_is_read_from_a_live_server(live_server: str) -> None:
    made = httpx.post(f"{live_server}/watches", json={"query": "Power of Siberia gas deal"})
    assert made.status_code == 201, made.text
    try:
        _settle(live_server, seconds=60)
        work = _work(live_server)
        assert work["pending"] == 0
        assert work["bar"] >= 1  # the new watch's bar was measured before it settled
        assert {"writes", "confirm"} <= work.keys()
    finally:
        httpx.delete(f"{live_server}/watches/{made.json()['id']}")


def test_searches_per_write_are_a_ratio_of_the_counters() -> None:
    before = {"writes": 10.0, "confirm": 4.0}
    assert _per({"writes": 14.0, "confirm": 10.0}, before, "confirm") == 1.5
    assert _per(before, before, "confirm") is None  # no write in between: nothing to divide
