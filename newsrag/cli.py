"""The `newsrag` command line: index, search, serve and manage documents."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from newsrag import foreign_parts
from service.limits.caps import MAX_K

# Each command imports what it runs when it runs: `newsrag --help` loads no index, model or
# eval code, and `docs list` no model (see test_listing_and_searching_load_no_model_framework).
if TYPE_CHECKING:
    from rich.progress import Progress

    from eval.answers import AnswerFactory, EvalAnswer
    from eval.building import StartProgress
    from index.embedding import Embedder
    from index.ingest import IngestReport
    from index.lock import Owner
    from index.newsindex import NewsIndex
    from index.periods import Period
    from index.query import TimeSense
    from index.sources.base import Sink
    from index.sources.feedstate import PollReport
    from index.sources.watch import SyncReport
    from service.answering.answers import Answer, AnswerService
    from service.answering.figures import FigureGroup
    from service.config import Settings
    from service.llm.base import Usage

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


def _sink(server: str | None = None) -> Sink:
    """Where writes go: the server at `server`, else the local index, else (while a server owns
    the index) that server. Two processes never write one index."""
    from index.lock import IndexBusy
    from service.remote import RemoteIndex

    settings = _settings()
    if server is None:
        owner = _writer_now()
        if owner is None:
            try:
                return _index()
            except IndexBusy as exc:  # a writer came in between
                owner = exc.owner
        if owner.url is None:
            err.print(f"[red]error:[/red] {escape(str(IndexBusy(settings.index_dir, owner)))}")
            raise typer.Exit(2)
        server = owner.url
        err.print(f"[dim]the server at {server} owns the index: sending the documents there[/dim]")
    keys = settings.admin_keys or settings.api_keys
    return RemoteIndex(server, keys[0].get_secret_value() if keys else None)


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

    sink = _sink(server)
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
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="Passages to show.")] = 5,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Search the index and print the best passages with their citations."""
    from index.excerpt import excerpt
    from index.filters import Filters

    if not query.strip():
        err.print("[red]error:[/red] the query is empty")
        raise typer.Exit(2)
    index = _reader()
    found = index.search(query, k, Filters(source=source, as_of=_day(as_of)))
    console.print(f"[dim]{escape(_time_read(found.time))}[/dim]\n", highlight=False)
    for hit in found.hits:
        console.print(
            f"[bold]{hit.rank}.[/bold] {hit.score:.3f}  [bold]{hit.title or hit.doc_id}[/bold]\n"
            f"   {hit.date or 'no date'} · {hit.source or 'no source'} · "
            f"{hit.doc_id} [{hit.start}:{hit.end}]\n   {excerpt(hit.text, 240)}"
            f"{_times(hit.text, hit.date)}\n",
            highlight=False,
        )
    index.close()


def _time_read(time: TimeSense) -> str:
    """What the search read about time, in a line: why these passages and not others."""
    parts = [f"as of {time.as_of.isoformat()}"]
    if time.window is not None:
        parts.append(f'about {time.window.label} ("{time.window.text}")')
    if time.prior is not None:
        parts.append("newer articles first")
    return " · ".join(parts)


def _times(text: str, published: str | None) -> str:
    """Relative times in a passage, read against its article's date: "this year = 2025"."""
    from index import periods

    return _notes(periods.relative_in(text, published))


def _notes(found: Iterable[Period]) -> str:
    """Relative times as read, each once: "this year = 2025"."""
    said = dict.fromkeys((p.text, p.label) for p in found)
    return "".join(f"\n   [dim]{escape(text)} = {label}[/dim]" for text, label in said)


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


@docs_app.command("list")
def docs_list(limit: int = 100, offset: int = 0) -> None:
    """List indexed documents."""
    from rich.table import Table

    index = _reader()
    table = Table("title", "date", "source", "chunks")
    table.add_column("id", no_wrap=True)
    for doc in index.documents(limit, offset).documents:
        table.add_row(doc.title or "", doc.date or "", doc.source or "", str(doc.chunks), doc.id)
    console.print(table)
    index.close()


