"""The README and docs/ stay true: generated tables match their sources, links resolve, the
commands they show exist and every setting they name is one.

`python -m tests.test_readme --write` rewrites every generated table (the settings table from
the `Settings` class, the measured ones from the JSON kept in eval/).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, get_args

from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo

from eval.tables import ROOT, measured_tables, pages, stale
from eval.tables import main as tables_main
from service.config import Settings

README = ROOT / "README.md"
PAGES = pages()
# NEWSRAG_* names in the docs that are not settings: switches of the test suite.
NOT_SETTINGS = {"NEWSRAG_SCREENSHOTS"}
README_MAX_BYTES = 16_000


def settings_rows(
    model: type[BaseModel] = Settings, prefix: str = "NEWSRAG_"
) -> Iterator[tuple[str, str, str]]:
    """(environment variable, default, description) for every field; nested groups flattened
    with the class's `env_nested_delimiter`."""
    delimiter = Settings.model_config.get("env_nested_delimiter") or ""
    for name, info in model.model_fields.items():
        env = _env_name(name, info, prefix)
        group = _nested_model(info.annotation)
        if group is not None and delimiter:
            yield from settings_rows(group, f"{env}{delimiter}")
        else:
            yield env, _shown_default(info), _cell(info.description or "")


def settings_table() -> str:
    rows = "".join(f"| `{env}` | {default} | {text} |\n" for env, default, text in settings_rows())
    return "| Variable | Default | What it does |\n|---|---|---|\n" + rows


def _env_name(name: str, info: FieldInfo, prefix: str) -> str:
    alias = info.validation_alias or info.alias
    if isinstance(alias, AliasChoices):
        alias = next((a for a in alias.choices if isinstance(a, str)), None)
    return alias.upper() if isinstance(alias, str) else f"{prefix}{name.upper()}"


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_nested_model, get_args(annotation))), None)


def _secret(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, SecretStr):
        return True
    return any(_secret(arg) for arg in get_args(annotation))


def _shown_default(info: FieldInfo) -> str:
    value = info.get_default(call_default_factory=True)
    if _secret(info.annotation) or value is None or value == []:
        return "unset"
    if value == "":
        return "(empty)"
    if isinstance(value, bool):
        value = str(value).lower()
    if isinstance(value, Enum):
        value = value.value
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def generated_tables() -> dict[str, str]:
    return {**measured_tables(), "settings": settings_table()}


def _text(path: Path) -> str:
    return path.read_text("utf-8")


def test_generated_tables_match_their_sources() -> None:
    assert stale(PAGES, generated_tables()) == [], "run `python -m tests.test_readme --write`"


def test_every_setting_has_a_description() -> None:
    assert [env for env, _, text in settings_rows() if not text] == []


def test_every_setting_the_docs_name_exists() -> None:
    known = {env for env, _, _ in settings_rows()} | NOT_SETTINGS
    for page in PAGES:
        named = set(re.findall(r"\bNEWSRAG_[A-Z][A-Z0-9_]*[A-Z0-9]", _text(page)))
        assert sorted(named - known) == [], page.name


def test_the_readme_commands_are_make_targets() -> None:
    targets = set(re.findall(r"^([a-z-]+):", _text(ROOT / "Makefile"), re.MULTILINE))
    for page in PAGES:
        for command in re.findall(r"`make ([a-z-]+)`", _text(page)):
            assert command in targets, (page.name, command)
    assert "make test" in _text(ROOT / ".ci" / "run")


def test_the_newsrag_commands_shown_exist() -> None:
    from typer.main import get_command

    from newsrag.cli import app

    commands = set(getattr(get_command(app), "commands", {}))
    for page in PAGES:
        shown = re.findall(r"(?:^\$ |`)newsrag ([a-z]+)\b", _text(page), re.MULTILINE)
        assert sorted(set(shown) - commands) == [], page.name


def test_links_resolve() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", _text(page)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), (page.name, target)
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(_text(linked)), (page.name, target)


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#{1,6} (.+)$", prose, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_readme_stays_short() -> None:
    assert len(README.read_bytes()) < README_MAX_BYTES, "move the detail to a page in docs/"


def main(argv: Sequence[str] | None = None) -> int:
    """`--write` rewrites every generated table; without it, checks them."""
    extra = {"settings": settings_table()}
    return tables_main(argv, extra=extra, prog="python -m tests.test_readme")


if __name__ == "__main__":
    sys.exit(main())
