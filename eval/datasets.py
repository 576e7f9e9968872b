"""Evaluation sets as plain data: BEIR folders and gold question files.

A BEIR folder holds corpus.jsonl, queries.jsonl and qrels/test.tsv; a gold file is JSON lines of
`{id, question, relevant: [doc ids], answers: [strings]}` over the bundled seeds corpus.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.models import Document

log = logging.getLogger(__name__)

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class EvalSet:
    """Queries with graded judgments; `answers` (gold answer strings) and `dates` (the day each
    question was asked, ISO) where the set has them. Questions the corpus does not answer
    (`unanswerable`) have no judgments: they measure whether the answerer says so."""

    name: str
    queries: dict[str, str]
    qrels: Qrels
    answers: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    unanswerable: set[str] = field(default_factory=set)

    @property
    def judged(self) -> dict[str, str]:
        """The queries that have relevant documents: the ones retrieval is scored on."""
        return {qid: text for qid, text in self.queries.items() if self.qrels.get(qid)}

    def limited(self, limit: int | None) -> EvalSet:
        """The first `limit` queries (file order), for quick runs."""
        if limit is None:
            return self
        keep = dict(list(self.queries.items())[:limit])
        return EvalSet(
            self.name,
            keep,
            {q: r for q, r in self.qrels.items() if q in keep},
            {q: a for q, a in self.answers.items() if q in keep},
            {q: d for q, d in self.dates.items() if q in keep},
            self.unanswerable & set(keep),
        )


def is_beir(path: Path) -> bool:
    return path.is_dir() and (path / "corpus.jsonl").is_file()


def load_beir(folder: Path, split: str = "test") -> EvalSet:
    """Judged queries of `split`; unjudged queries and score-0 rows are dropped (not relevant)."""
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    records = {str(r["_id"]): r for r in _jsonl(folder / "queries.jsonl")}
    missing = sorted(set(qrels) - set(records))
    if missing:
        raise ValueError(f"{folder}: qrels name queries absent from queries.jsonl: {missing[:5]}")
    judged = {q: r for q, r in records.items() if q in qrels}
    meta = {q: r.get("metadata") or {} for q, r in judged.items()}
    return EvalSet(
        folder.name,
        {q: r["text"] for q, r in judged.items()},
        {q: qrels[q] for q in judged},
        {q: [str(a) for a in m["answers"]] for q, m in meta.items() if m.get("answers")},
        {q: day for q, m in meta.items() if (day := iso_day(m.get("date"), folder.name, q))},
    )


def read_queries(folder: Path) -> dict[str, str]:
    """Every query of the set, judged or not, by id."""
    return {str(r["_id"]): r["text"] for r in _jsonl(folder / "queries.jsonl")}


def read_qrels(path: Path) -> Qrels:
    """`query-id corpus-id score` rows (with a header) as {query: {doc: grade}}, grades >= 1."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            score = int(row["score"])
            if score > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = score
    return qrels


def read_corpus(folder: Path) -> Iterator[Document]:
    """The corpus as documents whose text starts with the title, so the title is searchable."""
    for record in _jsonl(folder / "corpus.jsonl"):
        doc = beir_document(record, folder.name)
        if doc is None:
            log.warning("%s: document %s has no title or text; skipped", folder.name, record["_id"])
        else:
            yield doc


def beir_document(record: dict[str, Any], name: str = "") -> Document | None:
    """One corpus record as a Document, or None when it has no text at all (Cranfield 471);
    `metadata` gives its date (ISO), source and url where the set has them."""
    title = (record.get("title") or "").strip()
    body = (record.get("text") or "").strip()
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        return None
    doc_id = str(record["_id"])
    meta = record.get("metadata") or {}
    return Document(
        id=doc_id,
        text=text,
        title=title or None,
        date=iso_day(meta.get("date"), name, doc_id),
        source=str(meta["source"]) if meta.get("source") else None,
        url=str(meta["url"]) if meta.get("url") else None,
    )


def iso_day(value: object, name: str, item: str) -> str | None:
    """The ISO day of a metadata date (a datetime's day); anything else is a warning naming
    the set, the record and the value, never a guess."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        log.warning("%s: %s has an unreadable date %r; left undated", name, item, value)
        return None


def load_gold(path: Path) -> EvalSet:
    """A gold question file: every question's relevant documents count with grade 1; a
    question with `"answerable": false` has none, and its right answer is to say so."""
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    answers: dict[str, list[str]] = {}
    unanswerable: set[str] = set()
    for record in _jsonl(path):
        qid = str(record["id"])
        queries[qid] = record["question"]
        if record.get("answerable", True):
            qrels[qid] = {str(doc): 1 for doc in record["relevant"]}
            answers[qid] = [str(a) for a in record.get("answers", [])]
        else:
            unanswerable.add(qid)
    return EvalSet(path.stem, queries, qrels, answers, unanswerable=unanswerable)


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record: dict[str, Any] = json.loads(line)
                yield record
