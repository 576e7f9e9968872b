"""Story grouping measured on labelled pairs of articles (eval/story-pairs.jsonl).

Each pair is two realtimeqa passages (or two seeds) and whether they report the same event,
with the reason read in their texts. The grouper is right on a pair when it put both in one
story exactly when they report one event: pairwise precision is the share of pairs grouped
together that should be, recall the share of those that should be that were. Half of the
pairs (`split: tune`) chose the thresholds (`tune`); the other half (`test`) never did.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from itertools import product
from pathlib import Path
from typing import Any

from eval.datasets import read_corpus
from index.corpus.base import StateStore, Stored
from index.filters import Filters
from index.ingest import ingest
from index.models import Document
from index.newsindex import NewsIndex
from index.periods import today
from index.stories.grouping import Grouper
from index.stories.matching import Matching
from index.stories.records import StoryRecords

SPLITS = ("test", "tune", "all")
BATCH = 256  # documents written at once while building (as eval's other builds)
# The thresholds tried while tuning (every combination).
GRID: dict[str, Sequence[float]] = {
    "threshold": (0.5, 0.55, 0.6, 0.65),
    "name_weight": (0.0, 0.05, 0.07),
    "day_penalty": (0.0, 0.02, 0.03),
}


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    split: str  # "tune" or "test"
    reason: str


@dataclass(frozen=True)
class Scores:
    pairs: int
    same: int  # pairs labelled same
    grouped: int  # pairs the grouper put in one story
    right: int  # of them, labelled same
    precision: float
    recall: float


def load_pairs(path: Path) -> list[Pair]:
    records = (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())
    return [Pair(r["a"], r["b"], bool(r["same"]), r["split"], r["reason"]) for r in records]


def pairwise(pairs: Iterable[Pair], story_of: Mapping[str, str]) -> Scores:
    """Pairwise precision and recall of `story_of` (a document with no story is alone)."""
    listed = list(pairs)
    together = [p for p in listed if story_of.get(p.a) is not None]
    together = [p for p in together if story_of.get(p.a) == story_of.get(p.b)]
    right = sum(p.same for p in together)
    same = sum(p.same for p in listed)
    return Scores(
        pairs=len(listed),
        same=same,
        grouped=len(together),
        right=right,
        precision=right / len(together) if together else 1.0,
        recall=right / same if same else 1.0,
    )


def by_split(pairs: Sequence[Pair], story_of: Mapping[str, str]) -> dict[str, Scores]:
    return {
        split: pairwise([p for p in pairs if split in (p.split, "all")], story_of)
        for split in SPLITS
    }


def build(index: NewsIndex, corpus: Path, seeds: Path) -> int:
    """Writes the realtimeqa passages in the order they were published, then the seeds, as
    news arrives (grouped by the index as it writes them); returns how many were written.
    An index that holds them all already is reused."""
    documents = sorted(read_corpus(corpus), key=_arrival)
    wanted = len(documents) + len(list(seeds.iterdir()))
    if index.counts()[0] == wanted:
        return 0
    for start in range(0, len(documents), BATCH):
        index.upsert(documents[start : start + BATCH])
    ingest(index, [seeds])
    return wanted


def grouped(index: NewsIndex, timeout: float | None = None) -> dict[str, str]:
    """Every document's story in `index`, once grouping has caught up (an index reused from
    before it grouped stories is grouped now)."""
    index.stories.wait(timeout)
    index.stories.catch_up()
    index.stories.wait(timeout)
    ids = [doc.id for doc in _all_documents(index)]
    return index.stories.stories_of(ids)


def arrivals(index: NewsIndex) -> list[Stored]:
    """The index's documents with their stored vectors, in the order they were published."""
    return sorted(index.exported(), key=_stored_arrival)


def regroup(
    index: NewsIndex,
    matching: Matching,
    stored: Sequence[Stored],
    state: StateStore | None = None,
) -> dict[str, str]:
    """The stories `matching` makes of `stored` (arrivals), grouped again one by one from
    their stored vectors into `state` (default in memory: the index's own stories stay)."""
    grouper = Grouper(index.corpus, StoryRecords(state or MemoryState()), matching)
    seen = today()
    placed = [grouper.place(one, seen) for one in stored]
    return {p.doc_id: p.story_id for p in placed if p.story_id is not None}


def grid_search(
    index: NewsIndex,
    pairs: Sequence[Pair],
    grid: Mapping[str, Sequence[float]] = GRID,
    progress: Callable[[Matching, Scores], None] | None = None,
) -> list[tuple[Matching, Scores]]:
    """Every combination of `grid` scored on the tune pairs only."""
    chosen = [p for p in pairs if p.split == "tune"]
    stored = arrivals(index)
    names = list(grid)
    results = []
    for values in product(*(grid[name] for name in names)):
        matching = replace(Matching(), **dict(zip(names, values, strict=True)))  # type: ignore[arg-type]
        scores = pairwise(chosen, regroup(index, matching, stored))
        if progress is not None:
            progress(matching, scores)
        results.append((matching, scores))
    return results


def best(results: Sequence[tuple[Matching, Scores]], floor: float) -> tuple[Matching, Scores]:
    """The highest recall at a precision of at least `floor` (ties: higher precision)."""
    allowed = [r for r in results if r[1].precision >= floor] or list(results)
    return max(allowed, key=lambda r: (r[1].recall, r[1].precision))


