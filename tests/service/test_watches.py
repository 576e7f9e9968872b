"""Watches: standing questions checked against every article that arrives, matches kept and
delivered (JSON, Atom, Server-Sent Events, signed webhooks), firing exactly when their own
search would return the new article above the threshold."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from index.embedding import Embedder
from index.ingest import ingest
from index.models import Document
from index.newsindex import NewsIndex
from index.watching import Watching
from index.watching import webhooks as hooks
from newsrag.cli import app as cli
from service.config import Settings
from service.main import create_app
from tests.conftest import DATED, SEEDS
from tests.loopback import LoopbackServer, Served
from tests.service.live import serve

EXPO = "Has Putin arrived in Harbin for the China-Russia Expo?"
ARRIVED = Document(
    "arrived",
    "Putin arrived in Harbin on Friday to open the 8th China-Russia Expo, the Kremlin said.",
    title="Putin arrives in Harbin",
    date="2025-05-17",
    source="Wire",
)
RAIN = Document("rain", "Heavy rain flooded streets in Lisbon on Tuesday.", date="2025-05-17")


@pytest.fixture
def library(embedder: Embedder, tmp_path: Path) -> Iterator[NewsIndex]:
    index = NewsIndex(tmp_path / "index", embedder)
    assert ingest(index, [SEEDS]).added == 5
    yield index
    index.close()


@pytest.fixture
def app_client(library: NewsIndex) -> Iterator[TestClient]:
    settings = Settings(index_dir=library.location, seed_dir=None)
    with TestClient(create_app(settings, index=library)) as client:
        yield client


def settle(client: TestClient) -> None:
    watching: Watching = client.app.state.watching  # type: ignore[attr-defined]
    assert watching.matcher.settled(60)


def test_a_watch_fires_for_an_article_that_answers_it_and_keeps_the_match(
    app_client: TestClient,
) -> None:
    made = app_client.post("/watches", json={"query": EXPO, "name": "Putin in Harbin"})
    assert made.status_code == 201, made.json()
    watch = made.json()
    assert watch["threshold"] == 0.75 and watch["secret"] and watch["matches"] == 0
    settle(app_client)
    body = [vars(ARRIVED), vars(RAIN)]
    assert app_client.post("/documents", json=body).status_code == 200
    settle(app_client)
    read = app_client.get(f"/watches/{watch['id']}").json()
    (match,) = read["matches"]
    assert match["doc_id"] == "arrived" and match["score"] >= 0.75
    text = app_client.get("/documents/arrived").json()["text"]
    assert text[match["start"] : match["end"]] == match["text"]  # a citation, exact
    assert match["source"] == "Wire" and match["date"] == "2025-05-17" and match["seen"]
    listed = app_client.get("/watches").json()["watches"]
    assert [(w["id"], w["matches"], w["secret"]) for w in listed] == [(watch["id"], 1, None)]

    feed = app_client.get(f"/watches/{watch['id']}/feed")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo, parsed.bozo_exception
    (entry,) = parsed.entries
    assert entry.title == "Putin arrives in Harbin" and match["text"] in entry.summary
    assert entry.link.endswith("/documents/arrived") and "arrived [" in entry.content[0].value

    assert app_client.delete(f"/watches/{watch['id']}").status_code == 204
    assert app_client.get(f"/watches/{watch['id']}").status_code == 404
    assert app_client.delete(f"/watches/{watch['id']}").status_code == 404


def test_what_cannot_work_is_refused_with_why(app_client: TestClient) -> None:
    low = app_client.post("/watches", json={"query": EXPO, "threshold": 0.4})
    assert low.status_code == 422 and "one side" in low.json()["message"]
    bm25 = app_client.post("/watches", json={"query": EXPO, "mode": "bm25"})
    assert bm25.status_code == 422 and "needs a threshold" in bm25.json()["message"]
    blank = app_client.post("/watches", json={"query": "  "})
    assert blank.status_code == 422
    hook = app_client.post("/watches", json={"query": EXPO, "webhook": "ftp://x"})
    assert hook.status_code == 422
    assert app_client.get("/watches", params={"q": "x"}).status_code == 422


def test_watches_survive_a_restart(library: NewsIndex) -> None:
    first = Watching(library)
    watch = first.create(EXPO)
    first.close()
    again = Watching(library)
    assert [w.id for w in again.book.all()] == [watch.id]
    library.upsert([ARRIVED])
    assert again.matcher.settled(60)
    assert [m.doc_id for m in again.book.matches(watch.id)] == ["arrived"]
    again.close()


def test_a_watch_fires_exactly_when_its_search_returns_the_new_article(
    embedder: Embedder, tmp_path: Path
) -> None:
    """Articles arrive one by one (the dated corpus, oldest first). After each, a watch has
    matched it exactly when its own search, run then, returns it above the threshold."""
    from index.readers import read_file

    index = NewsIndex(tmp_path / "stream", embedder)
    watching = Watching(index)
    questions = [
        ("What did the European Central Bank decide about interest rates?", None, None),
        ("Interest rate decisions", "dense", 0.45),
        ("Who won the election?", None, 0.6),
        ("oil prices", None, None),
        ("central bank", "hybrid", 0.9),
    ]
    watches = [watching.create(q, mode=m, threshold=t) for q, m, t in questions]
    expected: dict[str, set[str]] = {w.id: set() for w in watches}
    for path in sorted(DATED.glob("*"), key=lambda p: p.name):
        (arrived,) = read_file(path)
        ingest(index, [path])
        assert watching.matcher.settled(60)
        for watch in watches:
            mode = watch.mode or index.retrieval.mode
            hits = index.search(watch.query, 10, watch.filters, mode, False, timed=False).hits
            if any(h.doc_id == arrived.id and h.score >= watch.threshold for h in hits):
                expected[watch.id].add(arrived.id)
            got = {m.doc_id for m in watching.book.matches(watch.id)}
            assert got == expected[watch.id], (watch.query, arrived.id)
    assert sum(map(len, expected.values())) >= 3  # the stream gave the watches work to do
    watching.close()
    index.close()


class Receiver(LoopbackServer):
    """A webhook receiver: answers with the statuses it is scripted to, records every POST."""

    def __init__(self, statuses: list[int]) -> None:
        super().__init__(_Handler)
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.got = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: Served

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        owner: Any = self.server.owner
        body = self.rfile.read(int(self.headers["Content-Length"]))
        owner.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = owner.statuses.pop(0) if owner.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if status == 200:
            owner.got.set()


def test_a_webhook_gets_each_match_signed_and_is_retried_until_it_takes_it(
    library: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hooks, "FIRST_WAIT", 0.05)  # retries at test speed: 0.05, then 0.1 s
    with Receiver([503, 500]) as receiver:
        watching = Watching(library)
        watch = watching.create(EXPO, webhook=f"{receiver.base_url}/hook")
        library.upsert([ARRIVED])
        assert watching.matcher.settled(60)
        assert receiver.got.wait(30)
        watching.close()
    assert len(receiver.received) == 3  # two refusals, then taken
    headers, body = receiver.received[-1]
    expected = hmac.new(watch.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-newsrag-signature"], f"sha256={expected}")
    sent = json.loads(body)
    assert sent["watch"]["id"] == watch.id and sent["match"]["doc_id"] == "arrived"
    (match,) = Watching(library).book.matches(watch.id)
    assert [(d.attempt, d.status) for d in match.deliveries] == [(1, 503), (2, 500), (3, 200)]


def test_events_stream_matches_as_they_happen(library: NewsIndex) -> None:
    settings = Settings(index_dir=library.location, seed_dir=None)
    app = create_app(settings, index=library)
    with serve(app) as (host, port):
        url = f"http://{host}:{port}"
        watch = httpx.post(f"{url}/watches", json={"query": EXPO}).json()
        app.state.watching.matcher.settled(60)
        seen: list[dict[str, Any]] = []

        def listen() -> None:
            with httpx.stream("GET", f"{url}/watches/{watch['id']}/events", timeout=60) as events:
                for line in events.iter_lines():
                    if line.startswith("data:"):
                        seen.append(json.loads(line[5:]))
                        return

        listener = threading.Thread(target=listen)
        listener.start()
        app.state.watching.matcher.settled(5)
        assert httpx.post(f"{url}/documents", json=vars(ARRIVED), timeout=60).status_code == 200
        listener.join(60)
        assert [m["doc_id"] for m in seen] == ["arrived"]
        # A client reconnecting with the last id it saw (here one it never saw: from the
        # start) is sent what it missed first.
        replayed: list[str] = []
        headers = {"Last-Event-ID": "missed-it"}
        with httpx.stream(
            "GET", f"{url}/watches/{watch['id']}/events", headers=headers, timeout=60
        ) as events:
            for line in events.iter_lines():
                if line.startswith("id:"):
                    replayed.append(line[3:].strip())
                    break
        assert replayed == [seen[0]["id"]]


def test_the_command_line_follows_a_question_through_the_server(
    library: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(index_dir=library.location, seed_dir=None)
    app = create_app(settings, index=library)
    with serve(app) as (host, port):
        url = f"http://{host}:{port}"

        def post_later() -> None:
            app.state.watching.matcher.settled(60)
            while not app.state.watching.book.all():
                threading.Event().wait(0.05)
            app.state.watching.matcher.settled(60)
            threading.Event().wait(0.5)
            httpx.post(f"{url}/documents", json=vars(ARRIVED), timeout=60)

        writer = threading.Thread(target=post_later)
        writer.start()
        result = CliRunner().invoke(cli, ["track", EXPO, "--server", url, "--limit", "1"])
        writer.join()
    assert result.exit_code == 0, result.output
    assert "following as watch" in result.output and "Putin arrives in Harbin" in result.output
    assert "arrived [" in result.output


def test_an_index_written_alone_by_the_command_line_checks_its_watches(
    embedder: Embedder, index_dir: Path, tmp_path: Path
) -> None:
    library = NewsIndex(index_dir, embedder)
    ingest(library, [SEEDS])
    watch = Watching(library).create(EXPO)
    folder = library.location
    library.close()
    article = tmp_path / "arrived.txt"
    article.write_text(f"{ARRIVED.title}\n\n{ARRIVED.text}")
    result = CliRunner().invoke(cli, ["index", str(article)])
    assert result.exit_code == 0, result.output
    again = NewsIndex(Path(folder), library.embedder)
    matches = Watching(again).book.matches(watch.id)
    assert [m.doc_id for m in matches] == ["arrived"]
    again.close()
