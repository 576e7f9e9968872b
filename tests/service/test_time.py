"""Time in the question (windows, the recency prior, shown back), answers that say when they
hold, relative times read against their article's date, and the timeline."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from index.filters import Filters
from index.newsindex import NewsIndex
from newsrag.cli import app

AS_OF = "2025-10-01"


def search(client: TestClient, query: str, k: int = 5) -> dict[str, Any]:
    response = client.post("/search", json={"query": query, "k": k, "as_of": AS_OF})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_named_month_brings_that_months_articles(dated_client: TestClient) -> None:
    body = search(dated_client, "What happened in March 2025?")
    assert body["time"]["window"] == {
        "start": "2025-03-01",
        "end": "2025-03-31",
        "text": "March 2025",
        "label": "March 2025",
    }
    assert body["time"]["prior"] is not None  # outweighed by the window: see below
    dates = [hit["date"] for hit in body["results"]]
    assert all(day.startswith("2025-03") for day in dates[:4]), dates


def test_a_named_period_is_not_pulled_toward_recent_articles(dated_client: TestClient) -> None:
    assert search(dated_client, "What did the ECB do in April 2025?")["results"][0]["doc_id"] == (
        "04-ecb-cuts-april"
    )
    # September's Fed story matches "decide" better, and mentions the March meeting in passing.
    march = search(dated_client, "What did the Fed decide in March?")
    assert march["results"][0]["doc_id"] == "01-fed-holds-march"
    assert march["time"]["window"]["label"] == "March 2025"


def test_a_question_about_now_prefers_the_newest_reports(dated_client: TestClient) -> None:
    body = search(dated_client, "What is the latest on interest rates?")
    assert body["time"]["window"] is None
    assert body["time"]["prior"] == {"weight": 0.5, "half_life_days": 7.0}
    assert body["time"]["as_of"] == AS_OF
    assert body["results"][0]["date"] >= "2025-09-01"


def test_undated_articles_rank_after_dated_ones_on_the_period(dated_client: TestClient) -> None:
    hits = search(dated_client, "What did central banks do in March 2025?", 40)["results"]
    ids = list(dict.fromkeys(hit["doc_id"] for hit in hits))  # articles, by their best passage
    undated = ids.index("15-central-bank-independence")
    assert undated > max(ids.index("01-fed-holds-march"), ids.index("03-ecb-cuts-march"))
    assert ids[:2] == ["01-fed-holds-march", "03-ecb-cuts-march"]


def test_nothing_published_well_before_the_window_is_used(dated_client: TestClient) -> None:
    body = search(dated_client, "What happened to oil prices in September 2025?", 10)
    dates = [hit["date"] for hit in body["results"] if hit["date"]]
    assert dates and min(dates) >= "2025-08-25"  # a week's slack before 1 September


def test_windows_can_be_turned_off(dated_index: NewsIndex) -> None:
    from dataclasses import replace

    searcher = dated_index.searcher
    kept = searcher.settings
    searcher.settings = replace(kept, window_weight=0)
    try:
        asked = dated_index.search("What happened in March 2025?", filters=Filters(as_of=AS_OF))
        assert asked.time.window is None
    finally:
        searcher.settings = kept


def test_an_answer_says_as_of_when_it_holds(dated_client: TestClient) -> None:
    question = {"question": "What did the ECB do in April 2025?", "as_of": AS_OF, "k": 3}
    body = dated_client.post("/answer", json=question).json()
    assert body["holds_as_of"] == "2025-04-17"
    assert body["answer"].startswith("As of 17 April 2025: ")
    assert body["time"]["window"]["label"] == "April 2025"
    april = next(p for p in body["passages"] if p["doc_id"] == "04-ecb-cuts-april")
    thursday = next(t for t in april["times"] if t["text"] == "Thursday")
    assert thursday["label"] == "17 April 2025"  # read against the article's date
    assert april["text"][thursday["start"] : thursday["end"]] == "Thursday"  # text verbatim
    noted = [t for s in body["sentences"] for t in s["times"]]
    assert all(t["date_from"] <= t["date_to"] for t in noted)


def test_an_answer_from_undated_articles_says_no_date(dated_client: TestClient) -> None:
    question = {"question": "Why is central bank independence under scrutiny?", "k": 1}
    body = dated_client.post("/answer", json=question).json()
    assert body["passages"][0]["date"] is None
    assert body["holds_as_of"] is None and not body["answer"].startswith("As of")


def test_chat_streams_what_it_read_about_time(dated_client: TestClient) -> None:
    message = {"role": "user", "content": "What did the ECB do in April 2025?"}
    with dated_client.stream(
        "POST", "/chat", json={"messages": [message], "stream": True, "as_of": AS_OF}
    ) as response:
        text = "".join(response.iter_text())
    passages = text.split("event: passages", 1)[1].split("\n\n", 1)[0]
    assert '"label": "April 2025"' in passages
    assert '"holds_as_of": "2025-04-17"' in text.split("event: done", 1)[1]


def test_the_timeline_is_dated_cited_and_oldest_first(dated_client: TestClient) -> None:
    response = dated_client.get("/timeline", params={"q": "interest rates", "as_of": AS_OF})
    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert len(events) >= 4
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    for event in events:
        cited = event["cited"]
        text = dated_client.get(f"/documents/{cited['doc_id']}").json()["text"]
        assert text[cited["start"] : cited["end"]] == event["text"]
        assert event["date"] <= AS_OF and cited["date"] is not None
    thursday = next(e for e in events if e["cited"]["doc_id"] == "04-ecb-cuts-april")
    assert (thursday["date"], thursday["dated_by"]) == ("2025-04-17", "sentence")


def test_the_timeline_folds_repeats_and_skips_furniture(fresh_client: TestClient) -> None:
    fact = "The council approved the new tram line on Tuesday after a long debate."
    articles = [
        {"id": "a", "date": "2025-01-15", "text": f"Tram line approved | Lusa\n\n{fact}"},
        {"id": "b", "date": "2025-01-16", "source": "Wire", "text": f"LISBON (AP) — {fact}"},
        {"id": "c", "date": "2024-06-03", "text": "The tram line was first proposed in May 2024."},
    ]
    assert fresh_client.post("/documents", json=articles).status_code == 200
    events = fresh_client.get("/timeline", params={"q": "tram line"}).json()["events"]
    assert [e["label"] for e in events] == ["May 2024", "14 January 2025"]
    assert events[0]["cited"]["doc_id"] == "c"
    folded = {events[1]["cited"]["doc_id"], *(s["doc_id"] for s in events[1]["also_in"])}
    assert folded == {"a", "b"} and len(events[1]["also_in"]) == 1


def test_timeline_refuses_bad_input(dated_client: TestClient) -> None:
    for params in (
        {"q": " "},
        {"q": "rates", "limit": 0},
        {"q": "rates", "as_of": "soon"},
        {"q": "rates", "date_from": "2025-05-01", "date_to": "2025-04-01"},
        {"q": "rates", "sources": "Reuters"},  # misspelt: refused, not ignored
    ):
        response = dated_client.get("/timeline", params=params)
        assert response.status_code == 422 and "message" in response.json()
    inverted = {"q": "rates", "date_from": "2025-05-01", "date_to": "2025-04-01"}
    said = dated_client.get("/timeline", params=inverted).json()["message"]
    assert said == "date_from 2025-05-01 is after date_to 2025-04-01"  # of the query, no "body:"


def test_timeline_takes_the_search_filters(dated_client: TestClient) -> None:
    every = dated_client.get("/timeline", params={"q": "interest rates", "as_of": AS_OF}).json()
    april = {
        "q": "interest rates",
        "as_of": AS_OF,
        "date_from": "2025-04-01",
        "date_to": "2025-04-30",
    }
    found = dated_client.get("/timeline", params=april).json()["events"]
    assert found and len(found) < len(every["events"])
    assert all("2025-04-01" <= e["cited"]["date"] <= "2025-04-30" for e in found)
    sources = {e["cited"]["source"] for e in every["events"]} - {None}
    one = sorted(sources)[0]
    only = dated_client.get(
        "/timeline", params={"q": "interest rates", "as_of": AS_OF, "source": one}
    ).json()["events"]
    assert only and {e["cited"]["source"] for e in only} == {one}


def test_the_cli_shows_time(dated_index: NewsIndex, monkeypatch: Any) -> None:
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(dated_index.corpus.directory))
    monkeypatch.setenv("NEWSRAG_SEED_DIR", "")
    runner = CliRunner()
    found = runner.invoke(app, ["search", "What did the Fed decide in March?", "--as-of", AS_OF])
    assert found.exit_code == 0, found.output
    assert 'about March 2025 ("March")' in found.output
    timeline = runner.invoke(app, ["timeline", "interest rates", "--as-of", AS_OF])
    assert timeline.exit_code == 0, timeline.output
    assert "17 April 2025" in timeline.output
