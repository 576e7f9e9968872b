"""Follow-up questions become standalone search queries, by the LLM when one is configured.

Without an LLM, rules keep the conversation's subject and replace what the new turn changes:
"And in 2023?" swaps the period; "And Putin?" the person; "he", "it", "there" become the name
they stand for (the previous answer's, when it gave one: "Which city…?" "Harbin." "Which
province is it the capital of?"); "And what about oil?" keeps the names and period of the
conversation around the new subject. Measured on eval/conversations.jsonl
(docs/retrieval-quality.md, "Follow-ups").
"""

from __future__ import annotations

import logging
import re
from datetime import date

from index import periods
from service.answering.judge import anchor_names
from service.answering.reading import DEMONYM
from service.answering.words import NOT_SUBJECT
from service.llm.base import ChatClient, LLMError

log = logging.getLogger(__name__)

ANAPHORA = frozenset(
    "it its they them their theirs he him his she her hers this that these those there then "
    "such the same".split()
)
OPENERS = re.compile(
    r"^\s*(?:and|but|also|so)?\s*(?:what|how)\s+about\s+|^\s*(?:and|also|but)\s+(?:for\s+)?",
    re.IGNORECASE,
)
_FILLER = re.compile(r"\b(?:the whole of|whole|alone|only|then|instead|as well|too)\b", re.I)
_PERSON = re.compile(r"\b(?:he|him|his|she|her|hers)\b", re.IGNORECASE)
_THING = re.compile(r"\b(?:it|its|there)\b", re.IGNORECASE)
_GROUP = re.compile(r"\b(?:they|them|their)\b", re.IGNORECASE)

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
    return short or bool(ANAPHORA & set(words)) or bool(OPENERS.match(message))


def rule_rewrite(messages: list[dict[str, str]]) -> str:
    """The last user message as a standalone query, each earlier follow-up rewritten first.
    A declined turn leaves no subject behind: the conversation goes on from the last turn
    that was answered (from nothing, when none was)."""
    turns = user_turns(messages)
    if not turns:
        raise ValueError("the conversation has no user message")
    answers = _answers_before(messages)
    standalone: str | None = turns[0]
    answered: str | None = None  # the last standalone question that was answered
    for turn, answer in zip(turns[1:], answers[1:], strict=True):
        if answer is not None and declined(answer):  # what was not answered is no subject
            standalone = answered
        else:
            answered = standalone
        if standalone is None:
            standalone = OPENERS.sub("", turn).strip() or turn
        else:
            standalone = follow(standalone, turn, answer or "") if is_follow_up(turn) else turn
    return standalone or turns[-1]


DECLINED = ("The indexed articles don't", "No passage in the index")


def declined(answer: str) -> bool:
    """The answer said the articles do not answer (or was empty): the turn it answered left
    nothing for a follow-up to build on."""
    return not answer.strip() or answer.lstrip().startswith(DECLINED)


def _answers_before(messages: list[dict[str, str]]) -> list[str | None]:
    """For each user turn, the assistant answer given just before it (None when the client
    sent none since the turn before)."""
    before: list[str | None] = []
    last: str | None = None
    for message in messages:
        if message.get("role") == "user":
            before.append(last)
            last = None
        elif message.get("role") == "assistant":
            last = message["content"]
    return before


def follow(previous: str, turn: str, answer: str = "") -> str:
    """`turn` read in the light of the standalone `previous` question and its `answer`."""
    rest = OPENERS.sub("", turn).strip()
    times = periods.find(rest, None) or _yearless(rest)
    words = re.findall(r"[A-Za-z]+", _FILLER.sub("", _cut(rest, times)))
    if times and not [w for w in words if w.lower() not in ("in", "of", "for", "on", "the")]:
        return _with_period(previous, rest, times[-1])  # "And in 2023?"
    names = anchor_names(f". {rest}")  # "And Putin?": every capitalised word counts
    if names and len(rest.rstrip("?. ").split()) == len(names[0].split()):
        old = _people(previous) or anchor_names(previous)
        if old:
            return previous.replace(old[0], names[0], 1)
    if rest != turn.strip() and not ANAPHORA & set(rest.lower().split()):
        return _context(rest, _names_and_times(previous))  # "And what about oil?"
    return _context(_resolve(rest, previous, answer), topic(previous))


