"""Fixtures for the service's tests that drive the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import get_settings


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """NEWSRAG_INDEX_DIR in a temporary directory, for CLI commands (which read the settings)."""
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    yield tmp_path / "index"
    get_settings.cache_clear()
