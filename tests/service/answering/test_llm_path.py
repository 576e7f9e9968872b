"""The LLM path keeps every guarantee the extractive one has: the answer-or-abstain decision is
the evidence's, every LLM sentence is checked, an answer citing no passage gives way to the
extractive one (`fallback: true`), and `answered`, `holds_as_of` and `times` come back the same
way from either answerer, whole or streamed. The LLM is the scripted fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.newsindex import NewsIndex
from service.answering.answers import AnswerService
from service.config import Settings
from service.main import create_app
from tests.fake_llm import FakeLLM, Reply

CITY = "Which city will Putin visit to open the China-Russia Expo?"
MUSEUM = {"question": "When did the Lisbon museum of ancient art reopen?", "as_of": "2025-10-01"}


def settings(index: NewsIndex, fake_llm: FakeLLM) -> Settings:
    return Settings(
        index_dir=index.corpus.directory,
        seed_dir=None,
        llm_base_url=fake_llm.url,
        llm_timeout=2.0,
        llm_max_retries=0,
    )


@pytest.fixture
def seeds_app(seeds_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[TestClient]:
    with TestClient(create_app(settings(seeds_index, fake_llm), index=seeds_index)) as client:
        yield client


@pytest.fixture
def dated_app(dated_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[TestClient]:
    with TestClient(create_app(settings(dated_index, fake_llm), index=dated_index)) as client:
        yield client


def streamed(client: TestClient, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """/chat's SSE events for one question, as (name, data)."""
    messages = [{"role": "user", "content": body["question"]}]
    request = {**{k: v for k, v in body.items() if k != "question"}, "messages": messages}
    response = client.post("/chat", json=request | {"stream": True})
    found = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


@pytest.mark.parametrize(
    "reply",
    ["Putin will open the Expo in Harbin.", "Harbin [9].", "See passage one. Harbin, [x]."],
    ids=["no-marker", "no-such-passage", "no-number"],
)
def test_an_llm_answer_citing_no_passage_falls_back(
    seeds_app: TestClient, fake_llm: FakeLLM, reply: str
) -> None:
    fake_llm.script(Reply(text=reply))
    body = seeds_app.post("/answer", json={"question": CITY, "llm": "openai:tiny"}).json()
    assert (body["model"], body["fallback"], body["answered"]) == ("extractive", True, True)
    assert "openai:tiny" in body["notice"] and "cited none of the 5 passages" in body["notice"]
    assert body["answer"].startswith("Harbin [") and reply not in body["answer"]
    assert all(s["supported"] and s["citations"] for s in body["sentences"])
    replaced = body["rejected"]  # what the LLM wrote, checked, for inspection
    assert " ".join(s["text"] for s in replaced) == reply
    assert all(not s["supported"] and not s["answers_question"] for s in replaced)


def test_the_replaced_sentences_are_kept_checked(seeds_index: NewsIndex, fake_llm: FakeLLM) -> None:
    """Not shown, but counted: eval's share of unsupported LLM sentences includes them."""
    service = AnswerService(seeds_index, settings(seeds_index, fake_llm))
    try:
        fake_llm.script(Reply(text="Putin goes to Harbin. He likes it [7]."))
        result = service.answer(CITY, llm="openai:tiny")
    finally:
        service.close()
    assert result.fallback and [s.text for s in result.rejected] == [
        "Putin goes to Harbin.",
        "He likes it [7].",
    ]
    assert [s.problems for s in result.rejected] == [
        ("no citation",),
        ("[7] is not one of the 5 passages",),
    ]


def test_an_answer_citing_one_passage_is_kept_and_its_other_sentences_marked(
    seeds_app: TestClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(text="Putin will open the Expo in Harbin [1]. He loves jazz."))
    body = seeds_app.post("/answer", json={"question": CITY, "llm": "openai:tiny"}).json()
    assert (body["model"], body["fallback"], body["rejected"]) == ("openai:tiny", False, [])
    cited, uncited = body["sentences"]
    assert cited["supported"] and cited["citations"] == [1]
    assert not uncited["supported"] and not uncited["answers_question"]
    assert uncited["problems"] == ["no citation"]


def test_a_streamed_answer_citing_no_passage_starts_over_from_the_passages(
    seeds_app: TestClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(text="Putin will open the Expo in Harbin."))
    events = streamed(seeds_app, {"question": CITY, "llm": "openai:tiny"})
    names = [name for name, _ in events]
    assert names[0] == "passages" and names[-1] == "done" and names.count("error") == 1
    error = events[names.index("error")][1]
    assert error["error"] == "llm_uncited" and error["fallback"] == "extractive"
    after = "".join(d["text"] for n, d in events[names.index("error") :] if n == "delta")
    done = events[-1][1]
    assert (done["model"], done["fallback"]) == ("extractive", True)
    assert after == done["answer"] and done["answer"].startswith("Harbin [")


def test_both_answerers_whole_and_streamed_say_answered_as_of_and_times_alike(
    dated_app: TestClient, fake_llm: FakeLLM
) -> None:
    """The LLM writes what the extractive answerer wrote: every field computed from the final
    sentences and their passages must then come back the same, on every path."""
    extractive = dated_app.post("/answer", json=MUSEUM).json()
    assert extractive["answered"] and extractive["holds_as_of"] == "2025-03-25"
    assert any(s["times"] for s in extractive["sentences"])  # "Tuesday" = 25 March 2025
    written = " ".join(s["text"] for s in extractive["sentences"])
    fake_llm.default = Reply(text=written)
    whole = dated_app.post("/answer", json=MUSEUM | {"llm": "openai:echo"}).json()
    done = streamed(dated_app, MUSEUM | {"llm": "openai:echo"})[-1][1]
    for body in (whole, done):
        assert body["model"] == "openai:echo" and not body["fallback"]
        for field in ("answered", "holds_as_of", "answer", "sentences"):
            assert body[field] == extractive[field], field


def test_the_abstention_is_the_same_on_both_paths_and_no_llm_is_asked(
    seeds_app: TestClient, fake_llm: FakeLLM
) -> None:
    question = {"question": "Who won the 2022 World Cup?"}
    extractive = seeds_app.post("/answer", json=question).json()
    whole = seeds_app.post("/answer", json=question | {"llm": "openai:tiny"}).json()
    done = streamed(seeds_app, question | {"llm": "openai:tiny"})[-1][1]
    for body in (whole, done):
        assert (body["answered"], body["fallback"], body["sentences"]) == (False, False, [])
        assert body["answer"] == extractive["answer"] and body["holds_as_of"] is None
    assert fake_llm.requests == []
