"""Parts found by name: every pluggable part is an entry point, the built-ins included.

A package adds one with no edit to newsrag, as plugins add models to simonw/llm: it declares
an entry point in its own pyproject.toml and is installed beside newsrag

    [project.entry-points."newsrag.llm"]
    shout = "newsrag_shout:from_settings"

and `NEWSRAG_LLM=shout:model` uses it. docs/plugins.md says what each group's object must be.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

GROUPS = {
    "newsrag.llm": "LLM provider",  # (model, Settings) -> ChatClient
    "newsrag.backends": "backend",  # (CorpusSettings, Settle) -> Corpus
    "newsrag.stores": "vector store",  # (directory, dimension, StoreSettings) -> VectorStore
    "newsrag.lexical": "lexical index",  # (directory, BM25Settings, writable) -> LexicalIndex
    "newsrag.fusions": "fusion",  # (RetrievalSettings) -> Fusion
}


@cache
def registered(group: str) -> dict[str, EntryPoint]:
    """The entry points of `group` by name (read once: installing a plugin means a restart)."""
    if group not in GROUPS:
        raise ValueError(f"no plugin group {group!r}; known: {', '.join(GROUPS)}")
    return {point.name: point for point in entry_points(group=group)}


def names(group: str) -> list[str]:
    return sorted(registered(group))


def load(group: str, name: str) -> Any:
    """The object registered as `name` in `group`; an unknown name is a ValueError listing
    the known ones (and a plugin that fails to import says which package it came from)."""
    found = registered(group).get(name)
    if found is None:
        known = ", ".join(names(group)) or "none: is newsrag installed?"
        raise ValueError(f"unknown {GROUPS[group]} {name!r}; known: {known}")
    try:
        return found.load()
    except Exception as exc:
        package = found.dist.name if found.dist else found.value
        raise ValueError(
            f"the {GROUPS[group]} {name!r} (from {package}) fails to load: {exc}"
        ) from exc
