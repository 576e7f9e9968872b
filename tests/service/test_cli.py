"""The `newsrag` command line against a real index in a temporary directory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsrag.cli import app
from service.config import get_settings
from tests.conftest import SEEDS

runner = CliRunner()


def test_index_search_show_and_delete(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbin.txt").write_text(
        "Putin visits Harbin\n\nPutin will open the 8th China-Russia Expo in Harbin.\n"
    )
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "broken.txt").write_bytes(b"caf\xe9 au lait")
    result = runner.invoke(app, ["index", str(folder), str(SEEDS / "003_c375723cb7de71fb.txt")])
    assert result.exit_code == 1  # one file failed, the others were indexed
    assert "4 files: 2 added" in result.output
    assert "no server serves this index: embedding on every core" in result.output
    assert "broken.txt" in result.output and "notes.pdf" in result.output

    result = runner.invoke(app, ["search", "Which city hosts the Expo?", "-k", "2"])
    assert result.exit_code == 0
    assert re.search(r"^1\. .*\n.*· harbin \[0:\d+\]", result.output, re.MULTILINE)

    result = runner.invoke(app, ["docs", "show", "harbin"])
    assert result.exit_code == 0 and "Putin visits Harbin" in result.output

    assert runner.invoke(app, ["docs", "delete", "harbin"]).exit_code == 0
    listing = runner.invoke(app, ["docs", "list"]).output
    assert "harbin" not in listing and "003_c375723cb7de71fb" in listing
    assert runner.invoke(app, ["docs", "show", "harbin"]).exit_code == 1


def test_reindexing_skips_unchanged_files(index_dir: Path) -> None:
    assert runner.invoke(app, ["index", str(SEEDS)]).exit_code == 0
    result = runner.invoke(app, ["index", str(SEEDS)])
    assert result.exit_code == 0 and "5 unchanged" in result.output


def test_an_empty_query_is_refused(index_dir: Path) -> None:
    result = runner.invoke(app, ["search", "   "])
    assert result.exit_code == 2 and "empty" in result.output


def test_a_mismatched_index_is_refused_with_a_way_out(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["index", str(SEEDS / "003_c375723cb7de71fb.txt")]).exit_code == 0
    monkeypatch.setenv("NEWSRAG_CHUNK_SIZE", "64")
    get_settings.cache_clear()
    result = runner.invoke(app, ["search", "Harbin"])
    assert result.exit_code == 2 and "Rebuild" in result.output


def test_index_dir_option_and_a_report_that_reads_well(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(tmp_path / "unused"))  # restored afterwards
    monkeypatch.setenv("NEWSRAG_SEED_DIR", "")
    records = tmp_path / "wire.jsonl"
    records.write_text('{"id": "a", "text": "A good record here."}\n{oops\n')
    chosen = tmp_path / "chosen"
    result = runner.invoke(app, ["--index-dir", str(chosen), "index", str(records)])
    get_settings.cache_clear()
    assert result.exit_code == 1  # a bad line: reported, the good record indexed
    assert "1 file: 1 added" in result.output
    assert result.output.count("line 2: invalid JSON") == 1
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>")
    result = runner.invoke(app, ["--index-dir", str(chosen), "index", str(page)])
    get_settings.cache_clear()
    assert result.output.count("no main text found") == 1
    assert "discarding data" not in result.output  # trafilatura's own line, saying less
    assert (chosen / "docstore.sqlite").exists() and not (tmp_path / "unused").exists()


HEAVY = ("torch", "transformers", "sentence_transformers")
PROBE = f"""
import json, sys
from typer.testing import CliRunner
from newsrag.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({{"code": result.exit_code, "output": result.output,
                  "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def imported(*args: str) -> dict[str, object]:
    """Runs a command in a fresh interpreter: what it printed and which heavy modules it
    imported (a command's start time is mostly imports: ~5 s for these three)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_listing_and_searching_load_no_model_framework(index_dir: Path) -> None:
    """`docs list` needs no model; `search` needs only the exported query graph, once any
    earlier run has exported it (the first search below does, in this process)."""
    assert runner.invoke(app, ["index", str(SEEDS)]).exit_code == 0
    assert runner.invoke(app, ["search", "Expo"]).exit_code == 0
    listed = imported("docs", "list")
    assert listed["code"] == 0 and "001_3086c8488f3bd921" in str(listed["output"])
    assert listed["heavy"] == []
    found = imported("search", "Which city will host the China-Russia Expo?", "-k", "1")
    assert found["code"] == 0 and "Harbin" in str(found["output"])
    assert found["heavy"] == []
    assert imported("--help")["heavy"] == []


def test_ask_prints_the_figures_with_their_citations(index_dir: Path) -> None:
    assert runner.invoke(app, ["index", str(SEEDS)]).exit_code == 0
    result = runner.invoke(
        app, ["ask", "How much was China-Russia bilateral trade?", "-k", "8"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    shown = result.output.split("figures:")[1]
    assert "bilateral trade (USD) · 2024 · agree" in shown
    assert "nearly $250 billion [" in shown and "bilateral trade (USD) · 2023 · single" in shown
