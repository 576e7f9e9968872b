"""newsrag-echo: `NEWSRAG_LLM=echo:MODEL` answers with the first sentence of the first passage
it is given, cited; `NEWSRAG_FUSION=dense-only` ranks hybrid candidates by the dense side alone."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

Ranking = list[tuple[int, float]]


class EchoClient:
    def __init__(self, model: str) -> None:
        self.model = f"echo:{model}"

    def complete(self, messages: list[dict[str, str]]) -> str:
        prompt = messages[-1]["content"]
        found = re.search(r"<<<PASSAGE 1 [^\n]*>>>\n(.+?[.!?])(\s|$)", prompt, re.S)
        first = " ".join(found.group(1).split()) if found else "The first passage says so."
        return f"{first} [1]"

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        first, *rest = self.complete(messages).split(" ")
        yield first
        for word in rest:
            yield " " + word

    def close(self) -> None:
        return None


def from_settings(model: str, settings: Any) -> EchoClient:
    return EchoClient(model)


class DenseOnly:
    def __call__(self, rankings: Sequence[Ranking]) -> Ranking:
        return list(rankings[0])


def dense_only(settings: Any) -> DenseOnly:
    return DenseOnly()
