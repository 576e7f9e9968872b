"""The app factory: load heavy things once in lifespan, mount the routers and the chat page."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from index.newsindex import NewsIndex
from index.watching import Watching
from service import errors, middleware
from service.answering.answers import AnswerService
from service.answering.conversations import Conversations
from service.config import Settings, get_settings
from service.feeds import start_polling, stop_polling
from service.metrics import Metrics, timed_embedder
from service.opening import needs_seeds, open_when_up, seed_if_empty
from service.routes import (
    access,
    answer,
    chat,
    documents,
    feeds,
    health,
    metrics,
    search,
    sources,
    timeline,
    watches,
)
from service.schemas import ErrorBody
from service.startup import Startup
from service.upkeep import start_upkeep
from service.watch_events import Hub

STATIC = Path(__file__).parent / "static"
DOCS_ASSETS = "/docs-assets"
# A server starting while a short command (`newsrag search`) holds the index waits this long.
LOCK_WAIT = 30.0
# Every refusal has the same JSON shape; documenting it keeps clients and fuzzers honest.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "Missing or wrong API key",
        403: "The key may not do this",
        404: "No such document or route",
        413: "Body or upload over a limit",
        422: "Invalid request: the message says what and where",
        429: "Rate limit: retry after the Retry-After header",
        503: "Starting: the body says what start-up waits for (Retry-After given)",
    }.items()
}


def settle_heap() -> None:
    """What start-up loaded (model, tokenizer, modules, index) lives as long as the process.
    Frozen out of the cyclic collector, it no longer makes each full collection a long pause
    for every request in flight (docs/tuning.md)."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    index: NewsIndex | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
) -> FastAPI:
    """Builds the app; pass `index` to serve one that is already open (tests, embedding).
    Without one the app opens its own behind a listening port (see service.startup);
    `on_failure` hears of a start-up that could not finish (`newsrag serve` then exits)."""
    config = settings or get_settings()
    startup = Startup()

    def load(startup: Startup) -> None:
        startup.step("loading the embedding model (a first start also exports and quantizes it)")
        embedder = timed_embedder(config, app.state.metrics)
        embedder.load()  # ready means the first query waits for no model
        opened = open_when_up(
            config, embedder, startup.step, lock_wait=LOCK_WAIT, cancelled=startup.cancelled
        )
        opened.announce(config.public_url)
        if needs_seeds(opened, config):
            startup.step(f"indexing the seed articles in {config.seed_dir}")
            seed_if_empty(opened, config)
        startup.step(f"readying the answerer ({config.llm})")
        serve(opened)
        settle_heap()

    def serve(opened: NewsIndex) -> None:
        app.state.index = opened
        app.state.answers = AnswerService(opened, config)
        app.state.answers.warm()  # a local model loads now: ready means it can answer
        # Replicas of a shared corpus keep conversations in it: a follow-up may reach any one.
        app.state.conversations = Conversations(store=opened.state if opened.shared else None)
        app.state.watching = Watching(opened, [app.state.hub.publish])
        app.state.feeds = start_polling(config, opened, opened.state, opened.leases)
        app.state.upkeep = start_upkeep(opened)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if index is None:
            startup.run(load, on_failure)
        else:
            serve(index)
            startup.done()
        yield
        startup.cancelled.set()
        await asyncio.to_thread(startup.join)  # a start-up cut short still closes its index
        await stop_polling(getattr(app.state, "feeds", None))
        if getattr(app.state, "upkeep", None) is not None:
            await asyncio.to_thread(app.state.upkeep.stop)
        if getattr(app.state, "watching", None) is not None:
            await asyncio.to_thread(app.state.watching.close)
        if getattr(app.state, "answers", None) is not None:
            app.state.answers.close()
        if index is None and getattr(app.state, "index", None) is not None:
            app.state.index.close()

    # Swagger UI and ReDoc served from the installed package: /docs works with no internet.
    app = FastAPIOffline(
        title="newsrag", version="0.1.0", lifespan=lifespan, static_url=DOCS_ASSETS
    )
    app.state.settings = config
    app.state.startup = startup
    app.state.hub = Hub()
    app.state.metrics = Metrics(app.state)
    errors.install(app)
    routers = (
        search,
        answer,
        chat,
        timeline,
        documents,
        sources,
        access,
        feeds,
        watches,
        health,
        metrics,
    )
    for module in routers:
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/", chat_page, include_in_schema=False)
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    middleware.install(app, config, app.state.metrics, startup)
    return app


def favicon() -> FileResponse:
    """For browsers that ask for /favicon.ico whatever the page says."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


def chat_page() -> FileResponse:
    """The chat page: static HTML and a little JavaScript, no build step."""
    return FileResponse(STATIC / "index.html")
