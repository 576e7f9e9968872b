"""Follow-up questions become standalone search queries, by the LLM when one is configured."""

from __future__ import annotations

import logging
import re

from service.llm.base import ChatClient, LLMError

log = logging.getLogger(__name__)

ANAPHORA = frozenset(
    "it its they them their theirs he him his she her hers this that these those there then "
    "such the same".split()
)
OPENERS = ("and ", "what about", "how about", "also ")
STOPWORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how i in is it "
    "many much its me of on or please tell that the their them then there these they this "
    "those to us was were what when where which who whom why will with would you about".split()
)

INSTRUCTION = (
    "Rewrite the user's last message as one standalone search query that needs no earlier "
    "context: replace pronouns with what they refer to. Reply with the query only."
)


def user_turns(messages: list[dict[str, str]]) -> list[str]:
    return [m["content"] for m in messages if m.get("role") == "user"]


def is_follow_up(message: str) -> bool:
    """Short, pronoun-led or "what about …" messages lean on the conversation before them."""
    words = re.findall(r"[a-z']+", message.lower())
    short = len(words) <= 5
    return short or bool(ANAPHORA & set(words)) or message.lower().startswith(OPENERS)


def topic(question: str) -> str:
    """The content words of an earlier question, in order: enough to carry its subject."""
    words = re.findall(r"[\w$.%-]+", question)
    return " ".join(w for w in words if w.lower().strip(".") not in STOPWORDS)


def rule_rewrite(messages: list[dict[str, str]]) -> str:
    turns = user_turns(messages)
    if not turns:
        raise ValueError("the conversation has no user message")
    last = turns[-1]
    if len(turns) == 1 or not is_follow_up(last):
        return last
    return f"{topic(turns[-2])} {last}".strip()


def llm_rewrite(messages: list[dict[str, str]], client: ChatClient) -> str:
    """The LLM's standalone query; the rule-based one if the LLM fails or says nothing useful."""
    if len(user_turns(messages)) < 2:
        return rule_rewrite(messages)
    transcript = "\n".join(f"{m['role']}: {m['content']}" for m in messages[-8:])
    prompt = [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": f"Conversation:\n{transcript}\n\nStandalone query:"},
    ]
    try:
        query = client.complete(prompt).strip().strip('"').splitlines()[0].strip()
    except (LLMError, IndexError) as exc:
        log.warning("query rewrite by %s failed (%s); using the rule", client.model, exc)
        return rule_rewrite(messages)
    return query if 0 < len(query) <= 500 else rule_rewrite(messages)
