"""API keys, admin-only writes and CORS, over HTTP on the real app."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from index.newsindex import NewsIndex
from service import security
from service.config import Settings
from service.main import create_app

KEY = "reader-key-0123456789"
ADMIN = "admin-key-0123456789"
ORIGIN = "https://news.example"
DOC = {"id": "memo", "text": "The harbour reopens on Monday."}


def app_client(index: NewsIndex, **settings: object) -> TestClient:
    config = Settings(index_dir=index.corpus.directory, seed_dir=None, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, index=index))


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keyed(seeds_index: NewsIndex) -> Iterator[TestClient]:
    """Keys on, CORS on, over the shared seeds index: read-only tests."""
    with app_client(
        seeds_index, api_keys=[KEY], admin_keys=[ADMIN], cors_origins=[ORIGIN]
    ) as client:
        yield client


@pytest.fixture
def keyed_writes(fresh_index: NewsIndex) -> Iterator[TestClient]:
    with app_client(fresh_index, api_keys=[KEY], admin_keys=[ADMIN]) as client:
        yield client


PROTECTED = [
    ("GET", "/search?q=Harbin"),
    ("POST", "/search"),
    ("POST", "/answer"),
    ("POST", "/chat"),
    ("GET", "/documents"),
    ("GET", "/documents/001_3086c8488f3bd921"),
    ("POST", "/documents"),
    ("DELETE", "/documents/001_3086c8488f3bd921"),
    ("GET", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_without_a_key_the_api_is_a_401_with_a_challenge(
    keyed: TestClient, method: str, path: str
) -> None:
    response = keyed.request(method, path, json={"query": "Harbin"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="newsrag"'
    body = response.json()
    assert body["error"] == "unauthorized" and "NEWSRAG_API_KEYS" in body["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wrong-key-0123456789",
        f"Bearer {KEY[:-1]}",
        f"Bearer {KEY}x",
        f"Bearer {KEY.upper()}",
        f"Basic {KEY}",
        "Bearer",
        KEY,
    ],
)
def test_a_wrong_key_is_a_401(keyed: TestClient, authorization: str) -> None:
    response = keyed.get(
        "/search", params={"q": "Harbin"}, headers={"Authorization": authorization}
    )
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_of_either_list_opens_the_api(keyed: TestClient) -> None:
    for key in (KEY, ADMIN):
        response = keyed.get("/search", params={"q": "Harbin expo"}, headers=auth(key))
        assert response.status_code == 200 and response.json()["results"]
    assert keyed.get("/metrics", headers={"authorization": f"bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/", "/static/app.js", "/openapi.json"])
def test_probes_the_page_and_the_api_description_need_no_key(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 200


def test_readiness_reveals_counts_and_nothing_else(keyed: TestClient) -> None:
    ready = keyed.get("/readyz").json()
    assert set(ready) == {"status", "backend", "documents", "chunks"}
    assert ready["documents"] == 5 and ready["chunks"] > 5 and ready["backend"] == "local"


def test_writes_take_an_admin_key(keyed_writes: TestClient) -> None:
    refused = keyed_writes.post("/documents", json=DOC, headers=auth(KEY))
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert "NEWSRAG_ADMIN_KEYS" in refused.json()["message"]
    assert keyed_writes.get("/documents", headers=auth(KEY)).json()["total"] == 0

    assert keyed_writes.post("/documents", json=DOC, headers=auth(ADMIN)).status_code == 200
    assert keyed_writes.delete("/documents/memo", headers=auth(KEY)).status_code == 403
    assert keyed_writes.get("/documents/memo", headers=auth(KEY)).status_code == 200
    assert keyed_writes.delete("/documents/memo", headers=auth(ADMIN)).status_code == 200


def test_admin_keys_alone_guard_the_writes_only(fresh_index: NewsIndex) -> None:
    with app_client(fresh_index, admin_keys=[ADMIN]) as client:
        assert client.get("/documents").status_code == 200
        anonymous = client.post("/documents", json=DOC)
        assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous.headers
        assert client.get("/documents", headers=auth("wrong-key-0123456789")).status_code == 401
        assert client.post("/documents", json=DOC, headers=auth(ADMIN)).status_code == 200


def test_every_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[bytes] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    keys = [SecretStr(f"key-number-{n}-0123456789") for n in range(3)]
    ring = security.KeyRing(keys, [SecretStr(ADMIN)])
    found = ring.find("key-number-0-0123456789")
    assert found is not None and not found.admin and len(compared) == 4
    assert "key-number" not in found.id  # callers are named by a digest, never by the key


def test_keys_and_origins_are_read_from_comma_separated_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSRAG_API_KEYS", f" {KEY} , {ADMIN},")
    monkeypatch.setenv("NEWSRAG_CORS_ORIGINS", f"{ORIGIN},http://localhost:3000")
    settings = Settings(index_dir=tmp_path)
    assert [k.get_secret_value() for k in settings.api_keys] == [KEY, ADMIN]
    assert settings.cors_origins == [ORIGIN, "http://localhost:3000"]
    assert KEY not in repr(settings)


def test_a_short_key_is_refused_without_being_echoed(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(index_dir=tmp_path, api_keys="hunter2")
    assert "16 characters" in str(refused.value) and "hunter2" not in str(refused.value)


def preflight(client: TestClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/search",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    return {"status": str(response.status_code), **response.headers}


def test_cors_preflight_admits_configured_origins_only(keyed: TestClient) -> None:
    allowed = preflight(keyed, ORIGIN)
    assert allowed["status"] == "200" and allowed["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed["access-control-allow-headers"].lower()
    denied = preflight(keyed, "https://evil.example")
    assert denied["status"] == "400" and "access-control-allow-origin" not in denied


def test_cors_headers_reach_answers_and_refusals(keyed: TestClient) -> None:
    for headers in ({"Origin": ORIGIN}, {"Origin": ORIGIN, **auth(KEY)}):
        response = keyed.get("/search", params={"q": "Harbin"}, headers=headers)
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = preflight(client, ORIGIN)
    assert response["status"] == "405" and "access-control-allow-origin" not in response


def test_access_tells_a_page_which_controls_will_work(fresh_index: NewsIndex) -> None:
    with app_client(fresh_index, api_keys=[KEY], admin_keys=[ADMIN]) as client:
        assert client.get("/access").status_code == 401
        user = client.get("/access", headers={"Authorization": f"Bearer {KEY}"}).json()
        assert user == {"keys_required": True, "role": "user"}
        admin = client.get("/access", headers={"Authorization": f"Bearer {ADMIN}"}).json()
        assert admin == {"keys_required": True, "role": "admin"}
        upload = [("files", ("a.txt", b"Some article text."))]
        headers = {"Authorization": f"Bearer {KEY}"}
        assert client.post("/documents/upload", files=upload, headers=headers).status_code == 403
    with app_client(fresh_index) as client:
        assert client.get("/access").json() == {"keys_required": False, "role": "admin"}
