"""Body size, upload size and rate limits: refused early, in JSON that names the setting."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from service.config import Settings
from service.limits.rate import TokenBuckets
from service.main import create_app
from tests.service.live import serve

LIMIT = 1000
KEY_A = "first-key-0123456789"
KEY_B = "second-key-0123456789"
JSON = {"content-type": "application/json"}


def app_for(index: NewsIndex, **settings: object) -> TestClient:
    config = Settings(index_dir=index.corpus.directory, seed_dir=None, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, index=index))


@pytest.fixture
def limited(fresh_index: NewsIndex) -> Iterator[TestClient]:
    with app_for(fresh_index, max_body_bytes=LIMIT, max_documents_per_upload=3) as client:
        yield client


def assert_too_large(response: Any, setting: str) -> None:
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "too_large" and setting in body["message"]


def test_a_body_under_the_limit_goes_through(limited: TestClient) -> None:
    doc = {"id": "short", "text": "The harbour reopens on Monday. " * 5}
    assert len(json.dumps(doc)) < LIMIT
    assert limited.post("/documents", json=doc).status_code == 200


def test_an_oversized_content_length_is_a_413_naming_the_limit(limited: TestClient) -> None:
    body = json.dumps({"id": "long", "text": "x" * LIMIT}).encode()
    response = limited.post("/documents", content=body, headers=JSON)
    assert_too_large(response, f"NEWSRAG_MAX_BODY_BYTES={LIMIT}")
    assert limited.get("/documents").json()["total"] == 0


def test_an_oversized_chunked_body_is_a_413(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "long", "text": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    response = limited.post("/documents", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_too_large(response, f"NEWSRAG_MAX_BODY_BYTES={LIMIT}")


@pytest.fixture(scope="module")
def server(seeds_index: NewsIndex) -> Iterator[tuple[str, int]]:
    settings = Settings(index_dir=seeds_index.corpus.directory, seed_dir=None, max_body_bytes=LIMIT)
    with serve(create_app(settings, index=seeds_index)) as address:
        yield address


def exchange(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, Any]]:
    """Sends `request` and reads the answer. The body is never finished: a server waiting for
    the whole of it would make the read time out instead."""
    with socket.create_connection(address, timeout=5) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        while len(body) < int(headers["content-length"]):
            body += conn.recv(65536)
    return int(lines[0].split()[1]), json.loads(body)


def test_an_oversized_content_length_is_refused_before_any_body_is_sent(
    server: tuple[str, int],
) -> None:
    request = b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    status, body = exchange(server, request + b"Content-Length: 1000000000\r\n\r\n")
    assert status == 413 and body["error"] == "too_large"


def test_a_chunked_body_is_refused_once_it_passes_the_limit(server: tuple[str, int]) -> None:
    chunk = b"258\r\n" + b"x" * 600 + b"\r\n"  # 0x258 = 600 bytes; two pass the limit
    request = (
        b"POST /documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunk + chunk
    )
    status, body = exchange(server, request)
    assert status == 413 and f"NEWSRAG_MAX_BODY_BYTES={LIMIT}" in body["message"]


def test_too_many_documents_in_one_upload_is_a_413_naming_the_limit(limited: TestClient) -> None:
    docs = [{"id": f"d{n}", "text": f"story {n}"} for n in range(4)]
    assert_too_large(limited.post("/documents", json=docs), "NEWSRAG_MAX_DOCUMENTS_PER_UPLOAD=3")
    assert limited.get("/documents").json()["total"] == 0
    assert limited.post("/documents", json=docs[:3]).status_code == 200


@pytest.fixture(scope="module")
def rate_limited(seeds_index: NewsIndex) -> Iterator[TestClient]:
    settings = {"api_keys": [KEY_A, KEY_B], "rate_limit_per_minute": 1, "rate_limit_burst": 2}
    with app_for(seeds_index, **settings) as client:
        yield client


def search(client: TestClient, key: str) -> Any:
    return client.get("/search", params={"q": "Harbin"}, headers={"Authorization": f"Bearer {key}"})


def test_after_the_burst_a_key_gets_429_with_retry_after(rate_limited: TestClient) -> None:
    assert [search(rate_limited, KEY_A).status_code for _ in range(2)] == [200, 200]
    refused = search(rate_limited, KEY_A)
    assert refused.status_code == 429
    assert 50 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert "NEWSRAG_RATE_LIMIT_PER_MINUTE=1" in body["message"]
    assert "NEWSRAG_RATE_LIMIT_BURST=2" in body["message"]

    assert search(rate_limited, KEY_B).status_code == 200
    assert all(rate_limited.get("/healthz").status_code == 200 for _ in range(5))


def test_without_keys_each_client_address_has_its_own_bucket(seeds_index: NewsIndex) -> None:
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        rate_limit_per_minute=1,
        rate_limit_burst=1,
    )
    app = create_app(settings, index=seeds_index)
    one, two = TestClient(app, client=("10.0.0.1", 1)), TestClient(app, client=("10.0.0.2", 1))
    with one, two:
        assert one.get("/documents").status_code == 200
        assert one.get("/documents").status_code == 429
        assert two.get("/documents").status_code == 200


def test_a_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=6, burst=2, clock=lambda: now[0])  # a token per 10 s
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(10.0)
    now[0] = 4.0
    assert buckets.take("a") == pytest.approx(6.0)
    now[0] = 10.0
    assert buckets.take("a") == 0.0
    now[0] = 1000.0  # a long pause refills to the burst, no further
    assert [buckets.take("a") for _ in range(3)][2] == pytest.approx(10.0)
