"""Unanswerable gold questions and conversations: what the eval harness measures of them."""

from __future__ import annotations

import json
from pathlib import Path

from eval.answers import EvalAnswer, answer_metrics
from eval.conversations import (
    Reply,
    conversation_metrics,
    is_conversations,
    load_conversations,
)
from eval.datasets import load_gold

ROOT = Path(__file__).resolve().parents[2]


def test_unanswerable_questions_have_no_judgments(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    records = [
        {"id": "a", "question": "How much?", "relevant": ["d1"], "answers": ["$5"]},
        {"id": "u", "question": "Who won the World Cup?", "answerable": False},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in records))
    evalset = load_gold(gold)
    assert evalset.unanswerable == {"u"} and evalset.judged == {"a": "How much?"}
    assert set(evalset.queries) == {"a", "u"} and "u" not in evalset.qrels


def test_abstention_precision_and_recall() -> None:
    queries = {"a1": "q", "a2": "q", "u1": "q", "u2": "q"}
    said = {
        "a1": EvalAnswer("it was $5", ["d1"]),
        "a2": EvalAnswer("", [], answered=False),  # declined an answerable question
        "u1": EvalAnswer("", [], answered=False),
        "u2": EvalAnswer("something invented", ["d9"]),  # answered an unanswerable one
    }
    order = iter(said.values())
    metrics = answer_metrics(
        queries,
        {"a1": ["$5"], "a2": ["$7"]},
        {"a1": {"d1": 1}, "a2": {"d2": 1}},
        lambda question, as_of: next(order),
        unanswerable={"u1", "u2"},
    )
    assert metrics["abstain_precision"] == 0.5  # of 2 abstentions, 1 on an unanswerable
    assert metrics["abstain_recall"] == 0.5  # of 2 unanswerable, 1 declined
    assert metrics["answered_rate"] == 0.5
    assert metrics["answer_match"] == 0.5  # over the answerable only


def test_conversations_are_asked_turn_by_turn() -> None:
    path = ROOT / "eval" / "conversations.jsonl"
    assert is_conversations(path) and not is_conversations(ROOT / "eval" / "seeds-qa.jsonl")
    conversations = load_conversations(path)
    assert len(conversations) >= 14 and all(len(turns) >= 2 for turns in conversations)
    seen: list[list[dict[str, str]]] = []

    def chat(messages: list[dict[str, str]]) -> Reply:
        seen.append(list(messages))
        last = messages[-1]["content"]
        return Reply(last, EvalAnswer(f"answer to {last}"), ["nothing"])

    metrics = conversation_metrics(conversations[:1], chat)
    assert metrics["follow_ups"] == len(conversations[0]) - 1
    assert metrics["hit"] == 0.0 and metrics["gold_hit"] == 0.0
    second = seen[1]  # the follow-up, asked with the first answer before it
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
