"""Evaluation sets as plain data: BEIR folders and gold question files.

A BEIR folder holds corpus.jsonl, queries.jsonl and qrels/test.tsv; a gold file is JSON lines of
`{id, question, relevant: [doc ids], answers: [strings]}` over the bundled seeds corpus.
"""

from __future__ import annotations

import csv
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
    """Queries with graded judgments; `answers` is filled only by gold files."""

    name: str
    queries: dict[str, str]
    qrels: Qrels
    answers: dict[str, list[str]] = field(default_factory=dict)

    def limited(self, limit: int | None) -> EvalSet:
        """The first `limit` queries (file order), for quick runs."""
        if limit is None:
            return self
        keep = dict(list(self.queries.items())[:limit])
        return EvalSet(
            self.name,
            keep,
            {q: self.qrels[q] for q in keep},
            {q: a for q, a in self.answers.items() if q in keep},
        )


def is_beir(path: Path) -> bool:
    return path.is_dir() and (path / "corpus.jsonl").is_file()


def load_beir(folder: Path, split: str = "test") -> EvalSet:
    """Judged queries of `split`; unjudged queries and score-0 rows are dropped (not relevant)."""
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    texts = read_queries(folder)
    missing = sorted(set(qrels) - set(texts))
    if missing:
        raise ValueError(f"{folder}: qrels name queries absent from queries.jsonl: {missing[:5]}")
    queries = {q: text for q, text in texts.items() if q in qrels}
    return EvalSet(folder.name, queries, {q: qrels[q] for q in queries})


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
        doc = beir_document(record)
        if doc is None:
            log.warning("%s: document %s has no title or text; skipped", folder.name, record["_id"])
        else:
            yield doc


def beir_document(record: dict[str, Any]) -> Document | None:
    """One corpus record as a Document, or None when it has no text at all (Cranfield 471)."""
    title = (record.get("title") or "").strip()
    body = (record.get("text") or "").strip()
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        return None
    return Document(id=str(record["_id"]), text=text, title=title or None)


def load_gold(path: Path) -> EvalSet:
    """A gold question file: every question's relevant documents count with grade 1."""
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    answers: dict[str, list[str]] = {}
    for record in _jsonl(path):
        qid = str(record["id"])
        queries[qid] = record["question"]
        qrels[qid] = {str(doc): 1 for doc in record["relevant"]}
        answers[qid] = [str(a) for a in record.get("answers", [])]
    return EvalSet(path.stem, queries, qrels, answers)


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record: dict[str, Any] = json.loads(line)
                yield record
