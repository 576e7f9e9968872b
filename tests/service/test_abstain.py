"""Answers a journalist can trust: "the articles don't say", sentences judged against the
question, the shortest answer first, follow-ups that keep their subject."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.answering import judge
from service.answering.answers import abstention
from service.answering.rewrite import rule_rewrite
from tests.fake_llm import FakeLLM


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def test_it_says_when_the_articles_do_not_answer(client: TestClient) -> None:
    body = client.post("/answer", json={"question": "Who won the 2022 World Cup?"}).json()
    assert body["answered"] is False and body["sentences"] == []
    assert body["answer"].startswith("The indexed articles don't say who won the 2022 World Cup.")
    assert "World Cup" in body["answer"]  # no article mentions it
    assert body["passages"]  # the closest, listed as related
    assert body["holds_as_of"] is None


def test_a_missing_figure_on_the_seeds_topic_is_not_answered(client: TestClient) -> None:
    question = "What was the value of China-Russia bilateral trade in 2022?"
    body = client.post("/answer", json={"question": question}).json()
    assert body["answered"] is False, body["answer"]


def test_no_llm_is_asked_when_nothing_answers(client: TestClient, fake_llm: FakeLLM) -> None:
    body = client.post(
        "/answer", json={"question": "What is the boiling point of ethanol?", "llm": "openai:x"}
    ).json()
    assert body["answered"] is False and body["notice"] is None
    assert fake_llm.requests == []


def test_chat_says_so_too(client: TestClient) -> None:
    chat = client.post("/chat", json={"messages": [user("Who won the 2022 World Cup?")]}).json()
    assert chat["answered"] is False and chat["answer"].startswith("The indexed articles")
    with client.stream(
        "POST", "/chat", json={"messages": [user("Who won the 2022 World Cup?")], "stream": True}
    ) as response:
        text = "".join(response.iter_text())
    assert '"answered": false' in text.split("event: done", 1)[1]


def test_the_answer_leads_with_the_amount_asked_for(client: TestClient) -> None:
    question = "How much did China-Russia trade reach in 2024?"
    body = client.post("/answer", json={"question": question}).json()
    first = body["sentences"][0]
    assert first["text"].split(" [")[0] in ("244.8 billion U.S. dollars", "$244.8 billion")
    assert first["answers_question"] and first["supported"]
    assert len(first["text"].split()) <= 5
    assert "first quarter" not in body["answer"]  # another period's figure is no answer here


def test_who_and_when_lead_with_a_name_and_a_date(client: TestClient) -> None:
    city = client.post(
        "/answer", json={"question": "Which city will Putin visit to open the China-Russia Expo?"}
    ).json()
    assert city["answer"].startswith("Harbin [")
    assert city["sentences"][0]["answers_question"]  # a name alone, said by its passage
    when = client.post(
        "/answer",
        json={"question": "When was the China-Russia east-route natural gas pipeline completed?"},
    ).json()
    assert "December 2024 [" in when["answer"].split(". ")[0] + "."


def test_no_headline_or_byline_is_served_as_an_answer(client: TestClient) -> None:
    for question in ("What happened in May 2025?", "What did Xinhua report on May 6, 2025?"):
        body = client.post("/answer", json={"question": question}).json()
        assert all("|" not in s["text"] for s in body["sentences"]), body["answer"]


def test_answer_kinds_and_spans() -> None:
    assert judge.wanted("How much did trade reach?") == judge.AMOUNT
    assert judge.wanted("What was the value of trade in 2024?") == judge.AMOUNT
    assert judge.wanted("When was the pipeline completed?") == judge.DATE
    assert judge.wanted("Which Russian historian did Xi quote?") == judge.NAME
    assert judge.wanted("Why did they meet?") is None
    sentence = "In 2024, bilateral trade reached a record high of $244.8 billion, up 1.9 percent."
    spans = judge.answer_spans(judge.AMOUNT, sentence, "How much did trade reach in 2024?", None)
    assert spans == ["$244.8 billion"]  # never the year, nor the growth rate for "how much"
    names = judge.answer_spans(
        judge.NAME, "Upon Putin's visit, Premier Li Qiang met him.", "Who met Putin?", None
    )
    assert names == ["Li Qiang"]
    assert judge.focus("How many Chinese tourists visited Russia?") == "tourist"
    lavrov = "What did Foreign Minister Sergei Lavrov say in Moscow?"
    assert judge.anchor_names(lavrov) == ["Foreign", "Sergei Lavrov", "Moscow"]  # titles part


def test_the_abstention_reads_as_a_sentence() -> None:
    assert abstention("Who won the 2022 World Cup?").startswith(
        "The indexed articles don't say who won the 2022 World Cup."
    )
    assert abstention("What is the boiling point of ethanol?").startswith(
        "The indexed articles don't say what the boiling point of ethanol is."
    )
    assert abstention("Did Lavrov speak?", ("Lavrov",)).startswith(
        'The indexed articles don\'t answer "Did Lavrov speak?". No article mentions Lavrov.'
    )


def test_follow_ups_keep_their_subject_and_change_what_the_turn_changes() -> None:
    trade = "What was the value of China-Russia bilateral trade in 2024?"
    assert rule_rewrite([user(trade), assistant("…"), user("And in 2023?")]) == (
        "What was the value of China-Russia bilateral trade in 2023?"
    )
    position = "What position does Andrey Denisov hold?"
    assert rule_rewrite([user(position), assistant("…"), user("And Andrey Fesyun?")]) == (
        "What position does Andrey Fesyun hold?"
    )
    visit = "Which Chinese premier was Putin scheduled to meet during his 2024 state visit?"
    assert rule_rewrite([user(visit), assistant("…"), user("Where did he go next?")]).startswith(
        "Where did Putin go next"
    )
    city = "Which city did Putin visit to open the Expo?"
    asked = rule_rewrite(
        [user(city), assistant("Harbin [1]. …"), user("What is it the capital of?")]
    )
    assert asked.startswith("What is Harbin the capital of")
    gas = "When was the China-Russia east-route natural gas pipeline fully completed?"
    oil = rule_rewrite([user(gas), assistant("…"), user("And what about oil?")])
    assert oil.startswith("oil") and "gas" not in oil and "China-Russia" in oil
    assert rule_rewrite([user("Who is Ma Youjun?")]) == "Who is Ma Youjun?"
    standalone = [user("Who is Ma Youjun?"), user("Which pipeline was completed in December 2024?")]
    assert rule_rewrite(standalone) == standalone[-1]["content"]
