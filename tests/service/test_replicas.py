"""Two `newsrag serve` replicas on one Milvus (milvus-lite's server on loopback): one corpus,
any replica takes writes, a killed one loses nothing acknowledged, feeds change hands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from eval.server import free_port, wait_ready
from index.corpus.milvus import COUNTS_TTL
from index.embedding import Embedder
from tests.feed_server import FeedServer, item, long_text, rss

pytestmark = pytest.mark.slow
CORPUS = "replicas"
INTERVAL = 3.0  # seconds between feed polls (the lease lasts one)


@dataclass
class Replica:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "newsrag", "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)

    def ready(self) -> None:
        assert self.process is not None
        try:
            wait_ready(self.url, self.process, 120)
        except RuntimeError as exc:
            raise AssertionError(f"{exc}: {self.log.read_text()[-3000:]}") from exc

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    def get(self, path: str, **params: object) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=30)  # type: ignore[arg-type]

    def post(self, path: str, body: object) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=60)

    def found(self, query: str) -> list[str]:
        return [hit["doc_id"] for hit in self.get("/search", q=query, k=5).json()["results"]]


@pytest.fixture(scope="module")
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.route("/feed.xml", rss("Harbour Desk", []))
        yield server


@pytest.fixture(scope="module")
def replicas(
    embedder: Embedder,
    milvus_uri: str,
    site: FeedServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Replica, Replica]]:
    embedder.load()  # the model's export is made once, before two processes want it
    folder = tmp_path_factory.mktemp("replicas")
    shared = {
        **os.environ,
        "NEWSRAG_BACKEND": "milvus",
        "NEWSRAG_MILVUS_URI": milvus_uri,
        "NEWSRAG_MILVUS_COLLECTION": CORPUS,
        "NEWSRAG_SEED_DIR": "",
        "NEWSRAG_FEEDS": site.url("/feed.xml"),
        "NEWSRAG_FEED_INTERVAL": str(INTERVAL),
        "NEWSRAG_LOG_FORMAT": "text",
    }
    pair = tuple(
        Replica(
            name,
            free_port(),
            {**shared, "NEWSRAG_INDEX_DIR": str(folder / name)},
            folder / f"{name}.log",
        )
        for name in ("a", "b")
    )
    for replica in pair:
        replica.start()
    try:
        for replica in pair:
            replica.ready()
        yield pair  # type: ignore[misc]
    finally:
        for replica in pair:
            replica.stop()


def article(doc_id: str, words: str) -> dict[str, str]:
    return {"id": doc_id, "title": f"Quayside {doc_id}", "text": f"The {words} reopened. " * 3}


def test_a_write_through_one_is_found_through_the_other_within_a_second(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    assert a.get("/readyz").json()["backend"] == "milvus"
    assert a.post("/documents", article("w1", "zorblat quayside")).status_code == 200
    written = time.monotonic()
    while "w1" not in b.found("zorblat quayside reopened"):
        assert time.monotonic() - written < 1.0, "not found through the other replica in 1 s"
    assert b.get("/documents/w1").json()["title"] == "Quayside w1"
    while b.get("/readyz").json()["documents"] != a.get("/readyz").json()["documents"]:
        assert time.monotonic() - written < 1 + COUNTS_TTL  # counts are kept that long
        time.sleep(0.1)
    assert b.get("/documents", q="quayside").json()["matching"] >= 1


def test_a_replica_killed_mid_upload_loses_nothing_it_acknowledged(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    acknowledged: list[str] = []
    stop = threading.Event()

    def upload() -> None:
        n = 0
        while not stop.is_set():
            body = [article(f"k{n}-{i}", f"grommet lock {n} {i}") for i in range(4)]
            try:
                response = a.post("/documents", body)
            except httpx.HTTPError:
                return  # the replica is gone: this batch was never acknowledged
            if response.status_code == 200:
                acknowledged.extend(d["id"] for d in body)
            n += 1

    thread = threading.Thread(target=upload)
    thread.start()
    while len(acknowledged) < 8:
        time.sleep(0.05)
    a.kill()  # SIGKILL, in the middle of whatever it writes
    stop.set()
    thread.join()
    assert b.get("/readyz").status_code == 200  # the other keeps serving
    for doc_id in acknowledged:
        assert b.get(f"/documents/{doc_id}").status_code == 200, doc_id
    listed = b.get("/documents", q="k", limit=1000).json()["documents"]
    assert set(acknowledged) <= {d["id"] for d in listed}
    assert acknowledged[-1] in b.found(f"grommet lock {acknowledged[-1][1:].replace('-', ' ')}")

    a.start()  # restarted: the same corpus, nothing of its own to recover
    a.ready()
    assert a.get("/readyz").json()["documents"] == b.get("/readyz").json()["documents"]
    for doc_id in acknowledged:
        assert a.get(f"/documents/{doc_id}").status_code == 200, doc_id


def test_one_replica_polls_the_feeds_and_another_takes_over_when_it_dies(
    replicas: tuple[Replica, Replica], site: FeedServer
) -> None:
    pollers = [r for r in replicas if r.get("/feeds").json()["polling"]]
    deadline = time.monotonic() + 4 * INTERVAL
    while len(pollers) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        pollers = [r for r in replicas if r.get("/feeds").json()["polling"]]
    assert len(pollers) == 1, "exactly one replica polls"
    holder = pollers[0]
    other = next(r for r in replicas if r is not holder)
    story = item("s1", site.url("/s1"), "Zorblat quay fire", content=long_text("a quay fire"))
    site.route("/feed.xml", rss("Harbour Desk", [story]))
    while not other.get("/documents", q="Zorblat quay fire").json()["matching"]:
        time.sleep(0.2)  # polled by the holder, seen by both
    holder.kill()
    died = time.monotonic()
    while not other.get("/feeds").json()["polling"]:
        assert time.monotonic() - died < 3 * INTERVAL, "the lease was not taken over"
        time.sleep(0.1)
    took = time.monotonic() - died
    later = item("s2", site.url("/s2"), "Zorblat quay rebuilt", content=long_text("rebuilding"))
    site.route("/feed.xml", rss("Harbour Desk", [story, later]))
    while not other.get("/documents", q="Zorblat quay rebuilt").json()["matching"]:
        assert time.monotonic() - died < 6 * INTERVAL, "the new holder does not poll"
        time.sleep(0.2)
    feeds = other.get("/feeds").json()["feeds"]
    assert feeds[0]["added"] == 2  # the counts carried over with the state, in the engine
    print(f"lease taken over {took:.1f} s after the holder died (interval {INTERVAL} s)")
    holder.start()
    holder.ready()


def test_two_replicas_writing_one_id_at_once_leave_the_last_write_whole(
    replicas: tuple[Replica, Replica], milvus_uri: str
) -> None:
    from pymilvus import MilvusClient

    texts = {
        r.name: [
            f"Replica {r.name} round {n} says the zorblat tide turned. " * (n + 2) for n in range(5)
        ]
        for r in replicas
    }
    start = threading.Barrier(2)

    def write(replica: Replica) -> None:
        start.wait()
        for text in texts[replica.name]:
            body = {"id": "tide", "text": text}
            assert replica.post("/documents", body).status_code == 200

    threads = [threading.Thread(target=write, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    a, b = replicas
    text = a.get("/documents/tide").json()["text"]
    assert text == b.get("/documents/tide").json()["text"]
    assert text in {texts["a"][-1], texts["b"][-1]}
    client = MilvusClient(uri=milvus_uri)
    docs = client.query(f"{CORPUS}_docs", filter='doc_id == "tide"', output_fields=["version"])
    chunks = client.query(
        f"{CORPUS}_chunks", filter='doc_id == "tide"', output_fields=["version", "chunk_no"]
    )
    client.close()
    assert len(docs) == 1
    assert {c["version"] for c in chunks} == {docs[0]["version"]}
    assert len(chunks) == len(a.get("/documents/tide").json()["chunks"])
