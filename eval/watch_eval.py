"""`newsrag eval-watches`: do watches fire for the articles that answer them?

A dated set (realtimeqa) streamed into a fresh index in publication order, a day's articles
at a time, up to the last question's day, with one watch per question, made `lead` days
before the question is asked (as a desk starts following a story) at the default threshold.
Reported: the share of questions whose evidence article fired their watch (of those whose
evidence arrived after the watch was made), matches per watch per week (the noise a follower
gets), and beside them the same questions asked as searches on their day: evidence in the
top 10, and above the threshold.
"""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Callable
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from eval.datasets import load_beir, read_corpus
from index.filters import Filters
from index.newsindex import NewsIndex
from index.watching import Watching

OpenIndex = Callable[[Path], NewsIndex]
Say = Callable[[str], None]


def evaluate_watches(
    folder: Path,
    open_index: OpenIndex,
    index_root: Path,
    lead: int = 7,
    limit: int | None = None,
    say: Say | None = None,
) -> dict[str, Any]:
    evalset = load_beir(folder).limited(limit)
    dated = {q: d for q, d in evalset.dates.items() if evalset.qrels.get(q)}
    if not dated:
        raise ValueError(f"{folder.name} has no dated, judged questions to watch")
    evidence = {q: set(evalset.qrels[q]) for q in dated}
    # Up to the last question's day: later articles could answer no watch made here. A day's
    # articles arrive together (one write), as a day's quiz evidence was published together.
    last = max(dated.values())
    days = groupby(
        sorted(
            (doc for doc in read_corpus(folder) if doc.date and doc.date <= last),
            key=lambda d: (d.date or "", d.id),
        ),
        key=lambda d: d.date or "",
    )
    where = index_root / f"watches-{folder.name}"
    shutil.rmtree(where, ignore_errors=True)  # a stream starts from nothing
    index = open_index(where)
    watching = Watching(index)
    starts = sorted(dated, key=lambda q: dated[q])
    made: dict[str, str] = {}  # question -> watch
    made_on: dict[str, str] = {}  # question -> the (streamed) day its watch was made
    arrived: dict[str, str] = {}  # article -> its date
    threshold = 0.0
    try:
        for n, (published, group) in enumerate(days):
            day = date.fromisoformat(published)
            while starts and date.fromisoformat(dated[starts[0]]) - timedelta(days=lead) <= day:
                q = starts.pop(0)
                watch = watching.create(evalset.queries[q])
                made[q], made_on[q], threshold = watch.id, day.isoformat(), watch.threshold
            articles = list(group)
            index.upsert(articles)
            arrived |= {article.id: published for article in articles}
            watching.matcher.settled()
            if say and n % 50 == 0:
                say(f"watches: {published}, {len(arrived):,} articles, {len(made):,} watches")
        watching.matcher.settled()
        return _score(
            index, watching, evalset.queries, dated, evidence, made, made_on, arrived, threshold
        )
    finally:
        watching.close()
        index.close()


def _score(
    index: NewsIndex,
    watching: Watching,
    queries: dict[str, str],
    dated: dict[str, str],
    evidence: dict[str, set[str]],
    made: dict[str, str],
    made_on: dict[str, str],
    arrived: dict[str, str],
    threshold: float,
) -> dict[str, Any]:
    matches = {q: watching.book.matches(w) for q, w in made.items()}
    # Questions whose evidence arrived once their watch was made: the ones it could catch.
    catchable = [q for q in made if any(arrived.get(e, "") >= made_on[q] for e in evidence[q])]
    fired = [q for q in catchable if any(m.doc_id in evidence[q] for m in matches[q])]
    first_day, last_day = min(arrived.values()), max(arrived.values())
    weeks = max(1.0, (date.fromisoformat(last_day) - date.fromisoformat(first_day)).days / 7)
    per_week = [len(matches[q]) / _weeks(made_on[q], last_day) for q in made]
    found, above = [], []
    for q in made:
        hits = index.search(queries[q], 10, Filters(as_of=dated[q]), collapse=False).hits
        found.append(any(h.doc_id in evidence[q] for h in hits))
        above.append(any(h.doc_id in evidence[q] and h.score >= threshold for h in hits))
    return {
        "questions": len(made),
        "articles": len(arrived),
        "weeks": round(weeks, 1),
        "threshold": threshold,
        "catchable": len(catchable),
        "fired_share": round(len(fired) / len(catchable), 3) if catchable else None,
        "matches": sum(len(m) for m in matches.values()),
        "matches_per_watch_per_week": round(statistics.mean(per_week), 2) if per_week else None,
        "matches_per_watch_per_week_median": round(statistics.median(per_week), 2)
        if per_week
        else None,
        "search_recall@10": round(sum(found) / len(found), 3) if found else None,
        "search_above_threshold": round(sum(above) / len(above), 3) if above else None,
    }


def _weeks(first_day: str, last_day: str) -> float:
    days = (date.fromisoformat(last_day) - date.fromisoformat(first_day)).days
    return max(1.0, days / 7)


def markdown(row: dict[str, Any]) -> str:
    return (
        "| questions | articles | threshold | evidence fired its watch | matches per watch per "
        "week (mean / median) | as searches: evidence in top 10 / above threshold |\n"
        "|---|---|---|---|---|---|\n"
        f"| {row['questions']:,} | {row['articles']:,} | {row['threshold']:g} "
        f"| {row['fired_share']} (of {row['catchable']:,}) "
        f"| {row['matches_per_watch_per_week']} / {row['matches_per_watch_per_week_median']} "
        f"| {row['search_recall@10']} / {row['search_above_threshold']} |\n"
    )
