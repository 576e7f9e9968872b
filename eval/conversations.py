"""Follow-ups: does rewriting a conversation's last turn keep its subject?

A conversations file (eval/conversations.jsonl) holds two- and three-turn conversations over
the seeds, each turn with a gold standalone rewrite, gold answer strings and the documents that
answer it. Every follow-up is asked in its conversation (earlier answers included, as a chat
client would send them) and measured by whether a relevant document is among the passages and
whether the answer says a gold string; the same, asked with the gold rewrite, is the ceiling.
The service is reached through `ChatFn`, a plain callable the caller supplies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.answers import EvalAnswer, answer_match


@dataclass(frozen=True)
class Turn:
    question: str
    rewrite: str  # the gold standalone question
    answers: list[str]
    relevant: list[str]


@dataclass(frozen=True)
class Reply:
    """What a chat turn returned: the standalone query it searched for, and the answer."""

    query: str
    answer: EvalAnswer
    passage_doc_ids: Sequence[str]


ChatFn = Callable[[list[dict[str, str]]], Reply]  # the messages so far, last a user turn


def is_conversations(path: Path) -> bool:
    if path.suffix != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "{}")
    return "turns" in json.loads(first)


def load_conversations(path: Path) -> list[list[Turn]]:
    conversations = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            conversations.append([Turn(**turn) for turn in json.loads(line)["turns"]])
    return conversations


def conversation_metrics(conversations: list[list[Turn]], chat: ChatFn) -> dict[str, float]:
    """Over the follow-up turns (every turn but the first): the share whose passages hold a
    relevant document and whose answer says a gold string, rewritten by the service and (as
    the ceiling) by the gold rewrite."""
    found = {"hit": 0.0, "answer_match": 0.0, "gold_hit": 0.0, "gold_answer_match": 0.0}
    follow_ups = 0
    for turns in conversations:
        messages: list[dict[str, str]] = []
        for n, turn in enumerate(turns):
            messages.append({"role": "user", "content": turn.question})
            reply = chat(messages)
            messages.append({"role": "assistant", "content": reply.answer.text})
            if n == 0:
                continue
            follow_ups += 1
            gold = chat([{"role": "user", "content": turn.rewrite}])
            for prefix, said in (("", reply), ("gold_", gold)):
                found[f"{prefix}hit"] += any(d in turn.relevant for d in said.passage_doc_ids)
                found[f"{prefix}answer_match"] += answer_match(said.answer.text, turn.answers)
    return {"follow_ups": float(follow_ups)} | {
        name: value / max(follow_ups, 1) for name, value in found.items()
    }
