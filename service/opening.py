"""Opens the index the settings describe, seeding it on first start."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from index.corpus import EngineUnavailable
from index.embedding import Embedder, Observe
from index.ingest import ingest
from index.newsindex import NewsIndex
from service.config import Settings

log = logging.getLogger(__name__)
RETRY_MAX = 10.0  # seconds between attempts to reach an engine that does not answer


def make_embedder(settings: Settings, observe: Observe | None = None) -> Embedder:
    """The embedder the settings describe: model, batch size, runtimes, threads, query cache;
    `observe` hears how long each call took."""
    return Embedder(settings.model, settings.embed_batch_size, settings.embed_options, observe)


def open_index(
    settings: Settings,
    embedder: Embedder | None = None,
    read_only: bool = False,
    lock_wait: float = 0.0,
) -> NewsIndex:
    """The index the settings describe (NEWSRAG_BACKEND: the index directory, or a Milvus
    corpus), built with settings.model. Locally, as its one writer unless `read_only`
    (waiting up to `lock_wait` seconds for another writer to finish)."""
    return NewsIndex(
        settings.corpus(read_only, lock_wait),
        embedder or make_embedder(settings),
        settings.chunking,
        settings.retrieval,
        settings.backend,
    )


def open_when_up(
    settings: Settings,
    embedder: Embedder,
    say: Callable[[str], None],
    lock_wait: float = 0.0,
    retry: float = RETRY_MAX,
    cancelled: threading.Event | None = None,
) -> NewsIndex:
    """The index, waiting for an engine that does not answer yet (a replica starting before
    Milvus, or while it restarts): `say` tells what it waits for and why; `cancelled` ends
    the wait (a server stopping)."""
    where = (
        f"the index in {settings.index_dir}"
        if settings.backend == "local"
        else f"the corpus in Milvus at {settings.milvus_uri or 'milvus.db'}"
    )
    wait, stop = 1.0, cancelled or threading.Event()
    say(f"opening {where}")
    while True:
        try:
            return open_index(settings, embedder, lock_wait=lock_wait)
        except EngineUnavailable as exc:
            say(f"opening {where}: no answer yet, trying again in {wait:.0f} s ({exc})")
            log.warning("start-up: %s", exc)
            if stop.wait(wait):
                raise
            wait = min(wait * 2, retry)


def needs_seeds(index: NewsIndex, settings: Settings) -> bool:
    """An empty index and a seeds folder to fill it from."""
    seeds = settings.seed_dir
    return not index.counts()[0] and seeds is not None and seeds.is_dir()


def seed_if_empty(index: NewsIndex, settings: Settings) -> None:
    """A fresh install answers questions at once: the bundled seeds are its first corpus."""
    if not needs_seeds(index, settings) or settings.seed_dir is None:
        return
    report = ingest(index, [settings.seed_dir])
    log.info(
        "seeded %d documents (%d chunks) from %s", report.added, report.chunks, settings.seed_dir
    )
