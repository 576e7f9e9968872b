"""The ANN benchmark as `newsrag` runs it: one call builds, measures in a fresh process and says
what it measured; a kept index is measured again with other options."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.ann import parse_options, remeasure, run


def test_a_run_measures_in_a_child_and_names_its_data(tmp_path: Path) -> None:
    result = run(
        2_000,
        queries=20,
        kind="hnsw",
        options=parse_options(["ef_search=32"]),
        filters=[0.5],
        keep=tmp_path,
        dimension=16,
    )
    assert (result["data"], result["options"], result["vectors"]) == (
        "synthetic",
        {"ef_search": 32},
        2_000,
    )
    assert result["recall@10"] > 0.5 and result["p50_ms"] >= 0 and len(result["filtered"]) == 1
    again = remeasure(tmp_path, {"ef_search": 64}, sweep=[16])
    assert again["options"] == {"ef_search": 64} and again["recall@10"] > 0.5
    assert [row["ef_search"] for row in again["sweep"]] == [16]


@pytest.mark.parametrize("pair", ["mmap", "=1", "ef_search=fast"])
def test_an_option_that_is_not_key_equals_json_is_refused(pair: str) -> None:
    with pytest.raises(ValueError, match="store option"):
        parse_options([pair])
