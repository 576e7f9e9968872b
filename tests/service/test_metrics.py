"""GET /metrics: Prometheus text with requests by route template, index size and timings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app
from tests.fake_llm import FakeLLM, Reply
from tests.service.live import wait_ready

KEY = "metrics-key-0123456789"
DOC_ID = "001_3086c8488f3bd921"
QUESTION = "Which city will Putin visit to open the China-Russia Expo?"


def app_client(index: NewsIndex, **settings: object) -> TestClient:
    config = Settings(index_dir=index.corpus.directory, seed_dir=None, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, index=index))


def sample(client: TestClient, name: str, **labels: str) -> float:
    """One sample's value from the scrape; 0 when the series does not exist (yet)."""
    text = client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


@pytest.fixture
def measured(seeds_index: NewsIndex) -> Iterator[TestClient]:
    """An app of its own over the seeds index: its registry starts from zero."""
    with app_client(seeds_index) as client:
        yield client


def test_requests_are_counted_by_route_template_and_status(measured: TestClient) -> None:
    counted = "newsrag_http_requests_total"
    template = {"method": "GET", "route": "/documents/{doc_id}"}
    assert sample(measured, counted, **template, status="200") == 0
    measured.get(f"/documents/{DOC_ID}")
    measured.get("/documents/002_113f3f2605a1e54b")
    measured.get("/documents/no-such-document")
    assert sample(measured, counted, **template, status="200") == 2
    assert sample(measured, counted, **template, status="404") == 1
    text = measured.get("/metrics").text
    assert DOC_ID not in text and "no-such-document" not in text  # no raw paths as labels
    latency = "newsrag_http_request_duration_seconds_count"
    assert sample(measured, latency, **template) == 3


def test_the_scrape_is_prometheus_text(measured: TestClient) -> None:
    response = measured.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE newsrag_http_requests_total counter" in response.text


def test_index_size_is_read_at_scrape_time(fresh_client: TestClient) -> None:
    assert sample(fresh_client, "newsrag_documents") == 0
    doc = {"id": "memo", "text": "The harbour reopens on Monday after the storm."}
    chunks = fresh_client.post("/documents", json=doc).json()["chunks"]
    assert sample(fresh_client, "newsrag_documents") == 1
    assert sample(fresh_client, "newsrag_chunks") == chunks >= 1
    model = {"model": "all-MiniLM-L6-v2"}
    assert sample(fresh_client, "newsrag_index_info", **model) == 1


def test_the_watch_matchers_work_is_counted(fresh_client: TestClient) -> None:
    made = fresh_client.post("/watches", json={"query": "harbour storm reopening"})
    assert made.status_code == 201, made.text
    doc = {"id": "memo", "text": "The harbour reopens on Monday after the storm."}
    assert fresh_client.post("/documents", json=doc).status_code == 200
    fresh_client.app.state.watching.matcher.settled(30)  # type: ignore[attr-defined]
    assert sample(fresh_client, "newsrag_watch_pending") == 0
    assert sample(fresh_client, "newsrag_watch_writes_total") == 1
    assert sample(fresh_client, "newsrag_watch_searches_total", kind="bar") >= 1
    assert sample(fresh_client, "newsrag_watch_searches_total", kind="confirm") == 1
    assert len(fresh_client.get(f"/watches/{made.json()['id']}").json()["matches"]) == 1


def test_apps_in_one_process_keep_their_own_counts(seeds_index: NewsIndex) -> None:
    with app_client(seeds_index) as one, app_client(seeds_index) as two:
        for _ in range(3):
            one.get("/healthz")
        route = {"route": "/healthz", "status": "200"}
        assert sample(one, "newsrag_http_requests_total", **route) == 3
        assert sample(two, "newsrag_http_requests_total", **route) == 0


def test_metrics_need_the_key_when_keys_are_set(seeds_index: NewsIndex) -> None:
    with app_client(seeds_index, api_keys=[KEY]) as client:
        assert client.get("/metrics").status_code == 401
        scrape = client.get("/metrics", headers={"Authorization": f"Bearer {KEY}"})
        assert scrape.status_code == 200 and "newsrag_documents 5.0" in scrape.text
        assert 'route="unrouted",status="401"' in scrape.text  # refusals are counted too


def test_embedding_time_is_observed_for_documents_and_queries(tmp_path: Path) -> None:
    """Without an index handed in, the app opens its own with a timed embedder."""
    settings = Settings(index_dir=tmp_path / "index", seed_dir=None)
    with TestClient(create_app(settings)) as client:
        wait_ready(client.get)
        name = "newsrag_embedding_seconds_count"
        assert sample(client, name, kind="query") == 0
        client.post("/documents", json={"id": "memo", "text": "The harbour reopens on Monday."})
        client.post("/search", json={"query": "harbour", "mode": "dense"})
        assert sample(client, name, kind="documents") >= 1
        assert sample(client, name, kind="query") == 1


@pytest.fixture
def llm_client(seeds_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[TestClient]:
    settings = {"llm_base_url": fake_llm.url, "llm_timeout": 0.5, "llm_max_retries": 0}
    with app_client(seeds_index, **settings) as client:
        yield client


def test_llm_fallbacks_are_counted(llm_client: TestClient, fake_llm: FakeLLM) -> None:
    ask = {"question": QUESTION, "llm": "openai:fake"}
    fake_llm.script(Reply(text="Harbin [1]."))
    assert llm_client.post("/answer", json=ask).json()["model"] == "openai:fake"
    assert sample(llm_client, "newsrag_llm_fallbacks_total") == 0
    fake_llm.script(Reply(status=500))
    assert llm_client.post("/answer", json=ask).json()["model"] == "extractive"
    assert sample(llm_client, "newsrag_llm_fallbacks_total") == 1


def test_llm_fallbacks_in_a_chat_stream_are_counted(
    llm_client: TestClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(status=500), Reply(status=500))
    chat = {
        "messages": [{"role": "user", "content": QUESTION}],
        "stream": True,
        "llm": "openai:fake",
    }
    with llm_client.stream("POST", "/chat", json=chat) as response:
        assert "event: done" in response.read().decode()
    assert sample(llm_client, "newsrag_llm_fallbacks_total") == 1
