"""Commands that change an index: index, follow, watch, docs delete, migrate, and serve."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from newsrag.app import (
    FOLLOW_STATE,
    SERVER_HELP,
    _count,
    _overrides,
    _quiet,
    _reader,
    _settings,
    _sink,
    app,
    console,
    docs_app,
    err,
)

# Each command imports what it runs when it runs: `newsrag --help` loads no index, model or
# eval code, and `docs list` no model (see test_listing_and_searching_load_no_model_framework).
if TYPE_CHECKING:
    from index.ingest import IngestReport
    from index.sources.feedstate import PollReport
    from index.sources.watch import SyncReport


@app.command("index")
def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index.", exists=True)],
    server: Annotated[str | None, typer.Option(help=SERVER_HELP)] = None,
) -> None:
    """Index files and folders (.txt .md .html .json .jsonl); unchanged documents are skipped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from index.ingest import ingest
    from index.readers import discover
    from index.sources.base import close_sink
    from service.remote import RemoteError

    sink = _sink(server, every_core=True)
    files = list(discover(paths))
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        # The report below names every failed file once; the reader's log line would repeat it.
        with Progress(*columns, console=err) as progress, _quiet("index.ingest"):
            task = progress.add_task("files", total=len(files))
            report = ingest(sink, files, on_file=lambda _: progress.advance(task))
    except RemoteError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        close_sink(sink)
    _print_report(report)
    if report.errors:
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"{_count(report.files, 'file')}: {report.added} added, {report.replaced} replaced, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped, "
        f"{len(report.errors)} failed; {_count(report.chunks, 'chunk')} embedded",
        soft_wrap=True,  # one line, however narrow the terminal or pipe
    )
    for path, reason in report.errors:
        err.print(f"[red]failed[/red] {escape(path)}: {escape(reason)}", soft_wrap=True)
    for path in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(path)}: unsupported file type", soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs); seeds the index on first start."""
    import uvicorn

    from service import logs
    from service.main import create_app

    settings = _settings()
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    logs.configure(settings.log_format, settings.log_level)
    failed: list[BaseException] = []

    def stop(exc: BaseException) -> None:
        """Start-up failed behind the open port: stop serving and exit non-zero, so that a
        supervisor restarts us and a script sees it, as when nothing listened."""
        failed.append(exc)
        server.should_exit = True

    config = uvicorn.Config(
        create_app(settings, on_failure=stop),
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn's loggers propagate to ours, in our format
        access_log=False,  # the app writes its own access line, with the request id
    )
    server = uvicorn.Server(config)
    server.run()
    if failed:
        err.print(f"[red]error:[/red] newsrag could not start: {failed[0]}")
        raise typer.Exit(1)


@app.command()
def follow(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="Feed URLs (RSS, Atom, JSON Feed); default: NEWSRAG_FEEDS."),
    ] = None,
    every: Annotated[
        float | None, typer.Option(min=1, help="Poll again every SECONDS until Ctrl-C.")
    ] = None,
    server: Annotated[str | None, typer.Option(help=SERVER_HELP)] = None,
) -> None:
    """Index the new and changed items of feeds: once, or every SECONDS with --every."""
    from index.corpus.base import StateStore
    from index.corpus.local import FileState
    from index.newsindex import NewsIndex
    from index.sources.base import close_sink
    from index.sources.feedstate import STATE_KEY
    from service.feeds import make_follower
    from service.remote import RemoteIndex

    settings = _settings()
    if not (urls or settings.feeds):
        err.print("[red]error:[/red] name feed URLs or set NEWSRAG_FEEDS")
        raise typer.Exit(2)
    sink = _sink(server)
    # Beside a server (which keeps `feeds` for its own polling), this run keeps its own state:
    # a file in the index directory, or a record of the shared corpus the servers poll too.
    store: StateStore
    if isinstance(sink, RemoteIndex):
        store, key = FileState(settings.index_dir), FOLLOW_STATE
    else:
        assert isinstance(sink, NewsIndex)
        store, key = sink.state, FOLLOW_STATE if sink.shared else STATE_KEY
    follower = make_follower(settings, sink, store, urls or settings.feeds, every, _print_poll, key)
    reports: list[PollReport] = []
    try:
        if every is None:
            reports = follower.poll_all()
        else:
            follower.run(threading.Event())  # until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()
        close_sink(sink)
    if any(report.errors for report in reports):
        raise typer.Exit(1)