@docs_app.command("show")
def docs_show(doc_id: str) -> None:
    """Show a document's metadata, chunk spans and text."""
    index = _reader()
    found = index.document(doc_id)
    index.close()
    if found is None:
        err.print(f"[red]error:[/red] no document with id {doc_id!r}")
        raise typer.Exit(1)
    doc, chunks = found
    console.print(f"[bold]{doc.title or doc.id}[/bold]", highlight=False)
    console.print(f"id {doc.id} · {doc.date or 'no date'} · {doc.source or 'no source'}")
    spans = ", ".join(f"{c.chunk_no}:[{c.start}:{c.end}]" for c in chunks)
    console.print(f"{len(chunks)} chunks: {spans}\n", highlight=False)
    console.print(doc.text, highlight=False, markup=False)


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
        f"{report.skipped} already there; {source.location}: {report.source[0]} documents, "
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


def _answers() -> AnswerService:
    from service.answering.answers import AnswerService

    return AnswerService(_reader(), _settings())


def _print_answer(result: Answer) -> None:
    from index import periods

    console.print(f"[dim]{escape(_time_read(result.time))}[/dim]", highlight=False)
    if result.holds_as_of:
        held = date.fromisoformat(result.holds_as_of)
        console.print(f"As of {periods.label(held, held)}:")
    for sentence, relevant, times in zip(
        result.sentences, result.relevant, result.times, strict=True
    ):
        style = "" if sentence.supported else "[red](unsupported)[/red] "
        style += "" if relevant else "[yellow](off the question)[/yellow] "
        notes = _notes(times)
        console.print(f"{style}{escape(sentence.text)}{notes}", highlight=False)
    if not result.answered and result.answer:
        console.print(escape(result.answer), highlight=False)
    elif not result.sentences:
        console.print("(no answer)")
    if result.notice:
        err.print(f"[yellow]notice:[/yellow] {escape(result.notice)}")
    _print_figures(result.figures)
    if result.rejected:
        console.print("[dim]the model's own answer, replaced:[/dim]")
    for sentence in result.rejected:  # none cites a passage, so none answers the question
        problems = "; ".join(sentence.problems)
        console.print(f"[dim](unsupported: {escape(problems)}) {escape(sentence.text)}[/dim]")
    console.print(f"\n[dim]answered by {result.model} in {result.took_ms:.0f} ms[/dim]")
    if result.passages and not result.answered:
        console.print("related:")
    for n, hit in enumerate(result.passages, start=1):
        console.print(
            f"  [{n}] {escape(hit.title or hit.doc_id)} · {hit.date or 'no date'} · "
            f"{hit.source or 'no source'} · {hit.doc_id} [{hit.start}:{hit.end}]",
            highlight=False,
        )


_VERDICT_STYLES = {"agree": "green", "update": "blue", "conflict": "red", "single": "dim"}


def _print_figures(groups: list[FigureGroup]) -> None:
    """Each quantity's figures across the passages, with its verdict and each citation."""
    if groups:
        console.print("\nfigures:")
    for group in groups:
        when = group.period.label if group.period else "as reported"
        style = _VERDICT_STYLES.get(group.verdict, "")
        unit = f" ({group.unit})" if group.unit else ""
        console.print(
            f"  {escape(group.measure)}{escape(unit)} · {escape(when)} · "
            f"[{style}]{group.verdict}[/{style}]",
            highlight=False,
        )
        for figure in group.figures:
            hit = figure.hit
            console.print(
                f"    {escape(figure.text)} [{figure.passage}] · {hit.source or 'no source'} · "
                f"{hit.date or 'no date'}",
                highlight=False,
            )
        if group.verdict in ("update", "conflict"):  # what the figures alone do not say
            console.print(f"    [dim]{escape(group.note)}[/dim]", highlight=False)


@app.command()
def ask(
    question: str,
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="Passages to answer from.")] = 5,
    llm: Annotated[str | None, typer.Option(help='"extractive" or "provider:model".')] = None,
    as_of: AsOfOption = None,
) -> None:
    """Answer a question with numbered citations and their sources."""
    from index.filters import Filters

    if not question.strip():
        err.print("[red]error:[/red] the question is empty")
        raise typer.Exit(2)
    answers = _answers()
    try:
        _print_answer(answers.answer(question, k, Filters(as_of=_day(as_of)), llm=llm))
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        answers.close()
        answers.index.close()


