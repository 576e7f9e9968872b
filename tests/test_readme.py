"""The README stays true: its two commands exist and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from service.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_every_setting_is_in_the_configuration_table() -> None:
    table = README.split("## Configuration", 1)[1]
    missing = [n for n in Settings.model_fields if f"`NEWSRAG_{n.upper()}`" not in table]
    assert missing == []


def test_the_readme_commands_are_make_targets() -> None:
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    for command in re.findall(r"`make ([a-z]+)`", README):
        assert command in targets, command
    assert "make test" in (ROOT / ".ci" / "run").read_text()
