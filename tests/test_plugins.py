"""A plugin from outside the tree works by name: tests/plugins/newsrag-echo, built and installed
by pip into a folder of its own, gives newsrag an LLM provider and a fusion through entry
points, with no edit to newsrag."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import plugins
from index.embedding import Embedder
from index.models import Document
from index.newsindex import NewsIndex
from service.answering.answers import AnswerService
from service.config import Settings

PLUGIN = Path(__file__).parent / "plugins" / "newsrag-echo"
QUESTION = "Which city will Putin visit to open the China-Russia Expo?"
ARTICLES = [
    Document("a", "The zorblat harbour reopened after the storm."),
    Document("b", "Harbour fees rose again in the spring."),
    Document("c", "A zorblat was sighted near the quay."),
]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin pip-installed into a folder (as into a venv's site-packages: its dist-info
    with the entry points, its module), which this process then finds on its path."""
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    pip += ["--no-build-isolation", "--no-index", "--target", str(target), str(PLUGIN)]
    done = subprocess.run(pip, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(target))
    plugins.registered.cache_clear()
    yield target
    sys.path.remove(str(target))
    plugins.registered.cache_clear()


def test_the_built_ins_are_entry_points_too() -> None:
    assert {"openai", "local"} <= set(plugins.names("newsrag.llm"))
    assert plugins.names("newsrag.backends") == ["local", "milvus"]
    assert {"convex", "rrf"} <= set(plugins.names("newsrag.fusions"))
    with pytest.raises(ValueError, match="unknown fusion 'nope'; known: convex"):
        plugins.load("newsrag.fusions", "nope")


def test_a_fresh_process_finds_an_installed_plugin(installed: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(installed)}
    names = "from index import plugins; print(plugins.names('newsrag.llm'))"
    found = subprocess.run(
        [sys.executable, "-c", names], capture_output=True, text=True, env=environment
    )
    assert "echo" in found.stdout, found.stderr


def test_its_provider_answers_and_its_fusion_ranks_by_name(
    installed: Path, seeds_index: NewsIndex, embedder: Embedder, tmp_path: Path
) -> None:
    answers = AnswerService(seeds_index, Settings(index_dir=tmp_path, seed_dir=None))
    answered = answers.answer(QUESTION, llm="echo:loud")
    answers.close()
    assert answered.model == "echo:loud" and not answered.fallback
    assert answered.sentences[0].citations == (1,) and answered.sentences[0].supported

    fused = NewsIndex(tmp_path, embedder, retrieval=Settings(fusion="dense-only").retrieval)
    fused.upsert(ARTICLES)
    hybrid = fused.search("zorblat harbour", 3, mode="hybrid").hits
    dense = fused.search("zorblat harbour", 3, mode="dense").hits
    fused.close()
    assert [h.doc_id for h in hybrid] == [h.doc_id for h in dense]
    with pytest.raises(ValueError, match="unknown fusion 'nope'; known: convex, dense-only, rrf"):
        Settings(fusion="nope")
