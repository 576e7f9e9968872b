"""Commands that read an index and say what it holds: search, ask, timeline, chat, docs list and
show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from newsrag.app import (
    AsOfOption,
    _day,
    _reader,
    _settings,
    _writer_now,
    app,
    console,
    docs_app,
    err,
)
from service.limits.caps import MAX_K

# Each command imports what it runs when it runs: `newsrag --help` loads no index, model or
# eval code, and `docs list` no model (see test_listing_and_searching_load_no_model_framework).
if TYPE_CHECKING:
    from index.periods import Period
    from index.query import TimeSense
    from service.answering.answers import Answer, AnswerService
    from service.answering.figures import FigureGroup


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


@app.command()
def track(
    question: Annotated[str, typer.Argument(help="The question to follow.")],
    server: Annotated[
        str | None, typer.Option(help="The newsrag server (default: the one serving the index).")
    ] = None,
    threshold: Annotated[float | None, typer.Option(help="Match score to reach.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many matches.")] = None,
) -> None:
    """Follow a question: print each passage of a new article that answers it, as articles
    arrive (a watch on the server; Ctrl-C stops printing, the watch stays)."""
    import httpx

    settings = _settings()
    owner = _writer_now()
    url = (server or (owner.url if owner and owner.url else settings.public_url)).rstrip("/")
    keys = settings.api_keys + settings.admin_keys
    headers = {"Authorization": f"Bearer {keys[0].get_secret_value()}"} if keys else {}
    body: dict[str, object] = {"query": question}
    if threshold is not None:
        body["threshold"] = threshold
    with httpx.Client(base_url=url, headers=headers, timeout=None) as client:
        try:
            made = client.post("/watches", json=body, timeout=30)
        except httpx.HTTPError as exc:
            err.print(
                f"[red]error:[/red] no newsrag server at {url} ({exc}): start `newsrag serve`"
            )
            raise typer.Exit(1) from exc
        if made.status_code != 201:
            err.print(f"[red]error:[/red] {escape(made.json().get('message', made.text))}")
            raise typer.Exit(2)
        watch = made.json()
        err.print(
            f"[dim]following as watch {watch['id']} (threshold {watch['threshold']:g}); "
            f"feed: {url}/watches/{watch['id']}/feed[/dim]"
        )
        try:
            _print_matches(client, watch["id"], limit)
        except KeyboardInterrupt:
            pass


def _print_matches(client: Any, watch_id: str, limit: int | None) -> None:
    """Each `match` event of the watch's stream, printed as it comes."""
    import json

    shown = 0
    with client.stream("GET", f"/watches/{watch_id}/events") as events:
        kind = None
        for line in events.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind == "match":
                match = json.loads(line.split(":", 1)[1])
                console.print(
                    f"[bold]{escape(match['title'] or match['doc_id'])}[/bold]  "
                    f"{match['date'] or 'no date'} · {match['source'] or 'no source'} · "
                    f"{match['doc_id']} [{match['start']}:{match['end']}] · "
                    f"score {match['score']:.3f}\n   {escape(match['text'][:240])}\n",
                    highlight=False,
                )
                shown += 1
                if limit is not None and shown >= limit:
                    return