def _print_poll(report: PollReport) -> None:
    name = escape(report.title or report.url)
    if report.failed:
        err.print(f"[red]failed[/red] {escape(report.errors[-1])}", soft_wrap=True)
        return
    if report.not_modified:
        console.print(f"{name}: not modified", highlight=False)
        return
    console.print(
        f"{name}: {report.added} added, {report.replaced} replaced, {report.skipped} skipped, "
        f"{len(report.errors)} failed",
        highlight=False,
    )
    for reason in report.errors:
        err.print(f"[red]failed[/red] {escape(reason)}", soft_wrap=True)


@app.command("watch")
def watch_cmd(
    folders: Annotated[
        list[Path], typer.Argument(help="Folders to follow.", exists=True, file_okay=False)
    ],
    once: Annotated[bool, typer.Option(help="Sync once and exit instead of watching.")] = False,
    server: Annotated[str | None, typer.Option(help=SERVER_HELP)] = None,
) -> None:
    """Index folders, then keep the index in step as files are added, changed or deleted."""
    from index.sources.base import close_sink
    from index.sources.watch import STATE_FILE as WATCH_STATE
    from index.sources.watch import FolderSync, watch_folders

    sink = _sink(server)
    synced = FolderSync(folders, sink, _settings().index_dir / WATCH_STATE)
    report = None
    try:
        if once:
            report = synced.sync()
            _print_sync(report)
        else:
            watch_folders(synced, _print_sync)
    except KeyboardInterrupt:
        pass
    finally:
        close_sink(sink)
    if report is not None and report.errors:
        raise typer.Exit(1)


def _print_sync(report: SyncReport) -> None:
    console.print(
        f"{_count(report.files, 'file')}: {report.added} added, {report.replaced} replaced, "
        f"{report.unchanged} unchanged, {report.deleted} deleted, {len(report.errors)} failed",
        soft_wrap=True,
    )
    for path, reason in report.errors:
        err.print(f"[red]failed[/red] {escape(path)}: {escape(reason)}", soft_wrap=True)


@app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Where to: milvus://HOST:PORT (or an http(s):// Milvus URI).",
            metavar="URI",
        ),
    ],
    collection: Annotated[
        str | None,
        typer.Option(help="The corpus's name there (default: NEWSRAG_MILVUS_COLLECTION)."),
    ] = None,
) -> None:
    """Copy the local index into a Milvus corpus, vectors included (nothing is embedded again),
    and check the counts; run it again to resume, or to copy what changed since."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from index.manifest import IndexMismatch
    from index.migrate import migrate as copy_index
    from index.newsindex import NewsIndex
    from service.opening import make_embedder

    settings = _settings().model_copy(update={"backend": "local"})
    _overrides["backend"] = "local"  # the source: this machine's index directory
    uri = "http://" + to.removeprefix("milvus://") if to.startswith("milvus://") else to
    name = collection or settings.milvus_collection
    if not name:
        err.print("[red]error:[/red] name the corpus there: --collection NAME (replicas use it)")
        raise typer.Exit(2)
    source = _reader()
    where = settings.model_copy(
        update={"backend": "milvus", "milvus_uri": uri, "milvus_collection": name}
    )
    try:
        target = NewsIndex(
            where.corpus(),
            make_embedder(settings),
            settings.chunking,
            settings.retrieval,
            "milvus",
            like=source.manifest,
        )
    except (IndexMismatch, ValueError, RuntimeError) as exc:
        source.close()
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    columns = (TextColumn("copying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err) as bars:
            task = bars.add_task("documents", total=source.counts()[0])
            report = copy_index(source, target, on_batch=lambda n: bars.advance(task, n))
    finally:
        source.close()
        target.close()
    console.print(
        f"{_count(report.copied, 'document')} copied ({_count(report.chunks, 'chunk')}), "
        f"{report.skipped} already there, {_count(report.records, 'record')} kept beside "
        f"them (feeds, watches, conversations, stories); {source.location}: "
        f"{report.source[0]} documents, "
        f"{report.source[1]} chunks; {uri} {name}: {report.target[0]} documents, "
        f"{report.target[1]} chunks",
        soft_wrap=True,
        highlight=False,
    )
    if not report.matches:
        err.print(
            "[red]error:[/red] the counts differ: a write may have come in meanwhile; run "
            "`newsrag migrate` again"
        )
        raise typer.Exit(1)


@docs_app.command("delete")
def docs_delete(doc_id: str) -> None:
    """Delete a document from the index (through the server while one owns it)."""
    from index.sources.base import close_sink
    from service.remote import RemoteError

    sink = _sink()
    try:
        deleted = sink.delete(doc_id)
    except RemoteError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        close_sink(sink)
    if not deleted:
        err.print(f"[red]error:[/red] no document with id {doc_id!r}")
        raise typer.Exit(1)
    console.print(f"deleted {doc_id}")
