"""Stories over HTTP: GET /stories and /stories/{id}, story ids on hits and answer passages,
and search folded by story."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from tests.index.stories_corpus import ALL


@pytest.fixture
def quakes(fresh_client: TestClient, fresh_index: NewsIndex) -> Iterator[TestClient]:
    """The app over the earthquake corpus, written over HTTP one article at a time."""
    for doc in ALL:
        body = {"id": doc.id, "text": doc.text, "date": doc.date, "source": doc.source}
        if doc.title:
            body["title"] = doc.title
        assert fresh_client.post("/documents", json=body).status_code == 200
    assert fresh_index.stories.wait(60)
    yield fresh_client


def test_stories_newest_first_with_their_articles(quakes: TestClient) -> None:
    body = quakes.get("/stories").json()
    assert [s["last_updated"] for s in body["stories"]] == [
        "2025-03-27",
        "2025-03-06",
        "2025-03-05",
    ]
    hokkaido = body["stories"][2]
    assert hokkaido["first_seen"] == "2025-03-03" and hokkaido["sources"] == [
        "AP",
        "Reuters",
        "Kyodo",
    ]
    assert [a["doc_id"] for a in hokkaido["articles"]] == [
        "quake-ap",
        "quake-reuters",
        "quake-kyodo",
    ]
    assert hokkaido["articles"][1] == {
        "doc_id": "quake-reuters",
        "headline": "Strong quake off Hokkaido triggers tsunami warnings",
        "source": "Reuters",
        "date": "2025-03-03",
    }
    one = quakes.get(f"/stories/{hokkaido['id']}").json()
    assert one == hokkaido


def test_since_q_and_limit_narrow_the_list(quakes: TestClient) -> None:
    since = quakes.get("/stories", params={"since": "2025-03-06"}).json()["stories"]
    assert [s["last_updated"] for s in since] == ["2025-03-27", "2025-03-06"]
    kyodo = quakes.get("/stories", params={"q": "KYODO"}).json()["stories"]
    assert len(kyodo) == 2
    peru = quakes.get("/stories", params={"q": "southern Peru"}).json()["stories"]
    assert [s["label_doc"] for s in peru] == ["peru-quake"]
    assert len(quakes.get("/stories", params={"limit": 1}).json()["stories"]) == 1


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"sinse": "2025-03-01"}, "unknown query parameter(s) sinse"),
        ({"since": "last week"}, "since"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"q": ""}, "q"),
    ],
)
def test_bad_listing_requests_are_refused_clearly(
    client: TestClient, params: dict[str, object], said: str
) -> None:
    response = client.get("/stories", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request" and said in body["message"]


def test_an_unknown_story_is_a_404(client: TestClient) -> None:
    response = client.get("/stories/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no story with id 'nope'"}
    assert client.get("/stories/nope", params={"x": 1}).status_code == 422


def test_hits_documents_and_answer_passages_carry_their_story(quakes: TestClient) -> None:
    stories = {
        a["doc_id"]: s["id"]
        for s in quakes.get("/stories").json()["stories"]
        for a in s["articles"]
    }
    hits = quakes.get("/search", params={"q": "Hokkaido tsunami warning", "k": 5}).json()["results"]
    assert [h["story_id"] for h in hits] == [stories[h["doc_id"]] for h in hits]
    assert all(h["also_reported_by"] == [] for h in hits)
    assert quakes.get("/documents/quake-ap").json()["story_id"] == stories["quake-ap"]
    answer = quakes.post("/answer", json={"question": "Where could the tsunami waves reach?"})
    passages = answer.json()["passages"]
    assert passages and all(p["story_id"] == stories[p["doc_id"]] for p in passages)


def test_search_folds_a_story_into_one_hit(quakes: TestClient) -> None:
    body = {"query": "Hokkaido tsunami warning", "k": 3, "stories": True}
    hits = quakes.post("/search", json=body).json()["results"]
    assert len({h["story_id"] for h in hits}) == 3
    top = next(h for h in hits if h["doc_id"] in {"quake-reuters", "quake-ap", "quake-kyodo"})
    others = {r["doc_id"]: r for r in top["also_reported_by"]}
    assert set(others) | {top["doc_id"]} == {"quake-reuters", "quake-ap", "quake-kyodo"}
    assert others["quake-kyodo"] == {
        "doc_id": "quake-kyodo",
        "source": "Kyodo",
        "date": "2025-03-05",
    }
    params = {"q": "Hokkaido tsunami warning", "k": 3, "stories": "true", "source": "Kyodo"}
    kyodo = quakes.get("/search", params=params).json()["results"]
    assert all(h["also_reported_by"] == [] for h in kyodo)  # the filter leaves the others out