def _cut(text: str, times: list[periods.Period]) -> str:
    for period in reversed(times):
        text = text[: period.at[0]] + text[period.at[1] :]
    return text


def _yearless(text: str) -> list[periods.Period]:
    """Times that need a year to be read ("in March", "the first quarter"), found all the same."""
    return periods.find(text, date(2000, 6, 15))


_LEAD_IN = re.compile(r"(?:\b(?:in|over|during|for|since|of|on)\s+)?(?:the\s+)?$", re.IGNORECASE)


def _with_period(previous: str, turn: str, new: periods.Period) -> str:
    """The previous question with its (last) period replaced: "… in 2024?" -> "… in 2023?"."""
    said = _LEAD_IN.search(turn[: new.at[0]])
    lead_in = said[0] if said and said[0].strip() else "in "
    replacement = f"{lead_in}{turn[new.at[0] : new.at[1]]}"
    old = periods.find(previous, None) or _yearless(previous)
    if not old:
        return f"{previous.rstrip('?. ')} {replacement}?"
    start, end = old[-1].at
    cut = _LEAD_IN.search(previous[:start])
    start = cut.start() if cut else start
    return f"{previous[:start].rstrip()} {replacement}{previous[end:]}"


_AUX_NAME = re.compile(r"\b(?:did|does|do|was|is|were|are|will|has|had|have)\s+([A-Z][\w'’-]*)")


def _people(question: str) -> list[str]:
    """Names that can be "he" or "she": the subject after an auxiliary ("did Xi quote") first;
    never a demonym ("Chinese", "Russian")."""
    names = [n for n in dict.fromkeys(anchor_names(question)) if " " in n or not DEMONYM.search(n)]
    subject = _AUX_NAME.search(question)
    first = [n for n in names if subject and n.startswith(subject[1])]
    return first + [n for n in names if n not in first]


def _resolve(turn: str, previous: str, answer: str) -> str:
    """Pronouns replaced by the names they stand for, where one is clear: a person by the
    previous question's subject (or the answer's name, when it asked who), a thing or place by
    the name the answer gave, "they" by the question's people together."""
    given = _lead(answer)
    people = _people(previous)
    who = re.match(r"\s*who\b", previous, re.IGNORECASE)
    person = given if given and who else people[0] if people else None
    group = " and ".join(people[:2]) if len(people) > 1 else None
    if person:
        turn = _PERSON.sub(lambda m: _owned(person, m[0], ("his", "hers")), turn)
    if given:
        turn = _THING.sub(lambda m: _owned(given, m[0], ("its",)), turn)
    if group:
        turn = _GROUP.sub(lambda m: _owned(group, m[0], ("their",)), turn)
    return turn


def _owned(name: str, pronoun: str, possessive: tuple[str, ...]) -> str:
    return f"{name}'s" if pronoun.lower() in possessive else name


def _lead(answer: str) -> str | None:
    """The name an extractive answer opens with ("Harbin [1]. …"), if it opens with one."""
    first = answer.split("[", 1)[0].strip().rstrip(".")
    if 0 < len(first.split()) <= 6 and first[:1].isupper():
        names = anchor_names(f". {first}")
        return names[0] if names and not any(c.isdigit() for c in names[0]) else None
    return None


def _names_and_times(question: str) -> str:
    found = anchor_names(question) + [p.text for p in periods.find(question, None)]
    return ", ".join(dict.fromkeys(found))


def topic(question: str) -> str:
    """The content words of an earlier question, in order: enough to carry its subject."""
    words = re.findall(r"[\w$.%-]+", question)
    return " ".join(w for w in words if w.lower().strip(".") not in NOT_SUBJECT)


def _context(turn: str, carried: str) -> str:
    """The turn with what it lacks of the conversation, in brackets for the search."""
    missing = [w for w in carried.split() if w.lower().strip(",") not in turn.lower()]
    return f"{turn.rstrip('?. ')} ({' '.join(missing).strip(', ')})?" if missing else turn


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