@app.command()
def timeline(
    topic: str,
    limit: Annotated[int, typer.Option("-n", min=1, max=50, help="Most events shown.")] = 12,
    as_of: AsOfOption = None,
) -> None:
    """Dated events about a topic across the articles, oldest first, each with its citation."""
    from index.filters import Filters
    from service.answering.timeline import timeline as build_timeline

    if not topic.strip():
        err.print("[red]error:[/red] the topic is empty")
        raise typer.Exit(2)
    answers = _answers()
    try:
        found = build_timeline(
            answers.index, answers.extractive, topic, limit, Filters(as_of=_day(as_of))
        )
    finally:
        answers.close()
        answers.index.close()
    console.print(f"[dim]{escape(_time_read(found.time))}[/dim]\n", highlight=False)
    if not found.events:
        console.print("(no dated events found)")
    for event in found.events:
        cited = event.cited
        stated = "" if event.dated_by == "sentence" else " (published)"
        console.print(
            f"[bold]{event.label}[/bold]{stated}  {escape(event.text)}\n"
            f"   [dim]{escape(cited.title or cited.doc_id)} · {cited.date or 'no date'} · "
            f"{cited.source or 'no source'} · {cited.doc_id} [{cited.start}:{cited.end}]"
            + "".join(f"\n   also in {escape(s.title or s.doc_id)}" for s in event.also_in)
            + "[/dim]\n",
            highlight=False,
        )


