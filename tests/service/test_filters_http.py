"""The same filters and limits on every route: GET /search filters, lists of sources, refused
inverted ranges and unknown parameters, NEWSRAG_MAX_K and the query length on /answer and /chat."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from service.config import Settings
from service.limits.caps import MAX_K
from service.main import create_app

QUESTION = "What did the central bank do with interest rates?"


def ids(response: object) -> set[str]:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    return {hit["doc_id"] for hit in response.json()["results"]}  # type: ignore[attr-defined]


def test_get_search_takes_the_filters_post_does(dated_client: TestClient) -> None:
    base = {"q": "interest rates", "k": 40, "as_of": "2025-10-01"}
    march = ids(dated_client.get("/search", params={**base, "date_from": "2025-03-01",
                                                    "date_to": "2025-03-31"}))  # fmt: skip
    assert march and all(doc.startswith(("01", "03", "05", "06", "07")) for doc in march)
    bloomberg = ids(dated_client.get("/search", params={**base, "source": "bloomberg"}))
    assert (
        bloomberg
        == {"08-oil-inventories", "10-copper-record", "13-fed-gradual-cuts"}
        & (bloomberg | {"13-fed-gradual-cuts"})
        and "13-fed-gradual-cuts" in bloomberg
    )
    both = ids(dated_client.get("/search", params={**base, "source": ["Bloomberg", "Lusa"]}))
    assert bloomberg < both and any(doc.startswith(("07", "14")) for doc in both)
    one = ids(dated_client.get("/search", params={**base, "doc_id": "04-ecb-cuts-april"}))
    assert one == {"04-ecb-cuts-april"}


def test_post_search_takes_a_list_of_sources(dated_client: TestClient) -> None:
    body = {"query": "interest rates", "k": 40, "filters": {"source": ["Bloomberg", "lusa"]}}
    found = ids(dated_client.post("/search", json=body))
    assert found and all(doc.startswith(("07", "08", "10", "13", "14")) for doc in found)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "rates", "date_from": "2025-05-01", "date_to": "2025-04-01"},
        {"q": "rates", "sorce": "Reuters"},  # a misspelt filter is no filter at all
        {"q": "rates", "date_from": "May"},
    ],
)
def test_get_search_refuses_what_it_cannot_honour(
    dated_client: TestClient, params: dict[str, str]
) -> None:
    response = dated_client.get("/search", params=params)
    assert response.status_code == 422 and response.json()["message"]


def test_an_inverted_range_is_refused_on_post(dated_client: TestClient) -> None:
    body = {"query": "rates", "filters": {"date_from": "2025-05-01", "date_to": "2025-04-01"}}
    response = dated_client.post("/search", json=body)
    assert response.status_code == 422 and "after date_to" in response.json()["message"]


@pytest.fixture
def tight(seeds_index: NewsIndex) -> Iterator[TestClient]:
    settings = Settings(
        index_dir=seeds_index.corpus.directory, seed_dir=None, max_k=3, max_query_chars=40
    )
    with TestClient(create_app(settings, index=seeds_index)) as client:
        yield client


def test_every_route_applies_max_k_and_the_query_length(tight: TestClient) -> None:
    short = "Who is Ma Youjun?"
    long = "Who is Ma Youjun, and what does he say about the two countries?"
    message = {"role": "user", "content": short}
    for path, body in (
        ("/search", {"query": short, "k": 4}),
        ("/answer", {"question": short, "k": 4}),
        ("/chat", {"messages": [message], "k": 4}),
    ):
        response = tight.post(path, json=body)
        assert response.status_code == 422 and "NEWSRAG_MAX_K" in response.json()["message"], path
    for path, body in (
        ("/answer", {"question": long}),
        ("/chat", {"messages": [{"role": "user", "content": long}]}),
    ):  # the default k (5) is lowered to the limit, not refused
        response = tight.post(path, json=body)
        assert response.status_code == 422 and "limit is 40" in response.json()["message"], path
    assert tight.post("/chat", json={"messages": [message], "k": 3}).status_code == 200
    assert len(tight.post("/search", json={"query": short}).json()["results"]) <= 3


def test_every_k_has_the_one_hard_cap(client: TestClient) -> None:
    """The schema's cap is one constant: the same maximum in the OpenAPI document and the same
    422 above it on every route, whatever NEWSRAG_MAX_K lowers it to."""
    schema = client.get("/openapi.json").json()
    bodies = schema["components"]["schemas"]
    for name in ("SearchRequest", "AnswerRequest", "ChatRequest"):
        assert bodies[name]["properties"]["k"]["maximum"] == MAX_K, name
    (k,) = (p for p in schema["paths"]["/search"]["get"]["parameters"] if p["name"] == "k")
    assert k["schema"]["maximum"] == MAX_K
    message = {"role": "user", "content": "Who is Ma Youjun?"}
    for method, path, body in (
        ("POST", "/search", {"query": "trade", "k": MAX_K + 1}),
        ("POST", "/answer", {"question": "Who is Ma Youjun?", "k": MAX_K + 1}),
        ("POST", "/chat", {"messages": [message], "k": MAX_K + 1}),
    ):
        response = client.request(method, path, json=body)
        assert response.status_code == 422 and "k" in response.json()["message"], path
    assert client.get("/search", params={"q": "trade", "k": MAX_K + 1}).status_code == 422
    assert client.get("/search", params={"q": "trade", "k": MAX_K}).status_code == 200
