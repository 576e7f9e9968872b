"""quantulum3 beside the rule-based reader (service/answering/amounts.py) on amount_cases:
`python -m tests.service.amounts_vs_quantulum` with quantulum3 installed (it is no dependency).

Scores per expected amount: found with its value, with its value and unit, with its exact span,
and, for a hedged one ("nearly", "at least"), read as hedged; then the extra amounts read where
the cases have none, and the time to read every case (the first call apart: loading)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.answering.amounts import read
from tests.service.amount_cases import CASES, Expected


@dataclass(frozen=True)
class Read:
    text: str
    value: float
    unit: str
    hedged: bool


# quantulum3's unit names for the units the cases hold.
_Q_UNITS = {
    "dollar": "USD", "euro": "EUR", "pound sterling": "GBP", "yuan": "CNY", "ruble": "RUB",
    "hong kong dollar": "HKD", "percentage": "%", "percentage point": "pp", "kilometre": "km",
    "tonne": "t", "cubic metre": "m3", "dollar per barrel": "USD/barrel",
    "dollar per ounce": "USD/ounce", "dimensionless": "", "count": "",
}  # fmt: skip


def rules(sentence: str) -> list[Read]:
    return [Read(a.text, a.value, a.unit, a.approximate) for a in read(sentence)]


def quantulum(sentence: str) -> list[Read]:
    from quantulum3 import classifier, parser

    # The packaged classifier does not load under scikit-learn 1.9 (its pickle names a module
    # sklearn no longer has) and crashes parse(); the dictionary disambiguation is all that runs.
    classifier.USE_CLF = False
    found = []
    for q in parser.parse(sentence):
        unit = _Q_UNITS.get(q.unit.name, q.unit.name)
        found.append(Read(q.surface, q.value, unit, q.uncertainty is not None))
    return found


def score(reader: Callable[[str], list[Read]]) -> dict[str, float]:
    reader(CASES[0][0])  # loading is not reading
    counts = dict.fromkeys(("amounts", "value", "unit", "span", "hedged", "hedges", "extra"), 0)
    started = time.perf_counter()
    results = [(expected, reader(sentence)) for sentence, expected in CASES]
    took = (time.perf_counter() - started) * 1000
    for expected, found in results:
        matched = [_match(e, found) for e in expected]
        for e, hit in zip(expected, matched, strict=True):
            _count(counts, e, hit)
        counts["extra"] += len([f for f in found if f not in matched and not _year(f)])
    return {**counts, "ms": round(took, 1)}


def _match(expected: Expected, found: list[Read]) -> Read | None:
    same = [f for f in found if math.isclose(f.value, expected[1], rel_tol=1e-9)]
    return next((f for f in same if f.unit == expected[2]), same[0] if same else None)


def _count(counts: dict[str, int], expected: Expected, hit: Read | None) -> None:
    text, _, unit, hedged = expected
    counts["amounts"] += 1
    counts["hedges"] += hedged
    if hit is None:
        return
    counts["value"] += 1
    counts["unit"] += hit.unit == unit
    counts["span"] += hit.text == text
    counts["hedged"] += hedged and hit.hedged


def _year(found: Read) -> bool:
    """quantulum3 reads years as numbers; they are not counted against it."""
    return found.unit == "" and found.value.is_integer() and 1900 <= found.value <= 2099


def main() -> int:
    rows = [("rules", score(rules))]
    try:
        rows.append(("quantulum3", score(quantulum)))
    except ImportError:
        print("quantulum3 is not installed: pip install quantulum3", file=sys.stderr)
    print("| reader | value | value + unit | exact span | hedges read | extra | ms |")
    print("|---|---|---|---|---|---|---|")
    for name, s in rows:
        n, h = s["amounts"], s["hedges"]
        print(
            f"| {name} | {s['value']}/{n} | {s['unit']}/{n} | {s['span']}/{n} | "
            f"{s['hedged']}/{h} | {s['extra']} | {s['ms']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
