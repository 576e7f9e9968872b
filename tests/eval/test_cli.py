"""`newsrag eval` end to end: BEIR folder and gold file, answers through the answering layer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index.embedding import Embedder
from newsrag.cli import app
from service.config import get_settings
from tests.conftest import GOLD, SEEDS

runner = CliRunner()


@pytest.fixture
def data_dir(
    gold_root: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> Iterator[Path]:
    """Settings whose data directory holds the shared seeds index (indexes go to data/eval/)."""
    monkeypatch.setattr("service.opening.make_embedder", lambda settings: embedder)  # loaded once
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(gold_root.parent / "index"))
    monkeypatch.setenv("NEWSRAG_SEED_DIR", str(SEEDS))
    get_settings.cache_clear()
    yield gold_root.parent
    get_settings.cache_clear()


def test_eval_writes_json_and_report_with_answer_metrics(
    data_dir: Path, tiny: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["eval", str(tiny), str(GOLD), "--mode", "dense", "--limit", "2"]
    result = runner.invoke(
        app, [*args, "--json", str(out / "r.json"), "--report", str(out / "r.md")]
    )
    assert result.exit_code == 0, result.output
    assert "| tiny | dense | 2 | 1.000 |" in result.output

    tiny_run, gold_run = json.loads((out / "r.json").read_text())
    assert (tiny_run["dataset"], gold_run["dataset"]) == ("tiny", "seeds-qa")
    assert tiny_run["index"]["path"] == str(data_dir / "eval" / "tiny")
    assert gold_run["index"]["path"] == str(data_dir / "eval" / "seeds")
    # Both runtimes, as shipped: documents on OpenVINO int8, questions on ONNX Runtime int8.
    runtimes = (tiny_run["index"]["backend"], tiny_run["index"]["query_backend"])
    assert runtimes == ("openvino-int8", "onnx-int8")
    assert "(documents openvino-int8, questions onnx-int8)" in (out / "r.md").read_text()
    assert gold_run["answers"] == "measured"
    assert 0 <= gold_run["metrics"]["answer_match"] <= 1
    # the extractive answerer cites the passages it quotes, and both questions' best passages
    # come from a relevant article
    assert gold_run["metrics"]["citation_precision"] > 0
    assert (out / "r-recall.png").is_file() and "(r-recall.png)" in (out / "r.md").read_text()


def test_eval_counts_what_the_checks_make_of_each_answerers_sentences(
    data_dir: Path, tmp_path: Path, local_llm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--llm`, repeated: the extractive answerer, and the real local model behind the client
    users point at any OpenAI-compatible server (whatever it writes, it is counted)."""
    monkeypatch.setenv("NEWSRAG_LLM_BASE_URL", local_llm)
    monkeypatch.setenv("NEWSRAG_LLM_MAX_TOKENS", "24")
    get_settings.cache_clear()
    out = tmp_path / "r.json"
    args = ["eval", str(GOLD), "--mode", "dense", "--limit", "1", "--json", str(out)]
    result = runner.invoke(app, [*args, "--llm", "extractive", "--llm", "openai:smollm2"])
    assert result.exit_code == 0, result.output
    extractive, llm = json.loads(out.read_text())
    assert (extractive["answerer"], llm["answerer"]) == ("extractive", "openai:smollm2")
    assert extractive["metrics"]["unsupported_share"] == 0.0  # it only quotes
    assert "tokens_per_second" not in extractive["metrics"]
    assert llm["metrics"]["sentences"] >= 1 and 0 <= llm["metrics"]["unsupported_share"] <= 1
    assert llm["metrics"]["answer_p50_ms"] > 0 and llm["metrics"]["tokens_per_second"] > 0
    assert "| seeds-qa | dense | openai:smollm2 |" in result.output
    refused = runner.invoke(app, ["eval", str(GOLD), "--llm", "skynet:t800"])
    assert refused.exit_code == 2 and "known provider" in refused.output


def test_an_unknown_mode_is_refused_with_the_known_ones(data_dir: Path, tiny: Path) -> None:
    result = runner.invoke(app, ["eval", str(tiny), "--mode", "sparse"])
    assert result.exit_code == 2
    assert "known: dense, bm25, hybrid, all" in result.output


def test_a_folder_that_is_no_dataset_is_refused(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path)])
    assert result.exit_code == 2 and "is neither a BEIR folder" in " ".join(result.output.split())


def test_sets_are_named_from_the_eval_data_folder(
    data_dir: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsrag eval tiny` finds tiny/ in NEWSRAG_EVAL_DATA; a set not there is skipped, said
    so; a path that does not exist is an error (a typo must not pass as an empty run)."""
    monkeypatch.setenv("NEWSRAG_EVAL_DATA", str(tiny.parent))
    get_settings.cache_clear()
    result = runner.invoke(app, ["eval", "tiny", "held-out", "--mode", "dense"])
    assert result.exit_code == 0, result.output
    assert "| tiny | dense |" in result.output
    assert f"skipping held-out (no {tiny.parent / 'held-out' / 'corpus.jsonl'})" in " ".join(
        result.output.split()
    )
    missing = runner.invoke(app, ["eval", "./no/such/set"])
    assert missing.exit_code == 2 and "no such file or folder: ./no/such/set" in missing.output
    get_settings.cache_clear()


def test_ann_measures_an_index_kind_and_refuses_a_bad_option(tmp_path: Path) -> None:
    small = ["ann", "--vectors", "3000", "--queries", "20", "--kind", "hnsw"]
    result = runner.invoke(app, [*small, "--option", "ef_search=32", "--keep", str(tmp_path)])
    assert result.exit_code == 0, result.output
    measured = json.loads(result.output)
    assert measured["kind"] == "hnsw" and 0 < measured["recall@10"] <= 1
    again = runner.invoke(app, ["ann", "--remeasure", str(tmp_path), "--option", "ef_search=8"])
    assert again.exit_code == 0 and json.loads(again.output)["options"] == {"ef_search": 8}
    bad = runner.invoke(app, [*small, "--option", "ef_search"])
    assert bad.exit_code == 2 and "is not key=json" in bad.output
