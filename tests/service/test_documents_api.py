"""Documents over HTTP: upsert, list, read, replace and delete, visible to the next search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

ARTICLE = {
    "id": "gas-2024",
    "title": "Pipeline completed",
    "text": "The China-Russia east-route gas pipeline was fully completed in December 2024.",
    "date": "2024-12-02",
    "source": "Xinhua",
    "url": "https://example.org/gas",
}


def search_ids(client: TestClient, query: str) -> list[str]:
    return [r["doc_id"] for r in client.post("/search", json={"query": query}).json()["results"]]


def test_upsert_one_then_read_it_back(fresh_client: TestClient) -> None:
    response = fresh_client.post("/documents", json=ARTICLE)
    assert response.status_code == 200
    assert response.json() == {"added": ["gas-2024"], "replaced": [], "unchanged": [], "chunks": 1}
    doc = fresh_client.get("/documents/gas-2024").json()
    assert doc["text"] == ARTICLE["text"] and doc["date"] == "2024-12-02"
    assert doc["chunks"] == [
        {"chunk_id": "gas-2024:0", "chunk_no": 0, "start": 0, "end": len(ARTICLE["text"])}
    ]
    assert search_ids(fresh_client, "gas pipeline") == ["gas-2024"]


def test_upsert_a_list_and_list_them(fresh_client: TestClient) -> None:
    docs = [ARTICLE, {"id": "expo", "text": "Putin opens the China-Russia Expo in Harbin."}]
    assert fresh_client.post("/documents", json=docs).json()["added"] == ["gas-2024", "expo"]
    listing = fresh_client.get("/documents").json()
    assert listing["total"] == 2
    assert [d["id"] for d in listing["documents"]] == ["expo", "gas-2024"]
    assert (
        fresh_client.get("/documents", params={"limit": 1, "offset": 1}).json()["documents"][0][
            "id"
        ]
        == "gas-2024"
    )


def test_same_id_replaces_and_same_content_is_unchanged(fresh_client: TestClient) -> None:
    fresh_client.post("/documents", json=ARTICLE)
    assert fresh_client.post("/documents", json=ARTICLE).json()["unchanged"] == ["gas-2024"]
    changed = {**ARTICLE, "text": "Harbin hosts the ice and snow festival every January."}
    assert fresh_client.post("/documents", json=changed).json()["replaced"] == ["gas-2024"]
    hit = fresh_client.post("/search", json={"query": "ice festival"}).json()["results"][0]
    assert hit["text"] == changed["text"]
    assert fresh_client.get("/readyz").json()["chunks"] == 1


def test_delete_is_visible_to_the_next_search(fresh_client: TestClient) -> None:
    fresh_client.post("/documents", json=ARTICLE)
    assert fresh_client.delete("/documents/gas-2024").json() == {"deleted": "gas-2024"}
    assert search_ids(fresh_client, "gas pipeline") == []
    assert fresh_client.get("/documents/gas-2024").status_code == 404


@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_document_is_a_404(fresh_client: TestClient, method: str) -> None:
    response = getattr(fresh_client, method)("/documents/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no document with id 'nope'"}


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"id": "a"}, "text"),
        ({"text": "hello"}, "id"),
        ({"id": "a", "text": "  "}, "text"),
        ({"id": "", "text": "hello"}, "id"),
        ({"id": "a/b", "text": "hello"}, "id"),
        ({"id": "a", "text": "hello", "date": "31/12/2024"}, "date"),
        ([], "at least 1"),
        ("just a string", "body"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_lost(
    fresh_client: TestClient, payload: object, where: str
) -> None:
    fresh_client.post("/documents", json=ARTICLE)
    response = fresh_client.post("/documents", json=payload)
    assert response.status_code == 422 and where in response.json()["message"]
    assert fresh_client.get("/documents/gas-2024").status_code == 200


def test_a_bad_document_in_a_list_refuses_the_whole_list(fresh_client: TestClient) -> None:
    response = fresh_client.post("/documents", json=[ARTICLE, {"id": "x"}])
    assert response.status_code == 422
    assert fresh_client.get("/documents").json()["total"] == 0


def test_a_posted_article_gets_what_its_dateline_says_unless_the_caller_says(
    fresh_client: TestClient,
) -> None:
    quake = "MANDALAY, Myanmar, March 28, 2025 (AP) — A powerful earthquake shook central Myanmar."
    oil = "LONDON, Feb 26 (Reuters) - Oil prices rose on Wednesday as supplies tightened."
    docs = [
        {"id": "quake", "text": quake},
        {"id": "oil", "text": oil},
        {"id": "given", "text": quake, "date": "2025-03-29", "source": "Local Radio"},
    ]
    assert fresh_client.post("/documents", json=docs).status_code == 200
    got = {d: fresh_client.get(f"/documents/{d}").json() for d in ("quake", "oil", "given")}
    assert (got["quake"]["date"], got["quake"]["source"]) == ("2025-03-28", "AP")
    assert (got["oil"]["date"], got["oil"]["source"]) == (None, "Reuters")  # no year: no date
    assert (got["given"]["date"], got["given"]["source"]) == ("2025-03-29", "Local Radio")
    # Untitled, each is named by its story's first words, the same in the listing and alone.
    listed = {d["id"]: d["excerpt"] for d in fresh_client.get("/documents").json()["documents"]}
    assert listed["quake"] == got["quake"]["excerpt"] == quake.split(" — ", 1)[1]
    assert listed["oil"] == got["oil"]["excerpt"] == oil.split(" - ", 1)[1]


def test_upload_files_reads_them_as_index_does_and_reports_the_bad(
    fresh_client: TestClient,
) -> None:
    files = [
        ("files", ("expo.md", b"# Expo opens\n\nPutin opens the China-Russia Expo in Harbin.")),
        ("files", ("wire.jsonl", b'{"id": "oil", "text": "Oil rose.", "source": "Reuters"}\n{\n')),
        ("files", ("scan.pdf", b"%PDF-1.7")),
    ]
    response = fresh_client.post("/documents/upload", files=files)
    assert response.status_code == 200
    body = response.json()
    assert body["added"] == ["expo", "oil"]
    assert [(f["name"], f["documents"]) for f in body["files"]] == [
        ("expo.md", ["expo"]),
        ("wire.jsonl", ["oil"]),
        ("scan.pdf", []),
    ]
    assert body["files"][1]["problems"] == [
        "line 2: invalid JSON: Expecting property name enclosed in double quotes"
    ]
    assert "unsupported file type .pdf" in body["files"][2]["error"]
    assert fresh_client.get("/documents/expo").json()["title"] == "Expo opens"
    assert search_ids(fresh_client, "Expo in Harbin")[0] == "expo"


def test_an_upload_with_nothing_readable_is_refused(fresh_client: TestClient) -> None:
    only_bad = [("files", ("scan.pdf", b"%PDF-1.7")), ("files", ("../empty.txt", b"  \n"))]
    response = fresh_client.post("/documents/upload", files=only_bad)
    assert response.status_code == 422
    message = response.json()["message"]
    assert "scan.pdf: unsupported file type" in message and "empty.txt: file has no text" in message
    assert fresh_client.get("/documents").json()["total"] == 0
    assert fresh_client.post("/documents/upload").status_code == 422  # no file at all


def test_list_searches_ids_titles_and_sources_and_sources_are_counted(
    fresh_client: TestClient,
) -> None:
    fresh_client.post(
        "/documents",
        json=[
            ARTICLE,
            {"id": "expo", "text": "Putin opens the Expo.", "source": "TASS"},
            {"id": "ice", "text": "Harbin's ice festival.", "source": "xinhua"},
            {"id": "100%_sure", "text": "A percent sign in an id."},
        ],
    )

    def ids(q: str) -> tuple[int, int, list[str]]:
        body = fresh_client.get("/documents", params={"q": q}).json()
        return body["total"], body["matching"], [d["id"] for d in body["documents"]]

    assert ids("pipeline") == (4, 1, ["gas-2024"])  # the title
    assert ids("XINHUA") == (4, 2, ["gas-2024", "ice"])  # the source, any case
    assert ids("%") == (4, 1, ["100%_sure"])  # literal, not a wildcard
    assert ids("_") == (4, 1, ["100%_sure"])
    sources = fresh_client.get("/sources").json()["sources"]
    assert [(s["name"].lower(), s["documents"]) for s in sources] == [("xinhua", 2), ("tass", 1)]