@app.command()
def chat(
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_K, help="Passages per answer.")] = 5,
    llm: Annotated[str | None, typer.Option(help='"extractive" or "provider:model".')] = None,
    as_of: AsOfOption = None,
) -> None:
    """A conversation on the terminal; follow-up questions keep their context. Ctrl-D ends it."""
    from index.filters import Filters

    answers = _answers()
    history: list[dict[str, str]] = []
    while True:
        try:
            question = console.input("[bold]you>[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            continue
        history.append({"role": "user", "content": question})
        query = answers.standalone_query(history, llm)
        if query != question:
            console.print(f"[dim]searching for: {escape(query)}[/dim]")
        result = answers.answer(query, k, Filters(as_of=_day(as_of)), llm=llm)
        _print_answer(result)
        history.append({"role": "assistant", "content": result.answer})
    answers.close()
    answers.index.close()


@app.command("eval")
def eval_cmd(
    datasets: Annotated[
        list[str],
        typer.Argument(
            help="BEIR folders or gold .jsonl files (see eval/); a bare name (scifact) is a "
            "folder in NEWSRAG_EVAL_DATA, skipped when absent.",
        ),
    ],
    mode: Annotated[
        list[str] | None,
        typer.Option(help="dense, bm25, hybrid or all; repeatable. Default: the index's mode."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write a JSON list, one object per run.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write a markdown report (and a recall@k PNG beside it).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N queries.")] = None,
    as_of: Annotated[
        list[str] | None,
        typer.Option(
            "--as-of",
            help="Dated questions: 'query' (each asked as of its date) or 'none'; repeatable.",
        ),
    ] = None,
    llm: Annotated[
        list[str] | None,
        typer.Option(
            help="Answer with 'extractive' or provider:model (default NEWSRAG_LLM), and count "
            "what the checks make of each answer's sentences and what it costs; repeatable.",
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, help="Run everything N times; report each metric's median.")
    ] = 1,
    backend: Annotated[
        str | None,
        typer.Option(
            help="local or milvus (default NEWSRAG_BACKEND); milvus without NEWSRAG_MILVUS_URI "
            "runs milvus-lite's server on loopback for the run, its data beside the indexes."
        ),
    ] = None,
    answers: Annotated[
        bool, typer.Option(help="Also measure answers where a set has gold ones.")
    ] = True,
) -> None:
    """Measure retrieval (nDCG, recall, MRR, latency) and, where the set has gold answers,
    answers."""
    # No query cache: a mode must not be timed on embeddings the previous mode paid for.
    settings = _settings().model_copy(update={"query_cache_size": 0})
    if backend is not None:
        settings = settings.model_copy(update={"backend": backend})
    with ExitStack() as stack:
        if settings.backend == "milvus" and not settings.milvus_uri:
            from eval.server import loopback_milvus

            folder = settings.index_dir.parent / "eval" / "milvus"
            uri = stack.enter_context(loopback_milvus(folder))
            settings = settings.model_copy(update={"milvus_uri": uri})
        _eval(datasets, settings, mode, json_file, report, limit, as_of, llm, repeat, answers)


def _eval(
    datasets: list[str],
    settings: Settings,
    mode: list[str] | None,
    json_file: Path | None,
    report: Path | None,
    limit: int | None,
    as_of: list[str] | None,
    llm: list[str] | None,
    repeat: int,
    answers: bool,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from eval.conversations import is_conversations
    from eval.report import (
        checks_section,
        conversations_table,
        retrieval_table,
        write_json,
        write_report,
    )
    from eval.runner import medians, parse_as_of, parse_modes, run_eval
    from index.manifest import IndexMismatch
    from service.llm import resolve
    from service.opening import make_embedder, open_index

    try:
        modes = parse_modes(mode or [])
        asked = parse_as_of(as_of or [])
        for spec in llm or []:
            resolve(spec)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    embedder = make_embedder(settings)
    specs: list[str | None] = [*llm] if llm else [None]  # None: the settings' answerer
    services: list[AnswerService] = []
    columns = (TextColumn("indexing {task.description}"), BarColumn(), MofNCompleteColumn())
    found = [path for name in datasets if (path := _dataset(name, settings.eval_data))]
    chats = [path for path in found if is_conversations(path)]
    sets = [path for path in found if path not in chats]
    index_root = settings.index_dir.parent / "eval"
    seeds = settings.seed_dir or Path("seeds")
    try:
        with Progress(*columns, TimeElapsedColumn(), console=err) as bars:
            runs = [
                [
                    replace(result, answerer=spec or settings.llm)
                    for spec in specs
                    for result in run_eval(
                        sets,
                        modes,
                        lambda path: open_index(
                            settings.model_copy(update={"index_dir": path}), embedder
                        ),
                        index_root=index_root,
                        seeds=seeds,
                        limit=limit,
                        answerer=_eval_answerer(services, spec) if answers else None,
                        progress=_eval_bars(bars),
                        as_of=asked,
                    )
                ]
                for _ in range(repeat)
            ]
        results = medians(runs)
        followed = [
            (path.stem, chosen, _follow_ups(path, chosen, settings, embedder, index_root, seeds))
            for path in chats
            for chosen in modes or [settings.search_mode]
        ]
    except (IndexMismatch, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        for service in services:
            service.close()
    if results:
        console.print(retrieval_table(results), highlight=False, markup=False, soft_wrap=True)
    if llm:
        console.print(checks_section(results), highlight=False, markup=False, soft_wrap=True)
    conversations = conversations_table(followed) if followed else ""
    console.print(conversations, highlight=False, markup=False, soft_wrap=True)
    if json_file:
        write_json(json_file, results)
    if report:
        write_report(report, results, conversations)


def _dataset(name: str, eval_data: Path) -> Path | None:
    """A path as given; a bare name, the folder of that name in `eval_data` (None, said, when
    that set is not on this machine: the held-out and licensed sets often are not)."""
    given = Path(name)
    if given.exists():
        return given
    if given.name == name:
        if (eval_data / name / "corpus.jsonl").exists():
            return eval_data / name
        err.print(f"eval: skipping {name} (no {eval_data / name / 'corpus.jsonl'})")
        return None
    err.print(f"[red]error:[/red] no such file or folder: {name}")
    raise typer.Exit(2)


def _follow_ups(
    path: Path,
    mode: str,
    settings: Settings,
    embedder: Embedder,
    index_root: Path,
    seeds: Path,
) -> dict[str, float]:
    """SEAM eval <-> chat: each conversation of `path` asked turn by turn through the chat
    path (rewrite, then answer) over the seeds index."""
    from eval.building import build_folder
    from eval.conversations import Reply, conversation_metrics, load_conversations
    from service.answering.answers import AnswerService
    from service.opening import open_index

    index = open_index(settings.model_copy(update={"index_dir": index_root / seeds.name}), embedder)
    service = AnswerService(index, settings)
    try:
        build_folder(index, seeds)

        def chat(messages: list[dict[str, str]]) -> Reply:
            query = service.standalone_query(messages)
            result = service.answer(query, mode=mode)
            return Reply(query, _eval_answer(result), [p.doc_id for p in result.passages])

        return conversation_metrics(load_conversations(path), chat)
    finally:
        service.close()
        index.close()


def _eval_bars(bars: Progress) -> StartProgress:
    """One bar per index build, advanced by each batch's documents."""
    return lambda total, name: partial(bars.advance, bars.add_task(name, total=total))


def _eval_answerer(services: list[AnswerService], llm: str | None = None) -> AnswerFactory | None:
    """SEAM eval <-> answering: adapts AnswerService to eval's plain Answer record. Return None
    to leave answer metrics out (the report then says so); `services` collects what to close.
    With `llm` (a spec), it answers and each answer says what the checks made of its
    sentences and what its LLM calls cost."""
    from eval.answers import AnswerFn
    from index.filters import Filters
    from service.answering.answers import AnswerService

    def factory(index: NewsIndex, mode: str, timed: bool) -> AnswerFn:
        service = AnswerService(index, _settings())
        services.append(service)

        def answer(question: str, as_of: str | None) -> EvalAnswer:
            before = service.usage(llm)
            asked = Filters(as_of=as_of)
            result = service.answer(question, filters=asked, mode=mode, llm=llm, timed=timed)
            after = service.usage(llm)
            if llm is None:
                return _eval_answer(result)
            used = (after - before) if after and before else None
            return _checked(_eval_answer(result), result, used)

        return answer

    return factory


def _eval_answer(result: Answer) -> EvalAnswer:
    """The answer text and the document behind each citation ("" for a number no passage has)."""
    from eval.answers import EvalAnswer

    passages = result.passages
    cited = [
        passages[n - 1].doc_id if 1 <= n <= len(passages) else ""
        for sentence in result.sentences
        for n in sentence.citations
    ]
    if not result.answered:  # "the articles don't say …" repeats the question, not an answer
        return EvalAnswer("", [], answered=False)
    return EvalAnswer(result.answer, cited)


def _checked(said: EvalAnswer, result: Answer, used: Usage | None) -> EvalAnswer:
    """`said` with what the checks made of the sentences the answerer asked for wrote: the
    LLM's own when the extractive answer replaced them for citing no passage (none of them
    cites one, so none answers), none when the LLM failed outright."""
    from service.llm.base import Usage

    if result.rejected:
        written = len(result.rejected)
        unsupported = sum(not s.supported for s in result.rejected)
        off_question = written
    elif result.fallback:
        written = unsupported = off_question = 0
    else:
        written = len(result.sentences)
        unsupported = sum(not s.supported for s in result.sentences)
        off_question = sum(not relevant for relevant in result.relevant)
    used = used or Usage()
    return replace(
        said,
        written=written,
        unsupported=unsupported,
        off_question=off_question,
        fallback=result.fallback,
        tokens=used.completion_tokens,
        llm_seconds=used.seconds,
        generating_seconds=used.generating_seconds,
    )


@app.command()
def load(
    url: Annotated[str | None, typer.Option(help="A running server; default: start one.")] = None,
    seconds: Annotated[float, typer.Option(min=1, help="How long to load.")] = 60.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Clients per endpoint.")] = 4,
    only: Annotated[str | None, typer.Option(help="Load one endpoint: search or answer.")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the figures here.")
    ] = None,
) -> None:
    """A bounded loopback load on /search and /answer: throughput, p50/p95/p99 and errors."""
    from rich.table import Table

    from eval.load import run_load, seeds_mix
    from eval.server import local_server

    keys = _settings().api_keys + _settings().admin_keys  # what a keyed server will accept
    headers = {"Authorization": f"Bearer {keys[0].get_secret_value()}"} if keys else {}
    with local_server(SERVE, url) as base_url:
        calls = [c for c in seeds_mix() if only in (None, c.name)]
        if not calls:
            err.print(f"[red]error:[/red] --only takes search or answer, not {only!r}")
            raise typer.Exit(2)
        reports = run_load(base_url, calls, seconds, concurrency, headers)
    table = Table("endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for r in reports:
        errors = ", ".join(f"{k}: {v}" for k, v in r.errors.items()) or "0"
        table.add_row(r.name, str(r.requests), errors, f"{r.rps:.1f}", f"{r.p50_ms:.1f}",
                      f"{r.p95_ms:.1f}", f"{r.p99_ms:.1f}")  # fmt: skip
    console.print(f"{concurrency} clients per endpoint for {seconds:.0f} s against {base_url}")
    console.print(table)
    if json_file:
        json_file.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    if any(r.errors for r in reports):
        raise typer.Exit(1)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="The ten-minute version.")] = False,
    corpus: Annotated[
        Path | None, typer.Option(help="A BEIR folder to index (default: shared SciFact).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the figures here.")
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            help="local, or milvus: the scale-out backend at 100k chunks on milvus-lite's "
            "loopback server, one replica then two (docs/scaling.md)."
        ),
    ] = "local",
) -> None:
    """Indexing speed against plain sentence-transformers, /search over HTTP at 10k-1M chunks
    (also while articles are POSTed), and ANN recall, measured in one run on this machine."""
    from eval.bench import BenchPlan, default_corpus, markdown, run_bench
    from eval.scale_bench import markdown as scale_markdown
    from eval.scale_bench import run_scale_bench
    from service.opening import make_embedder

    settings = _settings()
    embedder = make_embedder(settings)
    plan = BenchPlan.make(quick, corpus or default_corpus(settings.eval_data), SERVE)
    say = partial(err.print, highlight=False, soft_wrap=True)
    if backend == "milvus":
        results = run_scale_bench(plan, say, embedder)
        tables = scale_markdown(results)
    elif backend == "local":
        results = run_bench(plan, say, embedder)
        tables = markdown(results)
    else:
        err.print(f"[red]error:[/red] --backend is local or milvus, not {backend!r}")
        raise typer.Exit(2)
    console.print_json(json.dumps(results))
    err.print(tables, highlight=False, markup=False)
    if json_file:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(results, indent=2))


@app.command()
def ann(
    vectors: Annotated[int, typer.Option(min=1, help="Vectors in the index measured.")] = 1_000_000,
    queries: Annotated[int, typer.Option(min=1, help="Probe queries.")] = 1_000,
    kind: Annotated[str, typer.Option(help="auto, flat, hnsw, hnsw-sq8 or ivf-sq8.")] = "auto",
    option: Annotated[
        list[str] | None, typer.Option(help="A store option as key=json (ef_search=128); repeat.")
    ] = None,
    scifact: Annotated[
        Path | None, typer.Option(help="A BEIR folder whose real embeddings to scale up.")
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="Where those embeddings are kept.")] = None,
    sweep: Annotated[
        list[int] | None, typer.Option(help="efSearch/nprobe values to measure; repeat.")
    ] = None,
    filter_share: Annotated[
        list[float] | None,
        typer.Option("--filter", help="Also search within this share of the corpus; repeat."),
    ] = None,
    mmap: Annotated[bool, typer.Option(help="Also measure the memory-mapped file.")] = False,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the built index here (see --remeasure).")
    ] = None,
    remeasure: Annotated[
        Path | None, typer.Option(help="Measure an index --keep left, with new --option s.")
    ] = None,
) -> None:
    """Approximate search alone: build time, recall@10 against exact search, latency and
    memory of a FAISS index kind at a size (what docs/benchmarks.md's ANN table reports)."""
    from eval import ann as bench_ann

    try:
        options = bench_ann.parse_options(option or [])
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if remeasure is not None:
        result = bench_ann.remeasure(remeasure, options, sweep or [])
    else:
        result = bench_ann.run(
            vectors,
            queries=queries,
            kind=kind,
            options=options,
            scifact=scifact,
            filters=filter_share or [],
            sweep=sweep or [],
            also_mmap=mmap,
            keep=keep,
            cache=cache or bench_ann.SCIFACT_CACHE,
        )
    console.print_json(json.dumps(result))
