"""The import graph is the architecture: the command line on top, then service and eval side
by side, index beneath; and the three parts installed as top-level names are ours."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsrag import PARTS, foreign_parts
from newsrag.cli import app

ROOT = Path(__file__).resolve().parent.parent
# Which top-level packages each part may import (besides itself and third-party packages).
ALLOWED = {
    "newsrag": {"index", "service", "eval"},
    "service": {"index"},
    "eval": {"index"},
    "index": set(),
}


def imported(path: Path) -> set[str]:
    """Top-level names of everything `path` imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_parts_beneath_it(part: str) -> None:
    ours = set(ALLOWED)
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / part).rglob("*.py")
        for name in imported(path) & ours - {part} - ALLOWED[part]
    }
    assert not wrong, sorted(wrong)


def test_eval_starts_a_server_by_the_command_it_is_given() -> None:
    """Not by naming the command line's module: measuring knows nothing of serving."""
    for path in (ROOT / "eval").rglob("*.py"):
        text = path.read_text("utf-8")
        assert '"-m", "newsrag"' not in text and '"-m", "service' not in text, path


def test_the_top_level_names_are_this_distributions() -> None:
    """index, service and eval are installed as top-level packages (the tree is the design);
    no other installed distribution provides one of them, and they load from this checkout."""
    owners = packages_distributions()
    for part in (*PARTS, "newsrag"):
        assert set(owners.get(part, ["newsrag"])) == {"newsrag"}, (part, owners.get(part))
    assert foreign_parts() == []


def test_the_command_line_refuses_to_run_on_a_shadowed_part(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A foreign `index` on sys.path ahead of ours is found and named, not run."""
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "index", raising=False)
    for name in [m for m in sys.modules if m.startswith("index.")]:
        monkeypatch.delitem(sys.modules, name)
    assert foreign_parts() == [f"index ({tmp_path / 'index' / '__init__.py'})"]
    result = CliRunner().invoke(app, ["docs", "list"])
    assert result.exit_code == 2 and "shadows newsrag's index" in result.output
