"""The `newsrag` command line: index, search, serve and manage documents."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.docstore import Filters
from index.ingest import IngestReport, ingest
from index.manifest import IndexMismatch
from index.readers import discover
from index.store import NewsIndex
from service.config import get_settings
from service.engine import open_index

app = typer.Typer(
    help="Semantic search and cited answers over news articles.", no_args_is_help=True
)
docs_app = typer.Typer(help="List, show and delete indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
console = Console()
err = Console(stderr=True)


def _index() -> NewsIndex:
    try:
        return open_index(get_settings())
    except (IndexMismatch, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@app.command("index")
def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index.", exists=True)],
) -> None:
    """Index files and folders (.txt .md .html .json .jsonl); unchanged documents are skipped."""
    index = _index()
    files = list(discover(paths))
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("files", total=len(files))
        report = ingest(index, files, on_file=lambda _: progress.advance(task))
    _print_report(report)
    index.close()
    if report.errors:
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"{report.files} files: {report.added} added, {report.replaced} replaced, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped, "
        f"{len(report.errors)} failed; {report.chunks} chunks embedded"
    )
    for path, reason in report.errors:
        err.print(f"[red]failed[/red] {path}: {reason}")
    for path in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {path}: unsupported file type")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Passages to show.")] = 5,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """Search the index and print the best passages with their citations."""
    if not query.strip():
        err.print("[red]error:[/red] the query is empty")
        raise typer.Exit(2)
    index = _index()
    for hit in index.search(query, k, Filters(source=source)):
        console.print(
            f"[bold]{hit.rank}.[/bold] {hit.score:.3f}  [bold]{hit.title or hit.doc_id}[/bold]\n"
            f"   {hit.date or 'no date'} · {hit.source or 'no source'} · "
            f"{hit.doc_id} [{hit.start}:{hit.end}]\n   {_snippet(hit.text)}\n",
            highlight=False,
        )
    index.close()


def _snippet(text: str, width: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rsplit(" ", 1)[0] + "…"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs); seeds the index on first start."""
    import uvicorn

    from service.main import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


@docs_app.command("list")
def docs_list(limit: int = 100, offset: int = 0) -> None:
    """List indexed documents."""
    index = _index()
    table = Table("title", "date", "source", "chunks")
    table.add_column("id", no_wrap=True)
    for doc in index.documents(limit, offset):
        table.add_row(doc.title or "", doc.date or "", doc.source or "", str(doc.chunks), doc.id)
    console.print(table)
    index.close()


@docs_app.command("show")
def docs_show(doc_id: str) -> None:
    """Show a document's metadata, chunk spans and text."""
    index = _index()
    found = index.get(doc_id)
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


@docs_app.command("delete")
def docs_delete(doc_id: str) -> None:
    """Delete a document from the index."""
    index = _index()
    deleted = index.delete(doc_id)
    index.close()
    if not deleted:
        err.print(f"[red]error:[/red] no document with id {doc_id!r}")
        raise typer.Exit(1)
    console.print(f"deleted {doc_id}")
