"""The app factory: load heavy things once in lifespan, mount the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from index.store import NewsIndex
from service import errors
from service.config import Settings, get_settings
from service.engine import open_index, seed_if_empty
from service.routes import documents, health, search


def create_app(settings: Settings | None = None, index: NewsIndex | None = None) -> FastAPI:
    """Builds the app; pass `index` to serve one that is already open (tests, embedding)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or get_settings()
        app.state.index = index or open_index(config)
        if index is None:
            seed_if_empty(app.state.index, config)
        yield
        if index is None:
            app.state.index.close()

    app = FastAPI(title="newsrag", version="0.1.0", lifespan=lifespan)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    for router in (search.router, documents.router, health.router):
        app.include_router(router)
    return app
