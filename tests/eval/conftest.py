"""A tiny BEIR folder whose right answers are unambiguous, and an index factory over it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from index.embedding import Embedder
from index.newsindex import NewsIndex

CORPUS = [
    {
        "_id": "plants",
        "title": "Photosynthesis",
        "text": "Green plants turn sunlight, water and carbon dioxide into sugar and oxygen.",
    },
    {
        "_id": "tower",
        "title": "The Eiffel Tower",
        "text": "The wrought-iron lattice tower in Paris was finished in 1889 for a world fair.",
    },
    {
        "_id": "volcano",
        "title": "Volcanic eruptions",
        "text": "Magma rising through the crust erupts as lava, ash and volcanic gas.",
    },
    {
        "_id": "chess",
        "title": "Chess openings",
        "text": "The Sicilian Defence answers the king's pawn opening with the c-pawn.",
    },
    {
        "_id": "bread",
        "title": "Sourdough",
        "text": "Sourdough bread rises with wild yeast and lactic acid bacteria in a starter.",
    },
    {"_id": "empty", "title": "", "text": ""},  # as Cranfield 471 and 995: nothing to index
    {"_id": "untitled", "title": "", "text": "Penguins huddle together to survive the winter."},
]
QUERIES = [
    {"_id": "q-plants", "text": "How do plants make sugar from sunlight?"},
    {"_id": "q-tower", "text": "When was the iron tower in Paris built?"},
    {"_id": "q-volcano", "text": "What comes out of an erupting volcano?"},
    {"_id": "q-absent", "text": "Who invented the saxophone?"},  # its relevant doc is not indexed
    {"_id": "q-unjudged", "text": "sourdough starter"},  # no qrels: not evaluated
]
QRELS = [
    ("q-plants", "plants", 2),
    ("q-plants", "chess", 0),  # judged not relevant: dropped
    ("q-tower", "tower", 1),
    ("q-volcano", "volcano", 3),
    ("q-absent", "saxophone", 1),
]


def write_beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    for name, records in (("corpus", CORPUS), ("queries", QUERIES)):
        lines = (json.dumps(r) for r in records)
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    rows = ["query-id\tcorpus-id\tscore", *(f"{q}\t{d}\t{s}" for q, d, s in QRELS)]
    (folder / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_beir(tmp_path_factory.mktemp("beir") / "tiny")


@pytest.fixture(scope="session")
def gold_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the seeds index for gold runs lives, shared so the seeds are embedded once."""
    return tmp_path_factory.mktemp("data") / "eval"


@pytest.fixture(scope="session")
def open_index(embedder: Embedder) -> Callable[[Path], NewsIndex]:
    return lambda directory: NewsIndex(directory, embedder)
