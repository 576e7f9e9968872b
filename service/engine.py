"""Opens the index the settings describe, seeding it on first start."""

from __future__ import annotations

import logging

from index.embedding import Embedder, Observe
from index.ingest import ingest
from index.store import NewsIndex
from service.config import Settings

log = logging.getLogger(__name__)


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
    """The index at settings.index_dir, built with settings.model; as its one writer unless
    `read_only` (waiting up to `lock_wait` seconds for another writer to finish)."""
    return NewsIndex(
        settings.index_dir,
        embedder or make_embedder(settings),
        settings.chunking,
        settings.vector_store,
        settings.retrieval,
        settings.stores,
        read_only=read_only,
        checkpoint_seconds=settings.checkpoint_seconds,
        lock_wait=lock_wait,
    )


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
