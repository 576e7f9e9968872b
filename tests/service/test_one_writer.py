"""One writer per index: while `newsrag serve` owns an index, `newsrag index` writes through it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from index.embedding import Embedder
from index.newsindex import NewsIndex
from newsrag.cli import app as cli
from service.config import Settings
from service.main import create_app
from tests.feed_server import FeedServer, article, item, rss
from tests.service.live import loopback_socket, serve, wait_ready

runner = CliRunner()
ARTICLES = {
    "harbour.txt": "Harbour reopens\n\nThe zorblat harbour reopened after the storm on Monday.",
    "expo.txt": "Expo opens\n\nPutin will open the quintex expo in Harbin next week.",
}


@pytest.fixture
def server(index_dir: Path) -> Iterator[str]:
    """A server that opened the index itself, as `newsrag serve` does."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    settings = Settings(index_dir=index_dir, seed_dir=None, port=port)
    url = f"http://127.0.0.1:{port}"
    with serve(create_app(settings), sock):
        wait_ready(lambda path: httpx.get(url + path))
        yield url


def found(url: str, query: str, mode: str) -> list[str]:
    body = {"query": query, "k": 3, "mode": mode}
    return [hit["doc_id"] for hit in httpx.post(f"{url}/search", json=body).json()["results"]]


def test_indexing_beside_a_server_goes_through_it(server: str, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text)
    result = runner.invoke(cli, ["index", str(folder)])
    assert result.exit_code == 0, result.output
    assert "sending the documents there" in result.output and "2 files: 2 added" in result.output
    assert "every core" not in result.output  # a server serves it: its searches need the cores
    for mode in ("dense", "bm25", "hybrid"):  # the server sees them at once, in every mode
        assert found(server, "zorblat harbour reopened", mode)[0] == "harbour"

    (folder / "harbour.txt").write_text("Harbour closes\n\nThe zorblat harbour closed for ice.")
    result = runner.invoke(cli, ["index", str(folder)])
    assert "1 replaced, 1 unchanged" in " ".join(result.output.split())
    for mode in ("dense", "bm25", "hybrid"):  # the edited article is still found, as edited
        assert found(server, "zorblat harbour closed for ice", mode)[0] == "harbour"
    text = httpx.get(f"{server}/documents/harbour").json()["text"]
    assert "closed for ice" in text

    searched = runner.invoke(cli, ["search", "quintex expo", "-k", "1"])
    assert searched.exit_code == 0 and "expo" in searched.output  # reads beside the server

    assert runner.invoke(cli, ["docs", "delete", "expo"]).exit_code == 0
    assert httpx.get(f"{server}/documents/expo").status_code == 404


def test_following_a_feed_beside_a_server_goes_through_it(
    server: str, index_dir: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/rss.xml", rss("Loopback Daily", [item("expo", "/expo.html")]))
    feed_server.route("/expo.html", article("Expo", "Putin will open the quintex Expo in Harbin."))
    result = runner.invoke(cli, ["follow", feed_server.url("/rss.xml")])
    assert result.exit_code == 0, result.output
    assert "sending the documents there" in result.output and "1 added" in result.output
    assert found(server, "quintex expo Harbin", "bm25")  # in the server's index at once
    # The server's own poller keeps feeds.json; this run's state is its own.
    assert (index_dir / "follow.json").exists() and not (index_dir / "feeds.json").exists()


def test_a_second_writer_without_a_server_is_refused(
    index_dir: Path, embedder: Embedder, tmp_path: Path
) -> None:
    holder = NewsIndex(index_dir, embedder)  # e.g. a long `newsrag index` run
    try:
        (tmp_path / "a.txt").write_text("Harbour reopens.")
        result = runner.invoke(cli, ["index", str(tmp_path / "a.txt")])
        assert result.exit_code == 2
        assert "open for writing by process" in " ".join(result.output.split())
        assert holder.counts() == (0, 0)
    finally:
        holder.close()
