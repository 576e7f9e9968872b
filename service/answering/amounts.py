"""Amounts in news text, each with the precision it states.

"$244.8 billion", "244.8 billion U.S. dollars", "nearly $250 billion", "at least 1,644 people",
"5.2 percent", "$82.40 a barrel": the value normalized (244.8e9 USD), and the interval of values
it allows, read from what is written:

- **Significant figures.** A number stands for the values that round to it: "244.8" for
  244.75–244.85, "250" for 245–255. Trailing zeros count down to two significant figures
  ("1,000" is 950–1,050, not 500–1,500).
- **Hedges.** "about", "around", "roughly", "some", "an estimated" widen it to at least ±2.5%
  of the value ("about 250" 243.75–256.25); "nearly", "almost", "close to", "just under" to at
  least 2.5% below and nothing above ("nearly $250 billion" 243.75–250 billion); "just over"
  the same above.
- **Bounds.** "more than", "over", "at least", "exceeding" are no upper bound; "less than",
  "under", "up to", "as many as" no lower one.

Years, dates and ordinals are no amounts ("in 2023", "May 7", "the 80th anniversary").
Measured against quantulum3 on tests/service/amount_cases.py (see docs/answers-and-chat.md,
"Figures across sources"): this reader is right where quantulum3 mistakes "244.8 billion U.S.
dollars" for atomic mass units and reads no hedges, and it loads nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

HEDGE_SHARE = 0.025  # how far "about"/"nearly" reach at least: 2.5% of the value

_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
    "b": 1e9, "trillion": 1e12, "tn": 1e12,
}  # fmt: skip
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a dozen": 12,
}  # fmt: skip
_SYMBOLS = {
    "us$": "USD", "u.s.$": "USD", "$": "USD", "hk$": "HKD", "c$": "CAD", "a$": "AUD",
    "€": "EUR", "£": "GBP", "¥": "CNY", "rmb": "CNY", "usd": "USD", "eur": "EUR", "gbp": "GBP",
    "cny": "CNY", "jpy": "JPY",
}  # fmt: skip
_CURRENCY_WORDS = {
    "dollar": "USD", "euro": "EUR", "yuan": "CNY", "renminbi": "CNY", "ruble": "RUB",
    "rouble": "RUB", "pound": "GBP", "yen": "JPY", "rupee": "INR", "won": "KRW",
}  # fmt: skip
_PHYSICAL = {
    "km": "km", "kilometer": "km", "kilometre": "km", "mile": "mi", "meter": "m", "metre": "m",
    "tonne": "t", "ton": "t", "metric ton": "t", "kg": "kg", "kilogram": "kg", "barrel": "barrel",
    "cubic meter": "m3", "cubic metre": "m3", "hectare": "ha", "mw": "MW", "megawatt": "MW",
    "gw": "GW", "gigawatt": "GW", "gwh": "GWh", "twh": "TWh",
}  # fmt: skip
_PER = r"(?:an?|per|/)\s?(barrel|ounce|tonne|ton|share|kilogram|kg|litre|liter|gallon|day|year)"
_HEDGES = {
    "about": "about", "around": "about", "roughly": "about", "approximately": "about",
    "some": "about", "an estimated": "about", "estimated": "about",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "just under": "nearly",
    "just over": "over", "more than": "min", "over": "min", "above": "min", "at least": "min",
    "upwards of": "min", "in excess of": "min", "exceeding": "min", "less than": "max",
    "fewer than": "max", "under": "max", "below": "max", "at most": "max", "up to": "max",
    "no more than": "max", "as many as": "max", "as much as": "max",
}  # fmt: skip


def _alternatives(words: object) -> str:
    ordered = sorted(words, key=len, reverse=True)  # type: ignore[call-overload]
    return "|".join(re.escape(str(w)) for w in ordered)


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT = re.compile(
    rf"(?:\b(?P<hedge>{_alternatives(_HEDGES)})\s+)?"
    rf"(?P<symbol>(?i:us\$|u\.s\.\s?\$|hk\$|c\$|a\$|rmb|usd|eur|gbp|cny|jpy)\s?|[$€£¥]\s?)?"
    rf"(?<![\w.,/-])(?:(?P<number>{_NUMBER})|(?P<word>{_alternatives(_WORD_NUMBERS)}))"
    r"(?=(?:bn|mn|tn|[kmb])\b|[^\w/]|$)(?![.,]\d|-\d|:\d)"
    r"(?:(?P<short>bn|mn|tn|[kmb])\b|-?\s?(?P<scale>thousand|million|billion|trillion|bn)\b)?"
    r"(?:\s(?P<currency>(?:U\.S\.\s|US\s|American\s|Hong\sKong\s)?dollars?|euros?|yuan"
    r"|renminbi|rubles?|roubles?|pounds?(?:\ssterling)?|yen|rupees?)\b)?"
    r"(?:\s?(?P<percent>%|percent\b|per\scent\b|percentage\spoints?\b|pct\b))?"
    r"(?:\s(?P<physical>cubic\smet(?:er|re)s?|metric\stons?|(?:kilomet(?:er|re)|met(?:er|re)"
    r"|mile|tonne|ton|kilogram|barrel|hectare|megawatt|gigawatt)s?|km|kg|mw|gw|gwh|twh)\b)?"
    rf"(?:\s(?P<per>{_PER})\b)?",
    re.IGNORECASE,
)
# What a bare count counts: a plural noun after it, with up to two words before that noun
# ("1,644 people", "40 times", "20 bilateral cooperation documents"), or a casualty word.
_WORD = re.compile(r"\s([a-z][a-z-]*)\b")
_PLURALS = frozenset("people children men women staff personnel police".split())
_CASUALTIES = frozenset("dead injured wounded missing killed".split())
_REFERRING = frozenset("the both these those their its our his her".split())
_NOT_NOUNS = frozenset(
    "this thus plus less across always perhaps whereas various previous was has his its is as us "
    "yes does goes towards afterwards besides sometimes unless the a an and or of in on at to for "
    "from by with were are have had will would".split()
)
_ORDINAL_OR_DATE = re.compile(
    r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s$"
)


@dataclass(frozen=True)
class Amount:
    start: int  # `text == sentence[start:end]`
    end: int
    text: str
    value: float  # normalized: 244.8e9 for "$244.8 billion"
    unit: str  # "USD", "%", "km", "USD/barrel"; "" for a count
    low: float | None  # the values it allows, as written; None: unbounded
    high: float | None
    hedge: str | None  # "nearly", "at least", … as written
    counted: str | None = None  # what a count counts: "people", "times"

    @property
    def approximate(self) -> bool:
        return self.hedge is not None

    @property
    def dimension(self) -> str:
        """What it can be compared with: a count of people with a bare count of deaths."""
        return self.unit or "count"


def read(sentence: str) -> list[Amount]:
    """The amounts in `sentence`, in order, with exact spans."""
    found = []
    for match in _AMOUNT.finditer(sentence):
        amount = _amount(match, sentence)
        if amount is not None:
            found.append(amount)
    return found


def _amount(match: re.Match[str], sentence: str) -> Amount | None:
    number, word = match["number"], match["word"]
    unit = _unit(match)
    scaled = match["scale"] or match["short"]
    if word is not None and not (unit or scaled or _counts(sentence, match)):
        return None  # "one of the …", "the two countries": a word number counts only a noun
    if _not_an_amount(match, sentence, unit):
        return None
    digits = number.replace(",", "") if number else str(_WORD_NUMBERS[word.lower()])
    scale = _SCALES[scaled.lower()] if scaled else 1.0
    value = float(digits) * scale
    step = _step(digits) * scale
    hedge = match["hedge"]
    low, high = _interval(value, step, _HEDGES[hedge.lower()] if hedge else None)
    end, counted = match.end(), None
    if not unit and (noun := _counted(sentence, end)):
        counted, end = noun
    text = sentence[match.start() : end]
    return Amount(match.start(), end, text, value, unit, low, high, hedge, counted)


def _counts(sentence: str, match: re.Match[str]) -> bool:
    """A word number that counts a noun, not one that refers to things ("the two leaders")."""
    previous = sentence[: match.start()].split()[-1:]
    if previous and previous[0].lower() in _REFERRING:
        return False
    return _counted(sentence, match.end()) is not None


def _not_an_amount(match: re.Match[str], sentence: str, unit: str) -> bool:
    """A year ("in 2023"), a day of a month ("May 7"), a bare number in a dateline."""
    if unit or match["scale"] or match["short"] or match["number"] is None:
        return False
    number = match["number"]
    if re.fullmatch(r"(?:1[89]|20)\d\d", number):
        return True
    return bool(_ORDINAL_OR_DATE.search(sentence, 0, match.start("number")))


def _counted(sentence: str, at: int) -> tuple[str, int] | None:
    """What a bare count at `at` counts, and where that noun ends."""
    words: list[str] = []
    for _ in range(3):
        word = _WORD.match(sentence, at)
        if word is None or word[1] in _NOT_NOUNS:
            return None
        words.append(word[1])
        at = word.end()
        if word[1] in _PLURALS or word[1] in _CASUALTIES or _plural(word[1]):
            return " ".join(words), at
        if len(words) == 1 and word[1].endswith(("ed", "ing")):
            return None
    return None


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _unit(match: re.Match[str]) -> str:
    """ "USD", "%", "pp", "km", "USD/barrel"; "" for a count."""
    unit = ""
    if match["symbol"]:
        unit = _SYMBOLS.get(re.sub(r"\s", "", match["symbol"].lower()), match["symbol"].strip())
    if match["currency"]:
        name = match["currency"].lower().split()[-1].rstrip("s")
        unit = _CURRENCY_WORDS.get(name, unit) if name != "sterling" else "GBP"
        if "hong kong" in match["currency"].lower():
            unit = "HKD"
    if match["percent"]:
        unit = "pp" if "point" in match["percent"].lower() else "%"
    if match["physical"]:
        name = " ".join(match["physical"].lower().split())
        unit = _PHYSICAL.get(name, _PHYSICAL.get(name.rstrip("s"), name))
    if match["per"] and unit:
        unit = f"{unit}/{match['per'].split()[-1].lower().lstrip('/')}"
    return unit


def _step(digits: str) -> float:
    """The rounding step of a number as written: 0.1 for "244.8", 10 for "250", 100 for
    "1000" (trailing zeros count down to two significant figures)."""
    exponent = Decimal(digits).normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    if "." in digits:
        return float(10 ** -len(digits.split(".")[1]))
    whole = digits.lstrip("0") or "0"
    floor = max(0, len(whole) - 2)  # at least two significant figures
    return float(10 ** min(max(exponent, 0), floor))


def _interval(value: float, step: float, hedge: str | None) -> tuple[float | None, float | None]:
    half = step / 2
    reach = max(half, HEDGE_SHARE * value)
    if hedge == "about":
        return value - reach, value + reach
    if hedge == "nearly":
        return value - reach, value
    if hedge == "over":
        return value, value + reach
    if hedge == "min":
        return value, None
    if hedge == "max":
        return None, value
    return value - half, value + half


def overlap(amounts: list[Amount]) -> bool:
    """Whether one value fits every amount as written: they agree."""
    lows = [a.low for a in amounts if a.low is not None]
    highs = [a.high for a in amounts if a.high is not None]
    if not lows or not highs:
        return True
    low, high = max(lows), min(highs)
    return low <= high or math.isclose(low, high, rel_tol=1e-9)
