"""Figures across sources: what the answer states beside the other passages' figures for the
same quantity, with a verdict, on the seeds' trade figures and on two outlets' reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.models import Hit
from index.newsindex import NewsIndex
from service.answering.citations import check
from service.answering.figures import compare, figures_in, sentences
from service.config import Settings
from service.main import create_app
from tests.conftest import DATED, SEEDS
from tests.fake_llm import FakeLLM, Reply

TRADE = "How much was China-Russia bilateral trade?"
DEATHS = "How many people died in the Myanmar earthquake?"
BRENT = "How much did Brent crude settle at?"
AS_OF = "2025-05-01"


def article(id: str, source: str, day: str, title: str, body: str) -> dict[str, str]:
    return {"id": id, "source": source, "date": day, "title": title, "text": f"{title}\n\n{body}"}


SATURDAY_TOLL = article(
    "reuters-toll", "Reuters", "2025-03-29", "Myanmar quake toll climbs",
    "The death toll from Friday's earthquake in Myanmar rose to 1,644 on Saturday, the military "
    "government said. Rescuers dug through rubble in Mandalay as aftershocks shook the city.",
)  # fmt: skip
SATURDAY_OTHER = article(
    "ap-toll", "AP", "2025-03-29", "Rescuers search rubble in Mandalay",
    "The earthquake in Myanmar killed 1,002 people, state media reported on Saturday. More than "
    "2,370 people were injured, the report said.",
)  # fmt: skip
SUNDAY_TOLL = article(
    "ap-toll-sunday", "AP", "2025-03-30", "Myanmar quake deaths pass 2,000",
    "The earthquake in Myanmar has killed 2,056 people, the military government said on "
    "Sunday. More than 3,900 people were injured and 270 are missing.",
)  # fmt: skip
BRENT_REUTERS = article(
    "reuters-oil", "Reuters", "2025-04-08", "Oil slides as tariffs bite",
    "Brent crude futures settled at $62.82 a barrel on Tuesday, down 2.2%. U.S. West Texas "
    "Intermediate crude settled at $59.58 a barrel.",
)  # fmt: skip
BRENT_BLOOMBERG = article(
    "bloomberg-oil", "Bloomberg", "2025-04-08", "Crude falls on trade war fears",
    "Brent crude settled at $64.21 a barrel on Tuesday as traders weighed the tariffs.",
)  # fmt: skip
BRENT_NEXT_DAY = article(
    "ft-oil", "FT", "2025-04-09", "Oil rebounds after tariff pause",
    "Brent crude settled at $65.48 a barrel on Wednesday after the tariff pause.",
)  # fmt: skip


def ask(client: TestClient, question: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/answer", json={"question": question, **extra})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    for group in body["figures"]:  # every figure is quoted exactly from the passage it cites
        for figure in group["figures"]:
            passage = body["passages"][figure["citation"] - 1]
            assert passage["text"][figure["start"] : figure["end"]] == figure["text"]
            assert (figure["doc_id"], figure["date"]) == (passage["doc_id"], passage["date"])
    return body


def by_period(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {(g["period"] or {"label": "as reported"})["label"]: g for g in body["figures"]}


def texts(group: dict[str, Any]) -> list[str]:
    return [f["text"] for f in group["figures"]]


def test_the_seeds_2024_trade_figures_agree_and_2023_is_kept_apart(client: TestClient) -> None:
    body = ask(client, TRADE, k=8)
    groups = by_period(body)
    year = groups["2024"]
    assert (year["measure"], year["unit"], year["verdict"]) == ("bilateral trade", "USD", "agree")
    assert sorted(texts(year)) == [
        "$244.8 billion", "244.8 billion U.S. dollars", "nearly $250 billion"
    ]  # fmt: skip
    nearly = next(f for f in year["figures"] if f["text"].startswith("nearly"))
    assert (nearly["value"], nearly["approximate"], nearly["low"]) == (250e9, True, 243.75e9)
    assert nearly["period"]["text"] == "2024" and nearly["period"]["stated"]
    assert [f["source"] for f in year["figures"]] == ["PRNewswire", "Xinhua", None]  # by date
    before = groups["2023"]
    assert (texts(before), before["verdict"]) == (["$240 billion"], "single")
    assert "trade target" not in json.dumps(body["figures"])  # "$200 billion" measures another


def test_an_answer_without_a_second_figure_has_none(client: TestClient) -> None:
    assert (
        ask(client, "Which city will Putin visit to open the China-Russia Expo?")["figures"] == []
    )


@pytest.fixture
def reports(fresh_client: TestClient, request: pytest.FixtureRequest) -> TestClient:
    response = fresh_client.post("/documents", json=request.param)
    assert response.status_code == 200
    return fresh_client


@pytest.mark.parametrize("reports", [[SATURDAY_TOLL, SATURDAY_OTHER]], indirect=True)
def test_two_outlets_giving_different_tolls_the_same_day_conflict(reports: TestClient) -> None:
    body = ask(reports, DEATHS, as_of=AS_OF)
    (group,) = body["figures"]
    assert group["verdict"] == "conflict" and group["period"] is None  # each as reported
    assert sorted(texts(group)) == ["1,002 people", "1,644"]
    assert "Reports of 29 March 2025 disagree" in group["note"]
    assert "2,370" not in json.dumps(group)  # the injured are another measure


@pytest.mark.parametrize("reports", [[SATURDAY_TOLL, SUNDAY_TOLL]], indirect=True)
def test_a_later_days_toll_updates_the_earlier_one(reports: TestClient) -> None:
    body = ask(reports, DEATHS, as_of=AS_OF)
    (group,) = body["figures"]
    assert group["verdict"] == "update"
    assert [(f["text"], f["date"]) for f in group["figures"]] == [
        ("1,644", "2025-03-29"), ("2,056 people", "2025-03-30")
    ]  # fmt: skip
    assert group["note"].startswith("2,056 people [") and "updates 1,644" in group["note"]


@pytest.mark.parametrize(
    "reports", [[BRENT_REUTERS, BRENT_BLOOMBERG, BRENT_NEXT_DAY]], indirect=True
)
def test_prices_of_the_same_day_conflict_and_a_later_one_updates_them(
    reports: TestClient,
) -> None:
    body = ask(reports, BRENT, as_of=AS_OF)
    (group,) = body["figures"]
    assert (group["unit"], group["verdict"]) == ("USD/barrel", "conflict")
    assert sorted(texts(group)) == ["$62.82 a barrel", "$64.21 a barrel", "$65.48 a barrel"]
    assert "Later, $65.48 a barrel" in group["note"]  # "$59.58" is WTI's, not Brent's


@pytest.mark.parametrize("reports", [[BRENT_BLOOMBERG, BRENT_NEXT_DAY]], indirect=True)
def test_prices_of_different_days_are_an_update(reports: TestClient) -> None:
    (group,) = ask(reports, BRENT, as_of=AS_OF)["figures"]
    assert group["verdict"] == "update" and texts(group)[-1] == "$65.48 a barrel"


def test_a_figure_is_for_the_period_its_sentence_names() -> None:
    text = (
        "Bilateral trade reached a record $240 billion in 2023, achieving the established trade "
        "target of $200 billion ahead of schedule. In the first quarter of this year, bilateral "
        "trade reached $56.8 billion, a year-on-year increase of 5.2 percent."
    )
    found = figures_in(passage(text, "2024-05-14"), 1)
    read = {f.text: (f.measure.text, f.period.label if f.period else None) for f in found}
    assert read == {
        "$240 billion": ("Bilateral trade", "2023"),
        "$200 billion": ("established trade target", "14 May 2024"),  # its article's date
        "$56.8 billion": ("bilateral trade", "Q1 2024"),
        "5.2 percent": ("year-on-year increase", "Q1 2024"),
    }
    undated = figures_in(passage(text, None), 1)
    assert [f.period.label for f in undated if f.period][-1] == (
        '"the first quarter of this year" (undated article)'
    )


def test_a_year_that_another_figure_s_clause_names_is_not_this_figure_s() -> None:
    text = (
        "In 2024, after a slow start and a long debate over sanctions, exports rose to $129 "
        "billion; imports were $115 billion in 2023."
    )
    found = {f.text: f.period for f in figures_in(passage(text, "2025-01-10"), 1)}
    assert found["$129 billion"] and found["$129 billion"].text == "2024"
    assert found["$115 billion"] and found["$115 billion"].text == "2023"


def test_whose_rate_it_is_keeps_banks_apart_and_a_later_cut_updates() -> None:
    march = passage(
        "The European Central Bank cut its deposit rate to 2.5% on Thursday.", "2025-03-06"
    )
    april = passage("The ECB lowered its deposit rate to 2.25%, its seventh cut.", "2025-04-17")
    england = passage(
        "The Bank of England kept its main interest rate at 4% on Thursday.", "2025-09-18"
    )
    hits = [april, march, england]
    (group,) = compare(
        check("The ECB cut its deposit rate to 2.25% [1].", [h.text for h in hits]), hits
    )
    assert [(f.text, f.measure.text) for f in group.figures] == [
        ("2.5%", "European Central Bank's deposit rate"), ("2.25%", "ECB's deposit rate")
    ]  # fmt: skip
    assert group.verdict == "update"  # the Bank of England's 4% is another bank's rate


def test_the_value_a_change_starts_from_is_no_report() -> None:
    text = "The death toll rose from 1,002 to 1,644 on Saturday, up from 144 a day earlier."
    assert [f.text for f in figures_in(passage(text, "2025-03-29"), 1)] == ["1,644"]


def test_sentences_are_cut_with_exact_spans_and_not_at_abbreviations() -> None:
    for path in [*SEEDS.iterdir(), *DATED.iterdir()]:
        text = path.read_text("utf-8")
        assert all(text[s.start : s.end] == s.text == s.text.strip() for s in sentences(text))
    text = "Oil fell 2%.\nU.S. West Texas Intermediate crude settled lower, Mr. Li said. Done"
    assert [s.text for s in sentences(text)] == [
        "Oil fell 2%.", "U.S. West Texas Intermediate crude settled lower, Mr. Li said.", "Done"
    ]  # fmt: skip


def passage(text: str, day: str | None) -> Hit:
    return Hit(
        doc_id=f"{text[:12]} {day}", chunk_no=0, start=0, end=len(text), text=text, title=None,
        source=None, date=day, url=None, rank=1, score=1.0,
    )  # fmt: skip


@pytest.fixture
def llm_client(seeds_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[TestClient]:
    settings = Settings(
        index_dir=seeds_index.corpus.directory, seed_dir=None, llm="openai:fake",
        llm_base_url=fake_llm.url, llm_timeout=0.5, llm_deadline=2.0, llm_max_retries=0,
    )  # fmt: skip
    with TestClient(create_app(settings, index=seeds_index)) as client:
        yield client


def test_an_llm_answer_chat_and_its_stream_carry_the_same_figures(
    llm_client: TestClient, fake_llm: FakeLLM
) -> None:
    question = "What was the value of China-Russia bilateral trade in 2024?"
    said = "Trade reached about $245 billion in 2024 [1][2]."  # the figures it rests on
    fake_llm.script(Reply(text=said))
    answer = ask(llm_client, question)
    assert answer["model"] == "openai:fake" and answer["figures"][0]["verdict"] == "agree"
    messages = [{"role": "user", "content": question}]
    fake_llm.script(Reply(text=said))
    chat = llm_client.post("/chat", json={"messages": messages}).json()
    assert chat["figures"] == answer["figures"]
    fake_llm.script(Reply(text=said))
    stream = llm_client.post("/chat", json={"messages": messages, "stream": True}).text
    done = [b for b in stream.replace("\r\n", "\n").split("\n\n") if "event: done" in b][0]
    assert json.loads(done.split("data: ", 1)[1])["figures"] == answer["figures"]