def search_costs(index: NewsIndex, queries: Sequence[str], k: int = 10) -> dict[str, float]:
    """Milliseconds per search (mean; query vectors embedded beforehand, so that embedding is
    in none of them): the search alone, the story ids added to its hits (one read), and the
    search folded by story (a deeper search, the ids, and the stories' summaries)."""
    for query in queries:
        index.searcher.search(query, k)  # the query's vector, cached for what follows
    spent = {"search": 0.0, "ids": 0.0, "folded": 0.0}
    for query in queries:
        started = time.perf_counter()
        found = index.searcher.search(query, k)
        searched = time.perf_counter()
        index.stories.annotate(found.hits, Filters(), False, k)
        annotated = time.perf_counter()
        index.search(query, k, stories=True)
        spent["search"] += searched - started
        spent["ids"] += annotated - searched
        spent["folded"] += time.perf_counter() - annotated
    each = 1000 / len(queries)
    return {
        f"search, k={k}, ms": spent["search"] * each,
        "story ids added to its hits, ms": spent["ids"] * each,
        f"search folded by story, k={k}, ms": spent["folded"] * each,
    }


def matching_dict(matching: Matching) -> dict[str, Any]:
    return {f.name: getattr(matching, f.name) for f in fields(matching)}


def _arrival(doc: Document) -> tuple[str, str]:
    return doc.date or "", doc.id


def _stored_arrival(one: Stored) -> tuple[str, str]:
    return _arrival(one.document)


def _all_documents(index: NewsIndex) -> Iterator[Any]:
    offset = 0
    while page := index.documents(1000, offset).documents:
        yield from page
        offset += len(page)


class MemoryState:
    """A StateStore in memory, keys kept sorted: stories grouped again without touching the
    index's own."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.sorted: list[str] = []

    def get(self, key: str) -> dict[str, Any] | None:
        return self.values.get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: self.values[key] for key in keys if key in self.values}

    def put(self, key: str, value: dict[str, Any]) -> None:
        if key not in self.values:
            bisect.insort(self.sorted, key)
        self.values[key] = value

    def put_many(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        for key, value in records:
            self.put(key, value)

    def delete(self, key: str) -> None:
        if self.values.pop(key, None) is not None:
            self.sorted.pop(bisect.bisect_left(self.sorted, key))

    def keys(self, prefix: str) -> list[str]:
        found, at = [], bisect.bisect_left(self.sorted, prefix)
        while at < len(self.sorted) and self.sorted[at].startswith(prefix):
            found.append(self.sorted[at])
            at += 1
        return found

    def items(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        return [(key, self.values[key]) for key in self.keys(prefix)]

    def count(self, prefix: str) -> int:
        return len(self.keys(prefix))


def mistakes(pairs: Iterable[Pair], story_of: Mapping[str, str]) -> list[tuple[Pair, bool]]:
    """The pairs the grouper got wrong, each with whether it grouped them."""
    wrong = []
    for pair in pairs:
        together = story_of.get(pair.a) is not None and story_of.get(pair.a) == story_of.get(pair.b)
        if together != pair.same:
            wrong.append((pair, together))
    return wrong


def markdown(results: Mapping[str, Any]) -> str:
    """docs/stories.md's tables, from what `newsrag eval-stories --json` wrote: precision and
    recall per half of the pairs, then what grouping costs."""
    scored = [
        f"| {split} | {s['pairs']} | {s['same']} | {s['grouped']} | {s['precision']:.3f} | "
        f"{s['recall']:.3f} |"
        for split, s in results["scores"].items()
    ]
    costs = [f"| {what.removesuffix(', ms')} | {ms:.2f} |" for what, ms in results["costs"].items()]
    return "\n".join(
        [
            "| pairs | n | same event | grouped | precision | recall |",
            "|---|---|---|---|---|---|",
            *scored,
            "",
            "| what | ms |",
            "|---|---|",
            *costs,
        ]
    )


def report_markdown(
    scores: Mapping[str, Scores],
    matching: Matching,
    costs: Mapping[str, float],
    wrong: Sequence[tuple[Pair, bool]],
    tuned: Sequence[tuple[Matching, Scores]] = (),
) -> str:
    """The report: scores per split, what grouping cost, the pairs it got wrong."""
    rows = [
        f"| {split} | {s.pairs} | {s.same} | {s.grouped} | {s.right} | {s.precision:.3f} | "
        f"{s.recall:.3f} |"
        for split, s in scores.items()
    ]
    parts = [
        "# Story grouping\n",
        "Written by `newsrag eval-stories`: pairwise precision and recall of the stories the "
        "index grouped as the articles arrived, over the labelled pairs of "
        "eval/story-pairs.jsonl (`tune`: the half that chose the thresholds; `test`: the "
        "half that did not).\n",
        "| pairs | n | same event | grouped | grouped and same | precision | recall |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Thresholds: " + ", ".join(f"{k} {v}" for k, v in matching_dict(matching).items()),
        "",
        "## Cost\n",
        *(f"- {what}: {value:.2f}" for what, value in costs.items()),
        "",
        "## Pairs it got wrong\n",
        *(
            f"- {'grouped' if together else 'apart'}, labelled "
            f"{'same' if p.same else 'different'} ({p.split}): {p.a} / {p.b}: {p.reason}"
            for p, together in wrong
        ),
    ]
    if tuned:
        parts += [
            "\n## Tuning (tune pairs only)\n",
            "| threshold | name weight | day penalty | precision | recall |",
            "|---|---|---|---|---|",
            *(
                f"| {m.threshold} | {m.name_weight} | {m.day_penalty} | {s.precision:.3f} | "
                f"{s.recall:.3f} |"
                for m, s in tuned
            ),
        ]
    return "\n".join(parts) + "\n"
