"""The load generator: bounded, loopback only, counting every error."""

from __future__ import annotations

import pytest

from eval.load import Call, check_loopback, run_load, seeds_mix


def test_a_short_load_on_search_and_answer_has_no_errors(live_server: str) -> None:
    reports = run_load(live_server, seeds_mix(), seconds=2, concurrency=2)
    assert [r.name for r in reports] == ["search", "answer"]
    for report in reports:
        assert report.requests > 0 and report.errors == {}
        assert 0 < report.p50_ms <= report.p95_ms <= report.p99_ms
        assert report.rps == pytest.approx(report.requests / report.seconds, rel=0.01)


def test_errors_are_counted_by_kind(live_server: str) -> None:
    bad = Call("bad", "/search", [{"query": ""}])
    (report,) = run_load(live_server, [bad], seconds=0.5, concurrency=1)
    assert report.requests == 0 and report.errors.get("HTTP 422", 0) > 0


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8000", "http://example.org", "http://192.168.1.2"]
)
def test_only_loopback_is_a_target(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(url)


def test_loopback_addresses_are_accepted() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:8000"):
        check_loopback(url)
