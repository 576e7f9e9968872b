"""eval-watches on a tiny dated set: a day's articles arrive together, later ones never."""

from __future__ import annotations

import json
from pathlib import Path

from eval.runner import OpenIndex
from eval.watch_eval import evaluate_watches

CORPUS = [
    {"_id": "ev-early", "title": "", "text": "The Lisbon council voted to extend the tram line.",
     "metadata": {"date": "2021-01-04"}},
    {"_id": "ev-answer", "title": "", "text": "Italy's prime minister Giuseppe Conte resigned.",
     "metadata": {"date": "2021-01-28"}},
    {"_id": "ev-same-day", "title": "", "text": "Rain is forecast for Rome over the weekend.",
     "metadata": {"date": "2021-01-28"}},
    {"_id": "ev-later", "title": "", "text": "Italy's prime minister Mario Draghi resigned.",
     "metadata": {"date": "2022-07-21"}},
]  # fmt: skip
QUERIES = [
    {"_id": "q-conte", "text": "Did Italy's prime minister resign?",
     "metadata": {"date": "2021-01-29", "answers": ["Giuseppe Conte"]}},
]  # fmt: skip


def test_the_evidence_fires_its_watch_and_later_articles_are_not_streamed(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    folder = tmp_path / "dated"
    (folder / "qrels").mkdir(parents=True)
    for name, records in (("corpus", CORPUS), ("queries", QUERIES)):
        (folder / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    qrels = "query-id\tcorpus-id\tscore\nq-conte\tev-answer\t1\n"
    (folder / "qrels" / "test.tsv").write_text(qrels)
    said: list[str] = []
    row = evaluate_watches(folder, open_index, tmp_path / "indexes", lead=7, say=said.append)
    # The watch starts on the first streamed day within a week of the question (28 January),
    # so its evidence, which arrives that day, can fire it; the 2022 article is never streamed.
    assert row["questions"] == 1 and row["articles"] == 3
    assert row["catchable"] == 1 and row["fired_share"] == 1.0
    assert row["search_recall@10"] == 1.0
    assert said[0].startswith("watches: 2021-01-04, 1 articles")  # told as the stream goes
