"""The command line's shared parts: the typer app, the settings it reads, the index it opens
(as writer, or read-only beside a server) and where writes go."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from newsrag import foreign_parts

# Each command imports what it runs when it runs: `newsrag --help` loads no index, model or
# eval code, and `docs list` no model (see test_listing_and_searching_load_no_model_framework).
if TYPE_CHECKING:
    from index.lock import Owner
    from index.newsindex import NewsIndex
    from index.sources.base import Sink
    from service.config import Settings


app = typer.Typer(
    help="Semantic search and cited answers over news articles.", no_args_is_help=True
)
docs_app = typer.Typer(help="List, show and delete indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
console = Console()
err = Console(stderr=True)
# What starts a server for `load` and `bench` (eval.server runs it; measuring knows no more).
SERVE = (sys.executable, "-m", "newsrag", "serve", "--host", "127.0.0.1")
_overrides: dict[str, object] = {}  # settings the command line sets (--index-dir)


def _settings() -> Settings:
    """NEWSRAG_* settings (service.config, the one place they are read), with the command
    line's own on top."""
    from service.config import get_settings

    return get_settings().model_copy(update=_overrides) if _overrides else get_settings()


def _index(read_only: bool = False) -> NewsIndex:
    """The index at NEWSRAG_INDEX_DIR; IndexBusy when another process writes it."""
    from index.manifest import IndexMismatch
    from service.opening import open_index

    try:
        return open_index(_settings(), read_only=read_only)
    except (IndexMismatch, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _writer_now() -> Owner | None:
    """Who writes the index at this moment, if anyone: a probe before loading the model. (A
    shared engine takes every process's writes: nobody owns it.)"""
    from index.lock import IndexBusy, WriterLock

    directory = _settings().index_dir
    if _settings().backend != "local" or not directory.is_dir():
        return None
    try:
        WriterLock(directory).release()
    except IndexBusy as exc:
        return exc.owner
    return None


def _reader() -> NewsIndex:
    """For commands that only read: the index as its writer when nobody else writes it (so it
    is brought up to date first), else read-only beside the process that writes it."""
    from index.lock import IndexBusy

    try:
        return _index(read_only=_writer_now() is not None)
    except IndexBusy:  # a writer came in between
        return _index(read_only=True)


def _sink(server: str | None = None, every_core: bool = False) -> Sink:
    """Where writes go: the server at `server`, else the local index, else (while a server owns
    the index) that server. Two processes never write one index. `every_core`: a local index
    this process writes alone embeds on every core (unless NEWSRAG_EMBED_THREADS says
    otherwise): no server is serving it, so no search needs the other one."""
    from index.lock import IndexBusy
    from service.remote import RemoteIndex

    settings = _settings()
    if server is None:
        owner = _writer_now()
        if owner is None:
            alone = every_core and settings.backend == "local"
            if alone and "embed_threads" not in settings.model_fields_set:
                _overrides["embed_threads"] = 0
                err.print("[dim]no server serves this index: embedding on every core[/dim]")
            try:
                return _watched(_index())
            except IndexBusy as exc:  # a writer came in between
                owner = exc.owner
        if owner.url is None:
            err.print(f"[red]error:[/red] {escape(str(IndexBusy(settings.index_dir, owner)))}")
            raise typer.Exit(2)
        server = owner.url
        err.print(f"[dim]the server at {server} owns the index: sending the documents there[/dim]")
    keys = settings.admin_keys or settings.api_keys
    return RemoteIndex(server, keys[0].get_secret_value() if keys else None)


def _watched(index: NewsIndex) -> NewsIndex:
    """An index this process writes alone: its watches are checked here, as a server would
    (the matching finishes before the index closes)."""
    from index.watching import Watching

    Watching(index)
    return index


@app.callback()
def main(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Log what happens, not only warnings.", metavar=""),
    ] = False,
    index_dir: Annotated[
        Path | None,
        typer.Option("--index-dir", help="The index to use (NEWSRAG_INDEX_DIR).", file_okay=False),
    ] = None,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    # A first start spends a minute exporting the model: one line says why it is quiet.
    logging.getLogger("index.embedders.export").setLevel(logging.INFO)
    _overrides.clear()  # one process may run several commands (tests do)
    if index_dir is not None:  # the one setting a command line most often wants to change
        _overrides["index_dir"] = index_dir
    shadowed = foreign_parts()
    if shadowed:
        err.print(
            f"[red]error:[/red] another installed package shadows newsrag's {', '.join(shadowed)}: "
            "uninstall it or run newsrag from its own virtual environment"
        )
        raise typer.Exit(2)


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


FOLLOW_STATE = "follow"  # a `newsrag follow` run's own record, apart from a server's `feeds`

AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="Ask as of this day: articles dated later are left out (default: today).",
    ),
]


def _day(as_of: datetime | None) -> str:
    from index.periods import asked_on

    return asked_on(as_of)


SERVER_HELP = "Send the documents to this newsrag server (default: the one serving the index)."


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Errors of `logger` left to the command's own report while it runs."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)
