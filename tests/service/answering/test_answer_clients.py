"""Answers hold their LLM client: other requests' models never close it mid-answer, and an
answer says by a flag, not a model name, when the extractive answer stood in for the LLM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.newsindex import NewsIndex
from service.answering.answers import Answer, AnswerService
from service.config import Settings
from service.llm.pool import MAX_CLIENTS
from tests.fake_llm import FakeLLM, Reply

QUESTION = "Which city will Putin visit to open the China-Russia Expo?"
REPLY = "Putin will visit Harbin for the expo [1]."


@pytest.fixture
def service(seeds_index: NewsIndex, fake_llm: FakeLLM) -> Iterator[AnswerService]:
    settings = Settings(
        index_dir=seeds_index.corpus.directory,
        seed_dir=None,
        llm_base_url=fake_llm.url,
        llm_timeout=2.0,
        llm_max_retries=0,
    )
    answers = AnswerService(seeds_index, settings)
    yield answers
    answers.close()


def test_a_streaming_answer_keeps_its_client_while_others_push_it_out(
    service: AnswerService, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(text=REPLY, trickle=0.05))
    events = service.stream(QUESTION, k=3, llm="openai:streaming")
    for name, _ in events:
        if name == "delta":
            break
    history = [{"role": "user", "content": QUESTION}]
    for n in range(MAX_CLIENTS + 1):  # requests for other models evict it from the pool
        service.standalone_query(history, llm=f"openai:other-{n}")
    rest = list(events)
    assert not [data for name, data in rest if name == "error"]
    name, done = rest[-1]
    assert name == "done" and isinstance(done, Answer)
    assert (done.model, done.fallback, done.answer) == ("openai:streaming", False, REPLY)


def test_a_failed_llm_is_flagged_as_a_fallback(service: AnswerService, fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(text=REPLY))
    asked = service.answer(QUESTION, k=3, llm="openai:fake")
    assert (asked.model, asked.fallback, asked.notice) == ("openai:fake", False, None)
    fake_llm.script(Reply(status=500))
    failed = service.answer(QUESTION, k=3, llm="openai:fake")
    assert failed.model == "extractive" and failed.fallback and failed.notice
    assert "Harbin" in failed.answer
    extractive = service.answer(QUESTION, k=3)  # asked for: not a fallback
    assert extractive.model == "extractive" and not extractive.fallback


def test_a_failed_llm_stream_is_flagged_as_a_fallback(
    service: AnswerService, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(status=500))
    events = list(service.stream(QUESTION, k=3, llm="openai:fake"))
    assert [name for name, _ in events].count("error") == 1
    name, done = events[-1]
    assert name == "done" and done.fallback and done.model == "extractive"
