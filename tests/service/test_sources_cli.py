"""`newsrag follow` and `newsrag watch` against a real index in a temporary directory."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from newsrag.cli import app
from tests.feed_server import FeedServer, article, item, rss

runner = CliRunner()


def test_follow_indexes_once_and_says_what_failed(index_dir: Path, feed_server: FeedServer) -> None:
    items = [item("expo", "/expo.html"), item("pdf", "/report.pdf")]
    feed_server.route("/rss.xml", rss("Loopback Daily", items), etag='"1"')
    feed_server.route("/expo.html", article("Expo", "Putin will open the Expo in Harbin."))
    feed_server.route("/report.pdf", b"%PDF-1.4", content_type="application/pdf")
    daily, missing = feed_server.url("/rss.xml"), feed_server.url("/missing.xml")

    result = runner.invoke(app, ["follow", daily, missing])
    assert result.exit_code == 1  # one feed and one item failed; the rest was indexed
    assert "Loopback Daily: 1 added, 0 replaced, 0 skipped, 1 failed" in result.output
    assert "not an article page (application/pdf)" in result.output
    assert f"{missing}: HTTP 404" in result.output

    result = runner.invoke(app, ["follow", daily])
    assert result.exit_code == 0 and "Loopback Daily: not modified" in result.output
    assert "Story expo" in runner.invoke(app, ["docs", "list"]).output


def test_follow_needs_a_feed(index_dir: Path) -> None:
    result = runner.invoke(app, ["follow"])
    assert result.exit_code == 2 and "NEWSRAG_FEEDS" in result.output


def test_watch_once_syncs_a_folder_and_its_deletions(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbin.txt").write_text("Harbin hosts the ice and snow festival every January.\n")
    (folder / "gas.md").write_text("# Gas\n\nThe east-route gas pipeline was completed.\n")
    result = runner.invoke(app, ["watch", "--once", str(folder)])
    assert result.exit_code == 0
    assert "2 files: 2 added, 0 replaced, 0 unchanged, 0 deleted, 0 failed" in result.output

    (folder / "gas.md").unlink()
    result = runner.invoke(app, ["watch", "--once", str(folder)])
    assert "0 files: 0 added, 0 replaced, 0 unchanged, 1 deleted, 0 failed" in result.output
    listing = runner.invoke(app, ["docs", "list"]).output
    assert "harbin" in listing and "gas" not in listing
