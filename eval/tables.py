"""The measured tables of docs/, written from the JSON the measuring commands keep in eval/
(results.json, results-llm.json, bench*.json, watches.json, results-stories.json) so that they
cannot drift.

A table lives between `<!-- generated:NAME -->` and `<!-- /generated -->` in a page;
`python -m eval.tables --write` rewrites every block named here, `python -m eval.tables` checks
them and exits 1 naming each block that differs (tests/test_readme.py runs the same check).
Blocks this module does not name (the settings table) are left to their own generator.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from eval.report import (
    _table,
    abstention_section,
    answers_section,
    checks_section,
    retrieval_table,
)
from eval.runner import ModeResult

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "eval" / "results.json"
# `newsrag eval --llm …` on the seeds questions (make eval): what the checks made of answers.
CHECKS = ROOT / "eval" / "results-llm.json"
PAGES = (ROOT / "README.md", ROOT / "docs")
# Benchmark JSON kept in the repository, by the block its table fills: the `make` target that
# writes it (bench, bench-milvus, bench-watches, eval-watches, eval-stories), then its table
# maker.
BENCHES = {
    "bench": (ROOT / "eval" / "bench.json", "eval.bench"),
    "bench-quick": (ROOT / "eval" / "bench-quick.json", "eval.bench"),
    "bench-milvus": (ROOT / "eval" / "bench-milvus.json", "eval.scale_bench"),
    "bench-watches": (ROOT / "eval" / "bench-watches.json", "eval.watch_bench"),
    "eval-watches": (ROOT / "eval" / "watches.json", "eval.watch_eval"),
    "eval-stories": (ROOT / "eval" / "results-stories.json", "eval.stories"),
}
BLOCK = re.compile(
    r"(?P<open><!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(?P<close><!-- /generated -->)",
    re.DOTALL,
)


def read_results(path: Path = RESULTS) -> list[ModeResult]:
    """The records `newsrag eval --json` wrote (see eval/README.md for their shape)."""
    return [ModeResult(**record) for record in json.loads(path.read_text("utf-8"))]


def eval_tables(results: Sequence[ModeResult], checks: Sequence[ModeResult] = ()) -> dict[str, str]:
    """Block name → table, the same tables eval/report.md shows; `checks`: the runs whose
    answers' sentences were counted (CHECKS)."""
    return {
        "retrieval-quality": retrieval_table(results),
        "hybrid-gain": hybrid_gain_table(results),
        "answers": answers_section(results),
        "abstention": abstention_section(results),
        "answer-checks": checks_section(checks),
    }


def bench_tables(benches: Mapping[str, tuple[Path, str]] = BENCHES) -> dict[str, str]:
    """Block name → the table its benchmark prints, for each benchmark whose JSON is kept."""
    tables = {}
    for name, (path, module) in benches.items():
        if path.exists():
            markdown = importlib.import_module(module).markdown
            tables[name] = markdown(json.loads(path.read_text("utf-8")))
    return tables


def measured_tables(results: Path = RESULTS, checks: Path = CHECKS) -> dict[str, str]:
    """Every table this module writes: the eval's and the benchmarks'."""
    return {**eval_tables(read_results(results), read_results(checks)), **bench_tables()}


def hybrid_gain_table(results: Sequence[ModeResult]) -> str:
    """Per dataset run in hybrid and a single mode: hybrid's nDCG@10 against the better one."""
    scores: dict[str, dict[str, float]] = {}
    for r in results:
        scores.setdefault(r.dataset, {})[r.mode] = r.metrics["ndcg@10"]
    rows = []
    for dataset, by_mode in scores.items():
        single = {mode: score for mode, score in by_mode.items() if mode != "hybrid"}
        if "hybrid" not in by_mode or not single:
            continue
        best = max(single.values())
        modes = " = ".join(m for m, s in single.items() if f"{s:.3f}" == f"{best:.3f}")
        gain = by_mode["hybrid"] - best
        rows.append([dataset, f"{by_mode['hybrid']:.3f}", f"{best:.3f} ({modes})", f"{gain:+.3f}"])
    return _table(["dataset", "hybrid nDCG@10", "better single mode", "hybrid − single"], rows)


def pages(roots: Iterable[Path] = PAGES) -> list[Path]:
    """The markdown files under `roots` (files, or folders whose *.md are read)."""
    found: list[Path] = []
    for root in roots:
        found += sorted(root.glob("*.md")) if root.is_dir() else [root]
    return found


def block(table: str) -> str:
    """What stands between the markers: the table with a blank line either side."""
    return f"\n{table.strip()}\n\n"


def render(text: str, tables: Mapping[str, str]) -> str:
    """`text` with each block named in `tables` rewritten; other blocks stay as they are."""

    def fill(match: re.Match[str]) -> str:
        if match["name"] not in tables:
            return match[0]
        return match["open"] + block(tables[match["name"]]) + match["close"]

    return BLOCK.sub(fill, text)


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def stale(files: Iterable[Path], tables: Mapping[str, str]) -> list[str]:
    """`file: name` for each block that differs from its table, and each table without a block."""
    problems, seen = [], set()
    for path in files:
        for match in BLOCK.finditer(path.read_text("utf-8")):
            name = match["name"]
            seen.add(name)
            if name in tables and match["body"] != block(tables[name]):
                problems.append(f"{_shown(path)}: {name} differs from its source")
    problems += [f"no <!-- generated:{name} --> block" for name in tables if name not in seen]
    return problems


def write(files: Iterable[Path], tables: Mapping[str, str]) -> list[Path]:
    """Rewrites the blocks in place; returns the files that changed."""
    changed = []
    for path in files:
        text = path.read_text("utf-8")
        new = render(text, tables)
        if new != text:
            path.write_text(new, "utf-8")
            changed.append(path)
    return changed


def main(
    argv: Sequence[str] | None = None,
    extra: Mapping[str, str] | None = None,
    prog: str = "python -m eval.tables",
) -> int:
    """Check (default) or `--write` the generated blocks; `extra`: more tables by name."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the blocks")
    parser.add_argument("--check", action="store_true", help="check them (the default)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="eval results JSON")
    parser.add_argument("--checks", type=Path, default=CHECKS, help="`--llm` results JSON")
    args = parser.parse_args(argv)
    tables = {**measured_tables(args.results, args.checks), **(extra or {})}
    if args.write:
        for path in write(pages(), tables):
            sys.stdout.write(f"rewrote {_shown(path)}\n")
        return 0
    problems = stale(pages(), tables)
    for problem in problems:
        sys.stderr.write(f"{problem}; run `{prog} --write`\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
