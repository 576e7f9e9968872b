"""End to end on the tiny BEIR folder and the seeds gold file: index, run, score, report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from eval.answers import AnswerFn, EvalAnswer
from eval.report import write_json, write_report
from eval.runner import ModeResult, evaluate_dataset, medians, run_eval
from index.newsindex import NewsIndex
from index.retrievers import MODES
from tests.conftest import GOLD, SEEDS

OpenIndex = Callable[[Path], NewsIndex]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("indexes")


@pytest.fixture(scope="module")
def results(tiny: Path, open_index: OpenIndex, root: Path) -> list[ModeResult]:
    """The tiny set in every mode, on an index this run builds."""
    return evaluate_dataset(tiny, MODES, open_index, root, SEEDS)


def test_an_easy_set_ranks_perfectly_except_the_absent_document(
    results: list[ModeResult],
) -> None:
    assert [r.mode for r in results] == ["dense", "bm25", "hybrid"]
    for r in results:
        assert r.dataset == "tiny" and r.queries == 4
        # three queries find their one relevant document first; q-absent's is not in the corpus
        assert r.metrics == pytest.approx(
            {
                "ndcg@10": 0.75,
                "recall@5": 0.75,
                "recall@10": 0.75,
                "recall@100": 0.75,
                "mrr@10": 0.75,
            }
        )
        assert r.recall_curve == pytest.approx(
            dict.fromkeys(["1", "3", "5", "10", "20", "50", "100"], 0.75)
        )
        assert 0 < r.latency_ms["p50"] <= r.latency_ms["p95"]
        assert r.answers.startswith("not applicable")


def test_the_index_is_built_once_in_a_folder_named_after_the_dataset(
    tiny: Path, open_index: OpenIndex, root: Path, results: list[ModeResult]
) -> None:
    first = results[0].index
    assert first["path"] == str(root / "tiny")
    assert first["documents"] == 6 and first["docs_embedded"] == 6 and not first["reused"]
    assert first["seconds"] > 0 and first["docs_per_second"] > 0
    again = evaluate_dataset(tiny, ["dense"], open_index, root, SEEDS)[0]
    assert again.index["reused"] and again.index["docs_embedded"] == 0
    assert again.index["seconds"] == 0 and again.index["documents"] == 6
    assert again.metrics == results[0].metrics


def test_perfect_ranking_scores_one(
    tiny: Path, open_index: OpenIndex, root: Path, results: list[ModeResult]
) -> None:
    [result] = evaluate_dataset(tiny, ["dense"], open_index, root, SEEDS, limit=3)
    assert result.queries == 3
    assert result.metrics["ndcg@10"] == 1.0 and result.metrics["mrr@10"] == 1.0


def test_gold_answers_are_scored_through_the_answer_function(
    open_index: OpenIndex, gold_root: Path
) -> None:
    calls: list[tuple[str, str]] = []

    def answerer(index: NewsIndex, mode: str, timed: bool) -> AnswerFn:
        def answer(question: str, as_of: str | None) -> EvalAnswer:
            calls.append((mode, question))
            hit = index.search(question, 1, mode=mode, timed=timed).hits[0]
            # cites the best passage and a document that is never relevant
            return EvalAnswer(f"{hit.text} Also 244.8 billion.", [hit.doc_id, "nowhere"])

        return answer

    [result] = run_eval([GOLD], ["dense"], open_index, gold_root, SEEDS, 2, answerer)
    assert result.dataset == "seeds-qa" and result.answers == "measured"
    assert result.index["path"] == str(gold_root / "seeds")
    assert result.index["documents"] == 5 and result.metrics["recall@10"] == 1.0
    assert [mode for mode, _ in calls] == ["dense", "dense"]
    # q1's gold "244.8 billion" is in every answer; q2's "December 2024" only if its passage says so
    assert result.metrics["answer_match"] >= 0.5
    assert result.metrics["citation_precision"] == 0.5  # the best passage is relevant for both


def test_json_and_report_with_plot(results: list[ModeResult], tmp_path: Path) -> None:
    write_json(tmp_path / "out" / "results.json", results)
    records = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [(r["dataset"], r["mode"]) for r in records] == [("tiny", m) for m in MODES]
    assert set(records[0]) >= {"dataset", "mode", "queries", "metrics", "latency_ms", "index"}
    assert set(records[0]["metrics"]) == {
        "ndcg@10",
        "recall@5",
        "recall@10",
        "recall@100",
        "mrr@10",
    }

    plot = write_report(tmp_path / "out" / "report.md", results)
    report = (tmp_path / "out" / "report.md").read_text()
    assert plot == tmp_path / "out" / "report-recall.png"
    assert plot.read_bytes().startswith(b"\x89PNG") and "(report-recall.png)" in report
    for mode in MODES:
        assert f"| tiny | {mode} | 4 | 0.750 | 0.750 | 0.750 | 0.750 | 0.750 |" in report
    assert "tiny: answer metrics not applicable" in report


def test_the_report_says_when_answers_were_not_measured(
    open_index: OpenIndex, gold_root: Path, tmp_path: Path
) -> None:
    results = run_eval([GOLD], ["bm25"], open_index, gold_root, SEEDS, limit=1)
    assert results[0].answers == "not measured: no answer function was given"
    assert "answer_match" not in results[0].metrics
    write_report(tmp_path / "report.md", results)
    assert "answer metrics not measured" in (tmp_path / "report.md").read_text()


def test_repeated_runs_report_each_figures_median() -> None:
    def run(p50: float, match: float, rate: float | None) -> ModeResult:
        metrics = {"answer_match": match} | ({"tokens_per_second": rate} if rate else {})
        return ModeResult(
            "seeds-qa", "hybrid", 12, metrics, {}, {"p50": p50, "p95": 2 * p50}, {}, 500, "measured"
        )

    runs = [[run(30, 0.75, 40.0)], [run(10, 0.75, None)], [run(20, 0.5, 20.0)]]
    [combined] = medians(runs)
    assert combined.latency_ms == {"p50": 20, "p95": 40}
    assert combined.metrics == {"answer_match": 0.75, "tokens_per_second": 30.0}
