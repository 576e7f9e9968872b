"""`as_of`: a question is asked on a day, and nothing published after it is used."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from index.corpus.local import LocalView
from index.filters import Filters
from index.models import Document
from index.newsindex import NewsIndex
from newsrag.cli import app

ARTICLES = [
    {"id": "march", "date": "2025-03-20", "text": "The central bank held interest rates in March."},
    {"id": "may", "date": "2025-05-06", "text": "The central bank cut interest rates in May."},
    {"id": "undated", "text": "The central bank publishes its interest rate decisions online."},
]
QUERY = "central bank interest rates"


@pytest.fixture
def dated(fresh_client: TestClient) -> TestClient:
    assert fresh_client.post("/documents", json=ARTICLES).status_code == 200
    return fresh_client


def found(client: TestClient, **body: object) -> set[str]:
    response = client.post("/search", json={"query": QUERY, "k": 10, **body})
    assert response.status_code == 200, response.text
    return {hit["doc_id"] for hit in response.json()["results"]}


def test_nothing_published_after_as_of_is_used(dated: TestClient) -> None:
    assert found(dated) == {"march", "may", "undated"}  # default: today
    assert found(dated, as_of="2025-04-01") == {"march", "undated"}  # undated cannot be later
    assert found(dated, as_of="2025-05-06T09:30:00") == {"march", "may", "undated"}  # that day
    assert found(dated, as_of="2025-03-19", filters={"date_from": "2025-01-01"}) == set()
    get = dated.get("/search", params={"q": QUERY, "k": 10, "as_of": "2025-04-01"})
    assert {hit["doc_id"] for hit in get.json()["results"]} == {"march", "undated"}


def test_answer_and_chat_take_as_of(dated: TestClient) -> None:
    question = {"question": "What did the central bank do with rates?", "as_of": "2025-04-01"}
    passages = dated.post("/answer", json=question).json()["passages"]
    assert {p["doc_id"] for p in passages} <= {"march", "undated"} and passages
    message = {"role": "user", "content": "What did the central bank do with rates?"}
    chat = dated.post("/chat", json={"messages": [message], "as_of": "2025-04-01"}).json()
    assert {p["doc_id"] for p in chat["passages"]} <= {"march", "undated"} and chat["passages"]


@pytest.mark.parametrize("bad", ["May 6", "2025-13-01", "yesterday"])
def test_an_unreadable_as_of_is_refused(dated: TestClient, bad: str) -> None:
    response = dated.post("/search", json={"query": QUERY, "as_of": bad})
    assert response.status_code == 422 and "as_of" in response.text


def test_as_of_at_or_after_the_newest_article_filters_nothing(
    fresh_index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_index.upsert([Document(a["id"], a["text"], date=a.get("date")) for a in ARTICLES])
    corpus = fresh_index.corpus
    view = corpus.view
    allowed: list[np.ndarray | None] = []  # the chunk ids each search's view was limited to

    searching = threading.get_ident()  # not story grouping's thread, which reads views too

    @contextmanager
    def watched(filters: Filters) -> Iterator[LocalView]:
        with view(filters) as seen:
            if threading.get_ident() == searching:
                allowed.append(seen.allowed)
            yield seen

    monkeypatch.setattr(corpus, "view", watched)

    def filtered(as_of: str) -> np.ndarray | None:
        fresh_index.search(QUERY, 5, Filters(as_of=as_of), timed=False)
        return allowed[-1]

    assert filtered("2025-05-06") is None  # no search pays for a filter
    assert filtered("2099-01-01") is None
    assert filtered("2025-05-05") is not None


def test_the_cli_asks_as_of_a_day(index_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for article in ARTICLES:
        lines = [f"date {article['date']}"] if "date" in article else []
        (tmp_path / f"{article['id']}.txt").write_text("\n".join([*lines, article["text"]]))
    assert (
        runner.invoke(
            app, ["index", *(str(tmp_path / f"{a['id']}.txt") for a in ARTICLES)]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["search", QUERY, "-k", "5", "--as-of", "2025-04-01"])
    assert result.exit_code == 0, result.output
    assert (
        "march" in result.output and "undated" in result.output and "· may [" not in result.output
    )
    assert runner.invoke(app, ["search", QUERY, "--as-of", "April"]).exit_code == 2
